/* disputed-maps page shell: layout of the controls, folding panels, framing, popups,
   mouse coordinates and layer groups. Project code (MIT). Reads only its own plain-HTML
   elements and a JSON blob; writes data only through textContent. Defines functions;
   geoFinish() runs at the end of the map script and sets window.__geoReady once every
   layer has been added.

   Layout: the four control corners share the map. Panels (the info panel, the layer
   list, the legend, the seam box) fold behind their <summary> and scroll inside their
   box; geoLayout() gives each corner a width and height that keep it clear of the
   others (top corners stop above the bottom ones, left and right never meet), stacks
   the banners at the top and puts the corners below them. On a narrow map (a phone)
   panels start folded and opening one folds the others. The map is fitted to its
   subject with padding for the panels, and popups auto-pan clear of them. */
(function () {
  "use strict";

  var GAP = 10; // Leaflet's control margin
  var NARROW = 700; // px: below this map width (or 500 px height) panels start folded
  var POPUP_MIN = 260;
  var POPUP_MAX = 420;
  var state = { map: null, view: null, fitting: false, moved: false, queued: false, refit: false };

  function corner(map, v, h) {
    return map.getContainer().querySelector(".leaflet-" + v + ".leaflet-" + h);
  }

  function narrow(map) {
    var size = map.getSize();
    return size.x < NARROW || size.y < 500;
  }

  function box(el) {
    return el ? el.getBoundingClientRect() : { left: 0, right: 0, top: 0, bottom: 0, width: 0, height: 0 };
  }

  /* ------------------------------------------------------------------ folding panels */

  function folds(map) {
    return Array.prototype.slice.call(map.getContainer().querySelectorAll(".geo-fold > details"));
  }

  function onToggle(map, details) {
    if (details.open && narrow(map)) {
      folds(map).forEach(function (other) {
        if (other !== details) other.open = false;
      });
    }
    scheduleLayout(map);
  }

  /* Make a control foldable: its content goes into <details> behind a <summary> label
     (an existing <details> child is used as it is). */
  function makeFold(map, control, label, open) {
    if (!control) return null;
    var details = control.querySelector(":scope > details");
    if (!details) {
      details = document.createElement("details");
      var summary = document.createElement("summary");
      summary.textContent = label;
      details.appendChild(summary);
      while (control.firstChild) details.appendChild(control.firstChild);
      control.appendChild(details);
    }
    control.classList.add("geo-fold");
    details.open = open;
    details.addEventListener("toggle", function () { onToggle(map, details); });
    return details;
  }

  /* ------------------------------------------------------------------ layout */

  function banners(map) {
    var top = 0;
    var list = document.querySelectorAll(".geo-banner");
    Array.prototype.forEach.call(list, function (b) {
      if (getComputedStyle(b).display === "none") return;
      b.style.top = top + "px";
      b.style.bottom = "auto";
      top += b.offsetHeight + 2;
    });
    map.getContainer().style.setProperty("--geo-top", top + "px");
    return top;
  }

  function flexible(cornerEl) {
    return Array.prototype.filter.call(cornerEl.children, function (c) {
      return c.classList.contains("geo-fold");
    });
  }

  /* Share `height` among the corner's panels: each gets its natural height up to a fair
     share, what a short one leaves goes to the others (water-filling). */
  function shareHeight(cornerEl, height) {
    var panels = flexible(cornerEl), fixed = 0;
    Array.prototype.forEach.call(cornerEl.children, function (c) {
      if (panels.indexOf(c) < 0) fixed += c.offsetHeight + GAP;
    });
    var free = Math.max(height - fixed, 0);
    var wants = panels.map(function (p) {
      p.style.maxHeight = "none";
      return { el: p, h: p.offsetHeight + GAP };
    }).sort(function (a, b) { return a.h - b.h; });
    /* The layer list first: it holds the switches, and is short (up to 75%). */
    wants.sort(function (a, b) {
      return (b.el.classList.contains("leaflet-control-layers") ? 1 : 0) -
        (a.el.classList.contains("leaflet-control-layers") ? 1 : 0);
    });
    var left = wants.length;
    wants.forEach(function (w) {
      if (left > 1 && w.el.classList.contains("leaflet-control-layers")) {
        var first = Math.min(w.h, free * 0.75);
        w.el.style.maxHeight = Math.floor(first - GAP) + "px";
        free -= first;
        left -= 1;
        return;
      }
      var share = Math.max(Math.min(w.h, free / left), 48 + GAP);
      w.el.style.maxHeight = Math.floor(share - GAP) + "px";
      free -= share;
      left -= 1;
    });
  }

  /* Keep the corner (its controls and their margin) within `width` px (geo.css reads
     --geo-cap in each control's max-width). */
  function capWidth(cornerEl, width) {
    cornerEl.style.setProperty("--geo-cap", Math.max(Math.floor(width - GAP), 100) + "px");
  }

  function layout(map) {
    state.queued = false;
    var el = map.getContainer(), W = el.clientWidth, H = el.clientHeight;
    el.classList.toggle("geo-narrow", narrow(map));
    var top = banners(map);
    var tl = corner(map, "top", "left"), tr = corner(map, "top", "right");
    var bl = corner(map, "bottom", "left"), br = corner(map, "bottom", "right");
    if (!tl || !tr || !bl || !br) return;
    // Widths: left and right corners of a row never meet (two passes: see README).
    [[tl, tr], [bl, br]].forEach(function (row) {
      var half = (W - GAP) / 2;
      capWidth(row[0], half);
      capWidth(row[1], half);
      var wl = row[0].offsetWidth, wr = row[1].offsetWidth;
      capWidth(row[0], W - GAP - wr);
      capWidth(row[1], W - GAP - wl);
    });
    // Bottom corners first (at most 45% of the height), then the top ones above them.
    var below = H - top;
    shareHeight(bl, below * 0.45);
    shareHeight(br, below * 0.45);
    var hbl = bl.offsetHeight, hbr = br.offsetHeight;
    var wtl = tl.offsetWidth, wtr = tr.offsetWidth, wbl = bl.offsetWidth, wbr = br.offsetWidth;
    var underTl = Math.max(hbl, wtl + wbr + GAP > W ? hbr : 0);
    var underTr = Math.max(hbr, wtr + wbl + GAP > W ? hbl : 0);
    shareHeight(tl, below - underTl - GAP);
    shareHeight(tr, below - underTr - GAP);
    /* Refit after a window resize only (not when a panel folds: the map would jump under
       the reader's pointer), and never once the reader has moved the map. */
    if (state.refit && !state.moved && state.view) fit(map);
    state.refit = false;
  }

  function scheduleLayout(map) {
    if (state.queued) return;
    state.queued = true;
    window.requestAnimationFrame(function () { layout(map); });
  }

  /* The box around a corner's controls, without the thin strips data may pass under
     (attribution, scale, mouse coordinates). */
  function panelBox(map, v, h) {
    var c = corner(map, v, h), out = null;
    if (!c) return box(null);
    Array.prototype.forEach.call(c.children, function (k) {
      if (k.matches(".leaflet-control-attribution, .leaflet-control-scale, .geo-coords")) return;
      var r = k.getBoundingClientRect();
      if (!r.width || !r.height) return;
      out = out ? { left: Math.min(out.left, r.left), right: Math.max(out.right, r.right),
                    top: Math.min(out.top, r.top), bottom: Math.max(out.bottom, r.bottom) } :
        { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    });
    if (!out) return box(null);
    out.width = out.right - out.left;
    out.height = out.bottom - out.top;
    return out;
  }

  /* Two ways to keep data and popups clear of the controls: "side" pads by the left and
     right columns, "rows" by the top and bottom rows. Each comes with the free box it
     leaves (w, h). */
  function paddings(map) {
    var el = map.getContainer(), r = el.getBoundingClientRect(), W = r.width, H = r.height;
    var top = parseFloat(el.style.getPropertyValue("--geo-top")) || 0;
    var tl = panelBox(map, "top", "left"), tr = panelBox(map, "top", "right");
    var bl = panelBox(map, "bottom", "left"), br = panelBox(map, "bottom", "right");
    var strip = box(el.querySelector(".leaflet-control-attribution")).height || 0;
    var left = Math.max(tl.height ? tl.right - r.left : 0, bl.height ? bl.right - r.left : 0);
    var right = Math.max(tr.height ? r.right - tr.left : 0, br.height ? r.right - br.left : 0);
    var upper = Math.max(tl.height ? tl.bottom - r.top : 0, tr.height ? tr.bottom - r.top : 0, top);
    var lower = Math.max(bl.height ? r.bottom - bl.top : 0, br.height ? r.bottom - br.top : 0);
    return {
      side: { tl: [left + GAP, top + GAP], br: [right + GAP, strip + GAP],
              w: W - left - right - 2 * GAP, h: H - top - strip - 2 * GAP },
      rows: { tl: [GAP, upper + GAP], br: [GAP, lower + GAP],
              w: W - 2 * GAP, h: H - upper - lower - 2 * GAP },
      none: { tl: [GAP, top + GAP], br: [GAP, GAP], w: W - 2 * GAP, h: H - top - 2 * GAP },
    };
  }

  /* The padding for a popup `need` px wide: beside the columns if it fits there, else
     between the rows, else only the window's edge. */
  function popupPadding(map, need) {
    var p = paddings(map);
    if (p.side.w >= need) return p.side;
    if (p.rows.h >= 200) return p.rows;
    return p.none;
  }

  /* ------------------------------------------------------------------ framing */

  /* Fit the subject into whichever free box shows it larger. */
  function fit(map) {
    var p = paddings(map), view = state.view;
    var a = map.project(view.getNorthWest(), 0), b = map.project(view.getSouthEast(), 0);
    var w = Math.max(b.x - a.x, 1e-9), h = Math.max(b.y - a.y, 1e-9);
    var scale = function (q) { return Math.min(q.w / w, q.h / h); };
    var best = scale(p.side) >= scale(p.rows) ? p.side : p.rows;
    if (best.w < 50 || best.h < 50) best = p.none;
    state.fitting = true;
    map.fitBounds(view, { paddingTopLeft: best.tl, paddingBottomRight: best.br, animate: false });
    state.fitting = false;
  }

  function resetControl(map) {
    var Control = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = L.DomUtil.create("div", "leaflet-bar leaflet-control geo-reset");
        var a = L.DomUtil.create("a", "geo-reset-view", bar);
        a.href = "#";
        a.title = "Reset view";
        a.setAttribute("role", "button");
        a.setAttribute("aria-label", "Reset view: back to the whole map");
        a.innerHTML =
          '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">' +
          '<path d="M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4" fill="none" stroke="currentColor" ' +
          'stroke-width="2"/><rect x="5" y="5" width="6" height="6" fill="currentColor"/></svg>';
        L.DomEvent.disableClickPropagation(bar);
        L.DomEvent.on(a, "click", function (e) {
          L.DomEvent.preventDefault(e);
          state.moved = false;
          map.closePopup();
          fit(map);
        });
        return bar;
      },
    });
    var control = new Control().addTo(map);
    /* Beside the zoom buttons it belongs to. */
    if (map.zoomControl && map.zoomControl.getContainer()) {
      map.zoomControl.getContainer().insertAdjacentElement("afterend", control.getContainer());
    }
    return control;
  }

  /* ------------------------------------------------------------------ popups */

  /* Popup sizes and auto-pan padding follow the map and its controls when the popup
     opens (getters on each popup's options; Leaflet reads them at every update). */
  function popupOptions() {
    L.Popup.addInitHook(function () {
      var o = this.options;
      function size() { return state.map ? state.map.getSize() : L.point(1024, 768); }
      function pad() {
        if (!state.map) return { tl: [GAP, GAP], br: [GAP, GAP] };
        return popupPadding(state.map, Math.min(POPUP_MAX, size().x - 4 * GAP));
      }
      var props = {
        minWidth: function () { return Math.min(POPUP_MIN, size().x - 4 * GAP); },
        maxWidth: function () { return Math.min(POPUP_MAX, size().x - 4 * GAP); },
        maxHeight: function () {
          var p = pad();
          return Math.max(size().y - p.tl[1] - p.br[1] - 6 * GAP, 160);
        },
        autoPanPaddingTopLeft: function () { return pad().tl; },
        autoPanPaddingBottomRight: function () { return pad().br; },
      };
      Object.keys(props).forEach(function (key) {
        Object.defineProperty(o, key, { get: props[key], configurable: true, enumerable: true });
      });
    });
    /* On a phone the panels fold away before a popup opens. */
    var onAdd = L.Popup.prototype.onAdd;
    L.Popup.include({
      onAdd: function (map) {
        if (narrow(map)) folds(map).forEach(function (d) { d.open = false; });
        return onAdd.call(this, map);
      },
    });
  }

  /* ------------------------------------------------------------------ small controls */

  function geoMouseCoordinates(map) {
    var Control = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "geo-coords leaflet-control");
        div.setAttribute("aria-hidden", "true");
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
    new Control().addTo(map);
    return el;
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

  function titleOf(el, selector, fallback) {
    var t = el && el.querySelector(selector);
    if (!t) return fallback;
    var text = t.textContent;
    t.remove();
    return text;
  }

  function geoFinish(map, opts) {
    state.map = map;
    window.__geoMap = map;
    var open = !narrow(map);
    /* Controls first in the tab order, before the map's own focusable features. */
    var controls = map.getContainer().querySelector(".leaflet-control-container");
    if (controls) map.getContainer().insertBefore(controls, map.getContainer().firstChild);
    resetControl(map);
    var panel = moveIntoControl(map, "geo-panel", "topleft");
    var layers = map.getContainer().querySelector(".leaflet-control-layers");
    var legend = moveIntoControl(map, "geo-legend", "topright");
    geoMouseCoordinates(map);
    groupHeadings(opts.groups || []);
    makeFold(map, panel, "About this map", open);
    makeFold(map, layers, "Layers", open);
    makeFold(map, legend, "Legend", open);
    Array.prototype.forEach.call(map.getContainer().querySelectorAll(".geo-seam"), function (s) {
      makeFold(map, s, titleOf(s, ".geo-seam-title", "Chart"), open);
    });
    if (opts.view) {
      state.view = L.latLngBounds(opts.view);
    }
    map.on("movestart zoomstart autopanstart popupopen", function () {
      if (!state.fitting) state.moved = true;
    });
    map.on("resize", function () {
      state.refit = true;
      scheduleLayout(map);
    });
    if (window.ResizeObserver) {
      var ro = new ResizeObserver(function () { scheduleLayout(map); });
      ["top", "bottom"].forEach(function (v) {
        ["left", "right"].forEach(function (h) {
          var c = corner(map, v, h);
          if (c) ro.observe(c);
        });
      });
      Array.prototype.forEach.call(document.querySelectorAll(".geo-banner"), function (b) {
        ro.observe(b);
      });
    }
    state.refit = true;
    layout(map);
    map._geoFinished = true;
    map.fire("geofinished"); /* layers waiting for the final view draw now */
    document.documentElement.setAttribute("data-geo-ready", "1");
    window.__geoReady = true;
  }

  if (window.L) popupOptions();
  window.geoFinish = geoFinish;
  /* For tests and the curious: the layout state and the paddings in use. */
  window.geoLayout = { state: state, paddings: function () { return paddings(state.map); },
    fit: function () { fit(state.map); } };
})();
