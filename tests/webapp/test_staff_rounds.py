"""Staff pages: my rounds, the day sheet, the private calendar feed and who may see them."""

import re

import pytest
from sqlmodel import Session, select
from web_helpers import csrf, login

from outreach import db
from outreach.models import PlanCrew, PlanSession, StaffMember, User
from web import create_app


def _me(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        user = s.exec(select(User).where(User.email == "staff@test")).one()
        member = s.get(StaffMember, user.staff_id)
        crew = s.exec(select(PlanCrew).where(PlanCrew.plan_id == 1,
                                             PlanCrew.staff_code == member.code)
                      .order_by(PlanCrew.date)).all()
        return member, crew


def _colleagues_and_stops(planned_url, crew):
    with Session(db.get_engine(planned_url)) as s:
        others = s.exec(select(PlanCrew).where(
            PlanCrew.plan_id == 1, PlanCrew.date == crew.date,
            PlanCrew.vehicle_code == crew.vehicle_code, PlanCrew.staff_code != crew.staff_code)).all()
        names = [s.exec(select(StaffMember).where(StaffMember.code == o.staff_code)).one().name
                 for o in others]
        stops = s.exec(select(PlanSession).where(
            PlanSession.plan_id == 1, PlanSession.date == crew.date,
            PlanSession.vehicle_code == crew.vehicle_code)).all()
        return names, stops


SAMPLE_ARGS = {"day": "2027-01-04", "token": "x", "stop": "x", "service": "bus-prevention"}
TOKEN_ROUTES = {"/calendrier/<token>.ics"}  # read by calendar apps: the token is the key


def _staff_requests():
    """Every staff route of the URL map (a new one is covered the day it is added)."""
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True})
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")
             and r.rule not in TOKEN_ROUTES]
    for rule in sorted(rules, key=lambda r: r.rule):
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", SAMPLE_ARGS[arg])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield pytest.param(method, path, id=f"{method} {rule.rule}")


STAFF_REQUESTS = list(_staff_requests())


def test_staff_routes_are_found():
    assert {p.values[1] for p in STAFF_REQUESTS} >= {
        "/mes-tournees", "/mes-tournees/2027-01-04", "/mes-tournees/calendrier"}


def _send(client, method, path):
    data = {"csrf_token": csrf(client), "action": "create"} if method == "POST" else None
    return client.open(path, method=method, data=data)


@pytest.mark.parametrize(("method", "path"), STAFF_REQUESTS)
def test_staff_routes_send_anonymous_users_to_sign_in(anonymous, method, path):
    response = _send(anonymous, method, path)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


@pytest.mark.parametrize(("method", "path"), STAFF_REQUESTS)
def test_staff_routes_refuse_coordinators(coordinator_client, method, path):
    assert _send(coordinator_client, method, path).status_code == 403


def test_calendar_form_needs_the_csrf_token(staff_client):
    assert staff_client.post("/mes-tournees/calendrier",
                             data={"action": "create"}).status_code == 400


def test_staff_lands_on_their_rounds_after_sign_in(anonymous):
    response = login(anonymous, "staff@test")
    assert response.headers["Location"] == "/mes-tournees"


def test_rounds_show_my_days_vehicle_colleagues_and_stops(staff_client, planned_url):
    member, crew = _me(planned_url)
    assert crew, "the fixture's staff member works in plan 1"
    page = staff_client.get("/mes-tournees").get_data(as_text=True)
    assert member.name in page
    assert page.count('class="round-day"') == len(crew)
    names, stops = _colleagues_and_stops(planned_url, crew[0])
    for name in names:
        assert name in page
    for stop in stops:
        assert stop.venue in page and stop.commune_name in page
    assert "Bus de la prévention" in page or "SAJJEEP" in page


def test_rounds_of_a_member_without_a_published_plan_are_empty(app):
    client = app.test_client()
    login(client, "idle@test")
    page = client.get("/mes-tournees").get_data(as_text=True)
    assert "Aucune tournée prévue pour vous" in page


def test_day_sheet_for_a_working_day_and_not_for_others(staff_client, planned_url):
    _, crew = _me(planned_url)
    names, stops = _colleagues_and_stops(planned_url, crew[0])
    page = staff_client.get(f"/mes-tournees/{crew[0].date}").get_data(as_text=True)
    assert "Fiche du jour" in page and stops[0].venue in page and names[0] in page
    worked = {c.date for c in crew}
    free = next(d for d in ("2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08")
                if d not in {w.isoformat() for w in worked})
    assert staff_client.get(f"/mes-tournees/{free}").status_code == 404
    assert staff_client.get("/mes-tournees/not-a-date").status_code == 404


def _create_link(client) -> str:
    response = client.post("/mes-tournees/calendrier",
                           data={"csrf_token": csrf(client), "action": "create"})
    assert response.status_code == 302
    page = client.get("/mes-tournees/calendrier").get_data(as_text=True)
    return re.search(r'value="https?://[^/]+(/calendrier/[^"]+\.ics)"', page).group(1)


def test_private_feed_lists_my_stops_and_works_without_sign_in(staff_client, app, planned_url):
    _member, crew = _me(planned_url)
    path = _create_link(staff_client)
    response = app.test_client().get(path)  # a calendar app: no session
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    unfolded = text.replace("\r\n ", "")
    stop_count = sum(len(_colleagues_and_stops(planned_url, c)[1]) for c in crew)
    assert unfolded.count("BEGIN:VEVENT") == stop_count
    assert f"DTSTART;TZID=Europe/Paris:{crew[0].date:%Y%m%d}T" in unfolded
    assert response.headers["Cache-Control"] == "private, no-store"


def test_revoked_or_replaced_links_stop_working(staff_client, app):
    first = _create_link(staff_client)
    second = _create_link(staff_client)
    calendar_app = app.test_client()
    assert calendar_app.get(first).status_code == 404
    assert calendar_app.get(second).status_code == 200
    staff_client.post("/mes-tournees/calendrier",
                      data={"csrf_token": csrf(staff_client), "action": "revoke"})
    assert calendar_app.get(second).status_code == 404
    assert "pas de lien actif" in staff_client.get(
        "/mes-tournees/calendrier").get_data(as_text=True)


def test_unknown_feed_token_is_not_found(anonymous):
    assert anonymous.get("/calendrier/not-a-token.ics").status_code == 404


def test_a_day_with_a_lunch_break_on_duty_shows_it(app, planned_url):
    from web_helpers import PASSWORD

    from outreach import planning
    from outreach.users import set_user

    with db.unit_of_work(planned_url) as s:
        doc = planning.export_document(s, 1)
        route = next(r for r in doc["routes"] if r["lunch"])
        member = s.get(StaffMember, int(route["crew"][0]["staff"].removeprefix("staff-")))
        set_user(s, "lunch@test", PASSWORD, "staff", member.id)
    client = app.test_client()
    assert login(client, "lunch@test").status_code == 302
    page = client.get(f"/mes-tournees/{route['date']}").get_data(as_text=True)
    assert f"Pause déjeuner {route['lunch']['from']}–{route['lunch']['to']}" in page
