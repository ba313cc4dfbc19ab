"""Vehicle capacity: a route's summed Stop.load stays within Vehicle.capacity,
in every method, the repair and the checker; defaults change nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from solution_checker import violations
from solver_instances import available, dropin_service, make_problem

from solver import (
    Method,
    Problem,
    ReasonCode,
    SolveParams,
    StaffMember,
    Stop,
    Vehicle,
    Window,
    check_solution,
    solve,
)

MONDAY = dt.date(2027, 3, 1)


def monday_stops(capacity: int | None) -> Problem:
    """A van with two sessions a day and three stops open only on Mondays
    (one week): each visit loads 6, so a capacity of 10 allows one a day."""
    service = dropin_service(visits_per_period=1, period_weeks=1, min_spacing_days=0)
    windows = (Window(1, 540, 780), Window(1, 810, 1050))
    stops = [Stop(f"s{i}", i, 10 + i, frozenset({service.id}), windows, load=6) for i in (1, 2, 3)]
    staff = (StaffMember("ed", frozenset({"educatrice"}), available([MONDAY])),
             StaffMember("drv", frozenset({"driver"}), available([MONDAY])))
    van = Vehicle("van", "Van", 0, frozenset({service.id}), capacity=capacity)
    return make_problem([(0, 0), (10, 0), (0, 10), (10, 10)], stops, staff=staff,
                        services=(service,), vehicles=(van,), weeks=1)


def sessions(solution) -> int:  # type: ignore[no-untyped-def]
    return sum(len(r.visits) for r in solution.routes)


@pytest.mark.parametrize("method", list(Method))
def test_capacity_limits_the_sessions_of_a_route(method: Method) -> None:
    problem = monday_stops(capacity=10)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=1, method=method))
    assert violations(problem, solution) == []
    assert sessions(solution) == 1
    assert {v.stop for r in solution.routes for v in r.visits} == {"s3"}  # the most demand
    assert {u.stop for u in solution.unserved} == {"s1", "s2"}


@pytest.mark.parametrize("method", list(Method))
def test_without_capacity_the_load_is_ignored(method: Method) -> None:
    problem = monday_stops(capacity=None)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=1, method=method))
    assert violations(problem, solution) == []
    assert sessions(solution) == 2


def test_checker_rejects_an_overloaded_route() -> None:
    loose = solve(monday_stops(capacity=None), SolveParams(time_limit_s=120, work_limit_s=1))
    errors = check_solution(monday_stops(capacity=10), loose)
    assert any(e.code == "route.load" and e["capacity"] == 10 for e in errors), errors


def test_capacity_and_load_default_to_no_limit() -> None:
    stop = Stop("s", 1, 1, frozenset({"pmi"}), ())
    van = Vehicle("v", "V", 0, frozenset({"pmi"}))
    assert stop.load == 0
    assert van.capacity is None


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Stop("s", 1, 1, frozenset({"pmi"}), (), load=-1), "load"),
    (lambda: Vehicle("v", "V", 0, frozenset({"pmi"}), capacity=-3), "capacity"),
])
def test_negative_load_or_capacity_raises(build, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        build()


def test_times_beyond_the_day_need_a_longer_day_end() -> None:
    problem = monday_stops(capacity=None)
    late = dataclasses.replace(problem.stops[0], windows=(Window(1, 540, 2000),))
    with pytest.raises(ValueError, match=r"minute of the day in 0\.\.1440"):
        dataclasses.replace(problem, stops=(late, *problem.stops[1:]))
    longer = dataclasses.replace(problem, stops=(late, *problem.stops[1:]), day_end_min=2000)
    assert longer.day_end_min == 2000


def test_a_stop_heavier_than_every_vehicle_is_reported_over_capacity() -> None:
    problem = monday_stops(capacity=10)
    heavy = dataclasses.replace(problem.stops[0], load=12)
    problem = dataclasses.replace(problem, stops=(heavy, *problem.stops[1:]))
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=1))
    reasons = {u.stop: u.reason_code for u in solution.unserved}
    assert reasons["s1"] is ReasonCode.OVER_CAPACITY
