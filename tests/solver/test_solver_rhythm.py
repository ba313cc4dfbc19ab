"""Periodic rhythm (issue 5, part 2): the same weekday, and for monthly services the
same week of the month ("le 2e mercredi"), preferred across the horizon."""

from __future__ import annotations

from solution_checker import violations
from solver_instances import bus_service, bus_stop, make_problem

from solver import SolveParams, Window, solve
from solver.evaluate import extra_month_weeks
from solver.periods import week_of_month


def two_months(**params: int):
    """``monthly_wednesdays``: a monthly bus (two 4-week periods from Monday 1 March
    2027) to a hall open on Wednesdays only: 3, 10, 17, 24, 31 March, 7, 14, 21 April.
    The earliest pair (3 and 31 March) is a 1st and a 5th Wednesday."""
    stop = bus_stop("a", 1, windows=(Window(3, 480, 1080),))
    problem = make_problem([(0, 0), (10, 0)], [stop], weeks=8)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=3, **params))
    assert violations(problem, solution) == []
    return problem, solution


def test_monthly_sessions_keep_their_week_of_the_month() -> None:
    problem, solution = two_months()
    dates = sorted(r.date for r in solution.routes)
    assert len(dates) == 2
    assert week_of_month(dates[0]) == week_of_month(dates[1])
    assert extra_month_weeks(problem, solution.routes) == 0


def test_without_the_preference_the_objective_does_not_care() -> None:
    problem, with_rhythm = two_months()
    _, without = two_months(month_week_change_weight=0)
    # Same sessions served, same driving: the preference only breaks the tie
    # (which the search left on the 1st and 5th Wednesdays without it).
    assert extra_month_weeks(problem, without.routes) == 1
    assert with_rhythm.kpis.demand_served == without.kpis.demand_served
    assert with_rhythm.kpis.driving_min == without.kpis.driving_min


def test_weekly_services_ignore_the_week_of_the_month() -> None:
    weekly = bus_service(period_weeks=1, min_spacing_days=5)
    stop = bus_stop("a", 1, windows=(Window(3, 480, 1080),))
    problem = make_problem([(0, 0), (10, 0)], [stop], services=[weekly], weeks=3)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=3))
    assert len(solution.routes) == 3 and extra_month_weeks(problem, solution.routes) == 0
