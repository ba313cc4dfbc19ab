"""French public holidays and working dates."""

from __future__ import annotations

import datetime as dt

import pytest

from solver.calendar import french_public_holidays, working_dates


def test_eleven_national_holidays_with_french_names() -> None:
    holidays = french_public_holidays(2027)
    assert len(holidays) == 11
    assert holidays[dt.date(2027, 7, 14)] == "Fête nationale"
    assert holidays[dt.date(2027, 11, 11)] == "Armistice 1918"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (dt.date(2027, 3, 29), "Lundi de Pâques"),
        (dt.date(2027, 5, 6), "Ascension"),
        (dt.date(2027, 5, 17), "Lundi de Pentecôte"),
        (dt.date(2026, 4, 6), "Lundi de Pâques"),
        (dt.date(2026, 5, 14), "Ascension"),
        (dt.date(2026, 5, 25), "Lundi de Pentecôte"),
    ],
)
def test_movable_holidays_follow_easter(day: dt.date, name: str) -> None:
    assert french_public_holidays(day.year)[day] == name


def test_working_dates_skip_easter_monday_and_weekends() -> None:
    dates, skipped = working_dates(dt.date(2027, 3, 29), 1)
    assert skipped == [dt.date(2027, 3, 29)]
    assert dates == [dt.date(2027, 3, 30), dt.date(2027, 3, 31), dt.date(2027, 4, 1),
                     dt.date(2027, 4, 2)]


def test_working_dates_skip_ascension_and_whit_monday_over_weeks() -> None:
    dates, skipped = working_dates(dt.date(2027, 5, 3), 3)
    assert skipped == [dt.date(2027, 5, 6), dt.date(2027, 5, 17)]
    assert len(dates) == 13


def test_working_dates_honour_chosen_weekdays_and_cross_years() -> None:
    dates, skipped = working_dates(dt.date(2026, 12, 28), 1, frozenset({5}))
    assert dates == [] and skipped == [dt.date(2027, 1, 1)]


@pytest.mark.parametrize(("weeks", "weekdays"), [(0, frozenset({1})), (1, frozenset({8}))])
def test_working_dates_reject_bad_arguments(weeks: int, weekdays: frozenset[int]) -> None:
    with pytest.raises(ValueError):
        working_dates(dt.date(2027, 1, 4), weeks, weekdays)
