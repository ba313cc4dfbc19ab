"""A map of a plan drawn as SVG on the server: works with no tiles, no network, no JavaScript.

Under the routes, the communes of the plan's départements are shaded by access (within
reach of a session, of a fixed site only, or of neither) inside the département's outline;
a legend box explains every colour and symbol.
"""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import escape

from outreach.data.boundaries import Polygons, fit_projection
from outreach.planning.access_map import Access, AccessMap
from outreach.planning.plan import PlanVersion

WIDTH, HEIGHT, MARGIN = 800, 600, 24
COLOURS = ["#0b5cad", "#b3261e", "#1b7f3a", "#8a4b00", "#6b3fa0", "#00707a"]
# Access shading: blue, orange and pale grey differ in hue for the common colour-vision
# deficiencies (Okabe-Ito blue and orange) and in lightness for the others.
ACCESS_COLOURS = {Access.SESSION: "#6aaee6", Access.FIXED_SITE: "#f2c46d",
                  Access.NONE: "#ecebe6"}
OUTLINE_COLOUR = "#1d2733"
INK = "#1d2733"
LABEL_PX = 11  # font size of the stop labels
LEGEND_PX = 11  # font size of the legend
LEGEND_LINE_PX = LEGEND_PX + 7
LEGEND_CHARS = 30  # legend lines wrap after about this many characters
LEGEND_TITLE_PX = LEGEND_PX + 10
CHAR_EM = 0.52  # a rough average width of a character, in font sizes

XY = tuple[float, float]


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: _Box) -> bool:
        return (self.x < other.x + other.w and other.x < self.x + self.w
                and self.y < other.y + other.h and other.y < self.y + self.h)

    def holds(self, point: XY) -> bool:
        return self.x <= point[0] <= self.x + self.w and self.y <= point[1] <= self.y + self.h


def access_legend(threshold_min: int) -> dict[Access, str]:
    """The words of the three access classes, for the SVG and the interactive map."""
    return {
        Access.SESSION: _("À moins de %(minutes)s min d'une séance du plan",
                          minutes=threshold_min),
        Access.FIXED_SITE: _("À moins de %(minutes)s min d'un site fixe seulement",
                             minutes=threshold_min),
        Access.NONE: _("Ni séance ni site fixe à moins de %(minutes)s min",
                       minutes=threshold_min),
    }


def boundaries_attribution() -> str:
    return _("Limites communales : IGN ADMIN EXPRESS, Licence Ouverte 2.0")


def _projection(points: Sequence[tuple[float, float]], area: _Box
                ) -> tuple[Callable[[float, float], XY], float]:
    """(lat, lon) -> SVG pixels fitting ``points`` in ``area``; and the scale."""
    return fit_projection(points, area.x, area.y, area.w, area.h, MARGIN)


def _layout(points: Sequence[tuple[float, float]], hidden: Sequence[tuple[float, float]],
            markers: Sequence[tuple[float, float]], legend_w: float, legend_h: float
            ) -> tuple[Callable[[float, float], XY], _Box]:
    """The projection and the legend's box. The map fills the drawing and the legend
    takes the corner where it hides no marker and almost nothing of ``hidden`` (sample
    points of the land, (lat, lon)); when no corner is that free, the map is fitted beside
    or above the legend, whichever leaves it larger."""
    whole = _Box(0, 0, WIDTH, HEIGHT)
    xy, _scale = _projection(points, whole)
    gap = 6
    corners = [_Box(WIDTH - legend_w - gap, gap, legend_w, legend_h),
               _Box(gap, gap, legend_w, legend_h),
               _Box(WIDTH - legend_w - gap, HEIGHT - legend_h - gap, legend_w, legend_h),
               _Box(gap, HEIGHT - legend_h - gap, legend_w, legend_h)]
    land = [xy(*p) for p in hidden]
    marks = [xy(*p) for p in markers]

    def cost(box: _Box) -> tuple[int, int]:
        return (sum(1 for p in marks if box.holds(p)), sum(1 for p in land if box.holds(p)))

    best = min(corners, key=cost)
    markers_hidden, land_hidden = cost(best)
    if markers_hidden == 0 and land_hidden <= 0.02 * len(land):
        return xy, best
    beside = _projection(points, _Box(0, 0, WIDTH - legend_w - gap, HEIGHT))
    above = _projection(points, _Box(0, 0, WIDTH, HEIGHT - legend_h - gap))
    if beside[1] >= above[1]:
        return beside[0], corners[0]
    return above[0], corners[3]


