"""Waiting list and reminders (issue 14): a full offer takes a waiting list; a freed seat
is held for the first in line, offered by message with a link valid for a set time, then
passed to the next; reminders go two days before and on the morning, each once, whoever
sends them (the worker's rounds or ``outreach send-reminders``)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from sqlmodel import Session, select

from outreach import db
from outreach.appointments import PARIS, SessionRef, bookable_session
from outreach.appointments import booking as bookings
from outreach.appointments.booking import BookingRefused, Request
from outreach.appointments.dispatch import due, send_due
from outreach.models import Booking, PlanSession
from outreach.planning import published_plan_id

OFFER = "entretien"  # one puéricultrice: one seat a slot


def _ref(url: str) -> SessionRef:
    with Session(db.get_engine(url)) as s:
        plan_id = published_plan_id(s, "indre-et-loire")
        row = s.exec(select(PlanSession).where(
            PlanSession.plan_id == plan_id, PlanSession.service_code == "bus-prevention")
            .order_by(PlanSession.date)).first()
        assert row is not None
        return SessionRef("indre-et-loire", row.date, row.stop_code, row.service_code)


def _book(s, ref: SessionRef, request, now: dt.datetime):
    """A booking made and its confirmation handed over, as the booking page does."""
    made = bookings.book(s, ref, request, now)
    assert bookings.claim_message(s, made[0].id, "confirmed_at", now)
    return made


def _at(ref: SessionRef, days_before: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment, French time, ``days_before`` the session."""
    day = ref.date - dt.timedelta(days=days_before)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def _request(offer: str, start: int, k: int, **kw) -> Request:
    return Request(offer=offer, start_min=start, first_name=f"Famille{k}",
                   contact=kw.get("contact", f"famille{k}@example.org"), age_band="0-1",
                   consent=True)


def _fill(url: str, ref: SessionRef, now: dt.datetime) -> list[str]:
    """Book every seat of the offer; the tokens."""
    tokens = []
    with db.unit_of_work(url) as s:
        for k, slot in enumerate(x for x in bookable_session(s, ref).slots if x.offer == OFFER):
            for seat in range(slot.seats):
                tokens.append(_book(s, ref, _request(OFFER, slot.start_min, 10 * k + seat), now)[1])
    return tokens


def _messages(received) -> list[email.message.EmailMessage]:
    return [email.message_from_string(raw, policy=email.policy.default) for _, raw in received]


def _status(url: str, token: str) -> Booking:
    with Session(db.get_engine(url)) as s:
        found = bookings.find(s, token)
        assert found is not None
        return found


