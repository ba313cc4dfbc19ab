"""Plan versions through the database: create, publish, archive, failed solves."""

import datetime as dt

import pytest
from sqlmodel import Session, func, select

from outreach import db, planning
from outreach.data import scenarios
from outreach.errors import InvalidInput, PlanNotPublishable, UnknownPlan, UnknownScenario
from outreach.models import Plan, PlanCrew, PlanSession, Stop
from solver import SolveParams

START = dt.date(2027, 1, 4)
FAST = SolveParams(time_limit_s=120, work_limit_s=3)


def _session(url):
    return Session(db.get_engine(url), expire_on_commit=False)


def test_published_plan_round_trips_through_the_database(planned_url):
    with _session(planned_url) as s:
        doc = planning.export_document(s, 1)
        rows = s.exec(select(PlanSession).where(PlanSession.plan_id == 1)).all()
        crew = s.exec(select(PlanCrew).where(PlanCrew.plan_id == 1)).all()
    assert doc["status"] == "published" and doc["published_at"]
    assert len(rows) == sum(len(r["visits"]) for r in doc["routes"]) == doc["kpis"]["sessions"]
    assert len(crew) == sum(len(r["crew"]) for r in doc["routes"])
    first = doc["routes"][0]
    stored = next(r for r in rows if r.date.isoformat() == first["date"] and r.seq == 1)
    assert stored.stop_code == first["visits"][0]["stop"]
    assert stored.start_min == int(first["visits"][0]["start"][:2]) * 60 + int(first["visits"][0]["start"][3:])


def test_publishing_a_new_version_archives_the_old_one_unchanged(planned_url):
    with db.unit_of_work(planned_url) as s:
        before = planning.export_document(s, 1)
        second = planning.create_plan(s, "indre-et-loire", START, 4, SolveParams(time_limit_s=120, work_limit_s=3, seed=1))
        planning.publish_plan(s, second.id)
    with _session(planned_url) as s:
        old = planning.export_document(s, 1)
        new = planning.export_document(s, second.id)
    assert old["status"] == "archived" and new["status"] == "published"
    assert {k: v for k, v in old.items() if k != "status"} == {
        k: v for k, v in before.items() if k != "status"}


def test_a_failed_solve_writes_nothing_and_keeps_the_published_plan(planned_url, monkeypatch):
    def broken_solve(problem, params, progress=None):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(planning, "solve", broken_solve)
    with pytest.raises(RuntimeError), db.unit_of_work(planned_url) as s:
        planning.create_plan(s, "indre-et-loire", START, 4, FAST)
    with _session(planned_url) as s:
        assert s.exec(select(func.count()).select_from(Plan)).one() == 1
        assert planning.published_plan_id(s, "indre-et-loire") == 1


def test_scenario_data_changes_do_not_alter_a_stored_plan(planned_url):
    with db.unit_of_work(planned_url) as s:
        before = planning.export_document(s, 1)
        for stop in s.exec(select(Stop)):
            stop.venue = "Renamed"
            s.add(stop)
    with _session(planned_url) as s:
        assert planning.export_document(s, 1)["stops"] == before["stops"]


def test_publishing_twice_and_unknown_plans_are_refused(planned_url):
    with db.unit_of_work(planned_url) as s:
        with pytest.raises(PlanNotPublishable, match="déjà publié"):
            planning.publish_plan(s, 1)
        with pytest.raises(UnknownPlan, match="introuvable"):
            planning.publish_plan(s, 999)


@pytest.mark.parametrize(
    ("scenario", "start", "weeks", "error", "message"),
    [
        ("nowhere", START, 4, UnknownScenario, "Scénario inconnu"),
        ("indre-et-loire", dt.date(2027, 1, 5), 4, InvalidInput, "start : l'horizon commence un lundi"),
        ("indre-et-loire", START, 0, InvalidInput, "weeks"),
    ],
)
def test_bad_plan_requests_are_clear_errors(db_url, scenario, start, weeks, error, message):
    with _session(db_url) as s, pytest.raises(error, match=message):
        planning.create_plan(s, scenario, start, weeks, FAST)


def test_seed_demo_is_idempotent(db_url):
    with db.unit_of_work(db_url) as s:
        counts = s.exec(select(func.count()).select_from(Stop)).one()
        scenarios.seed_demo(s)
    with _session(db_url) as s:
        assert s.exec(select(func.count()).select_from(Stop)).one() == counts


@pytest.mark.postgres
def test_plan_round_trip_on_postgresql(pg_url):
    db.upgrade(pg_url)
    with db.unit_of_work(pg_url) as s:
        scenarios.seed_demo(s, ["loire"])
        plan = planning.create_plan(s, "loire", START, 2, FAST)
        planning.publish_plan(s, plan.id)
    with _session(pg_url) as s:
        doc = planning.export_document(s, plan.id)
        stored = s.exec(select(func.count()).select_from(PlanSession)).one()
    assert doc["status"] == "published"
    assert stored == doc["kpis"]["sessions"] > 0
    from plan_checker import check_plan

    assert check_plan(doc) == []