def _number(tenths: int) -> str:
    return f"{tenths / 10:g}"


def _path_data(polygons: Polygons, xy: Callable[[float, float], XY]) -> str:
    """SVG path data of polygons: each ring from its first point in steps of tenths of a
    pixel, points closer than that dropped."""
    out = []
    for polygon in polygons:
        for ring in polygon:
            points: list[tuple[int, int]] = []
            for lon, lat in ring:
                x, y = xy(lat, lon)
                point = (round(x * 10), round(y * 10))
                if not points or points[-1] != point:
                    points.append(point)
            if len(points) < 3:
                continue
            steps = " ".join(f"{_number(b[0] - a[0])} {_number(b[1] - a[1])}"
                             for a, b in itertools.pairwise(points))
            out.append(f"M{_number(points[0][0])} {_number(points[0][1])}l{steps}z")
    return "".join(out)


def _label_box(x: float, y: float, text: str, anchor: str) -> _Box:
    width = len(text) * LABEL_PX * CHAR_EM
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return _Box(left, y - LABEL_PX * 0.8, width, LABEL_PX)  # from cap height to descenders


def _labels(places: list[tuple[str, XY]], legend: _Box, markers: list[_Box]) -> list[str]:
    """One label per name, beside its point: right, left, above or below, the first that
    overlaps nothing placed yet; when none is free, the one that overlaps least (never the
    legend if it can help)."""
    out = []
    seen: set[str] = set()
    taken = list(markers)
    for name, (x, y) in places:
        if name in seen:
            continue
        seen.add(name)
        candidates = [(x + 7, y + 4, "start"), (x - 7, y + 4, "end"),
                      (x, y - 9, "middle"), (x, y + 16, "middle")]

        def cost(candidate: tuple[float, float, str], name: str = name) -> tuple[bool, bool, int]:
            box = _label_box(candidate[0], candidate[1], name, candidate[2])
            outside = not (0 <= box.x and box.x + box.w <= WIDTH
                           and 0 <= box.y and box.y + box.h <= HEIGHT)
            return outside, box.overlaps(legend), sum(1 for t in taken if box.overlaps(t))

        lx, ly, anchor = min(candidates, key=cost)  # the first of the cheapest
        taken.append(_label_box(lx, ly, name, anchor))
        anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}"{anchor_attr}>{escape(name)}</text>')
    return out


def _wrapped(entries: list[tuple[str, str]], attribution: str | None
             ) -> tuple[list[tuple[str, list[str]]], list[str]]:
    """Entries and attribution cut into lines short enough for a narrow legend."""
    return ([(symbol, textwrap.wrap(text, LEGEND_CHARS) or [""]) for symbol, text in entries],
            textwrap.wrap(attribution, LEGEND_CHARS + 8) if attribution else [])


def _legend_size(entries: list[tuple[str, str]], attribution: str | None
                 ) -> tuple[float, float]:
    lines, notes = _wrapped(entries, attribution)
    longest = max(len(line) for _symbol, texts in lines for line in texts)
    small = LEGEND_PX - 2
    width = max(32 + longest * LEGEND_PX * CHAR_EM,
                max((len(n) * small * CHAR_EM for n in notes), default=0)) + 16
    height = (LEGEND_TITLE_PX + sum(LEGEND_LINE_PX + (len(texts) - 1) * (LEGEND_PX + 2)
                                    for _symbol, texts in lines)
              + len(notes) * (small + 3) + 8)
    return width, height


