"""Public holidays (national and local) and working dates."""

from __future__ import annotations

import datetime as dt

import pytest

from outreach.planning.calendar import public_holidays, working_dates


def test_eleven_national_holidays_with_french_names() -> None:
    holidays = public_holidays(2027)
    assert len(holidays) == 11
    assert holidays[dt.date(2027, 7, 14)] == "Fête nationale"
    assert holidays[dt.date(2027, 11, 11)] == "Armistice"


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
    assert public_holidays(day.year)[day] == name


def test_working_dates_skip_easter_monday_and_weekends() -> None:
    dates, skipped = working_dates(dt.date(2027, 3, 29), 1)
    assert list(skipped) == [dt.date(2027, 3, 29)]
    assert dates == [dt.date(2027, 3, 30), dt.date(2027, 3, 31), dt.date(2027, 4, 1),
                     dt.date(2027, 4, 2)]


def test_working_dates_skip_ascension_and_whit_monday_over_weeks() -> None:
    dates, skipped = working_dates(dt.date(2027, 5, 3), 3)
    assert list(skipped) == [dt.date(2027, 5, 6), dt.date(2027, 5, 17)]
    assert len(dates) == 13


def test_working_dates_honour_chosen_weekdays_and_cross_years() -> None:
    dates, skipped = working_dates(dt.date(2026, 12, 28), 1, frozenset({5}))
    assert dates == [] and list(skipped) == [dt.date(2027, 1, 1)]


@pytest.mark.parametrize(("weeks", "weekdays"), [(0, frozenset({1})), (1, frozenset({8}))])
def test_working_dates_reject_bad_arguments(weeks: int, weekdays: frozenset[int]) -> None:
    with pytest.raises(ValueError):
        working_dates(dt.date(2027, 1, 4), weeks, weekdays)


def test_alsace_moselle_and_overseas_days_are_local() -> None:
    good_friday, st_stephen = dt.date(2027, 3, 26), dt.date(2027, 12, 27)
    for departement in ("57", "67", "68"):
        days = public_holidays(2027, departement)
        assert good_friday in days and dt.date(2027, 12, 26) in days
    assert good_friday not in public_holidays(2027, "37")
    assert good_friday not in public_holidays(2027)
    assert st_stephen not in public_holidays(2027, "57")
    # Abolition of slavery: 22 May in Martinique, 27 May in Guadeloupe, 20 December in La Réunion.
    assert dt.date(2027, 5, 22) in public_holidays(2027, "972")
    assert dt.date(2027, 5, 27) in public_holidays(2027, "971")
    assert dt.date(2027, 12, 20) in public_holidays(2027, "974")
    assert dt.date(2027, 5, 27) not in public_holidays(2027, "37")


def test_a_local_holiday_is_skipped_in_its_departement_only() -> None:
    week = dt.date(2027, 3, 22)  # Friday 26 March 2027 is Good Friday
    assert dt.date(2027, 3, 26) in working_dates(week, 1)[0]
    dates, skipped = working_dates(week, 1, departement="67")
    assert dt.date(2027, 3, 26) not in dates and dt.date(2027, 3, 26) in skipped