def test_replanning_after_an_absence_keeps_the_published_sessions(planned_url):
    from outreach.models import Absence

    with db.unit_of_work(planned_url) as s:
        published = planning.export_document(s, 1)
        route = published["routes"][0]
        absent_id = int(route["crew"][0]["staff"].removeprefix("staff-"))
        day = dt.date.fromisoformat(route["date"])
        s.add(Absence(staff_id=absent_id, start_date=day, end_date=day, reason="Maladie"))
    with db.unit_of_work(planned_url) as s:
        plan = planning.create_plan(s, "indre-et-loire", START, 4, FAST, keep_published=True)
        new = planning.export_document(s, plan.id)
        diff = planning.diff_against_published(s, plan.id)
    held = {(v["stop"], r["date"]) for r in new["routes"] for v in r["visits"]}
    dropped = {(p["stop"], p["date"]) for p in new["pins"] if not p["held"]}
    for r in published["routes"]:
        for v in r["visits"]:
            assert (v["stop"], r["date"]) in held or (v["stop"], r["date"]) in dropped
    assert all(p["reason"] for p in new["pins"] if not p["held"])
    assert not any(c["staff"] == f"staff-{absent_id}" for r in new["routes"] if r["date"] == route["date"]
                   for c in r["crew"])
    assert len(diff["moved"]) + len(diff["cancelled"]) <= len(dropped)
    assert new["solver"]["stopped_by_time_limit"] is False  # it ended on its own work


def test_a_services_one_way_limit_reaches_the_plan_and_its_export(db_url):
    from outreach.models import Service

    with db.unit_of_work(db_url) as s:
        bus = s.exec(select(Service).where(Service.code == "bus-prevention")).one()
        bus.max_one_way_min = 40
        s.add(bus)
    with db.unit_of_work(db_url) as s:
        plan = planning.create_plan(s, "indre-et-loire", START, 4, FAST)
        doc = planning.export_document(s, plan.id)
    from plan_checker import check_plan

    assert next(x for x in doc["services"] if x["id"] == "bus-prevention")["max_one_way_min"] == 40
    assert check_plan(doc) == []
    assert any("trajet maximal" in u["reason"] for u in doc["unserved"])


def test_preferring_the_published_plan_moves_fewer_sessions(planned_url):
    """After an absence, preferring the published sessions (threshold 10 children)
    changes no more sessions than planning afresh, and the preference is recorded."""
    from outreach.models import Absence

    with db.unit_of_work(planned_url) as s:
        published = planning.export_document(s, 1)
        route = published["routes"][0]
        absent_id = int(route["crew"][0]["staff"].removeprefix("staff-"))
        day = dt.date.fromisoformat(route["date"])
        s.add(Absence(staff_id=absent_id, start_date=day, end_date=day + dt.timedelta(days=7),
                      reason="Maladie"))
    changes = {}
    for prefer in (False, True):
        with db.unit_of_work(planned_url) as s:
            plan = planning.create_plan(s, "indre-et-loire", START, 4, FAST, prefer_published=prefer)
            diff = planning.diff_against_published(s, plan.id)
            from plan_checker import check_plan

            assert check_plan(planning.export_document(s, plan.id)) == []
        changes[prefer] = len(diff["moved"]) + len(diff["cancelled"]) + len(diff["added"])
    assert changes[True] <= changes[False]
    assert changes[True] > 0  # the absence forces at least one change


@pytest.mark.parametrize("method", ["patterns", "routing", "local_search"])
def test_published_sessions_kept_even_when_the_search_stops_at_once(planned_url, method):
    """Keeping the published plan (after an absence) holds every published session even
    when the search is cut short, as on a loaded machine: the repair puts back the pins
    the method did not reach (deterministic: a tiny work budget, not the clock)."""
    from outreach.access.travel import GeodesicTravelModel
    from solver import Method, solve

    with Session(db.get_engine(planned_url)) as s:
        pins = planning.published_pins(s, "indre-et-loire")
        inp = planning.build_problem(s, "indre-et-loire", dt.date(2027, 1, 4), 4,
                                     GeodesicTravelModel(), pins=pins, preferred=[])
    assert len(pins) > 20
    for work in (0.0001, 0.05):
        solution = solve(inp.problem, SolveParams(time_limit_s=300, work_limit_s=work,
                                                  method=Method(method)))
        assert solution.dropped_pins == ()
        held = {(v.stop, v.service, r.date, r.vehicle) for r in solution.routes for v in r.visits}
        assert {(p.stop, p.service, p.date, p.vehicle) for p in pins} <= held