def _legend(entries: list[tuple[str, str]], attribution: str | None, box: _Box) -> list[str]:
    """The legend in ``box``: a title, then each entry's symbol (markup drawn in a 16 px
    square at the origin) and words, and the boundaries' attribution."""
    lines, notes = _wrapped(entries, attribution)
    parts = [f'<g class="legend" transform="translate({box.x:.1f},{box.y:.1f})">',
             (f'<rect width="{box.w:.1f}" height="{box.h:.1f}" rx="4" fill="#ffffff" '
              f'fill-opacity="0.92" stroke="#9aa4af"/>'),
             f'<text x="8" y="{LEGEND_PX + 4}" font-weight="bold">{escape(_("Légende"))}</text>']
    top = LEGEND_TITLE_PX
    for symbol, texts in lines:
        parts.append(f'<g transform="translate(8,{top})">{symbol}</g>')
        # One <text> per entry, its lines as <tspan>s: read as one sentence.
        lines_markup = "".join(
            (f'<tspan x="32" dy="{LEGEND_PX + 2}">' if i else "<tspan>")
            + f"{escape(text)}{' ' if i < len(texts) - 1 else ''}</tspan>"
            for i, text in enumerate(texts))
        parts.append(f'<text x="32" y="{top + LEGEND_PX}">{lines_markup}</text>')
        top += LEGEND_LINE_PX + (len(texts) - 1) * (LEGEND_PX + 2)
    small = LEGEND_PX - 2
    if notes:
        notes_markup = "".join(
            f'<tspan x="8" dy="{small + 3 if i else 0}">{escape(note)}'
            f"{' ' if i < len(notes) - 1 else ''}</tspan>" for i, note in enumerate(notes))
        parts.append(f'<text x="8" y="{top + small + 3}" font-size="{small}" fill="#4b5563">'
                     f"{notes_markup}</text>")
    parts.append("</g>")
    return parts


def _base_marker(at: XY, colour: str, title: str) -> str:
    """A base or office: a square in its vehicle's or nurse's colour."""
    x, y = at
    return (f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{colour}" '
            f'stroke="#ffffff"><title>{escape(title)}</title></rect>')


def _labels_and_legend(places: list[tuple[str, XY]], markers: list[XY],
                       entries: list[tuple[str, str]], attribution: str | None,
                       legend_box: _Box) -> list[str]:
    """The end of a map: place labels clear of the base markers and the legend, the
    legend, and the closing tag."""
    boxes = [_Box(x - 6, y - 6, 12, 12) for x, y in markers]
    return [(f'<g class="labels" fill="{INK}" stroke="#ffffff" stroke-width="3" '
             f'paint-order="stroke" stroke-linejoin="round">'),
            *_labels(places, legend_box, boxes), "</g>",
            f'<g font-size="{LEGEND_PX}" fill="{INK}">',
            *_legend(entries, attribution, legend_box), "</g>", "</svg>"]


GAP_COLOUR = "#8b1a1a"


