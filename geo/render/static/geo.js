/* disputed-maps page shell: mouse coordinates, legend and panel controls, layer groups.
   Project code (MIT). Reads only its own plain-HTML elements and a JSON blob; writes
   data only through textContent. Defines functions; geoFinish() runs at the end of
   the map script and sets window.__geoReady once every layer has been added. */
(function () {
  "use strict";

  function geoMouseCoordinates(map) {
    var Control = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "geo-coords leaflet-control");
        div.textContent = "lat, lon";
        map.on("mousemove", function (e) {
          div.textContent = e.latlng.lat.toFixed(5) + ", " + e.latlng.lng.toFixed(5);
        });
        map.on("mouseout", function () {
          div.textContent = "lat, lon";
        });
        return div;
      },
    });
    return new Control().addTo(map);
  }

  function moveIntoControl(map, id, position) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    var Control = L.Control.extend({
      options: { position: position },
      onAdd: function () {
        el.classList.add("leaflet-control");
        L.DomEvent.disableClickPropagation(el);
        L.DomEvent.disableScrollPropagation(el);
        return el;
      },
    });
    return new Control().addTo(map);
  }

  function groupHeadings(groups) {
    var overlays = document.querySelector(".leaflet-control-layers-overlays");
    var bases = document.querySelector(".leaflet-control-layers-base");
    function heading(text) {
      var h = document.createElement("div");
      h.className = "geo-layer-group";
      h.textContent = text;
      return h;
    }
    if (bases && bases.children.length > 0) {
      bases.insertBefore(heading("Base maps"), bases.firstChild);
    }
    if (!overlays) {
      return;
    }
    var labels = Array.prototype.slice.call(overlays.querySelectorAll(":scope > label"));
    var at = 0;
    groups.forEach(function (g) {
      if (labels[at]) {
        overlays.insertBefore(heading(g[0]), labels[at]);
      }
      at += g[1];
    });
  }

  function geoFinish(map, opts) {
    moveIntoControl(map, "geo-panel", "topleft");
    moveIntoControl(map, "geo-legend", "bottomright");
    geoMouseCoordinates(map);
    groupHeadings(opts.groups || []);
    document.documentElement.setAttribute("data-geo-ready", "1");
    window.__geoReady = true;
  }

  window.geoFinish = geoFinish;
})();
