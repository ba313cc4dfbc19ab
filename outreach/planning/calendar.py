"""Public holidays and the working dates of a planning horizon.

The holidays come from the ``holidays`` package, which knows the national
days of the Code du travail (art. L3133-1) and the local ones: Alsace-Moselle
(57, 67, 68: Vendredi saint, Saint-Étienne) and the overseas départements'
own days (abolition of slavery, for instance). A horizon skips every holiday
of its département.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays as holiday_calendars

# The package's subdivision of France for the départements with their own days.
_SUBDIVISIONS = {"57": "57", "67": "6AE", "68": "6AE", "971": "971", "972": "972",
                 "973": "973", "974": "974", "976": "976"}


@lru_cache(maxsize=64)
def public_holidays(year: int, departement: str | None = None) -> dict[dt.date, str]:
    """The public holidays of ``year`` in ``departement`` (national ones when
    ``None`` or when it has no days of its own), by date, with their French names."""
    calendar = holiday_calendars.country_holidays(
        "FR", subdiv=_SUBDIVISIONS.get(departement or ""), years=year, language="fr")
    return dict(sorted(calendar.items()))


def working_dates(
    start: dt.date, weeks: int, weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5}),
    departement: str | None = None,
) -> tuple[list[dt.date], dict[dt.date, str]]:
    """Dates of ``weeks`` weeks from ``start`` (included) whose ISO weekday is in
    ``weekdays``: (the working dates, the public holidays skipped with their names),
    both in date order."""
    if not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a positive integer, got {weeks!r}")
    if not weekdays or any(not isinstance(w, int) or not 1 <= w <= 7 for w in weekdays):
        raise ValueError(f"weekdays must be ISO weekdays 1..7, got {sorted(weekdays)!r}")
    working: list[dt.date] = []
    skipped: dict[dt.date, str] = {}
    for offset in range(7 * weeks):
        day = start + dt.timedelta(days=offset)
        if day.isoweekday() not in weekdays:
            continue
        name = public_holidays(day.year, departement).get(day)
        if name is None:
            working.append(day)
        else:
            skipped[day] = name
    return working, skipped
