"""Editing one session by hand: check mode, remove, move, saved as a new draft version."""

import datetime as dt

import pytest
from markupsafe import escape
from plan_checker import check_plan
from solution_checker import violations
from sqlmodel import Session
from web_helpers import PASSWORD, signed_in

from outreach import db, planning
from outreach.errors import InvalidInput
from outreach.planning import manual
from outreach.users import set_user
from outreach.wording import say
from solver.evaluate import kpis
from solver.model import Solution
from web import create_app


@pytest.fixture
def doc(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        return planning.export_document(s, 1)


def _first(doc):
    route = doc["routes"][0]
    return route, route["visits"][0]


@pytest.fixture
def version(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        return planning.read_version(s, 1)


def test_the_stored_version_rebuilds_the_problem_and_routes_it_was_planned_with(doc, version):
    problem = version.inputs.problem
    routes = [r.solver_route() for r in version.routes]
    solution = Solution("feasible", tuple(routes), (), kpis(problem, routes), 0, None, 0.0)
    assert violations(problem, solution) == []
    assert kpis(problem, routes).demand_served == doc["kpis"]["demand_served"]


def test_keeping_a_session_where_it_is_breaks_nothing(doc, version):
    route, visit = _first(doc)
    edit = manual.Edit(dt.date.fromisoformat(route["date"]), route["vehicle"], visit["stop"],
                       new_date=dt.date.fromisoformat(route["date"]))
    _, violations = manual.check_edit(version, edit)
    assert violations == []


def test_moving_to_a_day_the_venue_is_closed_is_reported(doc, version):
    route, visit = _first(doc)
    stop = next(s for s in doc["stops"] if s["id"] == visit["stop"])
    open_days = {w["weekday"] for w in stop["windows"]}
    closed = next(d for d in doc["horizon"]["dates"]
                  if dt.date.fromisoformat(d).isoweekday() not in open_days)
    edit = manual.Edit(dt.date.fromisoformat(route["date"]), route["vehicle"], visit["stop"],
                       new_date=dt.date.fromisoformat(closed))
    _, violations = manual.check_edit(version, edit)
    assert "visit.closed" in {v.code for v in violations}, violations
    assert any("en dehors des créneaux d'ouverture" in say(v) for v in violations)


def test_removing_a_session_saves_a_valid_new_draft(planned_url, doc):
    route, visit = _first(doc)
    edit = manual.Edit(dt.date.fromisoformat(route["date"]), route["vehicle"], visit["stop"])
    with db.unit_of_work(planned_url) as s:
        plan = manual.save_edit(s, 1, edit)
    with Session(db.get_engine(planned_url)) as s:
        new = planning.export_document(s, plan.id)
        assert planning.export_document(s, 1)["routes"] == doc["routes"]  # the old version stays
    assert new["status"] == "draft" and new["solver"]["method"] == "manual"
    assert new["kpis"]["sessions"] == doc["kpis"]["sessions"] - 1
    assert any(u["stop"] == visit["stop"] and u["reason_code"] == "removed" for u in new["unserved"])
    assert check_plan(new) == []


def test_an_invalid_edit_is_refused_and_saves_nothing(planned_url, doc):
    route, visit = _first(doc)
    edit = manual.Edit(dt.date.fromisoformat(route["date"]), route["vehicle"], visit["stop"],
                       new_date=dt.date.fromisoformat(route["date"]), new_start="05:00")
    with pytest.raises(InvalidInput, match="enfreint"), db.unit_of_work(planned_url) as s:
        manual.save_edit(s, 1, edit)
    with Session(db.get_engine(planned_url)) as s:
        assert [p.id for p, _ in planning.list_plans(s)] == [1]


def test_check_mode_page_then_remove(planned_url, doc):
    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    client = signed_in(create_app({"DATABASE_URL": planned_url, "TESTING": True}), "coord@test")
    route, visit = _first(doc)
    query = {"date": route["date"], "vehicle": route["vehicle"], "stop": visit["stop"]}
    page = client.get("/coordination/plans/1/seance", query_string=query)
    assert page.status_code == 200
    token = client.token
    checked = client.post("/coordination/plans/1/seance", data={
        **query, "new_date": route["date"], "new_vehicle": route["vehicle"], "new_start": "05:00",
        "action": "check", "csrf_token": token}).get_data(as_text=True)
    assert "enfreint" in checked and 'value="05:00"' in checked
    removed = client.post("/coordination/plans/1/seance", data={
        **query, "action": "remove", "csrf_token": token}, follow_redirects=True)
    assert "Nouvelle version enregistrée" in removed.get_data(as_text=True)


def test_check_mode_names_people_not_ids(planned_url, doc):
    from sqlmodel import select

    from outreach.models import StaffMember

    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
        names = [m.name for m in s.exec(select(StaffMember))]
    client = signed_in(create_app({"DATABASE_URL": planned_url, "TESTING": True}), "coord@test")
    route, visit = _first(doc)
    page = client.post("/coordination/plans/1/seance", data={
        "date": route["date"], "vehicle": route["vehicle"], "stop": visit["stop"],
        "new_date": route["date"], "new_vehicle": route["vehicle"], "new_start": "05:00",
        "action": "check", "csrf_token": client.token}).get_data(as_text=True)
    assert "staff-" not in page
    assert any(name in page for name in names)
    # Vehicles and stops by their names too, never their codes (issue 11).
    findings = page.split('role="alert"')[1].split("</div>")[0]
    vehicle = next(v for v in doc["vehicles"] if v["id"] == route["vehicle"])
    stop = next(s for s in doc["stops"] if s["id"] == visit["stop"])
    assert route["vehicle"] not in findings and visit["stop"] not in findings
    assert str(escape(vehicle["name"])) in findings
    assert str(escape(f"{stop['commune_name']} ({stop['venue']})")) in findings
    # Off the quarter-hour grid: the posted times are planned on it.
    off = client.post("/coordination/plans/1/seance", data={
        "date": route["date"], "vehicle": route["vehicle"], "stop": visit["stop"],
        "new_date": route["date"], "new_vehicle": route["vehicle"], "new_start": "10:07",
        "action": "check", "csrf_token": client.token}).get_data(as_text=True)
    assert "hors de la grille des horaires affichés (toutes les 15 min)" in off


def test_rules_and_reasons_read_in_english_on_english_pages(planned_url, doc):
    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    client = signed_in(create_app({"DATABASE_URL": planned_url, "TESTING": True}), "coord@test")
    route, visit = _first(doc)
    page = client.post("/coordination/plans/1/seance?lang=en", data={
        "date": route["date"], "vehicle": route["vehicle"], "stop": visit["stop"],
        "new_date": route["date"], "new_vehicle": route["vehicle"], "new_start": "05:00",
        "action": "check", "csrf_token": client.token}).get_data(as_text=True)
    assert "outside the service&#39;s hours" in page or "outside the service's hours" in page
    assert "hors des horaires" not in page
    assert doc["unserved"], "the demo plan leaves some stops unserved"
    plan = client.get("/coordination/plans/1?lang=en").get_data(as_text=True)
    assert "Stops not served" in plan
    french = [u["reason"] for u in doc["unserved"]]
    assert not [r for r in french if r.replace("'", "&#39;") in plan or r in plan]
    english = say(doc["unserved"][0]["why"], "en").split("(")[0].replace("'", "&#39;")
    assert english[:25] in plan
