"""Appointments (issue 14): slots from the published plan's hours and crew, booking
without an account, one family per seat, a secret link to see, move or cancel."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from outreach import db
from outreach.appointments import (
    Appointments,
    SessionRef,
    bookable_session,
    offer_slots,
    walk_in_slots,
)
from outreach.appointments import booking as bookings
from outreach.appointments.booking import BookingRefused, Request
from outreach.models import Booking, PlanCrew, PlanSession
from outreach.planning import published_plan_id

NOW = dt.datetime(2027, 1, 1, 8, 0, tzinfo=dt.UTC)


def test_walk_in_slots_are_spread_over_the_session():
    assert walk_in_slots(18, 0.25) == {3, 7, 11, 15}
    assert walk_in_slots(12, 0.0) == set()
    assert len(walk_in_slots(10, 0.5)) == 5


def test_slots_come_from_the_hours_and_the_crew():
    offers = Appointments.model_validate({"walk_in_share": 0.25, "offers": [
        {"id": "consultation", "label": "C", "minutes": 20, "roles": ["doctor", "midwife"]},
        {"id": "entretien", "label": "E", "minutes": 30, "roles": ["puericultrice"]},
        {"id": "reunion", "label": "R", "minutes": 60, "places": 12}]})
    slots = offer_slots(offers, 600, 960, ["doctor", "puericultrice", "driver"])
    consultation = [s for s in slots if s.offer == "consultation"]
    # 10:00-16:00 is 18 slots of 20 min; a quarter kept for walk-ins; one doctor: one seat.
    assert len(consultation) == 18 - 4 and {s.seats for s in consultation} == {1}
    assert consultation[0].start_min == 600 and consultation[-1].end_min == 960
    assert len([s for s in slots if s.offer == "entretien"]) == 12 - 3
    reunion = [s for s in slots if s.offer == "reunion"]
    assert [(s.start_min, s.seats) for s in reunion] == [(600, 12 - 3)]
    two = offer_slots(offers, 600, 960, ["doctor", "midwife"])
    assert {s.seats for s in two if s.offer == "consultation"} == {2}


def test_an_offer_without_roles_or_places_or_sharing_a_role_is_refused():
    with pytest.raises(ValueError, match="roles"):
        Appointments.model_validate({"offers": [{"id": "x", "label": "X", "minutes": 20}]})
    with pytest.raises(ValueError, match="doctor"):
        Appointments.model_validate({"offers": [
            {"id": "a", "label": "A", "minutes": 20, "roles": ["doctor"]},
            {"id": "b", "label": "B", "minutes": 30, "roles": ["doctor"]}]})


def _bus_session(s: Session) -> SessionRef:
    """The first published bus session of the demo."""
    plan_id = published_plan_id(s, "indre-et-loire")
    row = s.exec(select(PlanSession).where(PlanSession.plan_id == plan_id,
                                           PlanSession.service_code == "bus-prevention")
                 .order_by(PlanSession.date)).first()
    assert row is not None
    return SessionRef("indre-et-loire", row.date, row.stop_code, row.service_code)


def test_the_published_bus_session_offers_slots_from_its_crew(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        ref = _bus_session(s)
        found = bookable_session(s, ref)
        row = s.exec(select(PlanSession).where(PlanSession.date == ref.date,
                                               PlanSession.stop_code == ref.stop_code)).first()
        roles = s.exec(select(PlanCrew.role).where(PlanCrew.date == ref.date,
                                                   PlanCrew.vehicle_code == row.vehicle_code)).all()
    assert found is not None and found.commune_name == row.commune_name
    doctors = sum(r in ("doctor", "midwife") for r in roles)
    assert doctors >= 1
    consultation = [x for x in found.slots if x.offer == "consultation"]
    length = row.end_min - row.start_min
    assert len(consultation) == length // 20 - len(walk_in_slots(length // 20, 0.25))
    assert all(x.seats == doctors and x.free == doctors for x in consultation)
    assert all(row.start_min <= x.start_min and x.end_min <= row.end_min for x in found.slots)


def _request(slot, name="Léa", contact="06 12 34 56 78", **kw) -> Request:
    return Request(offer=slot.offer, start_min=slot.start_min, first_name=name, contact=contact,
                   age_band="0-1", consent=True, **kw)


def test_a_family_books_sees_moves_and_cancels_by_its_link(planned_url):
    with db.unit_of_work(planned_url) as s:
        ref = _bus_session(s)
        slot = next(x for x in bookable_session(s, ref).slots if x.offer == "consultation")
        booking, token = bookings.book(s, ref, _request(slot, contact="0612345678"), NOW)
        booking_id = booking.id
    with db.unit_of_work(planned_url) as s:
        found = bookings.find(s, token)
        assert found is not None and found.id == booking_id
        assert bookings.first_name(found) == "Léa" and bookings.contact(found) == "06 12 34 56 78"
        assert "Léa" not in found.first_name_sealed and "0612345678" not in found.contact_sealed
        assert found.token_hash != token and token not in str(found.model_dump())
        assert bookings.find(s, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        after = bookable_session(s, ref)
        assert after.slot(slot.offer, slot.start_min).booked == 1
        other = next(x for x in after.slots if x.offer == "consultation" and x.start_min != slot.start_min)
        moved = bookings.move(s, token, other.offer, other.start_min, NOW)
        assert moved.slot_start_min == other.start_min
    with db.unit_of_work(planned_url) as s:
        now = bookable_session(s, ref)
        assert now.slot(slot.offer, slot.start_min).booked == 0
        assert now.slot(other.offer, other.start_min).booked == 1
        cancelled = bookings.cancel(s, token, NOW)
        assert cancelled.status == "cancelled" and cancelled.seat_key is None
        assert cancelled.first_name_sealed == "" and cancelled.contact_sealed == ""
    with db.unit_of_work(planned_url) as s:
        assert bookable_session(s, ref).slot(other.offer, other.start_min).booked == 0
        with pytest.raises(BookingRefused):
            bookings.cancel(s, token, NOW)


def test_a_full_slot_a_missing_field_and_a_third_booking_by_one_phone_are_refused(planned_url):
    with db.unit_of_work(planned_url) as s:
        ref = _bus_session(s)
        slots = [x for x in bookable_session(s, ref).slots if x.offer == "consultation"]
        slot = slots[0]
        for k in range(slot.seats):
            bookings.book(s, ref, _request(slot, contact=f"06 00 00 00 0{k}"), NOW)
        with pytest.raises(BookingRefused) as full:
            bookings.book(s, ref, _request(slot, contact="06 99 99 99 99"), NOW)
        assert full.value.field == "slot"
        for field, request in (
                ("first_name", _request(slots[1], name="  ")),
                ("contact", _request(slots[1], contact="06 12")),
                ("contact", _request(slots[1], contact="lea@")),
                ("consent", Request(slots[1].offer, slots[1].start_min, "Léa", "0612345678",
                                    "0-1", consent=False)),
                ("age_band", Request(slots[1].offer, slots[1].start_min, "Léa", "0612345678",
                                     "", consent=True)),
                ("slot", Request("consultation", slots[1].start_min + 1, "Léa", "0612345678",
                                 "0-1", consent=True))):
            with pytest.raises(BookingRefused) as refused:
                bookings.book(s, ref, request, NOW)
            assert refused.value.field == field, field
        bookings.book(s, ref, _request(slots[1], contact="lea@example.org"), NOW)
        bookings.book(s, ref, _request(slots[2], contact="LEA@example.org"), NOW)
        with pytest.raises(BookingRefused) as third:
            bookings.book(s, ref, _request(slots[3], contact="lea@example.org"), NOW)
        assert third.value.field == "contact"
        with pytest.raises(BookingRefused):  # a session past
            bookings.book(s, ref, _request(slots[4]), dt.datetime.combine(
                ref.date + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC))
    with Session(db.get_engine(planned_url)) as s:
        held = s.exec(select(Booking).where(Booking.status == "booked")).all()
    assert len(held) == slot.seats + 2


@pytest.mark.postgres
def test_twelve_families_booking_the_last_seats_at_once_get_exactly_the_seats(pg_url):
    """Concurrent bookings of one slot on PostgreSQL: exactly as many go through as the
    slot has seats; the others are told the slot was just taken."""
    import threading

    from outreach import planning
    from outreach.data import scenarios
    from solver import Method, SolveParams

    db.upgrade(pg_url)
    with db.unit_of_work(pg_url) as s:
        scenarios.seed_demo(s, ["indre-et-loire"])
        plan = planning.create_plan(s, "indre-et-loire", dt.date(2027, 1, 4), 1, SolveParams(
            time_limit_s=60, work_limit_s=1, method=Method.ROUTING))
        planning.publish_plan(s, plan.id)
    with Session(db.get_engine(pg_url)) as s:
        ref = _bus_session(s)
        slot = next(x for x in bookable_session(s, ref).slots if x.offer == "consultation")
    families = 12
    start = threading.Barrier(families)
    outcomes: list[str] = []

    with Session(db.get_engine(pg_url)) as s:
        found = bookable_session(s, ref)

    def book(k: int) -> None:
        start.wait()
        try:
            if k % 2:  # as the booking page: the session read before, nothing begun
                with Session(db.get_engine(pg_url), expire_on_commit=False) as s:
                    assert not s.in_transaction()
                    bookings.book(s, ref, _request(slot, contact=f"06 00 00 00 {k:02d}"), NOW,
                                  found)
            else:
                with db.unit_of_work(pg_url) as s:
                    bookings.book(s, ref, _request(slot, contact=f"06 00 00 00 {k:02d}"), NOW)
            outcomes.append("booked")
        except BookingRefused as refused:
            outcomes.append(refused.field)

    threads = [threading.Thread(target=book, args=(k,)) for k in range(families)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["booked"] * slot.seats + ["slot"] * (families - slot.seats))
    with Session(db.get_engine(pg_url)) as s:
        held = s.exec(select(Booking).where(Booking.status == "booked")).all()
        assert len(held) == slot.seats
        assert bookable_session(s, ref).slot(slot.offer, slot.start_min).free == 0
    # A contact's share of the session, on the page's path: two bookings, the third refused.
    others = [x for x in found.slots if x.offer == "consultation" and x != slot][:3]
    for k, other in enumerate(others):
        with Session(db.get_engine(pg_url), expire_on_commit=False) as s:
            if k < 2:
                made, _ = bookings.book(s, ref, _request(other, contact="06 55 55 55 55"), NOW, found)
                assert made.id is not None and made.seat_key
            else:
                with pytest.raises(BookingRefused) as third:
                    bookings.book(s, ref, _request(other, contact="06 55 55 55 55"), NOW, found)
                assert third.value.field == "contact"
    with Session(db.get_engine(pg_url)) as s:
        assert len(s.exec(select(Booking).where(Booking.status == "booked")).all()) == slot.seats + 2
        with db.reading(pg_url) as reading:  # the read sent straight by the driver agrees
            assert bookable_session(reading, ref) == bookable_session(s, ref)


def test_purge_erases_bookings_past_their_retention_and_keeps_the_counts(planned_url, monkeypatch):
    from click.testing import CliRunner

    from outreach.cli import main

    with db.unit_of_work(planned_url) as s:
        ref = _bus_session(s)
        slots = [x for x in bookable_session(s, ref).slots if x.offer == "consultation"]
        for k, slot in enumerate(slots[:3]):
            bookings.book(s, ref, _request(slot, name=f"Prénom{k}", contact=f"06 11 22 33 0{k}"), NOW)
    runner = CliRunner(env={"OUTREACH_DATABASE_URL": planned_url})
    day = ref.date + dt.timedelta(days=30)  # 30 days after: still kept
    kept = runner.invoke(main, ["purge", "--today", day.isoformat()])
    assert kept.exit_code == 0 and kept.output.startswith("0 rendez-vous"), kept.output
    monkeypatch.setenv("OUTREACH_BOOKING_RETENTION_DAYS", "7")
    erased = runner.invoke(main, ["purge", "--today", (ref.date + dt.timedelta(days=8)).isoformat()])
    assert erased.exit_code == 0 and erased.output.startswith("3 rendez-vous de plus de 7 jours"), \
        erased.output
    with Session(db.get_engine(planned_url)) as s:
        rows = s.exec(select(Booking)).all()
    assert len(rows) == 3  # counted still
    assert all(r.first_name_sealed == r.contact_sealed == r.token_sealed == "" and r.erased_at
               for r in rows)
    monkeypatch.setenv("OUTREACH_BOOKING_RETENTION_DAYS", "trente")
    wrong = runner.invoke(main, ["purge"])
    assert wrong.exit_code != 0 and "OUTREACH_BOOKING_RETENTION_DAYS" in wrong.output


def test_the_cap_per_contact_counts_by_a_keyed_fingerprint_that_rotates_and_is_erased(
        planned_url, monkeypatch):
    from cryptography.fernet import Fernet

    from outreach import privacy

    first = Fernet.generate_key().decode()
    monkeypatch.setenv(privacy.ENV, first)
    with db.unit_of_work(planned_url) as s:
        ref = _bus_session(s)
        slots = [x for x in bookable_session(s, ref).slots if x.offer == "consultation"]
        made, token = bookings.book(s, ref, _request(slots[0], contact="06 12 34 56 78"), NOW)
        fingerprint = made.contact_hash
    # A keyed digest, not the number (a digit pair of the number may well occur in it).
    assert fingerprint and "0612345678" not in fingerprint.replace(" ", "")
    assert fingerprint == privacy.fingerprint("06 12 34 56 78")
    monkeypatch.setenv(privacy.ENV, Fernet.generate_key().decode())  # another key: another print
    assert privacy.fingerprint("06 12 34 56 78") != fingerprint
    monkeypatch.setenv(privacy.ENV, f"{Fernet.generate_key().decode()},{first}")
    with db.unit_of_work(planned_url) as s:
        assert bookings.reseal_all(s) == 1
    with db.unit_of_work(planned_url) as s:  # the new key's print: the cap still counts it
        bookings.book(s, ref, _request(slots[1], contact="0612345678"), NOW)
        with pytest.raises(BookingRefused) as third:
            bookings.book(s, ref, _request(slots[2], contact="06.12.34.56.78"), NOW)
        assert third.value.field == "contact"
        bookings.cancel(s, token, NOW)
    with Session(db.get_engine(planned_url)) as s:
        cancelled = bookings.find(s, token)
        assert cancelled.contact_hash == "" and cancelled.contact_sealed == ""


def test_a_process_keeps_the_newest_sessions_read_from_their_plan():
    from outreach.appointments import PlanSessions, SessionRef

    kept = PlanSessions(size=2)
    refs = [SessionRef("s", dt.date(2027, 1, 4 + k), "stop", "bus") for k in range(3)]
    for ref in refs:
        kept.put(7, ref, None)  # None: that plan has no such bookable session
    assert kept.get(7, refs[0]) == (False, None)  # the oldest forgotten
    assert kept.get(7, refs[2]) == (True, None)
    assert kept.get(8, refs[2]) == (False, None)  # another plan: read again


def test_a_session_with_the_same_counts_is_drawn_once_and_new_counts_are_shown(planned_url):
    """What is booked comes from each read; the session with those counts is made again
    only when they change (a burst of posts on a full session reads the same counts)."""
    from collections import Counter

    from outreach.appointments import PlanSessions

    kept = PlanSessions()
    with Session(db.get_engine(planned_url)) as s:
        ref = _bus_session(s)
        first = bookable_session(s, ref, kept)
        assert first is not None and first.booked == 0
        slot = first.slots[0]
        bare = kept.get(first.plan_id, ref)[1]
        assert bare is not None
        once = kept.holding(first.plan_id, ref, bare, Counter({(slot.offer, slot.start_min): 1}))
        again = kept.holding(first.plan_id, ref, bare, Counter({(slot.offer, slot.start_min): 1}))
        assert again is once and once.slot(slot.offer, slot.start_min).booked == 1
        more = kept.holding(first.plan_id, ref, bare, Counter({(slot.offer, slot.start_min): 2}))
        assert more.slot(slot.offer, slot.start_min).booked == 2 and more.booked == 2
        assert kept.holding(first.plan_id, ref, bare, Counter()).booked == 0
        bookings.book(s, ref, Request(offer=slot.offer, start_min=slot.start_min,
                                      first_name="Léa", contact="lea@example.org",
                                      age_band="0-1", consent=True), NOW)
        s.commit()
        read = bookable_session(s, ref, kept)
        assert read is not None and read.slot(slot.offer, slot.start_min).booked == 1
        assert read.booked == 1


@pytest.mark.postgres
def test_booking_forms_are_counted_per_address_in_one_statement_on_postgresql(pg_url,
                                                                             monkeypatch):
    """The form limit on the page's path (nothing begun: each statement on its own)."""
    from outreach.models import FormAttempt

    db.upgrade(pg_url)
    monkeypatch.setenv("OUTREACH_BOOKING_FORMS_PER_HOUR", "2")
    monkeypatch.setattr(bookings, "SWEEP_EVERY", 1)
    with db.unit_of_work(pg_url) as s:
        s.add(FormAttempt(client_hash="old", at=NOW - dt.timedelta(days=2)))
    noted = []
    for k in range(4):
        with Session(db.get_engine(pg_url)) as s:
            noted.append(bookings.note_form(s, "a" if k < 3 else "b", NOW + dt.timedelta(minutes=k)))
    assert noted == [True, True, False, True]
    with Session(db.get_engine(pg_url)) as s:
        left = sorted(a.client_hash for a in s.exec(select(FormAttempt)))
    assert left == ["a", "a", "b"]  # the old one swept, the refused form not counted
