/* disputed-maps event layers (project code, inlined into each map page).
 * GeoEvents decodes the compact blob written by geo/render/events.py, draws the
 * points on one canvas (or in leaflet.markercluster clusters), the heat layer and
 * the grid cells, and builds popups and tooltips with DOM text nodes only: data
 * never reaches innerHTML, and links are kept only when their protocol is http(s).
 */
(function () {
  "use strict";

  var ARRAYS = { u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, i4: Int32Array };
  var RADIUS = 5;
  var HIT = 8;

  /* Columns are little-endian typed arrays in base64 (every browser we target is LE). */
  function unpack(col) {
    var bin = atob(col.b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new ARRAYS[col.t](bytes.buffer);
  }

  function isoDate(epochDay) {
    return new Date(epochDay * 86400000).toISOString().slice(0, 10);
  }

  function httpUrl(value) {
    if (!value) return "";
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
    } catch (err) {
      return "";
    }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function addRow(dl, label, value) {
    if (value === undefined || value === null || value === "") return null;
    dl.appendChild(el("dt", null, label));
    var dd = typeof value === "string" || typeof value === "number" ? el("dd", null, value) : el("dd");
    if (typeof value === "object") dd.appendChild(value);
    dl.appendChild(dd);
    return dd;
  }

  function fatalities(fat) {
    var best = fat[0], low = fat[1], high = fat[2];
    if (best === null && low === null && high === null) return "unknown";
    var text = best === null ? "" : String(best);
    if (low !== null && high !== null && (low !== best || high !== best)) {
      text += (text ? " " : "") + "(" + low + "–" + high + ")";
    }
    return text;
  }

  function periodOf(starts, day) {
    var lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= day) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function gridClass(count, nColors) {
    return Math.min(Math.floor(Math.log10(Math.max(count, 1))), nColors - 1);
  }

  /* An SVG path (or canvas path) of a marker shape of radius r centred on (x, y). */
  function shapePath(shape, x, y, r) {
    if (shape === "triangle") {
      var h = r * 1.15;
      return "M" + x + " " + (y - h) + "L" + (x + h) + " " + (y + h * 0.75) + "L" +
        (x - h) + " " + (y + h * 0.75) + "Z";
    }
    if (shape === "square") {
      var s = r * 0.9;
      return "M" + (x - s) + " " + (y - s) + "H" + (x + s) + "V" + (y + s) + "H" + (x - s) + "Z";
    }
    if (shape === "diamond") {
      var d = r * 1.2;
      return "M" + x + " " + (y - d) + "L" + (x + d) + " " + y + "L" + x + " " + (y + d) + "L" +
        (x - d) + " " + y + "Z";
    }
    return "M" + (x - r) + " " + y + "A" + r + " " + r + " 0 1 0 " + (x + r) + " " + y +
      "A" + r + " " + r + " 0 1 0 " + (x - r) + " " + y + "Z";
  }

  /* ------------------------------------------------------------------ controller */

  function GeoEvents(map, blob, options) {
    this.map = map;
    this.options = options;
    this.classes = blob.classes || [];
    this.layers = {};
    this.period = -1;
    this.cumulative = false;
    if (!map.getPane(options.pane)) map.createPane(options.pane);
    this.renderer = L.canvas({ pane: options.pane });
    if (blob.points) this._decodePoints(blob.points);
    if (blob.grid) this.g = blob.grid;
    this.visibleCount = this.total();
    this.roles = blob.roles || [];
    if (options.events && this.p) {
      var self = this;
      if (options.draw === "cluster") this.markers = new Array(this.n);
      (options.roles || []).forEach(function (key) {
        var r = self.roleIndex(key);
        self.layers["events:" + key] = options.draw === "cluster" ? self._clusterLayer(r) :
          new CanvasLayer(self, { pane: options.pane, role: r });
      });
    }
    if (options.heat) this.layers.heat = L.heatLayer(this._heatPoints(), this._heatOptions());
    if (options.grid && this.g) this.layers.grid = this._gridLayer();
    (window.__geoEventLayers = window.__geoEventLayers || []).push(this);
  }

  GeoEvents.prototype.roleIndex = function (key) {
    for (var r = 0; r < this.roles.length; r++) if (this.roles[r].key === key) return r;
    return -1;
  };

  /* The event layers (one per role) as a list. */
  GeoEvents.prototype.eventLayers = function () {
    var layers = this.layers;
    return Object.keys(layers).filter(function (k) { return k.indexOf("events:") === 0; })
      .map(function (k) { return layers[k]; });
  };

  /* The layer that draws event i (its role's). */
  GeoEvents.prototype.layerOf = function (i) {
    return this.layers["events:" + this.roles[this.c.role[i]].key];
  };

  /* Visible events per role key, for the current period. */
  GeoEvents.prototype.roleCounts = function () {
    var out = {}, i;
    for (i = 0; i < this.roles.length; i++) out[this.roles[i].key] = 0;
    if (!this.p) return out;
    for (i = 0; i < this.n; i++) if (this.visible[i]) out[this.roles[this.c.role[i]].key] += 1;
    return out;
  };

  GeoEvents.prototype._decodePoints = function (p) {
    var c = {}, n = p.n, i;
    Object.keys(p.cols).forEach(function (key) { c[key] = unpack(p.cols[key]); });
    this.p = p;
    this.c = c;
    this.n = n;
    this.lat = new Float64Array(n);
    this.lng = new Float64Array(n);
    this.area = new Uint8Array(n);
    this.visible = new Uint8Array(n).fill(1);
    var areaCode = p.dicts.prec.map(function (r) { return r[1] === "area" ? 1 : 0; });
    for (i = 0; i < n; i++) {
      this.lat[i] = c.y[i] / p.scale;
      this.lng[i] = c.x[i] / p.scale;
      this.area[i] = areaCode[c.prec[i]];
    }
    if (p.periods) {
      this.per = new Uint32Array(n);
      for (i = 0; i < n; i++) this.per[i] = periodOf(p.periods.starts, p.day0 + c.day[i]);
    }
    /* Draw groups per role: area centroids first (below), then by colour class. */
    var groups = {};
    for (i = 0; i < n; i++) {
      var key = c.role[i] * 10000 + (1 - this.area[i]) * 1000 + c.cls[i];
      (groups[key] = groups[key] || []).push(i);
    }
    this.groups = Object.keys(groups).map(Number).sort(function (a, b) { return a - b; })
      .map(function (key) {
        return {
          role: Math.floor(key / 10000), area: key % 10000 < 1000, cls: key % 1000,
          idx: Int32Array.from(groups[key]),
        };
      });
  };

  GeoEvents.prototype.total = function () {
    return this.p ? this.p.n : this.g ? this.g.n : 0;
  };

  GeoEvents.prototype.periods = function () {
    return (this.p && this.p.periods) || (this.g && this.g.periods) || null;
  };

  GeoEvents.prototype.shape = function (r) {
    return (this.roles[r] || { shape: "circle" }).shape;
  };

  GeoEvents.prototype.color = function (i) {
    var cls = this.classes[this.c.cls[i]];
    return cls ? cls.color : "#999999";
  };

  /* Show one period (k >= 0), the periods up to k (cumulative), or all (k < 0). */
  GeoEvents.prototype.setPeriod = function (k, cumulative) {
    if (k === this.period && (k < 0 || !!cumulative === this.cumulative)) return this.visibleCount;
    this.period = k;
    this.cumulative = !!cumulative;
    var count = 0, i;
    if (this.p) {
      for (i = 0; i < this.n; i++) {
        var on = k < 0 || !this.per || (cumulative ? this.per[i] <= k : this.per[i] === k);
        this.visible[i] = on ? 1 : 0;
        count += on ? 1 : 0;
      }
    }
    if (this.g) {
      var gridCount = this._gridCounts(k, cumulative);
      if (!this.p) count = gridCount;
    }
    this.visibleCount = count;
    this.shown = (this.shown || 0) + 1; /* what the canvas layers drew is out of date */
    this.eventLayers().forEach(function (layer) { if (layer.refresh) layer.refresh(); });
    if (this.layers.heat) this.layers.heat.setLatLngs(this._heatPoints());
    if (this.layers.grid) this._styleGrid();
    return count;
  };

  /* ------------------------------------------------------------------ popups */

  GeoEvents.prototype.popup = function (i) {
    var p = this.p, c = this.c, d = p.dicts;
    var kind = d.kind[c.kind[i]], actors = d.actors[c.actors[i]], place = d.place[c.place[i]];
    var prec = d.prec[c.prec[i]], src = d.src[c.src[i]], fat = d.fat[c.fat[i]];
    var root = el("div", "geo-popup");
    var role = this.roles[c.role[i]] || { key: "unknown" };
    if (role.key !== "none" && role.key !== "unknown") {
      root.appendChild(el("div", "geo-popup-role geo-role-" + role.key, d.head[c.head[i]][0]));
    }
    root.appendChild(el("div", "geo-popup-title", kind[0] + (kind[1] ? " — " + kind[1] : "")));
    var dl = el("dl");
    root.appendChild(dl);
    if (src[2]) addRow(dl, "Status", src[2]);
    var day = p.day0 + c.day[i], date = isoDate(day);
    if (c.span[i] > 0) date += " to " + isoDate(day + c.span[i]);
    if (prec[0] && prec[0] !== "day") date += " (known to the " + prec[0] + ")";
    addRow(dl, "Date", date);
    addRow(dl, "Actors", [actors[0], actors[1]].filter(Boolean).join(" — "));
    addRow(dl, "Fatalities", fatalities(fat));
    addRow(dl, "Location", place[0]);
    addRow(dl, "Admin areas", [place[1], place[2], place[3]].filter(Boolean).join(", "));
    addRow(dl, "Location precision", (prec[1] || "unknown") + (prec[2] ? " (" + prec[2] + ")" : ""));
    if (p.text && p.text.notes) {
      var notes = addRow(dl, "Notes", p.text.notes[i]);
      if (notes) notes.className = "geo-popup-notes";
    } else {
      addRow(dl, "Notes", "Left out at this map size; see the joined table (dataset and line below).");
    }
    var record = (src[0] || "dataset") + ", line " + c.row[i];
    if (p.text && p.text.id && p.text.id[i]) record += " (id " + p.text.id[i] + ")";
    addRow(dl, "Record", record);
    var href = httpUrl(d.url[c.url[i]][0]);
    if (href) {
      var link = el("a", "geo-source-link", src[1] || href);
      link.setAttribute("href", href);
      link.setAttribute("target", "_blank");
      link.setAttribute("rel", "noopener noreferrer");
      addRow(dl, "Source", link);
    } else {
      addRow(dl, "Source", src[1]);
    }
    return root;
  };

  GeoEvents.prototype.tooltip = function (i) {
    var d = this.p.dicts, c = this.c, role = this.roles[c.role[i]] || { key: "unknown" };
    var what = role.key === "none" || role.key === "unknown" ? d.kind[c.kind[i]][0] :
      d.head[c.head[i]][0];
    var parts = [isoDate(this.p.day0 + c.day[i]), what, d.place[c.place[i]][0]];
    return el("div", "geo-tooltip", parts.filter(Boolean).join(" · "));
  };

  /* ------------------------------------------------------------------ clusters */

  /* One marker icon: the role's shape (an SVG built with DOM calls, no data in it). */
  GeoEvents.prototype._icon = function (color, area, shape) {
    var size = 2 * RADIUS + 6, ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", String(size));
    svg.setAttribute("height", String(size));
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", shapePath(shape, size / 2, size / 2, RADIUS + (area ? 1 : 0)));
    path.setAttribute("fill", area ? "none" : color);
    path.setAttribute("fill-opacity", "0.9");
    path.setAttribute("stroke", area ? color : "#ffffff");
    path.setAttribute("stroke-width", area ? "2" : "1");
    if (area) path.setAttribute("stroke-dasharray", "3,2");
    svg.appendChild(path);
    var box = document.createElement("div");
    box.appendChild(svg);
    return L.divIcon({ html: box, className: "geo-event-icon geo-shape-" + shape,
      iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
  };

  /* The cluster layer of one role (r); markers are shared in this.markers by event. */
  GeoEvents.prototype._clusterLayer = function (r) {
    var self = this, pane = this.options.pane, mine = [];
    /* Not chunked: the page fits its view once the controls are laid out, and a
     * markercluster still loading in chunks breaks on that zoom (1.1.0). */
    var group = L.markerClusterGroup({
      clusterPane: pane, showCoverageOnHover: false, maxClusterRadius: 45,
    });
    var icons = {};
    for (var i = 0; i < this.n; i++) {
      if (this.c.role[i] !== r) continue;
      var color = this.color(i), area = this.area[i] === 1, key = color + (area ? "/a" : "/p");
      icons[key] = icons[key] || this._icon(color, area, this.shape(r));
      var marker = L.marker([this.lat[i], this.lng[i]], { pane: pane, icon: icons[key], geoIndex: i });
      marker.bindPopup(function (layer) { return self.popup(layer.options.geoIndex); },
        { maxWidth: 340, className: "geo-event-popup" });
      marker.bindTooltip(function (layer) { return self.tooltip(layer.options.geoIndex); },
        { direction: "top", offset: [0, -6] });
      this.markers[i] = marker;
      mine.push(i);
    }
    group.refresh = function () {
      group.clearLayers();
      group.addLayers(mine.filter(function (i) { return self.visible[i] === 1; })
        .map(function (i) { return self.markers[i]; }));
    };
    group.addLayers(mine.map(function (i) { return self.markers[i]; }));
    return group;
  };

  /* ------------------------------------------------------------------ heat and grid */

  GeoEvents.prototype._heatPoints = function () {
    var out = [], i;
    if (this.p) {
      for (i = 0; i < this.n; i++) if (this.visible[i]) out.push([this.lat[i], this.lng[i]]);
      return out;
    }
    var g = this.g, counts = this.cellCounts || g.count, half = g.deg / 2;
    for (i = 0; i < counts.length; i++) {
      if (counts[i]) out.push([g.j[i] * g.deg + half, g.i[i] * g.deg + half, counts[i]]);
    }
    return out;
  };

  GeoEvents.prototype._heatOptions = function () {
    var max = 1;
    if (!this.p && this.g) max = Math.max.apply(null, [1].concat(this.g.count));
    return { radius: 14, blur: 18, minOpacity: 0.3, maxZoom: 10, max: max };
  };

  GeoEvents.prototype._gridCounts = function (k, cumulative) {
    var g = this.g, total = 0;
    if (k < 0 || !g.periods) {
      this.cellCounts = g.count.slice();
    } else {
      var per = g.periods, counts = new Array(g.count.length).fill(0);
      for (var q = cumulative ? 0 : k; q <= k; q++) {
        for (var t = per.offsets[q]; t < per.offsets[q + 1]; t++) counts[per.cell[t]] += per.cellCount[t];
      }
      this.cellCounts = counts;
    }
    for (var i = 0; i < this.cellCounts.length; i++) total += this.cellCounts[i];
    return total;
  };

  GeoEvents.prototype._gridLayer = function () {
    var self = this, g = this.g, group = L.featureGroup();
    this.cellCounts = g.count.slice();
    this.cells = [];
    for (var k = 0; k < g.count.length; k++) {
      var south = g.j[k] * g.deg, west = g.i[k] * g.deg;
      var rect = L.rectangle([[south, west], [south + g.deg, west + g.deg]], {
        renderer: this.renderer, pane: this.options.pane, weight: 0.5, color: "#555555",
        geoCell: k,
      });
      rect.bindTooltip(function (layer) {
        return el("div", "geo-tooltip", self.cellCounts[layer.options.geoCell] + " events");
      });
      rect.bindPopup(function (layer) { return self._cellPopup(layer.options.geoCell); });
      this.cells.push(rect);
      group.addLayer(rect);
    }
    this._styleGrid();
    return group;
  };

  GeoEvents.prototype._styleGrid = function () {
    var colors = this.options.gridColors;
    for (var k = 0; k < this.cells.length; k++) {
      var count = this.cellCounts[k];
      this.cells[k].setStyle(count ? {
        opacity: 0.6, fillOpacity: 0.7, fillColor: colors[gridClass(count, colors.length)],
      } : { opacity: 0, fillOpacity: 0 });
    }
  };

  GeoEvents.prototype._cellPopup = function (k) {
    var g = this.g, root = el("div", "geo-popup"), dl = el("dl");
    var south = g.j[k] * g.deg, west = g.i[k] * g.deg;
    root.appendChild(el("div", "geo-popup-title", "Grid cell " + g.deg + "°"));
    root.appendChild(dl);
    addRow(dl, "Events", String(this.cellCounts[k]));
    addRow(dl, "Events, all periods", String(g.count[k]));
    addRow(dl, "Fatalities, all periods", String(g.fatalities[k]));
    addRow(dl, "South-west corner", south.toFixed(1) + "° N, " + west.toFixed(1) + "° E");
    return root;
  };

  /* ------------------------------------------------------------------ canvas points */

  var CanvasLayer = L.Layer.extend({
    initialize: function (ctrl, options) {
      this._ctrl = ctrl;
      L.setOptions(this, options);
    },

    onAdd: function (map) {
      var ctrl = this._ctrl, crs = map.options.crs;
      this._map = map;
      this._canvas = L.DomUtil.create("canvas", "geo-events-canvas leaflet-zoom-hide",
        map.getPane(this.options.pane));
      var role = ctrl.roles[this.options.role];
      this._canvas.setAttribute("data-role", role ? role.key : "");
      this._x0 = new Float64Array(ctrl.n);
      this._y0 = new Float64Array(ctrl.n);
      for (var i = 0; i < ctrl.n; i++) {
        var pt = crs.latLngToPoint(L.latLng(ctrl.lat[i], ctrl.lng[i]), 0);
        this._x0[i] = pt.x;
        this._y0[i] = pt.y;
      }
      this._sx = new Float32Array(ctrl.n);
      this._sy = new Float32Array(ctrl.n);
      this._stamp = 0;
      this._drawn = null; /* a new canvas: draw whatever the view */
      this._tip = L.tooltip({ direction: "top", offset: [0, -6] });
      map.on("moveend viewreset resize", this.refresh, this);
      /* Listen on the map's element, not the map: Leaflet does not pass a click on a
       * polygon below the points on to the map. */
      L.DomEvent.on(map.getContainer(), "click", this._onClick, this);
      L.DomEvent.on(map.getContainer(), "mousemove", this._onMove, this);
      /* On a page that fits its view once every layer is on (geoFinish), drawing the
       * initial view first would be thrown away: wait for the fit. */
      if (window.__geoFinishPending && !map._geoFinished) {
        map.once("geofinished", this.refresh, this);
      } else {
        this.refresh();
      }
    },

    onRemove: function (map) {
      map.off("moveend viewreset resize geofinished", this.refresh, this);
      L.DomEvent.off(map.getContainer(), "click", this._onClick, this);
      L.DomEvent.off(map.getContainer(), "mousemove", this._onMove, this);
      map.closeTooltip(this._tip);
      L.DomUtil.remove(this._canvas);
      this._map = null;
    },

    refresh: function () {
      var map = this._map;
      if (!map) return;
      var ctrl = this._ctrl, canvas = this._canvas, size = map.getSize();
      var ratio = window.devicePixelRatio || 1;
      var topLeft = map.containerPointToLayerPoint([0, 0]);
      /* One view change fires several events (viewreset, moveend, resize): the points
       * are drawn once per view and period, not once per event. */
      var origin = map.getPixelOrigin();
      var view = [map.getZoom(), origin.x, origin.y, topLeft.x, topLeft.y, size.x, size.y,
        ratio, ctrl.shown || 0].join(" ");
      if (view === this._drawn) return;
      this._drawn = view;
      this._topLeft = topLeft;
      L.DomUtil.setPosition(canvas, topLeft);
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var crs = map.options.crs, scale = crs.scale(map.getZoom()) / crs.scale(0);
      var ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;
      var sx = this._sx, sy = this._sy, pad = RADIUS + 4, i, g, k;
      /* Stamps land on whole pixels, and a stamp of the same group already on that pixel is
       * not drawn again (it would change nothing visible): at country zoom most of 100,000
       * events share a few thousand pixels. Every one stays in sx/sy for hovering. */
      var w = size.x, h = size.y;
      if (!this._seen || this._seen.length !== w * h) this._seen = new Int32Array(w * h);
      var seen = this._seen;
      sx.fill(NaN);
      for (g = 0; g < ctrl.groups.length; g++) {
        var group = ctrl.groups[g], idx = group.idx, stamp = ++this._stamp;
        if (group.role !== this.options.role) continue;
        var color = (ctrl.classes[group.cls] || { color: "#999999" }).color;
        var sprite = this._sprite(color, group.area, ratio, ctrl.shape(group.role));
        var half = sprite.width / ratio / 2;
        for (k = 0; k < idx.length; k++) {
          i = idx[k];
          if (!ctrl.visible[i]) continue;
          var x = this._x0[i] * scale - ox, y = this._y0[i] * scale - oy;
          if (x < -pad || y < -pad || x > w + pad || y > h + pad) continue;
          sx[i] = x;
          sy[i] = y;
          var px = Math.round(x), py = Math.round(y);
          if (px >= 0 && py >= 0 && px < w && py < h) {
            if (seen[py * w + px] === stamp) continue;
            seen[py * w + px] = stamp;
          }
          ctx.drawImage(sprite, px - half, py - half, 2 * half, 2 * half);
        }
      }
      canvas.setAttribute("data-drawn", String(this._countDrawn()));
    },

    /* One small pre-drawn marker per colour and kind: filled with a white rim, or
     * hollow with a dashed ring for area centroids. Stamping it is much cheaper than
     * stroking 100,000 arcs. */
    _sprite: function (color, area, ratio, shape) {
      var key = color + (area ? "/area/" : "/point/") + ratio + "/" + shape;
      this._sprites = this._sprites || {};
      if (this._sprites[key]) return this._sprites[key];
      var r = RADIUS + (area ? 1 : 0), side = Math.ceil((2 * r * 1.25 + 4) * ratio);
      var sprite = document.createElement("canvas");
      sprite.width = side;
      sprite.height = side;
      var ctx = sprite.getContext("2d");
      ctx.scale(ratio, ratio);
      ctx.beginPath();
      if (shape && shape !== "circle") {
        var path = new Path2D(shapePath(shape, side / ratio / 2, side / ratio / 2, r));
        if (area) {
          ctx.setLineDash([3, 2]);
          ctx.lineWidth = 2;
          ctx.strokeStyle = color;
          ctx.stroke(path);
        } else {
          ctx.globalAlpha = 0.9;
          ctx.fillStyle = color;
          ctx.fill(path);
          ctx.globalAlpha = 1;
          ctx.lineWidth = 1;
          ctx.strokeStyle = "#ffffff";
          ctx.stroke(path);
        }
        this._sprites[key] = sprite;
        return sprite;
      }
      ctx.arc(side / ratio / 2, side / ratio / 2, r, 0, 2 * Math.PI);
      if (area) {
        ctx.setLineDash([3, 2]);
        ctx.lineWidth = 2;
        ctx.strokeStyle = color;
        ctx.stroke();
      } else {
        ctx.globalAlpha = 0.9;
        ctx.fillStyle = color;
        ctx.fill();
        ctx.globalAlpha = 1;
        ctx.lineWidth = 1;
        ctx.strokeStyle = "#ffffff";
        ctx.stroke();
      }
      this._sprites[key] = sprite;
      return sprite;
    },

    _countDrawn: function () {
      var drawn = 0;
      for (var i = 0; i < this._sx.length; i++) if (this._sx[i] === this._sx[i]) drawn++;
      return drawn;
    },

    /* The nearest drawn event within HIT pixels of a mouse event on the map, or -1. */
    _hit: function (e) {
      var map = this._map, target = e.target;
      if (!map || (target.closest && target.closest(".leaflet-control-container, .leaflet-popup-pane"))) {
        return -1;
      }
      if (map.dragging && map.dragging.moved()) return -1;
      var containerPoint = map.mouseEventToContainerPoint(e);
      var lp = this._map.containerPointToLayerPoint(containerPoint);
      var x = lp.x - this._topLeft.x, y = lp.y - this._topLeft.y;
      var best = -1, bestD = HIT * HIT, sx = this._sx, sy = this._sy;
      for (var i = 0; i < sx.length; i++) {
        var dx = sx[i] - x, dy = sy[i] - y, dd = dx * dx + dy * dy;
        if (dd <= bestD) { best = i; bestD = dd; }
      }
      return best;
    },

    /* Points sit above every polygon, so their popup wins: it opens after the
     * click has reached the layers below (which may open their own). */
    _onClick: function (e) {
      var i = this._hit(e), ctrl = this._ctrl, map = this._map;
      if (i < 0) return;
      window.setTimeout(function () {
        L.popup({ maxWidth: 340, className: "geo-event-popup" })
          .setLatLng([ctrl.lat[i], ctrl.lng[i]])
          .setContent(ctrl.popup(i))
          .openOn(map);
      }, 0);
    },

    _onMove: function (e) {
      var i = this._hit(e), ctrl = this._ctrl, map = this._map;
      var hover = ctrl._hover = ctrl._hover || {};
      hover[this.options.role] = i >= 0;
      map.getContainer().classList.toggle("geo-events-hover",
        Object.keys(hover).some(function (k) { return hover[k]; }));
      if (i < 0) {
        map.closeTooltip(this._tip);
        return;
      }
      this._tip.setLatLng([ctrl.lat[i], ctrl.lng[i]]).setContent(ctrl.tooltip(i));
      if (!map.hasLayer(this._tip)) map.openTooltip(this._tip);
    },
  });

  window.GeoEvents = GeoEvents;
  window.GeoEvents.CanvasLayer = CanvasLayer;
})();
