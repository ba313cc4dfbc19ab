"""A map of a plan drawn as SVG on the server: works with no tiles, no network, no JavaScript."""

from __future__ import annotations

import datetime as dt
import math
from xml.sax.saxutils import escape

from outreach.planning.plan import PlanVersion

WIDTH, HEIGHT, MARGIN = 800, 600, 40
COLOURS = ["#0b5cad", "#b3261e", "#1b7f3a", "#8a4b00", "#6b3fa0", "#00707a"]


def plan_svg(version: PlanVersion, day: dt.date | None = None) -> str:
    """Bases (squares), fixed sites (grey triangles), stops (circles: filled when served) and
    routes (lines, one colour per vehicle); only ``day``'s routes when given."""
    inputs = version.inputs
    stops, bases = inputs.stops, inputs.bases
    points = [(s.lat, s.lon) for s in stops.values()] + [(b.lat, b.lon) for b in bases.values()]
    points += [(f.lat, f.lon) for f in inputs.fixed_sites]
    if not points:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"/>'
    mid_lat = sum(p[0] for p in points) / len(points)
    shrink = math.cos(math.radians(mid_lat))
    xs = [lon * shrink for _, lon in points]
    ys = [lat for lat, _ in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
    scale = min((WIDTH - 2 * MARGIN) / span, (HEIGHT - 2 * MARGIN) / span)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (MARGIN + (lon * shrink - min(xs)) * scale, HEIGHT - MARGIN - (lat - min(ys)) * scale)

    routes = [r for r in version.routes if day is None or r.date == day]
    colour = {vehicle: COLOURS[i % len(COLOURS)] for i, vehicle in enumerate(bases)}
    served = {v.stop for r in routes for v in r.visits}
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="Carte des tournées" font-family="sans-serif" font-size="11">'),
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f6f8"/>']
    for route in routes:
        path = ([bases[route.vehicle]] + [stops[v.stop] for v in route.visits]
                + [bases[route.vehicle]])
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(p.lat, p.lon) for p in path))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour[route.vehicle]}" '
                     f'stroke-width="2" stroke-opacity="0.7"/>')
    for stop_id, stop in stops.items():
        x, y = xy(stop.lat, stop.lon)
        fill = "#1d2733" if stop_id in served else "#ffffff"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="#1d2733">'
                     f'<title>{escape(stop.commune_name)} — {escape(stop.venue)}</title></circle>')
        parts.append(f'<text x="{x + 7:.1f}" y="{y + 4:.1f}" fill="#1d2733">{escape(stop.commune_name)}</text>')
    for site in inputs.fixed_sites:
        x, y = xy(site.lat, site.lon)
        parts.append(f'<path d="M{x:.1f},{y - 7:.1f} L{x + 6:.1f},{y + 5:.1f} L{x - 6:.1f},{y + 5:.1f} Z" '
                     f'fill="#6b7280"><title>{escape(site.name)}</title></path>')
    for vehicle_id, base in bases.items():
        x, y = xy(base.lat, base.lon)
        parts.append(f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" '
                     f'fill="{colour[vehicle_id]}"><title>{escape(base.name)}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)
