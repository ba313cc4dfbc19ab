"""Waiting lists raise a stop's demand in the next plan.

A stop whose sessions leave families waiting asks for more sessions than its young
children alone say. Over the sessions of the 8 weeks before a new plan's start and those
already published inside its horizon, each stop gets a factor

    1 + min(1, unserved / booked)

where ``unserved`` counts the families on a waiting list (still waiting, offered a
seat, or whose offer expired) and ``booked`` those who held a seat: a stop whose
waiting lists were as long as its bookings counts double. The factor multiplies the
stop's vulnerability weight, so that it raises both the stop's demand and what a session
there earns in each commune it reaches; the plan's export shows the raised weight as the
stop's ``vulnerability`` (docs/plan-format.md).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlmodel import Session, select

from outreach.models import Booking

HISTORY_DAYS = 56
UNSERVED = ("waiting", "offered", "expired")
HELD = ("booked", "seen", "absent")


def waiting_factors(session: Session, scenario_id: str, start: dt.date, end: dt.date
                    ) -> dict[str, float]:
    """Stop code -> its factor (only the stops above 1)."""
    unserved: Counter[str] = Counter()
    held: Counter[str] = Counter()
    for stop, status in session.exec(select(Booking.stop_code, Booking.status).where(
            Booking.scenario_id == scenario_id,
            Booking.session_date >= start - dt.timedelta(days=HISTORY_DAYS),
            Booking.session_date <= end)):
        if status in UNSERVED:
            unserved[stop] += 1
        elif status in HELD:
            held[stop] += 1
    return {stop: 1 + min(1.0, n / max(1, held[stop])) for stop, n in unserved.items() if n}
