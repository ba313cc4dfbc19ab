"""The families' look-up over every commune of France (outreach.data.places)."""

from __future__ import annotations

import pytest

from outreach.data.communes import read_seed
from outreach.data.places import departement_names, national_index


@pytest.fixture(scope="module")
def index():
    return national_index()


@pytest.fixture(scope="module")
def seed():
    return list(read_seed())


def test_every_departement_of_the_seed_has_a_name(seed):
    assert {c.departement for c in seed} <= set(departement_names())


@pytest.mark.parametrize("postcode", ["37600", "42600", "79170", "34000", "20000"])
def test_a_postcode_gives_every_commune_it_serves(index, seed, postcode):
    serves = {c.insee for c in seed if postcode in c.postcodes.split()}
    found = index.find(postcode, limit=100)
    offered = [p.insee for p in found.places]
    assert serves and set(offered[:len(serves)]) == serves  # the postcode's communes first
    assert set(offered) - serves <= {postcode} and found.total == len(offered)


@pytest.mark.parametrize("name", ["Sainte-Colombe", "Saint-Michel", "Beaulieu", "Saint-Just",
                                  "Montels"])
def test_homonyms_all_come_back_with_their_departement(index, seed, name):
    expected = {c.insee for c in seed if c.name == name}
    found = index.find(name, limit=100)
    assert len(expected) >= 2 and {p.insee for p in found.places} == expected
    assert found.exact and all(p.departement_name != p.departement for p in found.places)


@pytest.mark.parametrize("query, name", [
    ("st pierre des corps", "Saint-Pierre-des-Corps"),
    ("STE MAURE DE TOURAINE", "Sainte-Maure-de-Touraine"),
    ("l ile bouchard", "L'Île-Bouchard"),
    ("oeuilly 51", "Œuilly"),
    ("Beaulieu-les-Loches", "Beaulieu-lès-Loches"),
    ("descartes", "Descartes"),
])
def test_written_forms_of_a_name_find_it(index, query, name):
    found = index.find(query)
    assert found.total == 1 and found.places[0].name == name, found


def test_a_departement_after_the_name_narrows_the_choice(index):
    for query in ("Montels 34", "Montels (34)", "Montels (Hérault)", "Montels, Herault"):
        found = index.find(query)
        assert [p.departement for p in found.places] == ["34"], query
    assert {p.departement for p in index.find("Beaulieu 37").places} == {"37"}


def test_an_insee_code_finds_its_commune(index):
    assert index.find("2A004").places[0].name == "Ajaccio"
    assert index.find("37091").places[0].insee == "37091"


def test_a_long_list_says_how_many_more(index):
    found = index.find("saint", limit=30)
    assert len(found.places) == 30 and found.more == found.total - 30 > 1000
    populations = [p.population for p in found.places]
    assert populations == sorted(populations, reverse=True)


def test_nothing_for_nonsense(index):
    assert index.find("zzzqqq").total == 0 and index.find("   ").total == 0
