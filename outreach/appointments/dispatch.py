"""The messages due about bookings, sent once: a confirmation that could not be handed
over when the booking was made, a waiting family's offer of a freed seat, the reminder
two days before a session and the one on its morning.

:func:`send_due` is run by the background worker (``outreach worker``, at each of its
maintenance rounds) and by ``outreach send-reminders`` (from cron, say): whichever runs,
and however often, each message is handed over at most once. A message is claimed
before it is sent, by setting its flag where it is still empty (one statement: of two
senders at the same moment, one gets it); a message that could not be handed over
(a mail server away) is released, to be tried at the next round.

Links are built on ``OUTREACH_PUBLIC_URL``, the address families reach the site at.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter

from sqlmodel import Session, col, select

from outreach import db
from outreach.appointments import (
    SessionRef,
    bookable_session,
    local_moment,
    local_today,
    utc,
)
from outreach.appointments import booking as bookings
from outreach.appointments.messages import SmsProvider, dropped, send, send_text
from outreach.errors import InvalidInput
from outreach.models import Booking, PlanService
from outreach.planning import published_plan_id
from outreach.privacy import unseal

log = logging.getLogger(__name__)

FLAG = {"confirmation": "confirmed_at", "offer": "offer_sent_at", "moved": "offer_sent_at",
        "dropped": "offer_sent_at", "before": "reminded_before_at", "day": "reminded_day_at"}
MORNING_MIN = 7 * 60  # the day's reminder goes from 7:00, French time
FOLLOW_PATH = "/rendez-vous/suivi/"


def public_base() -> str:
    """The site's public address (``OUTREACH_PUBLIC_URL``), without its last slash."""
    base = os.environ.get("OUTREACH_PUBLIC_URL", "").strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise InvalidInput("OUTREACH_PUBLIC_URL : indiquez l'adresse publique du site (par "
                           "exemple https://prevention.departement.fr) pour les liens des "
                           "messages.")
    return base


def follow_link(base: str, token: str) -> str:
    return f"{base}{FOLLOW_PATH}{token}"


def due(session: Session, now: dt.datetime) -> list[tuple[int, str]]:
    """(booking id, kind) of the messages due at ``now``."""
    today = local_today(now)
    found: list[tuple[int, str]] = []
    for booking in session.exec(select(Booking).where(
            Booking.status == "booked", Booking.session_date >= today,
            col(Booking.confirmed_at).is_(None)).order_by(col(Booking.id))):
        assert booking.id is not None
        found.append((booking.id, "confirmation"))
    for booking in session.exec(select(Booking).where(
            Booking.status == "offered", Booking.session_date >= today,
            col(Booking.offer_sent_at).is_(None)).order_by(col(Booking.id))):
        assert booking.id is not None
        found.append((booking.id, "moved" if booking.previous_date else "offer"))
    for booking in session.exec(select(Booking).where(
            Booking.status == "dropped", col(Booking.offer_sent_at).is_(None))
            .order_by(col(Booking.id))):
        assert booking.id is not None
        found.append((booking.id, "dropped"))
    for booking in session.exec(select(Booking).where(
            Booking.status == "booked", Booking.session_date >= today,
            Booking.session_date <= today + dt.timedelta(days=2)).order_by(col(Booking.id))):
        assert booking.id is not None
        made = local_today(booking.created_at)
        if booking.session_date > today:
            if booking.reminded_before_at is None and made < booking.session_date - dt.timedelta(days=2):
                found.append((booking.id, "before"))
        elif (booking.reminded_day_at is None and made < today
              and local_moment(today, MORNING_MIN) <= utc(now)
              < local_moment(today, booking.slot_start_min)):
            found.append((booking.id, "day"))
    return found


def _claim(session: Session, booking_id: int, kind: str, value: dt.datetime | None) -> bool:
    """Set the message's flag (or clear it: ``value`` None), seen by other senders before
    the message goes; True when this call changed it."""
    changed = bookings.claim_message(session, booking_id, FLAG[kind], value)
    session.commit()
    return changed


def send_due(now: dt.datetime, url: str | None = None, sms: SmsProvider | None = None
             ) -> Counter[str]:
    """Expire the offers not taken in time (their seats go to the next in line), offer the
    free seats of sessions with a waiting list, then hand over every message due, once.
    Returns the messages handed over, by kind."""
    with db.unit_of_work(url) as session:
        bookings.expire_offers(session, now)
        waiting = session.exec(select(Booking).where(
            Booking.status == "waiting", Booking.session_date >= local_today(now))).all()
        for ref in sorted({SessionRef.of(b) for b in waiting}, key=repr):
            bookings.offer_free_seats(session, ref, now)
    sent: Counter[str] = Counter()
    with db.unit_of_work(url) as session:
        todo = due(session, now)
    if not todo:
        return sent
    base = public_base()
    for booking_id, kind in todo:
        with db.unit_of_work(url) as session:
            if not _claim(session, booking_id, kind, now):
                continue  # another sender has it
            booking = session.get(Booking, booking_id)
            assert booking is not None
            if kind == "dropped":
                handed = _send_dropped(session, booking, base, now, sms)
            else:
                found = bookable_session(session, SessionRef.of(booking))
                link = follow_link(base, unseal(booking.token_sealed))
                handed = found is not None and send(kind, booking, found, link, sms)
            if handed:
                sent[kind] += 1
            else:
                _claim(session, booking_id, kind, None)  # next round
    return sent


def _send_dropped(session: Session, booking: Booking, base: str, now: dt.datetime,
                  sms: SmsProvider | None) -> bool:
    """Tell a family its session left the plan with no seat near; once told, its booking
    is cancelled and its data erased."""
    plan_id = published_plan_id(session, booking.scenario_id)
    service = session.exec(select(PlanService).where(
        PlanService.plan_id == plan_id, PlanService.code == booking.service_code)).first()
    about = (service.name, service.contact, service.phone) if service else (booking.service_code, "", "")
    subject, body = dropped(booking, about, base + "/")
    if not send_text(booking, subject, body, f"{subject}. Pour reprendre rendez-vous : {base}/",
                     sms):
        return False
    booking.status, booking.cancelled_at = "cancelled", now
    bookings.erase(booking, now)
    session.add(booking)
    session.commit()
    return True
