"""What staff and coordinators see of bookings.

Staff see, for their session of the day, the booked first names and slots (nothing
else), mark each family seen or absent, and count the families who walked in; every
look and every mark is recorded in the audit log. Coordinators see figures only: per
session and per commune, the seats, bookings, families seen and absent, walk-ins and
the waiting list, with the fill rate and the no-show rate.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach import audit
from outreach.appointments import BookableSession, SessionRef, bookable_session
from outreach.appointments.booking import BookingRefused, token_hash
from outreach.db import use_case
from outreach.errors import msg
from outreach.models import Booking
from outreach.privacy import unseal

ON_THE_LIST = ("booked", "seen", "absent")
MARKS = ("seen", "absent", "booked")  # "booked": a mark undone


@dataclass(frozen=True)
class Entry:
    """A booked family as the staff of the day see it."""

    id: int
    first_name: str
    start_min: int
    end_min: int
    offer: str
    status: str


def _target(ref: SessionRef) -> str:
    return f"{ref.scenario_id}/{ref.date.isoformat()}/{ref.stop_code}/{ref.service_code}"


@use_case
def day_list(session: Session, ref: SessionRef) -> tuple[BookableSession | None, list[Entry], int]:
    """The session's booked families (first name, slot, offer, mark) and walk-ins; the
    look is recorded in the audit log."""
    found = bookable_session(session, ref)
    rows = session.exec(select(Booking).where(*ref.where(), col(Booking.status).in_(
        ON_THE_LIST + ("walk_in",))).order_by(col(Booking.slot_start_min), col(Booking.id))).all()
    labels = {o.id: o.label for o in found.appointments.offers} if found else {}
    entries = [Entry(b.id or 0, unseal(b.first_name_sealed), b.slot_start_min, b.slot_end_min,
                     labels.get(b.offer_code, b.offer_code), b.status)
               for b in rows if b.status != "walk_in"]
    walk_ins = sum(1 for b in rows if b.status == "walk_in")
    audit.record(session, "booking.staff_view", _target(ref), bookings=len(entries))
    return found, entries, walk_ins


@use_case
def mark(session: Session, ref: SessionRef, booking_id: int, status: str, now: dt.datetime) -> None:
    """Mark a booked family of the session seen or absent (or undo it)."""
    booking = session.get(Booking, booking_id)
    if status not in MARKS or booking is None or SessionRef.of(booking) != ref \
            or booking.status not in ON_THE_LIST:
        raise BookingRefused("", msg("Ce rendez-vous n'est pas dans cette séance."))
    booking.status, booking.marked_at = status, now
    session.add(booking)
    audit.record(session, "booking.mark", _target(ref), booking=booking_id, status=status)


@use_case
def walk_in(session: Session, ref: SessionRef, now: dt.datetime) -> None:
    """Count a family seen without appointment (nothing personal kept)."""
    session.add(Booking(
        scenario_id=ref.scenario_id, session_date=ref.date, stop_code=ref.stop_code,
        service_code=ref.service_code, offer_code="", slot_start_min=0, slot_end_min=0,
        status="walk_in", consent_at=now, created_at=now, marked_at=now,
        token_hash=token_hash(secrets.token_urlsafe(32))))
    audit.record(session, "booking.walk_in", _target(ref))


@dataclass
class Figures:
    """Counts of one session (or, summed, of a commune)."""

    seats: int | None = None  # None: the session is no longer in the published plan
    booked: int = 0  # families holding a seat (booked, seen or absent)
    seen: int = 0
    absent: int = 0
    walk_ins: int = 0
    waiting: int = 0  # on the waiting list, or offered a seat, now
    unserved: int = 0  # who waited and never got a seat (offer expired, or still waiting after)
    cancelled: int = 0

    @property
    def fill_rate(self) -> float | None:
        return self.booked / self.seats if self.seats else None

    @property
    def no_show_rate(self) -> float | None:
        marked = self.seen + self.absent
        return self.absent / marked if marked else None

    def add(self, other: Figures) -> None:
        self.seats = (self.seats or 0) + (other.seats or 0)
        for name in ("booked", "seen", "absent", "walk_ins", "waiting", "unserved", "cancelled"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class SessionFigures:
    ref: SessionRef
    commune_insee: str
    commune_name: str
    service_name: str
    figures: Figures


def figures(session: Session, scenario_id: str, today: dt.date) -> list[SessionFigures]:
    """The figures of every session of the scenario that took a booking or a walk-in."""
    counts: dict[SessionRef, Counter[str]] = defaultdict(Counter)
    for booking in session.exec(select(Booking).where(Booking.scenario_id == scenario_id)):
        counts[SessionRef.of(booking)][booking.status] += 1
    found: list[SessionFigures] = []
    for ref, by in sorted(counts.items(), key=lambda kv: (kv[0].date, kv[0].stop_code,
                                                           kv[0].service_code)):
        bookable = bookable_session(session, ref)
        past = ref.date < today
        waiting = by["waiting"] + by["offered"]
        numbers = Figures(
            seats=sum(s.seats for s in bookable.slots) if bookable else None,
            booked=by["booked"] + by["seen"] + by["absent"], seen=by["seen"],
            absent=by["absent"], walk_ins=by["walk_in"], waiting=0 if past else waiting,
            unserved=by["expired"] + (waiting if past else 0),
            cancelled=by["cancelled"] + by["dropped"])
        found.append(SessionFigures(ref, bookable.commune_insee if bookable else "",
                                    bookable.commune_name if bookable else ref.stop_code,
                                    bookable.service_name if bookable else ref.service_code,
                                    numbers))
    return found


def by_commune(rows: list[SessionFigures]) -> list[tuple[str, int, Figures]]:
    """(commune, sessions, summed figures), the communes with most families waiting first."""
    sums: dict[str, Figures] = defaultdict(Figures)
    sessions: Counter[str] = Counter()
    for row in rows:
        sums[row.commune_name].add(row.figures)
        sessions[row.commune_name] += 1
    return sorted(((name, sessions[name], f) for name, f in sums.items()),
                  key=lambda t: (-(t[2].waiting + t[2].unserved), t[0]))
