"""On problems too large to enumerate every pair, PATTERNS starts from a ROUTING plan."""

from __future__ import annotations

from solution_checker import violations

from bench.scale import synthetic
from solver import Method, SolveParams, solve


def test_a_large_problem_is_seeded_by_routing_and_never_worse_than_it() -> None:
    problem = synthetic(90, 4, 2)  # 90 stops: pairs are pruned, so the seed runs
    seeded = solve(problem, SolveParams(time_limit_s=120, work_limit_s=8))
    assert violations(problem, seeded) == []
    assert seeded.stats.details["routing_seed_routes"] > 0
    assert seeded.objective >= seeded.stats.details["routing_seed_objective"]
    # The seed is ROUTING's own plan with part of the time: close to ROUTING alone.
    routing = solve(problem, SolveParams(time_limit_s=120, work_limit_s=8, method=Method.ROUTING))
    assert seeded.stats.details["routing_seed_objective"] >= 0.95 * routing.objective


def test_small_problems_are_not_seeded(ok_small) -> None:
    assert "routing_seed_routes" not in solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=2)).stats.details