def plan_svg(version: PlanVersion, day: dt.date | None = None,
             land: AccessMap | None = None, routes_drawn: bool = True,
             gaps: Sequence[tuple[int, str, tuple[float, float]]] = ()) -> str:
    """Communes shaded by access with the départements' outline (``land``, when given),
    routes (lines, one colour per vehicle; only ``day``'s when given; none without
    ``routes_drawn``), fixed sites (grey triangles), stops (circles: filled when served)
    labelled with their commune, bases (squares), the numbered gaps of a coverage
    diagnosis (``gaps``: number, name, (lat, lon)), and the legend."""
    inputs = version.inputs
    stops, bases = inputs.stops, inputs.bases
    markers = [(s.lat, s.lon) for s in stops.values()] + [(b.lat, b.lon) for b in bases.values()]
    markers += [(f.lat, f.lon) for f in inputs.fixed_sites]
    points = list(markers)
    hidden: list[tuple[float, float]] = []
    if land is not None:
        for outline in land.outlines:
            points += [(lat, lon) for polygon in outline for lon, lat in polygon[0]]
        hidden = [(lat, lon) for polygons in land.communes.values()
                  for polygon in polygons for lon, lat in polygon[0]]
    if not points:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"/>'
    routes = [r for r in version.routes if day is None or r.date == day]
    colour = {vehicle: COLOURS[i % len(COLOURS)] for i, vehicle in enumerate(bases)}
    served = {v.stop for r in routes for v in r.visits}
    if not routes_drawn:
        routes = []
    entries = _legend_entries(version, land, colour)
    if gaps:
        symbol = (f'<circle cx="8" cy="8" r="7" fill="{GAP_COLOUR}"/>'
                  f'<text x="8" y="11.5" font-size="9" fill="#ffffff" text-anchor="middle">1</text>')
        entries.append((symbol, _("Zone sans accès (son numéro dans le tableau)")))
    attribution = boundaries_attribution() if land is not None else None
    xy, legend_box = _layout(points, hidden, markers, *_legend_size(entries, attribution))

    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
              f'role="img" aria-label="{escape(_("Carte des tournées"))}" '
              f'font-family="sans-serif" font-size="{LABEL_PX}">'),
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f6f8"/>']
    if land is not None:
        # Colours as attributes, not a <style> sheet, which the pages' security policy
        # would refuse; one group per class.
        parts.append('<g class="communes" stroke="#ffffff" stroke-width="0.6" '
                     'stroke-linejoin="round">')
        for cls, fill in ACCESS_COLOURS.items():
            parts.append(f'<g fill="{fill}">')
            for insee in sorted(i for i, c in land.classes.items() if c == cls):
                data = _path_data(land.communes[insee], xy)
                if data:
                    parts.append(f'<path class="c-{cls}" d="{data}"/>')
            parts.append("</g>")
        parts.append("</g>")
        parts.append(f'<g class="outline" fill="none" stroke="{OUTLINE_COLOUR}" '
                     f'stroke-width="2.5" stroke-linejoin="round">')
        parts += [f'<path d="{_path_data(outline, xy)}"/>' for outline in land.outlines]
        parts.append("</g>")
    for route in routes:
        path = ([bases[route.vehicle]] + [stops[v.stop] for v in route.visits]
                + [bases[route.vehicle]])
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(p.lat, p.lon) for p in path))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour[route.vehicle]}" '
                     f'stroke-width="2" stroke-opacity="0.8"/>')
    for site in inputs.fixed_sites:
        x, y = xy(site.lat, site.lon)
        parts.append(f'<path d="M{x:.1f},{y - 7:.1f} L{x + 6:.1f},{y + 5:.1f} L{x - 6:.1f},{y + 5:.1f} Z" '
                     f'fill="#6b7280" stroke="#ffffff"><title>{escape(site.name)}</title></path>')
    places: list[tuple[str, XY]] = []
    for stop_id, stop in sorted(stops.items(), key=lambda item: item[0] not in served):
        x, y = xy(stop.lat, stop.lon)
        places.append((stop.commune_name, (x, y)))
        fill = INK if stop_id in served else "#ffffff"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{fill}" stroke="{INK}">'
                     f'<title>{escape(stop.commune_name)} — {escape(stop.venue)}</title></circle>')
    for vehicle_id, base in bases.items():
        parts.append(_base_marker(xy(base.lat, base.lon), colour[vehicle_id], base.name))
    for number, name, (lat, lon) in gaps:
        x, y = xy(lat, lon)
        parts.append(f'<g><title>{escape(_("Zone sans accès n° %(n)s : %(name)s", n=number, name=name))}'
                     f'</title><circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{GAP_COLOUR}" '
                     f'stroke="#ffffff"/><text x="{x:.1f}" y="{y + 4:.1f}" fill="#ffffff" '
                     f'font-weight="bold" text-anchor="middle">{number}</text></g>')
    parts += _labels_and_legend(places, [xy(*m) for m in markers], entries, attribution,
                                legend_box)
    return "".join(parts)


