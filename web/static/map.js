// Interactive map of a plan (Leaflet). Without a tile URL it draws the communes shaded by
// access, the département's outline, stops (labelled), routes and a legend on a plain
// background, so it needs no network; with tiles the shading lies semi-transparent over
// them. Without JavaScript the server-drawn SVG stays in place.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") { return; }
  var colours = ["#0b5cad", "#b3261e", "#1b7f3a", "#8a4b00", "#6b3fa0", "#00707a"];
  var ink = "#1d2733";
  var fixedSiteColour = "#6b7280";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  // One legend line: a symbol (styled through the CSSOM: the page's policy forbids
  // inline style attributes) and its words.
  function legendLine(list, symbolClass, styles, words) {
    var item = element("li");
    var symbol = element("span", "map-symbol " + symbolClass);
    symbol.setAttribute("aria-hidden", "true");
    Object.keys(styles).forEach(function (key) { symbol.style[key] = styles[key]; });
    item.appendChild(symbol);
    item.appendChild(element("span", "", words));
    list.appendChild(item);
  }

  function legendControl(data, vehicleColour) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var words = data.legend;
      var panel = element("details", "map-legend");
      panel.open = box.clientWidth >= 560;  // folded on a phone, where it would hide the map
      panel.appendChild(element("summary", "", words.title));
      var list = element("ul");
      if (data.land) {
        data.land.classes.forEach(function (entry) {
          legendLine(list, "map-swatch access-" + entry.access, { backgroundColor: entry.colour }, entry.label);
        });
        legendLine(list, "map-line", { borderTopColor: ink }, words.outline);
      }
      legendLine(list, "map-dot", { backgroundColor: ink, borderColor: ink }, words.served);
      legendLine(list, "map-dot", { backgroundColor: "#ffffff", borderColor: ink }, words.unserved);
      if ((data.fixed_sites || []).length) {
        legendLine(list, "map-dot", { backgroundColor: "#9ca3af", borderColor: fixedSiteColour }, words.fixed_site);
      }
      data.bases.forEach(function (base) {
        legendLine(list, "map-line", { borderTopColor: vehicleColour[base.id] }, words.vehicles[base.id]);
      });
      panel.appendChild(list);
      L.DomEvent.disableClickPropagation(panel);
      L.DomEvent.disableScrollPropagation(panel);
      return panel;
    };
    return control;
  }

  // Permanent labels that would overlap an earlier one are hidden, until a zoom frees room.
  function declutter(labels) {
    var shown = [];
    labels.forEach(function (marker) {
      var tooltip = marker.getTooltip();
      var node = tooltip && tooltip.getElement();
      if (!node) { return; }
      node.classList.remove("stop-label-hidden");
      var r = node.getBoundingClientRect();
      var clash = shown.some(function (s) {
        return r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom;
      });
      if (clash) { node.classList.add("stop-label-hidden"); } else { shown.push(r); }
    });
  }

  fetch(box.dataset.source, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      box.innerHTML = "";
      box.classList.add("map-live");
      var tiles = box.dataset.tiles;
      var map = L.map(box, { preferCanvas: false, zoomSnap: 0.25, zoomDelta: 0.5 });
      if (tiles) {
        L.tileLayer(tiles, { maxZoom: 18, attribution: "© OpenStreetMap" }).addTo(map);
      }
      // The view first: Leaflet draws a vector layer only on a map that has one.
      var bounds = L.latLngBounds([]);
      var outline = data.land ? L.geoJSON(data.land.outline, {
        interactive: false,
        style: function () {
          return { className: "departement-outline", color: ink, weight: 2.5, fill: false };
        }
      }) : null;
      if (outline) { bounds.extend(outline.getBounds()); }
      data.stops.concat(data.bases, data.fixed_sites || []).forEach(function (place) {
        bounds.extend([place.lat, place.lon]);
      });
      if (!bounds.isValid()) { return; }
      var vehicleColour = {};
      data.bases.forEach(function (base, i) { vehicleColour[base.id] = colours[i % colours.length]; });
      var legend = legendControl(data, vehicleColour).addTo(map);
      // An open legend keeps the right-hand side: the land is fitted beside it.
      var legendWidth = legend.getContainer().open ? legend.getContainer().offsetWidth + 10 : 0;
      map.fitBounds(bounds, { paddingTopLeft: [20, 20], paddingBottomRight: [20 + legendWidth, 20] });
      if (data.land) {
        var labels = {};
        data.land.classes.forEach(function (entry) { labels[entry.access] = entry; });
        L.geoJSON(data.land.communes, {
          attribution: data.land.attribution,
          style: function (feature) {
            var access = feature.properties.access;
            return {
              className: "commune commune-" + access, fillColor: labels[access].colour,
              fillOpacity: tiles ? 0.45 : 1, color: "#ffffff", weight: 0.6, opacity: tiles ? 0.5 : 1
            };
          },
          onEachFeature: function (feature, layer) {
            layer.bindTooltip(feature.properties.name + " — " + labels[feature.properties.access].label,
                              { sticky: true });
          }
        }).addTo(map);
        outline.addTo(map);
      }
      data.routes.forEach(function (route) {
        L.polyline(route.path, { color: vehicleColour[route.vehicle] || "#333", weight: 2, opacity: 0.8 })
          .bindTooltip(route.date).addTo(map);
      });
      (data.fixed_sites || []).forEach(function (site) {
        L.circleMarker([site.lat, site.lon], { radius: 6, color: fixedSiteColour, fillColor: "#9ca3af", fillOpacity: 1 })
          .bindTooltip(site.name).addTo(map);
      });
      var labelled = {};
      var labelMarkers = { served: [], unserved: [] };
      data.stops.forEach(function (stop) {
        var marker = L.circleMarker([stop.lat, stop.lon], {
          radius: 5, color: ink, fillColor: stop.served ? ink : "#ffffff", fillOpacity: 1
        }).bindPopup(stop.name + " — " + stop.venue).addTo(map);
        if (!labelled[stop.name]) {  // one label per commune, however many stops it has
          labelled[stop.name] = true;
          marker.bindTooltip(stop.name, { permanent: true, direction: "right", offset: [6, 0],
                                          className: "stop-label", interactive: false });
          labelMarkers[stop.served ? "served" : "unserved"].push(marker);
        }
      });
      data.bases.forEach(function (base) {
        L.circleMarker([base.lat, base.lon], { radius: 8, color: "#ffffff", weight: 2,
                                               fillColor: vehicleColour[base.id], fillOpacity: 1 })
          .bindTooltip(base.name).addTo(map);
      });
      var ordered = labelMarkers.served.concat(labelMarkers.unserved);  // served stops first
      declutter(ordered);
      map.on("zoomend", function () { declutter(ordered); });
    })
    .catch(function () { /* keep the server-drawn map */ });
})();
