"""Weekly hour limits per staff member (issue 5, part 5): named small instances."""

from __future__ import annotations

import dataclasses

import pytest
from solution_checker import violations
from solver_instances import DATES_4W, available, bus_stop, dropin_service, make_problem
from words import french

from solver import Method, ReasonCode, SolveParams, StaffMember, Stop, check_solution, solve
from solver.model import Window


def half_day_service():
    return dropin_service(required_roles=(("educatrice",), ("driver",)), session_min=150,
                          max_sessions_per_day=1, min_spacing_days=0)


def week_capped(limit: int | None, spare_driver: bool = False):
    """``week_cap``: five villages open every weekday, one weekly session each,
    one van, one éducatrice and one driver; each day is about 4 h on duty.
    With the driver capped at ``limit`` minutes a week, only as many days run
    as the cap allows, unless a spare driver takes over."""
    weekly = [Window(d, 480, 1080) for d in range(1, 6)]
    stops = [Stop(f"v{i}", i, 10 + i, frozenset({"kangourou"}), tuple(weekly)) for i in range(1, 6)]
    staff = [StaffMember("edu", frozenset({"educatrice"}), available(DATES_4W)),
             StaffMember("drv", frozenset({"driver"}), available(DATES_4W), max_week_min=limit)]
    if spare_driver:
        staff.append(StaffMember("drv2", frozenset({"driver"}), available(DATES_4W)))
    points = [(0, 0), (10, 0), (0, 10), (10, 10), (20, 0), (0, 20)]
    return make_problem(points, stops, staff, services=[half_day_service()], weeks=1)


def duties(solution, member: str) -> int:
    return sum(r.return_min - r.depart_min for r in solution.routes
               if any(c.staff == member for c in r.crew))


@pytest.mark.parametrize("method", list(Method))
def test_the_weekly_cap_limits_the_days_worked(method: Method) -> None:
    free = solve(week_capped(None), SolveParams(time_limit_s=120, work_limit_s=3, method=method))
    assert len(free.routes) == 5
    day = max(r.return_min - r.depart_min for r in free.routes)
    problem = week_capped(3 * day)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=3, method=method))
    assert violations(problem, solution) == []
    assert 3 <= len(solution.routes) < 5
    assert duties(solution, "drv") <= 3 * day
    assert {u.reason_code for u in solution.unserved} == {ReasonCode.WEEK_HOURS}
    (sample, *_) = solution.unserved
    assert "plafond d'heures de la semaine" in french(sample.why, problem)


def test_a_spare_member_takes_over_when_the_cap_bites() -> None:
    problem = week_capped(8 * 60, spare_driver=True)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=3))
    assert violations(problem, solution) == []
    assert len(solution.routes) == 5
    assert duties(solution, "drv") <= 8 * 60
    assert any(c.staff == "drv2" for r in solution.routes for c in r.crew)


def test_the_checker_counts_calendar_weeks() -> None:
    problem = week_capped(None)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    worked = duties(solution, "drv")
    capped = dataclasses.replace(
        problem, staff=tuple(dataclasses.replace(m, max_week_min=worked - 1) if m.id == "drv" else m
                             for m in problem.staff))
    (error,) = check_solution(capped, solution)
    assert error.code == "staff.week_hours" and error["staff"] == "drv"
    assert error["worked_dur"] == worked and error["limit_dur"] == worked - 1


def test_a_weekly_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_week_min"):
        StaffMember("x", frozenset({"driver"}), (), max_week_min=0)


def test_an_uncapped_bus_week_is_unchanged() -> None:
    # The limit only adds constraints where it can bind: a generous cap changes nothing.
    problem = make_problem([(0, 0), (10, 0), (0, 10)], [bus_stop("a", 1), bus_stop("b", 2)])
    generous = dataclasses.replace(problem, staff=tuple(
        dataclasses.replace(m, max_week_min=50 * 60) for m in problem.staff))
    assert solve(problem, SolveParams(time_limit_s=120, work_limit_s=2)).routes == \
        solve(generous, SolveParams(time_limit_s=120, work_limit_s=2)).routes
