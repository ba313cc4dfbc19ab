"""A generated starting scenario plans a whole département."""

import datetime as dt

from plan_checker import check_plan
from sqlmodel import Session, select

from outreach import db, planning
from outreach.access.travel import GeodesicTravelModel
from outreach.data import scenarios
from outreach.data.generate import generate_spec
from solver import SolveParams


def test_generated_scenario_is_valid_spread_out_and_plannable(db_url):
    with db.unit_of_work(db_url) as s:
        spec = generate_spec(s, "79", stops=12, vehicles=2)
        scenarios.load_scenario(s, spec)
        plan = planning.create_plan(s, "auto-79", dt.date(2027, 1, 4), 2, SolveParams(time_limit_s=120, work_limit_s=3))
    assert len(spec.stops) == 12 and len(spec.vehicles) == 2
    assert len({v.base_insee for v in spec.vehicles}) == 2
    travel = GeodesicTravelModel(circuity=1.0)
    with Session(db.get_engine(db_url)) as s:
        from outreach.models import Commune

        points = [(c.lat, c.lon) for c in (s.get(Commune, stop.commune_insee) for stop in spec.stops)]
        doc = planning.export_document(s, plan.id)
    assert all(travel.road_m(a, b) >= 6000 for i, a in enumerate(points) for b in points[i + 1:])
    assert doc["routes"] and check_plan(doc) == []


def test_generation_is_deterministic(db_url):
    with Session(db.get_engine(db_url)) as s:
        assert generate_spec(s, "37", 15, 1) == generate_spec(s, "37", 15, 1)


def test_an_urban_departement_gets_its_towns_as_stops(db_url):
    """The Seine-Saint-Denis has no village 15 km from its largest town: its towns are the
    stops, 2 km apart at least, never the largest (the bases' town)."""
    from outreach.models import Commune

    with db.unit_of_work(db_url) as s:
        spec = generate_spec(s, "93", stops=12, vehicles=1)
        communes = [s.get(Commune, stop.commune_insee) for stop in spec.stops]
        largest = max(s.exec(select(Commune).where(
            Commune.departement == "93")).all(), key=lambda c: c.population)
    assert len(spec.stops) == 12 and all(c.departement == "93" for c in communes)
    assert largest.insee not in {c.insee for c in communes}
    travel = GeodesicTravelModel(circuity=1.0)
    points = [(c.lat, c.lon) for c in communes]
    assert all(travel.road_m(a, b) >= 2000 for i, a in enumerate(points) for b in points[i + 1:])


def test_paris_a_single_commune_gets_a_clear_answer_and_nothing_is_left(db_url, runner):
    from outreach.cli import main
    from outreach.models import Commune, Scenario

    answer = runner.invoke(main, ["generate-scenario", "--departement", "75"])
    assert answer.exit_code == 1 and "Traceback" not in answer.output
    assert "Département 75 : une seule commune (Paris)" in answer.output
    assert "import-scenario" in answer.output and "List should have" not in answer.output
    with Session(db.get_engine(db_url)) as s:
        assert s.get(Scenario, "auto-75") is None and s.get(Commune, "75056") is None
