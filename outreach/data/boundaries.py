"""Commune boundaries for maps, read from the files shipped in ``seeds/boundaries/``.

One file per département (``37.json.xz``), built offline by ``seeds/build_boundaries.py``
from IGN ADMIN EXPRESS polygons (see seeds/SOURCE.md): each commune's polygons, simplified
so that neighbours keep the same shared edge, and the département's outline. Coordinates
are whole steps of ``1 / scale`` degree, each ring stored as its first point followed by
the steps from one point to the next. A file is read once per process.
"""

from __future__ import annotations

import json
import lzma
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from outreach import config

FORMAT = "outreach.boundaries/1"

LonLat = tuple[float, float]
Ring = tuple[LonLat, ...]  # closed implicitly: the last point joins the first
Polygon = tuple[Ring, ...]  # the outer ring, then its holes
Polygons = tuple[Polygon, ...]


class BoundariesMissing(FileNotFoundError):
    """A département's boundary file is not installed (or not readable as one)."""


@dataclass(frozen=True)
class DepartementBoundaries:
    departement: str
    communes: dict[str, Polygons]  # INSEE code -> polygons, in (lon, lat) degrees
    outline: Polygons
    without_polygon: tuple[str, ...]  # communes of the département the source draws nowhere
    attribution: str
    tolerance_m: float


def boundaries_dir() -> Path:
    return config.seeds_dir() / "boundaries"


def departement_of(insee: str) -> str:
    """The département code of an INSEE commune code (``2A004`` -> ``2A``, ``97101`` -> ``971``)."""
    return insee[:3] if insee.startswith("97") else insee[:2]


def contains(polygons: Polygons, lon: float, lat: float) -> bool:
    """Whether the point lies inside ``polygons`` (even-odd rule: a hole flips it back)."""
    inside = False
    for polygon in polygons:
        for ring in polygon:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
    return inside


def _ring(flat: Sequence[int], scale: int) -> Ring:
    x, y = 0, 0
    points = []
    for i in range(0, len(flat), 2):
        x += flat[i]
        y += flat[i + 1]
        points.append((x / scale, y / scale))
    return tuple(points)


def _polygons(encoded: Sequence[Sequence[Sequence[int]]], scale: int) -> Polygons:
    return tuple(tuple(_ring(ring, scale) for ring in polygon) for polygon in encoded)


@lru_cache(maxsize=32)
def departement_boundaries(departement: str) -> DepartementBoundaries:
    """The boundaries of one département's communes and its outline.

    Raises :class:`BoundariesMissing` when its file is absent or not a boundary file."""
    path = boundaries_dir() / f"{departement}.json.xz"
    try:
        with lzma.open(path, "rb") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        raise BoundariesMissing(
            f"no commune boundaries for département {departement!r}: {path} is missing "
            "(rebuild with seeds/build_boundaries.py, see seeds/SOURCE.md)") from None
    except (lzma.LZMAError, ValueError) as error:
        raise BoundariesMissing(f"{path} is not a readable boundary file: {error}") from None
    if document.get("format") != FORMAT or document.get("departement") != departement:
        raise BoundariesMissing(f"{path} is not the {FORMAT} file of département {departement}")
    scale = int(document["scale"])
    return DepartementBoundaries(
        departement=departement,
        communes={insee: _polygons(polygons, scale)
                  for insee, polygons in document["communes"].items()},
        outline=_polygons(document["outline"], scale),
        without_polygon=tuple(document["without_polygon"]),
        attribution=document["attribution"],
        tolerance_m=float(document["tolerance_m"]),
    )


def commune_polygons(departements: Iterable[str]) -> dict[str, Polygons]:
    """The polygons of every commune of the given départements, by INSEE code."""
    found: dict[str, Polygons] = {}
    for departement in sorted(set(departements)):
        found.update(departement_boundaries(departement).communes)
    return found


def geojson_geometry(polygons: Polygons) -> dict[str, object]:
    """A GeoJSON MultiPolygon of ``polygons``, each ring closed as GeoJSON wants."""
    return {"type": "MultiPolygon",
            "coordinates": [[[list(p) for p in ring] + [list(ring[0])] for ring in polygon]
                            for polygon in polygons]}


def neighbours(communes: dict[str, Polygons]) -> dict[str, set[str]]:
    """Which communes touch: two communes are neighbours when their rings share an edge
    (an inner ring too: an enclave touches the commune around it). The shipped files keep
    a shared border as the same points on both sides (see seeds/build_boundaries.py), so
    an edge matches exactly."""
    by_edge: dict[tuple[LonLat, LonLat], set[str]] = {}
    for insee, polygons in communes.items():
        for polygon in polygons:
            for ring in polygon:
                for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                    if a != b:
                        by_edge.setdefault((a, b) if a < b else (b, a), set()).add(insee)
    found: dict[str, set[str]] = {insee: set() for insee in communes}
    for sharing in by_edge.values():
        if len(sharing) > 1:
            for insee in sharing:
                found[insee] |= sharing - {insee}
    return found


def fit_projection(points: Sequence[tuple[float, float]], x: float, y: float, w: float,
                   h: float, margin: float) -> tuple[Callable[[float, float], tuple[float, float]],
                                                     float]:
    """(lat, lon) -> drawing pixels: equirectangular around the points' middle latitude,
    fitting their bounding box, centred, in the box (x, y, w, h) less ``margin`` on each
    side; and the scale (pixels per degree). ``points`` are (lat, lon)."""
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    shrink = math.cos(math.radians((min(lats) + max(lats)) / 2))
    min_x, max_x = min(lons) * shrink, max(lons) * shrink
    min_y, max_y = min(lats), max(lats)
    scale = min((w - 2 * margin) / max(max_x - min_x, 1e-6),
                (h - 2 * margin) / max(max_y - min_y, 1e-6))
    left = x + (w - (max_x - min_x) * scale) / 2
    top = y + (h - (max_y - min_y) * scale) / 2

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return (left + (lon * shrink - min_x) * scale, top + (max_y - lat) * scale)
    return xy, scale