def _legend_entries(version: PlanVersion, land: AccessMap | None,
                    colour: dict[str, str]) -> list[tuple[str, str]]:
    """(symbol markup in a 16 px square, words) for every colour and symbol drawn."""
    entries: list[tuple[str, str]] = []
    if land is not None:
        for cls, words in access_legend(land.threshold_min).items():
            swatch = (f'<rect x="1" y="2" width="14" height="12" fill="{ACCESS_COLOURS[cls]}" '
                      f'stroke="#9aa4af"/>')
            entries.append((swatch, words))
        entries.append((f'<path d="M0 8h16" stroke="{OUTLINE_COLOUR}" stroke-width="2"/>',
                        _("Limite du département")))
    entries.append((f'<circle cx="8" cy="8" r="5" fill="{INK}" stroke="{INK}"/>',
                    _("Arrêt avec au moins une séance")))
    entries.append((f'<circle cx="8" cy="8" r="5" fill="#ffffff" stroke="{INK}"/>',
                    _("Arrêt sans séance")))
    if version.inputs.fixed_sites:
        entries.append(('<path d="M8 1 L14 13 L2 13 Z" fill="#6b7280"/>',
                        _("Site fixe (PMI, antenne)")))
    for vehicle_id in version.inputs.bases:
        symbol = (f'<path d="M0 8h16" stroke="{colour[vehicle_id]}" stroke-width="2"/>'
                  f'<rect x="4" y="4" width="8" height="8" fill="{colour[vehicle_id]}"/>')
        entries.append((symbol,
                        _("Base et tournées : %(vehicle)s",
                          vehicle=version.inputs.vehicle_name(vehicle_id))))
    return entries


def home_day_svg(offices: dict[str, tuple[str, tuple[float, float]]],
                 places: dict[str, tuple[float, float]],
                 routes: Sequence[tuple[str, Sequence[str]]],
                 land: dict[str, Polygons] | None = None) -> str:
    """One day of home visits, for the coordination only (it shows where families live):
    each puéricultrice's office (a square) and route (a line in her colour) through her
    families' places (circles labelled with the family's code, never a name), over the
    outlines of the territories' communes (``land``)."""
    colour = {code: COLOURS[i % len(COLOURS)] for i, code in enumerate(offices)}
    markers = [p for _label, p in offices.values()] + list(places.values())
    points = list(markers)
    for polygons in (land or {}).values():
        points += [(lat, lon) for polygon in polygons for lon, lat in polygon[0]]
    if not points:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"/>'
    entries = [((f'<path d="M0 8h16" stroke="{colour[code]}" stroke-width="2"/>'
                f'<rect x="4" y="4" width="8" height="8" fill="{colour[code]}"/>'),
                _("Bureau et visites : %(nurse)s", nurse=label))
               for code, (label, _point) in offices.items()
               if any(nurse == code for nurse, _stops in routes)]
    entries.append((f'<circle cx="8" cy="8" r="5" fill="{INK}" stroke="#ffffff"/>',
                    _("Lieu de visite (code de la famille)")))
    xy, legend_box = _layout(points, [], markers, *_legend_size(entries, None))
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
              f'role="img" aria-label="{escape(_("Carte des visites du jour"))}" '
              f'font-family="sans-serif" font-size="{LABEL_PX}">'),
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f6f8"/>']
    if land:
        parts.append('<g class="communes" fill="#ecebe6" stroke="#ffffff" stroke-width="0.8">')
        parts += [f'<path d="{_path_data(polygons, xy)}"/>' for _insee, polygons in sorted(land.items())]
        parts.append("</g>")
    for nurse, stops in routes:
        path = [offices[nurse][1], *(places[s] for s in stops), offices[nurse][1]]
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*p) for p in path))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour[nurse]}" '
                     f'stroke-width="2.5" stroke-opacity="0.85"/>')
    labels: list[tuple[str, XY]] = []
    for code, point in sorted(places.items()):
        x, y = xy(*point)
        labels.append((code, (x, y)))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{INK}" stroke="#ffffff">'
                     f'<title>{escape(code)}</title></circle>')
    for code, (label, point) in offices.items():
        parts.append(_base_marker(xy(*point), colour[code], label))
    parts += _labels_and_legend(labels, [xy(*m) for m in markers], entries, None, legend_box)
    return "".join(parts)


