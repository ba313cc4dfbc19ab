"""Bookings of sessions a new publication drops: never moved silently.

Re-planning pins the published sessions that hold bookings (``create_plan``'s
``keep_booked``, the default), so a new plan keeps them unless the coordinator released
them or a pin could not be kept. Publishing a plan that still drops such sessions needs a
confirmation that lists their bookings (:class:`BookingsAffected`); once confirmed, each
booking is proposed a seat in the nearest session the new plan has for its service, at
the same stop first (status ``offered``, as a waiting family's, with ``previous_date``
set), or, when none has a free seat, is ``dropped``; either way the family gets a message
(:mod:`outreach.appointments.dispatch`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach.appointments import SessionRef, bookable_session, local_today
from outreach.appointments.booking import hold, offer_until
from outreach.errors import PlanNotPublishable
from outreach.models import Booking, PlanSession
from outreach.timefmt import format_hhmm
from outreach.wording import date_fr

HELD = ("booked", "offered", "waiting")  # what a family still expects of a session


@dataclass(frozen=True)
class Affected:
    """A booking of a session the plan drops, as the coordinator sees it (no name)."""

    date: dt.date
    stop_code: str
    service_code: str
    start_min: int
    offer: str
    status: str

    def describe(self) -> str:
        return (f"{date_fr(self.date)} à {format_hhmm(self.start_min)}, arrêt {self.stop_code}, "
                f"{self.offer}" + (" (liste d'attente)" if self.status == "waiting" else ""))


class BookingsAffected(PlanNotPublishable):
    """Publishing would drop sessions that hold bookings: confirm first."""

    def __init__(self, affected: list[Affected]) -> None:
        self.affected = affected
        super().__init__(
            f"Ce plan ne garde pas {len(affected)} rendez-vous pris par des familles : confirmez "
            "la publication ; chaque famille recevra un message avec un autre créneau proposé.")


def _dropped(session: Session, scenario_id: str, plan_id: int, today: dt.date) -> list[Booking]:
    kept = {(r.date, r.stop_code, r.service_code) for r in session.exec(
        select(PlanSession).where(PlanSession.plan_id == plan_id))}
    return [b for b in session.exec(select(Booking).where(
        Booking.scenario_id == scenario_id, Booking.session_date >= today,
        col(Booking.status).in_(HELD)).order_by(col(Booking.id)))
        if (b.session_date, b.stop_code, b.service_code) not in kept
        and SessionRef.of(b).site_code is None]  # a fixed site's opening is in no plan


def affected(session: Session, scenario_id: str, plan_id: int, today: dt.date) -> list[Affected]:
    """The bookings publishing ``plan_id`` would leave without their session."""
    return [Affected(b.session_date, b.stop_code, b.service_code, b.slot_start_min,
                     b.offer_code, b.status)
            for b in _dropped(session, scenario_id, plan_id, today)]


def _candidates(session: Session, booking: Booking, plan_id: int, today: dt.date
                ) -> list[SessionRef]:
    rows = session.exec(select(PlanSession).where(
        PlanSession.plan_id == plan_id, PlanSession.service_code == booking.service_code,
        PlanSession.date >= today)).all()
    here = next((r.commune_insee for r in rows if r.stop_code == booking.stop_code), None)
    ranked = sorted(rows, key=lambda r: (r.stop_code != booking.stop_code,
                                         r.commune_insee != here,
                                         abs((r.date - booking.session_date).days), r.date))
    return [SessionRef(booking.scenario_id, r.date, r.stop_code, r.service_code)
            for r in ranked if r.stop_code == booking.stop_code or r.commune_insee == here]


def rehome(session: Session, scenario_id: str, plan_id: int, now: dt.datetime) -> tuple[int, int]:
    """After ``plan_id`` is published: propose each booking it dropped a seat in the
    nearest session of its service at its stop (or commune), held until
    ``offer_hours()`` from now; else mark it dropped. Returns (proposed, dropped)."""
    today = local_today(now)
    proposed = dropped = 0
    for booking in _dropped(session, scenario_id, plan_id, today):
        was = booking.session_date
        booking.seat_key = None
        session.add(booking)
        session.flush()
        placed = False
        if booking.status != "waiting":
            for ref in _candidates(session, booking, plan_id, today):
                found = bookable_session(session, ref)
                until = offer_until(found, now) if found is not None else None
                if found is None or until is None:
                    continue
                free = sorted((s for s in found.slots if s.offer == booking.offer_code and s.free),
                              key=lambda s: abs(s.start_min - booking.slot_start_min))
                if not free:
                    continue
                booking.session_date, booking.stop_code = ref.date, ref.stop_code
                booking.previous_date = was
                if hold(session, ref, free[0], booking, until):
                    placed = True
                    break
        if not placed:
            booking.session_date, booking.previous_date = was, was
            booking.status, booking.seat_key, booking.offer_sent_at = "dropped", None, None
            session.add(booking)
            dropped += 1
        else:
            proposed += 1
        session.flush()
    return proposed, dropped
