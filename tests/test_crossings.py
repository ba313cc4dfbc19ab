"""Crossings: a service that declares a ferry (its ports, minutes and sailing days) serves an
island no road joins; the plan adds the crossing to the legs, holds the island's sessions on
sailing days only, and the independent checker re-derives both from the export."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil

import pytest
from plan_checker import check_plan
from sqlmodel import Session

from outreach import db, planning
from outreach.access.crossings import Crossing, across
from outreach.access.travel import GeodesicTravelModel
from outreach.data.generate import generate_spec
from outreach.data.scenarios import ScenarioSpec, load_scenario, scenario_spec
from outreach.planning import diagnosis as diag
from solver import SolveParams

SAINT_FRANCOIS, DESIRADE, GRAND_BOURG = "97125", "97110", "97112"
FERRY = {"from_insee": SAINT_FRANCOIS, "to_insee": DESIRADE, "minutes": 45,
         "sailing_days": [2, 4]}


def _with_desirade(data: dict, crossing: dict | None = FERRY) -> dict:
    """The generated Guadeloupe with a stop at La Désirade and, on every service, the
    ferry from Saint-François (Tuesdays and Thursdays)."""
    data = copy.deepcopy(data)
    for service in data["services"]:
        service["crossings"] = [crossing] if crossing else []
    data["stops"].append({"id": "la-desirade", "commune_insee": DESIRADE, "venue": "Mairie",
                          "services": [s["id"] for s in data["services"]],
                          "windows": [{"weekday": d, "from": "08:30", "to": "17:00"}
                                      for d in range(1, 6)]})
    return data


@pytest.fixture(scope="module")
def island(demo_template, tmp_path_factory):
    """A generated Guadeloupe (12 stops, one bus) with La Désirade served by ferry,
    planned over four weeks; its export and diagnosis."""
    path = tmp_path_factory.mktemp("crossing") / "c.db"
    shutil.copy(demo_template, path)
    url = f"sqlite:///{path}"
    with db.unit_of_work(url) as s:
        spec = generate_spec(s, "971", 12, 1)
        generated = json.loads(spec.model_dump_json(by_alias=True))
        load_scenario(s, ScenarioSpec.model_validate(_with_desirade(generated)))
    with db.unit_of_work(url) as s:
        plan = planning.create_plan(s, "auto-971", dt.date(2027, 1, 4), 4,
                                    SolveParams(time_limit_s=120, work_limit_s=1.0))
        version = planning.read_version(s, plan.id)
        found = diag.diagnose_plan(s, version)
    with Session(db.get_engine(url)) as s:
        exported = json.loads(json.dumps(planning.export_document(s, plan.id)))
        stored = scenario_spec(s, "auto-971")
    return generated, exported, found, stored


def _island_visits(doc):
    return [(r, v) for r in doc["routes"] for v in r["visits"] if v["stop"] == "la-desirade"]


def test_the_island_is_served_on_sailing_days_with_the_crossing_in_its_legs(island):
    _data, doc, _found, _stored = island
    visits = _island_visits(doc)
    assert visits, "La Désirade should be served: the ferry makes it reachable"
    assert {dt.date.fromisoformat(r["date"]).isoweekday() for r, _ in visits} <= {2, 4}
    stop = next(s for s in doc["stops"] if s["id"] == "la-desirade")
    assert {w["weekday"] for w in stop["windows"]} == {2, 4}  # the other days: no ferry
    assert stop["land"] == DESIRADE and all(v["base"]["land"] != DESIRADE
                                            for v in doc["vehicles"])
    # base -> Saint-François by road, 45 min at sea, the harbour -> the stop on the island
    travel = GeodesicTravelModel()
    base = doc["vehicles"][0]["base"]
    ports = doc["services"][0]["crossings"][0]
    leg = (travel.trip((base["lat"], base["lon"]), (ports["from"]["lat"], ports["from"]["lon"]))[0]
           + 45 + travel.trip((ports["to"]["lat"], ports["to"]["lon"]),
                              (stop["lat"], stop["lon"]))[0])
    index = doc["travel_matrix"]["locations"].index
    assert doc["travel_matrix"]["travel_min"][index(base["location"])][index(stop["location"])] \
        == leg
    assert ports["land_name"] == "La Désirade" and ports["sailing_days"] == [2, 4]


def test_the_plan_with_a_crossing_passes_the_independent_checker(island):
    _data, doc, _found, _stored = island
    assert check_plan(doc) == []


@pytest.mark.parametrize(("tamper", "expected"), [
    (lambda d: [s.update(crossings=[]) for s in d["services"]], "declares no crossing"),
    (lambda d: [c.update(sailing_days=[1]) for s in d["services"] for c in s["crossings"]],
     "does not sail"),
    (lambda d: [c.update(minutes=5) for s in d["services"] for c in s["crossings"]],
     "re-derived"),
])
def test_the_checker_catches_a_crossing_broken(island, tamper, expected):
    _data, doc, _found, _stored = island
    broken = copy.deepcopy(doc)
    tamper(broken)
    assert any(expected in e for e in check_plan(broken)), check_plan(broken)


def test_coverage_says_which_islands_a_crossing_serves(island):
    _data, _doc, found, _stored = island
    desirade, marie_galante = found.commune(DESIRADE), found.commune(GRAND_BOURG)
    assert not desirade.road_from_base and desirade.crossing
    assert desirade.within  # a session on the island itself
    assert not marie_galante.road_from_base and not marie_galante.crossing
    gap = next(g for g in found.gaps if GRAND_BOURG in g.communes)
    assert not gap.crossing
    header, *rows = diag.to_csv(found).splitlines()
    assert header.endswith("traversee_declaree")
    assert next(r for r in rows if r.startswith(DESIRADE)).endswith(";non;oui")


def test_the_scenario_keeps_its_crossings(island):
    data, _doc, _found, stored = island
    assert [s["crossings"] for s in stored["services"]] == [[FERRY]] * len(data["services"])
    assert ScenarioSpec.model_validate(stored).services[0].crossings[0].land == DESIRADE


def test_a_crossing_is_refused_when_it_cannot_be_sailed(island):
    data, _doc, _found, _stored = island
    service = data["services"][0]["id"]
    cases = [
        (_with_desirade(data, crossing=None), r"stops\.la-desirade\.commune_insee.*traversée"),
        (_with_desirade(data, {**FERRY, "from_insee": GRAND_BOURG}),
         rf"services\.{service}\.crossings\.0\.from_insee.*{GRAND_BOURG}"),
        (_with_desirade(data, {**FERRY, "to_insee": "97101"}), r"to_insee.*une route relie"),
        (_with_desirade(data, {**FERRY, "sailing_days": []}), r"sailing_days"),
        (_with_desirade(data, {**FERRY, "minutes": 2}), r"minutes"),
    ]
    twice = _with_desirade(data)
    twice["services"][0]["crossings"].append({**FERRY, "minutes": 60})
    cases.append((twice, r"une seule traversée par île"))
    for bad, words in cases:
        with pytest.raises(ValueError, match=words):
            ScenarioSpec.model_validate(bad)


def test_the_fastest_chain_goes_from_island_to_island_through_the_mainland():
    travel = GeodesicTravelModel()
    # Pointe-à-Pitre (mainland), La Désirade, Grand-Bourg (Marie-Galante); ports: Saint-
    # François for both.
    points = [(16.2411, -61.5331), (16.3086, -61.0764), (15.8846, -61.3146)]
    lands = ["97101", DESIRADE, GRAND_BOURG]
    port = (16.2525, -61.2742)
    ferries = [Crossing("97101", DESIRADE, port, points[1], 45, frozenset({2})),
               Crossing("97101", GRAND_BOURG, port, points[2], 60, frozenset({2}))]
    matrix = across(travel, points, lands, ferries)
    to_port = travel.trip(points[0], port)
    assert matrix.travel_min[0][1] == to_port[0] + 45
    assert matrix.distance_m[0][1] == to_port[1]  # the sea is not driven
    assert matrix.travel_min[1][2] == matrix.travel_min[2][1] == 45 + 60
    assert matrix.travel_min[1][0] == matrix.travel_min[0][1]
    # Without a crossing, the pair keeps the travel model's figure (no plan uses it).
    assert across(travel, points, lands, ferries[:1]).travel_min[0][2] \
        == travel.matrix(points).travel_min[0][2]


def test_generate_scenario_takes_crossings_and_refuses_a_bad_one_by_name(runner, db_url):
    from outreach.cli import main

    made = runner.invoke(main, ["generate-scenario", "-d", "971", "--stops", "10",
                                "--vehicles", "1", "--crossing", "97125:97110:45:2,4"])
    assert made.exit_code == 0, made.output
    with db.unit_of_work(db_url) as s:
        data = scenario_spec(s, "auto-971")
    assert data["services"][0]["crossings"] == [FERRY]
    assert DESIRADE in {stop["commune_insee"] for stop in data["stops"]}
    assert len(data["stops"]) == 10
    for bad, words in [("97125:97110:x:2", "la troisième en minutes"),
                       ("97125:97101:45:2", "une route relie déjà 97101"),
                       ("97112:97110:45:2", "le port de départ 97112")]:
        refused = runner.invoke(main, ["generate-scenario", "-d", "971", "--crossing", bad])
        assert refused.exit_code != 0 and words in refused.output, refused.output
        assert "Traceback" not in refused.output and "pydantic" not in refused.output


def test_only_the_vehicles_that_reach_a_stop_may_visit_it():
    import solver as sm
    from outreach.access.crossings import across_the_sea

    ferry = Crossing("97101", DESIRADE, (16.25, -61.27), (16.31, -61.08), 45, frozenset({2, 4}))
    vehicles = (sm.Vehicle("main-a", "A", 0, frozenset({"a"})),
                sm.Vehicle("main-b", "B", 0, frozenset({"b"})),
                sm.Vehicle("island-b", "B'", 1, frozenset({"b"})))
    base_land = {"main-a": "97101", "main-b": "97101", "island-b": DESIRADE}
    crossings = {"a": {DESIRADE: ferry}}
    week = tuple(sm.Window(d, 8 * 60, 17 * 60) for d in range(1, 6))

    def stop(services):
        return sm.Stop("s", 2, 10, frozenset(services), week)

    both = across_the_sea(stop({"a", "b"}), DESIRADE, vehicles, base_land, crossings)
    assert both.vehicle_costs == (("main-a", 0), ("island-b", 0))
    assert {w.weekday for w in both.windows} == {2, 4}  # main-a crosses: sailing days only
    local = across_the_sea(stop({"b"}), DESIRADE, vehicles, base_land, crossings)
    assert local.vehicle_costs == (("island-b", 0),) and local.windows == week
    mainland = across_the_sea(stop({"a", "b"}), "97101", vehicles, base_land, crossings)
    assert mainland.vehicle_costs == (("main-a", 0), ("main-b", 0)) and mainland.windows == week
    alone = across_the_sea(stop({"a"}), "97101", vehicles, base_land, crossings)
    assert alone == stop({"a"})  # every vehicle of its service reaches it by road