# The difference of two plans' access: gained in bluish green, lost in vermilion (Okabe-Ito,
# apart for the common colour-vision deficiencies), unchanged in pale shades.
CHANGE_COLOURS = {"gained": "#009e73", "lost": "#d55e00", "kept": "#cfe3f3", "none": "#ecebe6"}


def difference_svg(communes: dict[str, Polygons], outlines: Sequence[Polygons],
                   changes: dict[str, str],
                   stops: Sequence[tuple[str, tuple[float, float], bool]],
                   threshold_label: str) -> str:
    """Communes shaded by how their access changes between two plans (``changes``: INSEE
    code -> gained / lost / kept / none), the départements' outline, and the stops held by
    either plan (``stops``: commune name, (lat, lon), whether the variant holds it; drawn as
    circles, filled when the variant holds them, hollow when only the first plan does)."""
    points = [(lat, lon) for outline in outlines for polygon in outline for lon, lat in polygon[0]]
    markers = [at for _name, at, _held in stops]
    if not points and not markers:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"/>'
    words = {"gained": _("Gagne l'accès (%(label)s)", label=threshold_label),
             "lost": _("Perd l'accès"), "kept": _("À portée dans les deux plans"),
             "none": _("Hors de portée dans les deux plans")}
    entries = [((f'<rect x="1" y="2" width="14" height="12" fill="{CHANGE_COLOURS[k]}" '
                f'stroke="#9aa4af"/>'), words[k]) for k in CHANGE_COLOURS]
    entries.append((f'<circle cx="8" cy="8" r="5" fill="{INK}" stroke="{INK}"/>',
                    _("Arrêt tenu dans la variante")))
    entries.append((f'<circle cx="8" cy="8" r="5" fill="#ffffff" stroke="{INK}"/>',
                    _("Arrêt tenu dans le premier plan seulement")))
    hidden = [(lat, lon) for polygons in communes.values() for polygon in polygons
              for lon, lat in polygon[0]]
    attribution = boundaries_attribution()
    xy, legend_box = _layout(points + markers, hidden, markers,
                             *_legend_size(entries, attribution))
    label = escape(_("Carte des changements d'accès"))
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
              f'role="img" aria-label="{label}" '
              f'font-family="sans-serif" font-size="{LABEL_PX}">'),
             f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f4f6f8"/>',
             '<g class="communes" stroke="#ffffff" stroke-width="0.6" stroke-linejoin="round">']
    for kind, fill in CHANGE_COLOURS.items():
        parts.append(f'<g fill="{fill}">')
        for insee in sorted(i for i, k in changes.items() if k == kind and i in communes):
            parts.append(f'<path class="c-{kind}" d="{_path_data(communes[insee], xy)}"/>')
        parts.append("</g>")
    parts.append("</g>")
    parts.append(f'<g class="outline" fill="none" stroke="{OUTLINE_COLOUR}" stroke-width="2.5" '
                 f'stroke-linejoin="round">')
    parts += [f'<path d="{_path_data(outline, xy)}"/>' for outline in outlines]
    parts.append("</g>")
    places: list[tuple[str, XY]] = []
    for name, (lat, lon), held in sorted(stops, key=lambda s: (not s[2], s[0])):
        x, y = xy(lat, lon)
        places.append((name, (x, y)))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{INK if held else "#ffffff"}" '
                     f'stroke="{INK}"><title>{escape(name)}</title></circle>')
    parts += _labels_and_legend(places, [xy(*m) for m in markers], entries, attribution,
                                legend_box)
    return "".join(parts)
