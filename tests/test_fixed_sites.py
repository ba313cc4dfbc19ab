"""Fixed sites already serve their surroundings: stops near one are worth little, and coverage
counts them."""

import datetime as dt

from plan_checker import check_plan
from sqlmodel import Session, select
from test_scenarios import GOOD

from outreach import db, planning
from outreach.access import AccessPolicy
from outreach.access.catchment import FIXED_SITE_FACTOR
from outreach.access.coverage import coverage_kpis
from outreach.access.travel import GeodesicTravelModel
from outreach.data import scenarios
from outreach.models import Commune, FixedSite, Stop
from outreach.planning.mapping import build_problem
from solver import SolveParams

START = dt.date(2027, 1, 4)


def _load(db_url, tmp_path, extra=""):
    path = tmp_path / "tiny.toml"
    path.write_text(GOOD + extra, encoding="utf-8")
    with db.unit_of_work(db_url) as s:
        scenarios.load_scenario(s, scenarios.read_scenario(path))


SITE_AT_THE_STOP = '''
[[fixed_sites]]
id = "pmi-37091"
name = "Centre de PMI"
commune_insee = "37091"
'''


def test_a_stop_near_a_fixed_site_is_worth_a_fraction_of_its_children(db_url, tmp_path):
    _load(db_url, tmp_path)
    with Session(db.get_engine(db_url)) as s:
        alone = build_problem(s, "tiny", START, 4, GeodesicTravelModel()).problem.stops[0].demand
    _load(db_url, tmp_path, SITE_AT_THE_STOP)
    with Session(db.get_engine(db_url)) as s:
        inp = build_problem(s, "tiny", START, 4, GeodesicTravelModel())
    catchment = inp.catchment["s"]  # each commune is rounded on its own
    assert abs(inp.problem.stops[0].demand - alone * FIXED_SITE_FACTOR) <= len(catchment) / 2
    assert inp.near_fixed_site["s"].code == "pmi-37091"


def test_fixed_sites_are_exported_and_the_plan_stays_valid(db_url, tmp_path):
    _load(db_url, tmp_path, SITE_AT_THE_STOP)
    with db.unit_of_work(db_url) as s:
        plan = planning.create_plan(s, "tiny", START, 4, SolveParams(time_limit_s=120, work_limit_s=2))
        doc = planning.export_document(s, plan.id)
    assert doc["fixed_sites"][0]["id"] == "pmi-37091"
    assert doc["stops"][0]["near_fixed_site"] == "pmi-37091"
    assert check_plan(doc) == []
    coverage = doc["kpis"]["coverage"]
    assert coverage["children_within_threshold_with_fixed_sites"] >= coverage["children_within_threshold"]


def test_coverage_counts_communes_near_a_fixed_site(session):
    loches = session.get(Commune, "37132")
    only_sessions = coverage_kpis(session, "37", [], AccessPolicy())
    with_site = coverage_kpis(session, "37", [], AccessPolicy(), fixed_points=[(loches.lat, loches.lon)])
    assert only_sessions["children_within_threshold_with_fixed_sites"] == 0
    assert with_site["children_within_threshold"] == 0
    assert with_site["children_within_threshold_with_fixed_sites"] >= loches.children_0_6


def test_reloading_a_scenario_with_fixed_sites_is_idempotent(db_url, tmp_path):
    _load(db_url, tmp_path, SITE_AT_THE_STOP)
    _load(db_url, tmp_path, SITE_AT_THE_STOP)
    with Session(db.get_engine(db_url)) as s:
        assert len(s.exec(select(FixedSite).where(FixedSite.scenario_id == "tiny")).all()) == 1
        assert s.exec(select(Stop).where(Stop.scenario_id == "tiny")).first() is not None


def test_the_deux_sevres_demo_discounts_children_near_fixed_sites(db_url):
    with db.unit_of_work(db_url) as s:
        plan = planning.create_plan(s, "deux-sevres", START, 4, SolveParams(time_limit_s=120, work_limit_s=5))
        doc = planning.export_document(s, plan.id)
        children = {c.insee: c.children_0_6 for c in s.exec(
            select(Commune).where(Commune.departement == "79"))}
    assert len(doc["fixed_sites"]) >= 20
    for stop in doc["stops"]:
        raw = sum(children[i] for i in stop["catchment"]) * stop["vulnerability"]
        assert stop["demand"] <= round(raw)
        if stop["near_fixed_site"]:
            assert stop["demand"] < raw
    assert any(s["near_fixed_site"] for s in doc["stops"])
    assert any(not s["near_fixed_site"] for s in doc["stops"])
    assert check_plan(doc) == []
