"""The typed plan: one mapping in, one out, and the stored rows written from it."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import Session, col, select

from outreach import db, planning
from outreach.models import Plan, PlanCrew, PlanRhythm, PlanSession
from outreach.planning import manual
from outreach.planning.plan import DayRoute, PlanVersion


def _dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False)  # key order counts


def test_a_stored_export_reads_into_the_model_and_back_unchanged(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        doc = planning.export_document(s, 1)
        version = planning.read_version(s, 1)
    assert _dumps(PlanVersion.from_document(doc).to_document()) == _dumps(doc)
    assert version.plan_id == 1 and version.status == "published"
    assert all(isinstance(r, DayRoute) for r in version.routes)
    first = version.routes[0]
    assert first.depart_min < first.visits[0].arrive_min <= first.visits[0].start_min
    assert version.kpis.demand_served_pct == doc["kpis"]["demand_served_pct"]


def test_the_export_is_the_stored_document_written_again_from_the_model(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        stored = s.get(Plan, 1).document
        doc = planning.export_document(s, 1)
    head = {"schema", "plan_id", "status", "created_at", "published_at"}
    assert _dumps({k: v for k, v in doc.items() if k not in head}) == \
        _dumps({k: v for k, v in stored.items() if k != "schema"})


def test_rhythm_rows_are_the_versions_recurrence(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        version = planning.read_version(s, 1)
        rows = s.exec(select(PlanRhythm).where(PlanRhythm.plan_id == 1)).all()
    assert version.recurrence
    assert sorted((r.stop_code, r.service_code, r.weekday, r.week_of_month, r.kept)
                  for r in rows) == sorted((r.stop, r.service, r.weekday, r.week_of_month, r.kept)
                                           for r in version.recurrence)
    assert {r.commune_insee for r in rows} <= {s.commune_insee for s in version.inputs.stops.values()}


def test_rows_are_written_from_the_typed_routes(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        version = planning.read_version(s, 1)
        rows = s.exec(select(PlanSession).where(PlanSession.plan_id == 1)
                      .order_by(col(PlanSession.date), col(PlanSession.vehicle_code),
                                col(PlanSession.seq))).all()
        crews = s.exec(select(PlanCrew).where(PlanCrew.plan_id == 1)).all()
    sessions = [(r.date, r.vehicle, v.stop, v.arrive_min, v.start_min, v.end_min, v.leave_min)
                for r in sorted(version.routes, key=lambda r: (r.date, r.vehicle))
                for v in r.visits]
    assert sessions == [(x.date, x.vehicle_code, x.stop_code, x.arrive_min, x.start_min,
                         x.end_min, x.leave_min) for x in rows]
    assert len(crews) == sum(len(r.crew) for r in version.routes)
    assert version.kpis.sessions == len(rows)


def test_a_manual_edit_is_a_new_typed_version_of_the_same_inputs(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        before = planning.read_version(s, 1)
    route = before.routes[0]
    visit = route.visits[0]
    with db.unit_of_work(planned_url) as s:
        plan = manual.save_edit(s, 1, manual.Edit(route.date, route.vehicle, visit.stop))
    with Session(db.get_engine(planned_url)) as s:
        after = planning.read_version(s, plan.id)
        doc = planning.export_document(s, plan.id)
    assert _dumps(after.to_document()) == _dumps(doc)
    assert after.inputs == before.inputs
    assert after.solver.method == "manual" and after.solver.edited_from == 1
    assert after.kpis.sessions == before.kpis.sessions - 1
    assert after.kpis.workload is not None and after.kpis.coverage is not None
    removed = [u for u in after.unserved if u.stop == visit.stop and u.reason_code == "removed"]
    assert removed and removed[0].why == {"code": "manual.removed", "args": {}}
    assert all(r.date >= dt.date.fromisoformat(doc["horizon"]["start"]) for r in after.routes)


def test_the_export_rebuilds_exactly_the_problem_that_was_solved(db_url):
    """Manual edits judge a plan against the problem rebuilt from its export: nothing of
    the solved problem may be lost on the way (pins and preferences aside, which an edit
    does not use)."""
    import dataclasses

    from outreach.access.travel import GeodesicTravelModel
    from outreach.planning.mapping import build_problem, plan_version
    from solver import Method, SolveParams, solve

    with Session(db.get_engine(db_url)) as s:
        for scenario in ("indre-et-loire", "loire", "deux-sevres"):
            inp = build_problem(s, scenario, dt.date(2027, 1, 4), 2, GeodesicTravelModel())
            params = SolveParams(time_limit_s=60, work_limit_s=1, method=Method.ROUTING)
            document = plan_version(inp, solve(inp.problem, params), params).to_document()
            rebuilt = PlanVersion.from_document(document).inputs.problem
            assert rebuilt == dataclasses.replace(inp.problem, pins=(), preferred=()), scenario
