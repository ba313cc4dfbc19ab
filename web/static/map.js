// Interactive map of a plan (Leaflet). Without a tile URL it draws stops and routes on a plain
// background, so it needs no network; without JavaScript the server-drawn SVG stays in place.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") { return; }
  var colours = ["#0b5cad", "#b3261e", "#1b7f3a", "#8a4b00", "#6b3fa0", "#00707a"];
  fetch(box.dataset.source, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      box.innerHTML = "";
      box.classList.add("map-live");
      var map = L.map(box, { preferCanvas: false });
      if (box.dataset.tiles) {
        L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: "© OpenStreetMap" }).addTo(map);
      }
      var vehicleColour = {};
      data.bases.forEach(function (base, i) {
        vehicleColour[base.id] = colours[i % colours.length];
        L.circleMarker([base.lat, base.lon], { radius: 8, color: vehicleColour[base.id], fillOpacity: 1 })
          .bindTooltip(base.name).addTo(map);
      });
      (data.fixed_sites || []).forEach(function (site) {
        L.circleMarker([site.lat, site.lon], { radius: 6, color: "#6b7280", fillColor: "#9ca3af", fillOpacity: 1 })
          .bindTooltip(site.name).addTo(map);
      });
      data.routes.forEach(function (route) {
        L.polyline(route.path, { color: vehicleColour[route.vehicle] || "#333", weight: 2, opacity: 0.7 })
          .bindTooltip(route.date).addTo(map);
      });
      var bounds = [];
      data.stops.forEach(function (stop) {
        bounds.push([stop.lat, stop.lon]);
        L.circleMarker([stop.lat, stop.lon], {
          radius: 5, color: "#1d2733", fillColor: stop.served ? "#1d2733" : "#ffffff", fillOpacity: 1
        }).bindTooltip(stop.name + " — " + stop.venue).addTo(map);
      });
      data.bases.forEach(function (base) { bounds.push([base.lat, base.lon]); });
      if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); }
    })
    .catch(function () { /* keep the server-drawn map */ });
})();
