"""Build ``seeds/roads/land.csv``: the communes no road joins to mainland France, and
which of them a road joins to one another (the *land* each lies on).

Source: the shipped commune boundaries (``seeds/boundaries``, IGN ADMIN EXPRESS via
``build_boundaries.py``) and the two short lists below, each entry with its source.

How: two communes whose boundaries share an edge lie on one land
(:func:`outreach.data.boundaries.neighbours`, enclaves included); lands whose boundaries
come within :data:`TOUCH_M` metres are one (a border the simplification split); the
road bridges of :data:`BRIDGES` join two lands; the communes of :data:`NO_ROAD` have no
road to any other and are a land of their own each. Each land is named after its most
populous commune. The land of Paris is mainland France: its communes are not listed.

Needs nothing but the project (run from the project root)::

    .venv/bin/python seeds/build_roads.py
"""

from __future__ import annotations

import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from outreach.data.boundaries import boundaries_dir, departement_boundaries, neighbours

TOUCH_M = 5.0
MAINLAND = "75056"  # Paris
OUTPUT = ROOT / "seeds" / "roads" / "land.csv"

# Road bridges between lands, one commune at each end.
BRIDGES = (
    ("17297", "17300", "Pont de l'île de Ré (1988), Rivedoux-Plage – La Rochelle"),
    ("17093", "17058", "Viaduc d'Oléron (1966), Le Château-d'Oléron – Bourcefranc-le-Chapus"),
    ("85011", "85012", "Pont de Noirmoutier (1971), Barbâtre – La Barre-de-Monts"),
    ("97101", "97103", ("Ponts de la Gabarre et de l'Alliance sur la Rivière Salée, "
                        "Grande-Terre (Les Abymes) – Basse-Terre (Baie-Mahault)")),
)
# Communes no road reaches, although their boundaries touch their neighbours': the
# isolated communes of the interior of French Guiana, reached by river or by air.
NO_ROAD = (
    ("97352", "Saül"), ("97353", "Maripasoula"), ("97356", "Camopi"),
    ("97357", "Grand-Santi"), ("97358", "Saint-Élie"), ("97362", "Papaichton"),
    ("97314", "Ouanary"),
)


def _communes() -> dict[str, tuple[str, str, int]]:
    import lzma

    with lzma.open(ROOT / "seeds" / "communes" / "communes.csv.xz", "rt", encoding="utf-8") as f:
        return {row["insee"]: (row["name"], row["departement"], int(row["population"]))
                for row in csv.DictReader(f)}


def _segment_distance_m(p, a, b) -> float:  # type: ignore[no-untyped-def]
    shrink = math.cos(math.radians(p[1]))
    px, py = p[0] * shrink, p[1]
    ax, ay, bx, by = a[0] * shrink, a[1], b[0] * shrink, b[1]
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - ax - t * dx, py - ay - t * dy) * 111_000


class Lands:
    """Union-find over communes."""

    def __init__(self, codes) -> None:  # type: ignore[no-untyped-def]
        self.parent = {code: code for code in codes}

    def find(self, code: str) -> str:
        while self.parent[code] != code:
            self.parent[code] = self.parent[self.parent[code]]
            code = self.parent[code]
        return code

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def build() -> list[tuple[str, str, str, str]]:
    polygons = {}
    for path in sorted(boundaries_dir().glob("*.json.xz")):
        polygons.update(departement_boundaries(path.name.split(".")[0]).communes)
    isolated = {code for code, _name in NO_ROAD}
    lands = Lands(polygons)
    for code, near in neighbours(polygons).items():
        for other in near:
            if code not in isolated and other not in isolated:
                lands.join(code, other)
    # Borders the simplification split: lands whose boundaries come within TOUCH_M.
    cell = 0.01
    segments = defaultdict(list)
    for code, shape in polygons.items():
        for polygon in shape:
            for ring in polygon:
                for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
                    for gx in range(int(min(a[0], b[0]) / cell) - 1, int(max(a[0], b[0]) / cell) + 2):
                        for gy in range(int(min(a[1], b[1]) / cell) - 1,
                                        int(max(a[1], b[1]) / cell) + 2):
                            segments[(gx, gy)].append((a, b, code))
    main = lands.find(MAINLAND)
    for code, shape in sorted(polygons.items()):
        if code in isolated or lands.find(code) == main:
            continue
        for polygon in shape:
            for point in polygon[0]:
                for a, b, other in segments[(int(point[0] / cell), int(point[1] / cell))]:
                    if other not in isolated and lands.find(other) != lands.find(code) \
                            and _segment_distance_m(point, a, b) <= TOUCH_M:
                        lands.join(code, other)
    for a, b, _what in BRIDGES:
        lands.join(a, b)
    info = _communes()
    members = defaultdict(list)
    for code in polygons:
        members[lands.find(code)].append(code)
    main = lands.find(MAINLAND)
    rows = []
    for root, codes in members.items():
        if root == main:
            continue
        named = max(codes, key=lambda c: (info[c][2], c))
        for code in codes:
            rows.append((code, info[code][0], named, info[named][0]))
    return sorted(rows)


def main() -> None:
    rows = build()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\n")
        writer.writerow(["insee", "commune", "land", "land_name"])
        writer.writerows(rows)
    lands = sorted({(row[3], row[2]) for row in rows})
    print(f"{len(rows)} communes off the mainland on {len(lands)} lands -> {OUTPUT}")


if __name__ == "__main__":
    main()