def test_a_freed_seat_goes_to_the_first_in_line_then_to_the_next(planned_url, smtp_server,
                                                                monkeypatch):
    monkeypatch.setenv("OUTREACH_SMTP_URL", smtp_server[0])
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    monkeypatch.setenv("OUTREACH_WAITLIST_OFFER_HOURS", "12")
    ref = _ref(planned_url)
    now = _at(ref, 5, 9)
    with db.unit_of_work(planned_url) as s:  # joining while a slot is free: refused
        slot = next(x for x in bookable_session(s, ref).slots if x.offer == OFFER)
        with pytest.raises(BookingRefused, match="encore libres"):
            bookings.join_waiting_list(s, ref, _request(OFFER, -1, 90), now)
    tokens = _fill(planned_url, ref, now)
    with db.unit_of_work(planned_url) as s:
        first = bookings.join_waiting_list(s, ref, _request(OFFER, -1, 91), now)[1]
        second = bookings.join_waiting_list(s, ref, _request(OFFER, -1, 92), now)[1]
        assert [bookings.waiting_position(s, bookings.find(s, t)) for t in (first, second)] == [1, 2]
    with db.unit_of_work(planned_url) as s:
        bookings.cancel(s, tokens[0], now)  # a seat is freed: held for the first in line
        found = bookable_session(s, ref)
        assert sum(x.free for x in found.slots if x.offer == OFFER) == 0
    offered = _status(planned_url, first)
    assert offered.status == "offered" and offered.slot_start_min == slot.start_min
    assert offered.offered_until is not None
    with db.unit_of_work(planned_url) as s:
        assert bookings.waiting_position(s, bookings.find(s, second)) == 1

    sent = send_due(now, planned_url)
    assert sent["offer"] == 1 and send_due(now, planned_url)["offer"] == 0  # once
    (message,) = [m for m in _messages(smtp_server[1]) if "place s'est libérée" in m["Subject"]]
    body = message.get_content()
    assert message["To"] == "famille91@example.org"
    assert f"https://prevention.example.fr/rendez-vous/suivi/{first}" in body
    assert "Lieu :" in body and "réservée jusqu'au" in body

    # Not taken within 12 hours: the offer expires, the family's data is erased, the seat
    # goes to the next in line.
    later = now + dt.timedelta(hours=12, minutes=1)
    assert send_due(later, planned_url)["offer"] == 1
    gone = _status(planned_url, first)
    assert gone.status == "expired" and gone.contact_sealed == "" and gone.seat_key is None
    with db.unit_of_work(planned_url) as s:
        with pytest.raises(BookingRefused, match="plus valable"):
            bookings.accept_offer(s, first, later)
        taken = bookings.accept_offer(s, second, later)
        assert taken.status == "booked" and taken.slot_start_min == slot.start_min
    with Session(db.get_engine(planned_url)) as s:
        held = bookable_session(s, ref).slot(OFFER, slot.start_min)
        assert held.booked == held.seats  # never more bookings than seats


def test_an_offer_never_outlives_the_session_and_too_late_the_seat_stays_open(planned_url,
                                                                              monkeypatch):
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    ref = _ref(planned_url)
    tokens = _fill(planned_url, ref, _at(ref, 5, 9))
    with db.unit_of_work(planned_url) as s:
        waiting = bookings.join_waiting_list(s, ref, _request(OFFER, -1, 91), _at(ref, 5, 9))[1]
    with db.unit_of_work(planned_url) as s:  # the evening before: offered until an hour before
        bookings.cancel(s, tokens[0], _at(ref, 1, 20))
        found = bookable_session(s, ref)
    offered = _status(planned_url, waiting)
    start = dt.datetime.combine(ref.date, dt.time(), tzinfo=PARIS) + dt.timedelta(minutes=found.start_min)
    assert offered.status == "offered"
    assert offered.offered_until.replace(tzinfo=dt.UTC) == start - dt.timedelta(hours=1)
    with db.unit_of_work(planned_url) as s:
        bookings.cancel(s, waiting, _at(ref, 1, 21))  # declined; nobody else waits
        assert bookable_session(s, ref).free > 0
        late = bookings.join_waiting_list  # the seat is free: no list to join
        with pytest.raises(BookingRefused):
            late(s, ref, _request(OFFER, -1, 93), _at(ref, 1, 21))


def test_reminders_go_two_days_before_and_on_the_morning_once_each(planned_url, monkeypatch,
                                                                   texts):
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    ref = _ref(planned_url)
    with db.unit_of_work(planned_url) as s:
        slots = [x for x in bookable_session(s, ref).slots if x.offer == "consultation"]
        early = _book(s, ref, _request("consultation", slots[0].start_min, 1,
                                       contact="06 12 34 56 78"), _at(ref, 6, 10))[1]
        _book(s, ref, _request("consultation", slots[1].start_min, 2,
                               contact="06 98 76 54 32"), _at(ref, 1, 10))
    assert send_due(_at(ref, 3, 18), planned_url) == {}  # too early
    assert send_due(_at(ref, 2, 8), planned_url) == {"before": 1}  # the late booking had its confirmation
    assert send_due(_at(ref, 1, 9), planned_url) == {}  # never twice
    assert send_due(_at(ref, 0, 6, 30), planned_url) == {}  # not before 7:00
    assert send_due(_at(ref, 0, 7, 5), planned_url) == {"day": 2}
    assert send_due(_at(ref, 0, 7, 6), planned_url) == {}
    assert [n for n, _ in texts] == ["06 12 34 56 78", "06 12 34 56 78", "06 98 76 54 32"]
    assert all("https://prevention.example.fr/rendez-vous/suivi/" in t and ref.stop_code not in t
               for _, t in texts)
    assert texts[0][1].startswith("Rappel RDV") and early in texts[0][1]


