"""The plan export contract, checked by the independent checker in plan_checker.py."""

import copy
import json

import pytest
from plan_checker import check_plan
from sqlmodel import Session

from outreach import db, planning


@pytest.fixture
def exported(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        return json.loads(json.dumps(planning.export_document(s, 1)))


def test_exported_demo_plan_holds_every_hard_constraint(exported):
    assert exported["routes"], "the demo plan should hold sessions"
    assert check_plan(exported) == []


def test_export_has_the_documented_fields(exported):
    assert exported["schema"] == "outreach.plan/1"
    assert exported["status"] == "published"
    assert set(exported["travel_model"]) >= {"kind", "circuity", "speed_kmh", "overhead_min"}
    route = exported["routes"][0]
    assert set(route) >= {"vehicle", "date", "crew", "depart", "return", "distance_km",
                          "travel_min", "visits"}
    assert set(route["visits"][0]) >= {"stop", "service", "arrive", "start", "end", "leave",
                                       "travel_min_from_previous"}
    service = next(s for s in exported["services"] if s["id"] == "bus-prevention")
    assert ["doctor", "midwife"] in service["required_roles"]


def test_export_names_no_staff_member(exported, planned_url):
    from sqlmodel import select

    from outreach.models import StaffMember

    text = json.dumps(exported, ensure_ascii=False)
    with Session(db.get_engine(planned_url)) as s:
        for member in s.exec(select(StaffMember)):
            assert member.name not in text
            assert member.code not in text


def test_the_demo_shows_lunch_breaks_and_weekly_limits(exported):
    sajjeep = next(s for s in exported["services"] if s["id"] == "sajjeep")
    assert sajjeep["lunch_break"] == {"minutes": 45, "from": "12:00", "to": "14:00"}
    on_duty = [r for r in exported["routes"] if r["lunch"]]
    assert any(len(r["visits"]) == 2 for r in on_duty)  # the break between two sessions
    assert any(p["max_week_min"] == 2280 for p in exported["staff"])


def _first_visit(doc):
    return doc["routes"][0]["visits"][0]


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (lambda d: _first_visit(d).update(start="06:00"), "set-up"),
        (lambda d: _first_visit(d).update(travel_min_from_previous=0), "matrix"),
        (lambda d: d["routes"][0]["crew"].pop(), "does not fill"),
        (lambda d: d["routes"][0].update(date="2027-01-09"), "not a working date"),
        (lambda d: d["routes"][0].update(**{"return": "23:59"}), "shift"),
        (lambda d: d["routes"].append(copy.deepcopy(d["routes"][0])), "two routes"),
        (lambda d: d["staff"][0]["availability"].clear() or d["routes"][0]["crew"][0].update(
            staff=d["staff"][0]["id"]), "not available"),
        (lambda d: [s["windows"].clear() for s in d["stops"]], "outside every opening window"),
        (lambda d: d["unserved"].clear() if d["unserved"] else d["routes"].pop(), "unserved"),
        (lambda d: d["kpis"].update(demand_served=d["kpis"]["demand_served"] + 1), "demand_served"),
        (lambda d: [r.update(lunch=None) for r in d["routes"]], "no lunch break"),
        (lambda d: [r["lunch"].update({"to": r["lunch"]["from"]}) for r in d["routes"] if r["lunch"]],
         "is not 45 min"),
        (lambda d: [p.update(max_week_min=60) for p in d["staff"]], "over 60"),
        (lambda d: d["travel_matrix"]["travel_min"][0].__setitem__(1, 1), "re-derived"),
        (lambda d: d["stops"][0].update(lat=d["stops"][0]["lat"] + 0.05), "re-derived"),
    ],
)
def test_checker_catches_a_broken_plan(exported, tamper, expected):
    broken = copy.deepcopy(exported)
    tamper(broken)
    assert any(expected in error for error in check_plan(broken)), check_plan(broken)


def test_the_summary_claims_only_what_is_proven():
    from outreach.planning.plan import SolverRun
    from outreach.publishing.export import quality_line

    def run(status, objective, bound, stopped=False):
        return SolverRun("patterns", status, objective, bound, 1.0, 10.0, 8.0, 0, stopped)

    assert quality_line(run("optimal", 10, 10)).startswith("Optimal")
    assert "au plus 20.0 %" in quality_line(run("feasible", 80, 100))
    assert "pas de borne" in quality_line(run("feasible", 80, None))
    assert "limite de temps" in quality_line(run("feasible", 1, None, stopped=True))
