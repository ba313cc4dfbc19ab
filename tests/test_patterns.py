"""Recurrence patterns: "chaque mardi", "le 2e mercredi du mois", and where a plan breaks them."""

import datetime as dt

from outreach.planning.patterns import describe, recurrence
from outreach.planning.plan import DayRoute, PlannedSession
from solver import Service


def _doc(dates, period_weeks):
    routes = [DayRoute("v", dt.date.fromisoformat(d), "s", (), 480, 1000, 0, 0,
                       (PlannedSession("a", "s", 540, 540, 600, 600, 0),)) for d in dates]
    return routes, {"s": Service("s", "s", (("doctor",),), 60, period_weeks=period_weeks)}


def test_weekly_sessions_on_one_weekday_keep_their_pattern():
    (entry,) = recurrence(*_doc(["2027-01-05", "2027-01-12", "2027-01-19"], 1))
    assert entry.pattern == "chaque mardi" and entry.kept and entry.exceptions == ()


def test_monthly_sessions_keep_the_weekday_of_the_month():
    (entry,) = recurrence(*_doc(["2027-01-13", "2027-02-10", "2027-03-10"], 4))
    assert entry.pattern == "le 2e mercredi du mois" and entry.kept


def test_a_session_on_another_day_is_an_exception():
    (entry,) = recurrence(*_doc(["2027-01-05", "2027-01-12", "2027-01-21"], 1))
    assert not entry.kept and entry.exceptions == (dt.date(2027, 1, 21),)


def test_describe():
    assert describe(1, 0) == "chaque lundi"
    assert describe(5, 1) == "le 1er vendredi du mois"


def test_demo_plan_reports_its_recurrence(planned_url):
    from sqlmodel import Session

    from outreach import db, planning

    with Session(db.get_engine(planned_url)) as s:
        doc = planning.export_document(s, 1)
    stops_served = {v["stop"] for r in doc["routes"] for v in r["visits"]}
    assert {r["stop"] for r in doc["recurrence"]} == stops_served