def test_a_message_the_mail_server_refused_is_tried_again_at_the_next_round(planned_url,
                                                                            smtp_server,
                                                                            monkeypatch):
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    monkeypatch.setenv("OUTREACH_SMTP_URL", "smtp://127.0.0.1:9")  # nobody listens
    ref = _ref(planned_url)
    with db.unit_of_work(planned_url) as s:
        slot = next(x for x in bookable_session(s, ref).slots if x.offer == "consultation")
        _book(s, ref, _request("consultation", slot.start_min, 1), _at(ref, 6, 10))
    assert send_due(_at(ref, 2, 8), planned_url) == {}
    with Session(db.get_engine(planned_url)) as s:
        assert len(due(s, _at(ref, 2, 8))) == 1
    monkeypatch.setenv("OUTREACH_SMTP_URL", smtp_server[0])
    assert send_due(_at(ref, 2, 9), planned_url) == {"before": 1}
    assert len(smtp_server[1]) == 1


def test_send_reminders_command_and_a_missing_public_address(planned_url, monkeypatch):
    from click.testing import CliRunner

    from outreach.cli import main

    ref = _ref(planned_url)
    with db.unit_of_work(planned_url) as s:
        slot = next(x for x in bookable_session(s, ref).slots if x.offer == "consultation")
        _book(s, ref, _request("consultation", slot.start_min, 1, contact="0612345678"),
              _at(ref, 6, 10))
    runner = CliRunner(env={"OUTREACH_DATABASE_URL": planned_url, "OUTREACH_PUBLIC_URL": ""})
    when = _at(ref, 2, 8).strftime("%Y-%m-%dT%H:%M")
    missing = runner.invoke(main, ["send-reminders", "--now", when])
    assert missing.exit_code != 0 and "OUTREACH_PUBLIC_URL" in missing.output
    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    runner = CliRunner(env={"OUTREACH_DATABASE_URL": planned_url})
    done = runner.invoke(main, ["send-reminders", "--now", when])
    assert done.exit_code == 0 and "1 rappels à deux jours" in done.output, done.output
    again = runner.invoke(main, ["send-reminders", "--now", when])
    assert "0 rappels à deux jours" in again.output


@pytest.mark.postgres
def test_two_senders_at_once_send_each_reminder_once(pg_url, monkeypatch, texts):
    import threading

    from outreach import planning
    from outreach.data import scenarios
    from solver import Method, SolveParams

    monkeypatch.setenv("OUTREACH_PUBLIC_URL", "https://prevention.example.fr")
    db.upgrade(pg_url)
    with db.unit_of_work(pg_url) as s:
        scenarios.seed_demo(s, ["indre-et-loire"])
        plan = planning.create_plan(s, "indre-et-loire", dt.date(2027, 1, 4), 1, SolveParams(
            time_limit_s=60, work_limit_s=1, method=Method.ROUTING))
        planning.publish_plan(s, plan.id)
    ref = _ref(pg_url)
    with db.unit_of_work(pg_url) as s:
        slots = [x for x in bookable_session(s, ref).slots if x.offer == "consultation"]
        for k, slot in enumerate(slots[:8]):
            _book(s, ref, _request("consultation", slot.start_min, k,
                                   contact=f"06 00 00 00 {k:02d}"), _at(ref, 6, 10))
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        send_due(_at(ref, 2, 8), pg_url)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(n for n, _ in texts) == sorted(f"06 00 00 00 {k:02d}" for k in range(8))
