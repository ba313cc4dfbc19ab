"""A rhythm families can keep (issue 11): with ``Service.keep_rhythm`` a stop's
sessions stay on one weekday (one week of the month for monthly services),
pins excepted; without it, a small gain may move the day."""

from __future__ import annotations

import dataclasses

import pytest
from solution_checker import violations
from solver_instances import DATES_4W, bus_service, bus_stop, dropin_service, make_problem
from words import french

from solver import Method, Pin, SolveParams, StaffMember, Stop, Window, check_solution, solve
from solver.model import Availability
from solver.periods import week_of_month

PARAMS = {"time_limit_s": 120, "work_limit_s": 2}


def split_crew(days: dict[int, set[int]]) -> tuple[StaffMember, ...]:
    """An éducatrice and a driver free on ``days[week]`` weekdays of each week (1-4)."""
    free = tuple(Availability(d, 480, 1080) for i, d in enumerate(DATES_4W)
                 if d.isoweekday() in days[i // 5 + 1])
    return (StaffMember("edu", frozenset({"educatrice"}), free),
            StaffMember("drv", frozenset({"driver"}), free))


def weekly(keep: bool, crew_days: dict[int, set[int]], **problem: object):
    """``moving_crew``: a weekly drop-in at a hall open Mondays and Wednesdays."""
    stop = Stop("a", 1, 10, frozenset({"kangourou"}), (Window(1, 480, 1080), Window(3, 480, 1080)))
    service = dropin_service(keep_rhythm=keep, earliest_start_min=540, latest_end_min=1020)
    return make_problem([(0, 0), (10, 0)], [stop], split_crew(crew_days), services=[service],
                        **problem)


# The crew works Wednesdays in weeks 1-2, Mondays in weeks 3-4.
MOVING = {1: {3}, 2: {3}, 3: {1}, 4: {1}}


def weekdays(solution) -> list[int]:
    return [r.date.isoweekday() for r in sorted(solution.routes, key=lambda r: r.date)]


@pytest.mark.parametrize("method", list(Method))
def test_a_kept_rhythm_holds_even_when_changing_day_would_serve_more(method: Method) -> None:
    problem = weekly(True, MOVING)
    solution = solve(problem, SolveParams(method=method, **PARAMS))
    assert violations(problem, solution) == []
    assert len(set(weekdays(solution))) == 1
    assert len(solution.routes) == 2
    (short,) = solution.unserved
    assert short.reason_code.value == "rhythm" and short.missing_visits == 2
    assert "ce service ne change pas le jour d'un arrêt" in french(short.why, problem)


def test_without_the_rule_the_day_moves_to_serve_more() -> None:
    # The control, and what keeping the day costs here: two sessions of ten children.
    problem = weekly(False, MOVING)
    solution = solve(problem, SolveParams(**PARAMS))
    assert violations(problem, solution) == []
    assert weekdays(solution) == [3, 3, 1, 1]
    kept = solve(weekly(True, MOVING), SolveParams(**PARAMS))
    assert solution.kpis.demand_served - kept.kpis.demand_served == 20


def test_a_pin_is_an_allowed_exception() -> None:
    # The crew works Wednesdays, but Monday in week 2, where the coordinator pinned a session.
    pin = Pin("a", "kangourou", DATES_4W[5], "bus")  # Monday of week 2
    problem = weekly(True, {1: {3}, 2: {1}, 3: {3}, 4: {3}}, pins=(pin,))
    solution = solve(problem, SolveParams(**PARAMS))
    assert violations(problem, solution) == []
    dates = sorted(r.date for r in solution.routes)
    assert pin.date in dates and len(dates) == 4
    assert {d.isoweekday() for d in dates if d != pin.date} == {3}


def test_the_checker_names_a_broken_rhythm() -> None:
    problem = weekly(True, MOVING)
    flexible = solve(weekly(False, MOVING), SolveParams(**PARAMS))
    findings = [f for f in check_solution(problem, flexible) if f.code == "stop.rhythm"]
    assert len(findings) == 1
    text = french(findings[0], problem)
    assert "ne tombent pas toutes le même jour" in text and "mercredi 03/03/2027" in text


@pytest.mark.parametrize("method", list(Method))
def test_monthly_sessions_keep_their_week_of_the_month(method: Method) -> None:
    # Two 4-week periods, a hall open on Wednesdays only; the crew is off on the
    # 2nd and 4th Wednesdays of March, so keeping the week of the month means
    # the 1st or 3rd Wednesday both months (or one session only).
    service = bus_service(keep_rhythm=True)
    problem = make_problem([(0, 0), (10, 0)], [bus_stop("a", 1, windows=(Window(3, 480, 1080),))],
                           services=[service], weeks=8)
    solution = solve(problem, SolveParams(method=method, **PARAMS))
    assert violations(problem, solution) == []
    dates = [r.date for r in solution.routes]
    assert len({week_of_month(d) for d in dates}) == 1 and len(dates) == 2


def test_a_broken_weekly_rhythm_is_repaired_not_kept() -> None:
    # Hand a plan on two weekdays to the checker as if the rule held: it refuses it.
    problem = weekly(False, MOVING)
    solution = solve(problem, SolveParams(**PARAMS))
    kept = dataclasses.replace(problem, services=tuple(
        dataclasses.replace(s, keep_rhythm=True) for s in problem.services))
    assert {f.code for f in check_solution(kept, solution)} == {"stop.rhythm"}
