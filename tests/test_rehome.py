"""Re-planning never moves a booked session silently (issue 14): booked sessions are
pinned by default; publishing a plan that drops one lists its bookings for confirmation;
once confirmed, each family is proposed a seat in the nearest session of its service (or
told none is free) by a message."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from outreach import db, planning
from outreach.appointments import PARIS, SessionRef, bookable_session
from outreach.appointments import booking as bookings
from outreach.appointments.booking import Request
from outreach.appointments.dispatch import send_due
from outreach.appointments.rehome import BookingsAffected
from outreach.models import Booking, PlanSession
from outreach.planning import manual, published_plan_id

NOW = dt.datetime(2027, 1, 1, 9, 0, tzinfo=PARIS)


def _session(url: str) -> PlanSession:
    with Session(db.get_engine(url)) as s:
        plan_id = published_plan_id(s, "indre-et-loire")
        row = s.exec(select(PlanSession).where(
            PlanSession.plan_id == plan_id, PlanSession.service_code == "bus-prevention")
            .order_by(PlanSession.date)).first()
        assert row is not None
        return row


def _book_two(url: str, row: PlanSession) -> tuple[SessionRef, list[str]]:
    ref = SessionRef("indre-et-loire", row.date, row.stop_code, row.service_code)
    tokens = []
    with db.unit_of_work(url) as s:
        slots = [x for x in bookable_session(s, ref).slots if x.offer == "consultation"]
        for k, slot in enumerate(slots[:2]):
            tokens.append(bookings.book(s, ref, Request(
                "consultation", slot.start_min, f"Famille{k}", f"06 00 00 00 0{k}", "0-1", True),
                NOW)[1])
    return ref, tokens


def test_a_re_plan_keeps_booked_sessions_by_default(planned_url):
    from solver import Method, SolveParams

    row = _session(planned_url)
    _book_two(planned_url, row)
    with db.unit_of_work(planned_url) as s:
        assert [(p.date, p.stop, p.service, p.vehicle) for p in planning.booked_pins(
            s, "indre-et-loire")] == [(row.date, row.stop_code, row.service_code, row.vehicle_code)]
        start = row.date - dt.timedelta(days=row.date.weekday())
        plan = planning.create_plan(s, "indre-et-loire", start, 1, SolveParams(
            time_limit_s=60, work_limit_s=1, method=Method.ROUTING))
        kept = s.exec(select(PlanSession).where(
            PlanSession.plan_id == plan.id, PlanSession.date == row.date,
            PlanSession.stop_code == row.stop_code)).first()
        assert kept is not None and kept.vehicle_code == row.vehicle_code
        planning.publish_plan(s, plan.id, now=NOW)  # nothing dropped: no confirmation asked


def test_publishing_a_plan_that_drops_a_booked_session_asks_then_tells_each_family(
        planned_url, monkeypatch, texts):
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    row = _session(planned_url)
    _ref, tokens = _book_two(planned_url, row)
    with db.unit_of_work(planned_url) as s:
        edited = manual.save_edit(s, published_plan_id(s, "indre-et-loire"), manual.Edit(
            date=row.date, vehicle=row.vehicle_code, stop=row.stop_code))
    with db.unit_of_work(planned_url) as s:
        with pytest.raises(BookingsAffected) as asked:
            planning.publish_plan(s, edited.id, now=NOW)
        assert len(asked.value.affected) == 2
        assert {a.date for a in asked.value.affected} == {row.date}
        assert "Famille" not in str(asked.value) + "".join(a.describe() for a in asked.value.affected)
    with db.unit_of_work(planned_url) as s:
        planning.publish_plan(s, edited.id, bookings_confirmed=True, now=NOW)
    with Session(db.get_engine(planned_url)) as s:
        after = [bookings.find(s, t) for t in tokens]
    # No other session of the bus at that stop or in that commune: both dropped.
    assert [(b.status, b.seat_key, b.previous_date) for b in after] == [("dropped", None, row.date)] * 2
    assert send_due(NOW, planned_url) == {"dropped": 2}
    assert send_due(NOW, planned_url) == {}
    assert sorted(n for n, _ in texts) == ["06 00 00 00 00", "06 00 00 00 01"]  # once each
    assert all("4 janvier 2027 annulée" in t and "https://prevention.example.fr/" in t
               for _, t in texts)
    with Session(db.get_engine(planned_url)) as s:  # told, then erased
        assert {(b.status, b.contact_sealed) for b in s.exec(select(Booking))} == {("cancelled", "")}


def test_a_session_moved_by_hand_offers_each_family_a_seat_in_it(planned_url, monkeypatch, texts):
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    row = _session(planned_url)
    _ref, tokens = _book_two(planned_url, row)
    with Session(db.get_engine(planned_url)) as s:  # the bus a week later (same opening hours)
        other = s.exec(select(PlanSession).where(
            PlanSession.plan_id == row.plan_id, PlanSession.vehicle_code == row.vehicle_code,
            PlanSession.date == row.date + dt.timedelta(days=7))).first()
    with db.unit_of_work(planned_url) as s:  # that day freed, then the session moved to it
        freed = manual.save_edit(s, row.plan_id, manual.Edit(
            date=other.date, vehicle=other.vehicle_code, stop=other.stop_code))
        edited = manual.save_edit(s, freed.id, manual.Edit(
            date=row.date, vehicle=row.vehicle_code, stop=row.stop_code, new_date=other.date))
    with db.unit_of_work(planned_url) as s:
        planning.publish_plan(s, edited.id, bookings_confirmed=True, now=NOW)
    with Session(db.get_engine(planned_url)) as s:
        after = [bookings.find(s, t) for t in tokens]
        new_day = after[0].session_date
        assert new_day != row.date
        for booking in after:
            assert (booking.status, booking.previous_date, booking.stop_code) == (
                "offered", row.date, row.stop_code)
            found = bookable_session(s, SessionRef.of(booking))
            assert found.slot(booking.offer_code, booking.slot_start_min).booked >= 1
    assert send_due(NOW, planned_url) == {"moved": 2}
    assert all("4 janvier 2027 annulée, place proposée" in t and "/rendez-vous/suivi/" in t
               for _, t in texts)
    with db.unit_of_work(planned_url) as s:
        taken = bookings.accept_offer(s, tokens[0], NOW)
        assert taken.status == "booked" and taken.session_date == new_day
    # The seat taken gets its own confirmation (the page sends it; here, the next round).
    assert send_due(NOW, planned_url) == {"confirmation": 1}
    assert texts[-1][1].startswith("RDV ") and "/rendez-vous/suivi/" in texts[-1][1]


def test_the_coordinator_confirms_a_publication_that_drops_booked_sessions(planned_url):
    from web_helpers import PASSWORD, signed_in

    from outreach.users import set_user
    from web import create_app

    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    row = _session(planned_url)
    _book_two(planned_url, row)
    with db.unit_of_work(planned_url) as s:
        edited = manual.save_edit(s, row.plan_id, manual.Edit(
            date=row.date, vehicle=row.vehicle_code, stop=row.stop_code))
    app = create_app({"DATABASE_URL": planned_url, "TESTING": True, "CLOCK": lambda: NOW})
    client = signed_in(app, "coord@test")
    asked = client.post(f"/coordination/plans/{edited.id}/publish",
                        data={"csrf_token": client.token, "seen": str(row.plan_id)})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 409 and "Rendez-vous concernés (2)" in text
    assert "Famille" not in text and "06 00" not in text  # no name, no number
    with Session(db.get_engine(planned_url)) as s:
        assert published_plan_id(s, "indre-et-loire") == row.plan_id  # nothing published yet
    done = client.post(f"/coordination/plans/{edited.id}/publish", data={
        "csrf_token": client.token, "seen": str(row.plan_id), "confirm_bookings": "1"})
    assert done.status_code == 302
    with Session(db.get_engine(planned_url)) as s:
        assert published_plan_id(s, "indre-et-loire") == edited.id
        assert {b.status for b in s.exec(select(Booking))} == {"dropped"}
