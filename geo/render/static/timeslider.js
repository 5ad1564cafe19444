/* disputed-maps time slider (project code, inlined into map pages).
 * A Leaflet control over a GeoEvents controller: a range input and a play button
 * over the periods present, the period's label and event count, a cumulative
 * toggle and an "All" button. The number of visible events is written to the
 * control's data-visible-count attribute. Text is set with textContent only.
 */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  window.GeoTimeSlider = L.Control.extend({
    options: { position: "bottomleft", interval: 900 },

    initialize: function (events, options) {
      this._events = events;
      this._timer = null;
      L.setOptions(this, options);
    },

    onAdd: function () {
      var self = this, periods = this._events.periods();
      this._periods = periods;
      var box = el("div", "geo-timeslider leaflet-bar");
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", "Time slider by " + periods.unit);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      this._label = el("div", "geo-timeslider-label");
      this._roles = el("div", "geo-timeslider-roles");
      var controls = el("div", "geo-timeslider-controls");
      this._play = el("button", "geo-timeslider-play", "▶");
      this._play.type = "button";
      this._play.setAttribute("aria-label", "Play through the periods");
      this._range = el("input", "geo-timeslider-range");
      this._range.type = "range";
      this._range.min = "0";
      this._range.max = String(periods.labels.length - 1);
      this._range.step = "1";
      this._range.value = "0";
      this._range.setAttribute("aria-label", "Period");
      var all = el("button", "geo-timeslider-all", "All");
      all.type = "button";
      var cumLabel = el("label", "geo-timeslider-cumulative");
      this._cumulative = el("input");
      this._cumulative.type = "checkbox";
      cumLabel.appendChild(this._cumulative);
      cumLabel.appendChild(document.createTextNode(" cumulative"));
      controls.appendChild(this._play);
      controls.appendChild(this._range);
      controls.appendChild(all);
      box.appendChild(this._label);
      box.appendChild(this._roles);
      box.appendChild(controls);
      box.appendChild(cumLabel);
      this._box = box;
      this._range.addEventListener("input", function () { self.show(Number(self._range.value)); });
      this._cumulative.addEventListener("change", function () {
        if (self._current >= 0) self.show(self._current);
      });
      all.addEventListener("click", function () { self.stop(); self.showAll(); });
      this._play.addEventListener("click", function () { self.toggle(); });
      this.showAll();
      return box;
    },

    onRemove: function () {
      this.stop();
    },

    show: function (k) {
      var periods = this._periods, cumulative = this._cumulative.checked;
      var count = this._events.setPeriod(k, cumulative);
      this._current = k;
      this._range.value = String(k);
      var text = periods.labels[k] + ": " + periods.counts[k].toLocaleString("en") + " events";
      if (cumulative) text += " (" + count.toLocaleString("en") + " up to here)";
      this._label.textContent = text;
      this._box.setAttribute("data-period", String(k));
      this._box.setAttribute("data-visible-count", String(count));
      this._showRoles();
      return count;
    },

    /* The visible events per role (IS attacks, operations against IS, clashes), one line. */
    _showRoles: function () {
      var ev = this._events;
      if (!ev.roleCounts || !ev.p) { this._roles.textContent = ""; return; }
      var counts = ev.roleCounts(), parts = [];
      ev.roles.forEach(function (role) {
        if (counts[role.key]) parts.push(role.label + " " + counts[role.key].toLocaleString("en"));
      });
      this._roles.textContent = parts.join(" · ");
      this._box.setAttribute("data-role-counts", JSON.stringify(counts));
    },

    showAll: function () {
      var count = this._events.setPeriod(-1, false);
      this._current = -1;
      this._label.textContent = "All " + this._periods.labels.length + " " + this._periods.unit +
        "s: " + count.toLocaleString("en") + " events";
      this._box.setAttribute("data-period", "all");
      this._box.setAttribute("data-visible-count", String(count));
      this._showRoles();
      return count;
    },

    toggle: function () {
      if (this._timer) { this.stop(); return; }
      var self = this, last = this._periods.labels.length - 1;
      if (this._current < 0 || this._current >= last) this.show(0);
      this._play.textContent = "❚❚";
      this._timer = window.setInterval(function () {
        if (self._current >= last) { self.stop(); return; }
        self.show(self._current + 1);
      }, this.options.interval);
    },

    stop: function () {
      if (this._timer) window.clearInterval(this._timer);
      this._timer = null;
      if (this._play) this._play.textContent = "▶";
    },
  });
})();
