"""Recurrence patterns of a plan: does each stop keep the same weekday ("every Tuesday")
or the same weekday of the month ("2nd Wednesday"), and where not?

Families come back when the day is predictable; coordinators see where a plan
could not keep the pattern. Read from the plan's routes only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

import solver as sm
from outreach.planning.plan import DayRoute, Recurrence
from outreach.wording import rhythm_words, week_of_month


def _key(day: dt.date, monthly: bool) -> tuple[int, int]:
    return (day.isoweekday(), week_of_month(day) if monthly else 0)


def describe(weekday: int, ordinal: int) -> str:
    """"chaque mardi" or "le 2e mercredi du mois"."""
    return rhythm_words(weekday, ordinal or None)


def recurrence(routes: Iterable[DayRoute], services: Mapping[str, sm.Service]) -> list[Recurrence]:
    """Per (stop, service) with sessions: its pattern (the most frequent), whether every
    session keeps it, and the dates that break it."""
    dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for route in routes:
        for visit in route.visits:
            dates[(visit.stop, visit.service)].append(route.date)
    result = []
    for (stop, service), days in sorted(dates.items()):
        monthly = services[service].period_weeks >= 4
        counts = Counter(_key(d, monthly) for d in days)
        (weekday, ordinal), _ = max(counts.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
        exceptions = sorted(d for d in days if _key(d, monthly) != (weekday, ordinal))
        result.append(Recurrence(stop, service, weekday, ordinal or None,
                                 describe(weekday, ordinal), tuple(exceptions)))
    return result
