"""Staff marking and coordinator figures (issue 14): staff see their session's booked
first names and slots, mark each seen or absent and count walk-ins, every look logged;
coordinators see fill rate, no-shows and waiting lists; a waiting list raises its stop's
demand in the next plan."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session, select

from outreach import db
from outreach.appointments import PARIS, SessionRef, bookable_session, staffing
from outreach.appointments import booking as bookings
from outreach.appointments.booking import Request
from outreach.appointments.demand import waiting_factors
from outreach.models import AuditEvent, PlanSession
from outreach.planning import published_plan_id

NOW = dt.datetime(2027, 1, 1, 9, 0, tzinfo=PARIS)


def _ref(url: str) -> SessionRef:
    with Session(db.get_engine(url)) as s:
        row = s.exec(select(PlanSession).where(
            PlanSession.plan_id == published_plan_id(s, "indre-et-loire"),
            PlanSession.service_code == "bus-prevention").order_by(PlanSession.date)).first()
        return SessionRef("indre-et-loire", row.date, row.stop_code, row.service_code)


def _book_all(url: str, ref: SessionRef, offer: str) -> list[str]:
    tokens = []
    with db.unit_of_work(url) as s:
        for k, slot in enumerate(x for x in bookable_session(s, ref).slots if x.offer == offer):
            for seat in range(slot.seats):
                tokens.append(bookings.book(s, ref, Request(
                    offer, slot.start_min, f"F{k}-{seat}", f"f{k}.{seat}@example.org", "0-1",
                    True), NOW)[1])
    return tokens


def test_staff_mark_families_and_walk_ins_and_coordinators_see_the_figures(planned_url):
    ref = _ref(planned_url)
    tokens = _book_all(planned_url, ref, "entretien")
    with db.unit_of_work(planned_url) as s:
        for k in range(2):
            bookings.join_waiting_list(s, ref, Request("entretien", -1, f"W{k}", f"w{k}@example.org",
                                                       "0-1", True), NOW)
    with db.unit_of_work(planned_url) as s:
        found, entries, walk_ins = staffing.day_list(s, ref)
    assert found is not None and found.ref == ref
    assert len(entries) == len(tokens) and walk_ins == 0
    assert [e.start_min for e in entries] == sorted(e.start_min for e in entries)
    assert {e.first_name for e in entries} == {f"F{k}-0" for k in range(len(tokens))}
    on_day = dt.datetime.combine(ref.date, dt.time(11), tzinfo=PARIS)
    with db.unit_of_work(planned_url) as s:
        staffing.mark(s, ref, entries[0].id, "seen", on_day)
        staffing.mark(s, ref, entries[1].id, "absent", on_day)
        staffing.walk_in(s, ref, on_day)
        staffing.walk_in(s, ref, on_day)
    with Session(db.get_engine(planned_url)) as s:
        actions = [e.action for e in s.exec(select(AuditEvent))]
        assert actions.count("booking.staff_view") == 1 and actions.count("booking.mark") == 2
        assert "F0-0" not in str([e.detail for e in s.exec(select(AuditEvent))])
        rows = staffing.figures(s, "indre-et-loire", ref.date)
    (row,) = rows
    f = row.figures
    seats = sum(x.seats for x in bookable_session(Session(db.get_engine(planned_url)), ref).slots)
    assert (f.booked, f.seen, f.absent, f.walk_ins, f.waiting) == (len(tokens), 1, 1, 2, 2)
    assert f.seats == seats and f.fill_rate == len(tokens) / seats and f.no_show_rate == 0.5
    (commune,) = staffing.by_commune(rows)
    assert commune[0] == row.commune_name and commune[1] == 1 and commune[2].waiting == 2
    # After the session, those still waiting count as unserved.
    with Session(db.get_engine(planned_url)) as s:
        later = staffing.figures(s, "indre-et-loire", ref.date + dt.timedelta(days=1))
    assert (later[0].figures.waiting, later[0].figures.unserved) == (0, 2)


def test_a_waiting_list_raises_its_stops_weight_in_the_next_plan(planned_url):
    from outreach.access.travel import GeodesicTravelModel
    from outreach.planning.mapping import build_problem

    ref = _ref(planned_url)
    start = ref.date - dt.timedelta(days=ref.date.weekday())
    with Session(db.get_engine(planned_url)) as s:
        before = build_problem(s, "indre-et-loire", start, 1, GeodesicTravelModel())
    tokens = _book_all(planned_url, ref, "entretien")
    with db.unit_of_work(planned_url) as s:
        for k in range(len(tokens) // 2):
            bookings.join_waiting_list(s, ref, Request("entretien", -1, f"W{k}", f"w{k}@example.org",
                                                       "0-1", True), NOW)
        factors = waiting_factors(s, "indre-et-loire", start, start + dt.timedelta(days=6))
    assert factors == {ref.stop_code: 1 + (len(tokens) // 2) / len(tokens)}
    with Session(db.get_engine(planned_url)) as s:
        after = build_problem(s, "indre-et-loire", start, 1, GeodesicTravelModel())
    was = before.stop_demand[ref.stop_code]
    assert after.stop_demand[ref.stop_code] > was
    others = [c for c in before.stop_demand if c != ref.stop_code]
    assert all(after.stop_demand[c] == before.stop_demand[c] for c in others)
    assert after.stops[ref.stop_code].vulnerability > before.stops[ref.stop_code].vulnerability


def test_the_crew_of_the_day_mark_families_on_their_phone_and_the_coordinator_reads_figures(
        planned_url):
    from web_helpers import PASSWORD, signed_in

    from outreach.models import PlanCrew, StaffMember
    from outreach.users import set_user
    from web import create_app

    ref = _ref(planned_url)
    _book_all(planned_url, ref, "entretien")
    with db.unit_of_work(planned_url) as s:
        row = s.exec(select(PlanSession).where(PlanSession.date == ref.date,
                                               PlanSession.stop_code == ref.stop_code)).first()
        crew = s.exec(select(PlanCrew.staff_code).where(
            PlanCrew.plan_id == row.plan_id, PlanCrew.date == ref.date,
            PlanCrew.vehicle_code == row.vehicle_code)).all()
        members = s.exec(select(StaffMember).where(StaffMember.scenario_id == "indre-et-loire")).all()
        mine = next(m for m in members if m.code in crew)
        other = next(m for m in members if m.code not in crew)
        set_user(s, "crew@test", PASSWORD, "staff", mine.id)
        set_user(s, "other@test", PASSWORD, "staff", other.id)
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    on_the_day = dt.datetime.combine(ref.date, dt.time(10), tzinfo=PARIS)
    app = create_app({"DATABASE_URL": planned_url, "TESTING": True, "CLOCK": lambda: on_the_day})
    client = signed_in(app, "crew@test")
    path = f"/mes-tournees/{ref.date.isoformat()}/rendez-vous/{ref.stop_code}/bus-prevention"
    assert path in client.get("/mes-tournees").get_data(as_text=True)
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "F0-0" in text and page.headers["Cache-Control"] == "private, no-store"
    # First names and slots only: no e-mail, no age band ("0-1"), looked for outside the
    # random CSRF token, which may hold any three characters.
    shown = re.sub(r'name="csrf_token" value="[^"]*"', "", text)
    assert "example.org" not in shown and "0-1" not in shown
    ids = [int(x) for x in re.findall(r'name="booking" value="(\d+)"', text)]
    assert client.post(path, data={"csrf_token": client.token, "booking": ids[0],
                                   "action": "absent"}).status_code == 302
    assert client.post(path, data={"csrf_token": client.token, "action": "walk_in"}).status_code == 302
    after = client.get(path).get_data(as_text=True)
    assert "Familles venues sans rendez-vous : 1" in after and "<strong>absent</strong>" in after
    # Not the crew, or not today: nothing.
    assert signed_in(app, "other@test").get(path).status_code == 404
    tomorrow = create_app({"DATABASE_URL": planned_url, "TESTING": True,
                           "CLOCK": lambda: on_the_day - dt.timedelta(days=1)})
    assert signed_in(tomorrow, "crew@test").get(path).status_code == 404
    with Session(db.get_engine(planned_url)) as s:
        events = [e for e in s.exec(select(AuditEvent)) if e.action.startswith("booking.")]
    assert [e.action for e in events] == ["booking.staff_view", "booking.mark", "booking.walk_in",
                                          "booking.staff_view"]
    assert all(e.actor == "crew@test" for e in events)
    coordinator = signed_in(app, "coord@test")
    figures = coordinator.get("/coordination/rendez-vous?scenario=indre-et-loire")
    text = figures.get_data(as_text=True)
    assert figures.status_code == 200 and row.commune_name in text and "100 %" in text
    shown = re.sub(r'name="csrf_token" value="[^"]*"', "", text)
    assert "F0-0" not in shown and "example.org" not in shown
