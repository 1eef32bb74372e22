// The coverage map (coverage/map.py): a schematic grid of the province's communes drawn with the vendored
// Leaflet in its plain (non-geographic) coordinate system, no tiles. Circles: area proportional to the commune's
// annual demand, coloured by the covered share; markers: providers.
(function () {
  "use strict";
  var box = document.getElementById("coverage-map");
  var source = document.getElementById("coverage-map-data");
  if (!box || !source || typeof L === "undefined") return;
  var data = JSON.parse(source.textContent);
  var labels = JSON.parse(document.getElementById("coverage-map-labels").textContent);
  var rows = Math.max(1, data.rows), cols = Math.max(1, data.columns);
  var map = L.map(box, { crs: L.CRS.Simple, minZoom: -1, maxZoom: 7, zoomSnap: 0.25, attributionControl: false });
  var bounds = [[-rows + 0.5, -0.5], [0.5, cols - 0.5]];
  map.fitBounds(bounds, { padding: [10, 10] });
  var fmt = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
  function colour(c) {
    if (!c.demand) return "#adb5bd";
    var share = c.covered / c.demand;
    return share >= 0.85 ? "#198754" : share >= 0.5 ? "#fd7e14" : "#dc3545";
  }
  data.communes.forEach(function (c) {
    // radius in grid units (a cell is 1 × 1): the largest demand fills its cell; area ∝ demand
    var radius = data.peak && c.demand ? Math.max(0.05, 0.48 * Math.sqrt(c.demand / data.peak)) : 0.05;
    L.circle([-c.y, c.x], {
      radius: radius, color: colour(c), fillColor: colour(c), fillOpacity: 0.55, weight: 1,
    }).bindTooltip(
      c.name + "<br>" + labels.demand + ": " + fmt.format(c.demand) + "<br>" + labels.covered + ": " +
        fmt.format(c.covered) + (c.percent !== null ? " (" + fmt.format(Number(c.percent)) + " %)" : "")
    ).addTo(map);
  });
  var icon = L.divIcon({ className: "coverage-provider", html: "\u25B2", iconSize: [16, 16] });
  var shift = {};
  data.providers.forEach(function (p) {
    if (p.x === null) return;
    var key = p.x + "," + p.y, k = shift[key] = (shift[key] || 0) + 1;
    L.marker([-p.y + 0.28, p.x - 0.3 + 0.15 * (k - 1)], { icon: icon, keyboard: false })
      .bindTooltip(labels.provider + ": " + p.name).addTo(map);
  });
})();
