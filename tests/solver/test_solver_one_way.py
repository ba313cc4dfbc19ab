"""A service's maximum one-way drive from the base: farther stops are not visited, and the
reason says so."""

from __future__ import annotations

import dataclasses

from solution_checker import violations
from words import french

from solver import Problem, ReasonCode, SolveParams, check_solution, solve


def _limited(problem: Problem, limit: int) -> Problem:
    services = tuple(dataclasses.replace(s, max_one_way_min=limit) for s in problem.services)
    return dataclasses.replace(problem, services=services)


def test_stops_beyond_the_one_way_limit_are_left_out_with_a_reason(ok_small: Problem) -> None:
    base = ok_small.vehicles[0].base
    drives = sorted(ok_small.travel_min[base][s.location] for s in ok_small.stops)
    limit = drives[len(drives) // 2]  # about half the stops are farther
    problem = _limited(ok_small, limit)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    assert violations(problem, solution) == []
    far = {s.id for s in problem.stops if problem.travel_min[base][s.location] > limit}
    assert far
    visited = {v.stop for r in solution.routes for v in r.visits}
    assert not visited & far
    reasons = {u.stop: u for u in solution.unserved}
    for stop in far:
        assert reasons[stop].reason_code is ReasonCode.TOO_FAR
        assert "trajet maximal" in french(reasons[stop].why, problem)


def test_the_checker_refuses_a_route_beyond_the_limit(ok_small: Problem) -> None:
    solution = solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=2))
    assert solution.routes
    errors = check_solution(_limited(ok_small, 1), solution)
    assert "visit.one_way" in {e.code for e in errors}
