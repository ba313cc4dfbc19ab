"""The land as it is: which communes a road joins (seeds/roads/land.csv), a generated
scenario that never sends a bus across the sea, and a coverage diagnosis that counts no
session across it."""

from __future__ import annotations

import csv
import datetime as dt
import lzma
import shutil

import pytest

from outreach import config, db, planning
from outreach.data import roads
from outreach.data.boundaries import departement_boundaries, neighbours
from outreach.data.generate import generate_spec
from outreach.data.scenarios import load_scenario
from outreach.planning import diagnosis as diag
from outreach.planning import nextstop
from solver import SolveParams

# Islands no road joins to the mainland, and one commune of each.
ISLANDS = {"Ouessant": "29155", "Molène": "29084", "Sein": "29083", "Bréhat": "22016",
           "Batz": "29082", "Groix": "56069", "Belle-Île (Le Palais)": "56152",
           "Houat": "56086", "Hoëdic": "56085", "Yeu": "85113", "Aix": "17004",
           "Île-aux-Moines": "56087", "Arz": "56088"}
BRIDGED = {"Ré (Ars-en-Ré)": "17019", "Oléron (Saint-Pierre)": "17385",
           "Noirmoutier": "85163"}
ENCLAVES = {"Suzan": "09304", "Mont-Dauphin": "05082", "La Pellerine": "49237"}


def test_the_islands_without_a_bridge_are_lands_of_their_own():
    for name, insee in ISLANDS.items():
        assert roads.land_of(insee) != roads.MAINLAND, name
        assert not roads.by_road(insee, "75056"), name
    assert len({roads.land_of(i) for i in ISLANDS.values()}) == len(ISLANDS)
    belle_ile = ("56009", "56114", "56152", "56241")
    assert {roads.land_of(i) for i in belle_ile} == {"56152"}
    assert roads.land_name("56009") == "Le Palais"


def test_bridged_islands_and_enclaves_lie_on_the_mainland():
    for name, insee in (BRIDGED | ENCLAVES).items():
        assert roads.land_of(insee) == roads.MAINLAND, name
    polygons = departement_boundaries("09").communes
    assert neighbours(polygons)["09304"], "an enclave touches the commune around it"


def test_overseas_and_corsica_have_their_lands():
    assert roads.by_road("2A004", "2B033") and not roads.by_road("2A004", "13055")
    # Guadeloupe: Grande-Terre and Basse-Terre are bridged; its small islands are not.
    assert roads.by_road("97101", "97105")
    for island in ("97112", "97110", "97130", "97131"):
        assert not roads.by_road("97101", island)
    assert not roads.by_road("97611", "97608")  # Mamoudzou, Dzaoudzi (Petite-Terre)
    assert roads.by_road("97302", "97311")  # Cayenne, Saint-Laurent-du-Maroni
    assert not roads.by_road("97302", "97353")  # Maripasoula: by river or air only


def test_every_listed_commune_exists_and_the_file_lists_no_mainland_commune():
    with lzma.open(config.seeds_dir() / "communes" / "communes.csv.xz", "rt",
                   encoding="utf-8") as f:
        communes = {row["insee"]: row["departement"] for row in csv.DictReader(f)}
    with (config.seeds_dir() / "roads" / "land.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert {r["insee"] for r in rows} <= set(communes)
    assert all(r["land"] != roads.MAINLAND for r in rows)
    listed = {r["insee"] for r in rows}
    # Every commune of Corsica and overseas is listed; a few metropolitan islands too.
    assert {i for i, d in communes.items() if d in ("2A", "2B") or len(d) == 3} <= listed
    assert len([i for i in listed if communes[i] not in ("2A", "2B") and len(communes[i]) == 2]) \
        == len(ISLANDS) + 3  # Belle-Île is four communes


@pytest.fixture(scope="module")
def guadeloupe(demo_template, tmp_path_factory):
    """A generated Guadeloupe scenario (20 stops, one bus) planned over four weeks."""
    path = tmp_path_factory.mktemp("guadeloupe") / "g.db"
    shutil.copy(demo_template, path)
    url = f"sqlite:///{path}"
    with db.unit_of_work(url) as s:
        spec = generate_spec(s, "971", 20, 1)
        load_scenario(s, spec)
    with db.unit_of_work(url) as s:
        plan = planning.create_plan(s, "auto-971", dt.date(2027, 1, 4), 4,
                                    SolveParams(time_limit_s=120, work_limit_s=1.0))
        version = planning.read_version(s, plan.id)
        found = diag.diagnose_plan(s, version)
        _found, ranking = nextstop.rank_plan(s, version)
    return spec, version, found, ranking


def test_a_generated_guadeloupe_never_sends_its_bus_across_the_sea(guadeloupe):
    spec, version, _found, _ranking = guadeloupe
    base = spec.vehicles[0].base_insee
    assert all(roads.by_road(stop.commune_insee, base) for stop in spec.stops)
    assert all(roads.by_road(version.inputs.stops[v.stop].commune_insee, base)
               for r in version.routes for v in r.visits)
    for name in ("Grand-Bourg", "La Désirade", "Terre-de-Haut", "Terre-de-Bas"):
        assert name in spec.scenario.description


def test_the_small_islands_are_gaps_no_road_joins_to_a_base(guadeloupe):
    _spec, version, found, ranking = guadeloupe
    travel = version.inputs.access().travel
    desirade = found.commune("97110")
    assert desirade.session_min is None and not desirade.road_from_base
    # Across the sea a held stop lies within the threshold as the crow flies: not counted.
    held = {version.inputs.stops[v.stop] for r in version.routes for v in r.visits}
    nearest = min(travel.trip((desirade.lat, desirade.lon), (s.lat, s.lon))[0] for s in held)
    assert nearest <= 60
    islands = {g.insee for g in found.gaps if not g.road_from_base}
    assert {"97112", "97110", "97131", "97130"} <= islands
    assert all(found.commune(i).road_from_base for g in found.gaps if g.road_from_base
               for i in g.communes)
    assert "route_depuis_une_base" in diag.to_csv(found).splitlines()[0]
    for candidate in ranking.fitting + ranking.not_fitting:
        assert roads.by_road(candidate.insee, "97101")
        assert all(roads.by_road(i, "97101") for i in candidate.communes)


def test_a_stop_no_road_joins_to_a_base_is_refused_by_the_file_and_the_form(db_url):
    from outreach.data import editing
    from outreach.data.communes import import_communes
    from outreach.data.scenarios import ScenarioSpec, scenario_spec
    from outreach.errors import InvalidInput

    with db.unit_of_work(db_url) as s:
        data = scenario_spec(s, "indre-et-loire")
    island = {**data["stops"][0], "id": "brehat", "commune_insee": "22016", "lat": None,
              "lon": None}
    with pytest.raises(ValueError, match=r"stops\.brehat\.commune_insee.*22016 \(Île-de-Bréhat\)"):
        ScenarioSpec.model_validate({**data, "stops": [*data["stops"], island]})
    form = {"id": "brehat", "commune_insee": "22016", "venue": "Mairie",
            "services": island["services"], "windows": island["windows"]}
    with db.unit_of_work(db_url) as s:
        import_communes(s, "22")
    with pytest.raises(InvalidInput) as refused, db.unit_of_work(db_url) as s:
        editing.save_stop(s, "indre-et-loire", form)
    assert "aucune route ne relie la commune 22016 (Île-de-Bréhat)" in refused.value.fields["commune_insee"]
    with db.unit_of_work(db_url) as s:
        assert scenario_spec(s, "indre-et-loire")["stops"] == data["stops"]  # nothing kept
