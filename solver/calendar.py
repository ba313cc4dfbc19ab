"""French public holidays and the working dates of a planning horizon.

Standard library only: the eleven national public holidays (jours fériés) of
the Code du travail, art. L3133-1, three of which move with Easter. The extra
Alsace-Moselle days (Vendredi saint, Saint-Étienne) are not national and are
left to the caller.
"""

from __future__ import annotations

import datetime as dt


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def french_public_holidays(year: int) -> dict[dt.date, str]:
    """The eleven national public holidays of ``year``, by date, with their French names."""
    easter = easter_sunday(year)
    holidays = {
        dt.date(year, 1, 1): "Jour de l'an",
        easter + dt.timedelta(days=1): "Lundi de Pâques",
        dt.date(year, 5, 1): "Fête du Travail",
        dt.date(year, 5, 8): "Victoire 1945",
        easter + dt.timedelta(days=39): "Ascension",
        easter + dt.timedelta(days=50): "Lundi de Pentecôte",
        dt.date(year, 7, 14): "Fête nationale",
        dt.date(year, 8, 15): "Assomption",
        dt.date(year, 11, 1): "Toussaint",
        dt.date(year, 11, 11): "Armistice 1918",
        dt.date(year, 12, 25): "Noël",
    }
    return dict(sorted(holidays.items()))


def working_dates(
    start: dt.date, weeks: int, weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
) -> tuple[list[dt.date], list[dt.date]]:
    """Dates of ``weeks`` weeks from ``start`` (included) whose ISO weekday is in
    ``weekdays``, split into (working dates, public holidays skipped), both sorted."""
    if not isinstance(weeks, int) or weeks < 1:
        raise ValueError(f"weeks must be a positive integer, got {weeks!r}")
    if not weekdays or any(not isinstance(w, int) or not 1 <= w <= 7 for w in weekdays):
        raise ValueError(f"weekdays must be ISO weekdays 1..7, got {sorted(weekdays)!r}")
    holidays: dict[dt.date, str] = {}
    years_loaded: set[int] = set()
    working: list[dt.date] = []
    skipped: list[dt.date] = []
    for offset in range(7 * weeks):
        day = start + dt.timedelta(days=offset)
        if day.isoweekday() not in weekdays:
            continue
        if day.year not in years_loaded:
            holidays.update(french_public_holidays(day.year))
            years_loaded.add(day.year)
        (skipped if day in holidays else working).append(day)
    return working, skipped
