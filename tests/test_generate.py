"""A generated starting scenario plans a whole département."""

import datetime as dt

from plan_checker import check_plan
from sqlmodel import Session

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
