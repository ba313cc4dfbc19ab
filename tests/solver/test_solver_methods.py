"""Both decompositions on a product-sized instance: valid, reproducible, on time."""

from __future__ import annotations

import datetime as dt

import pytest
from solution_checker import violations
from solver_instances import bus_stop, make_problem

from solver import Method, Pin, Problem, SolveParams, solve
from solver.periods import stop_service_pairs, target_visits


@pytest.mark.parametrize("method", list(Method))
def test_method_returns_a_check_clean_plan_with_reasons(product: Problem, method: Method) -> None:
    solution = solve(product, SolveParams(time_limit_s=120, work_limit_s=2, method=method))
    assert violations(product, solution) == []
    assert solution.method is method
    assert solution.kpis.demand_served > 0.6 * solution.kpis.demand_total
    short = {(u.stop, u.service) for u in solution.unserved}
    served = {(v.stop, v.service) for r in solution.routes for v in r.visits}
    for stop, service in stop_service_pairs(product):
        count = sum(1 for r in solution.routes for v in r.visits
                    if (v.stop, v.service) == (stop.id, service.id))
        assert ((stop.id, service.id) in short) == (count < target_visits(product, stop, service))
    assert served


@pytest.mark.parametrize("method", list(Method))
def test_the_wall_clock_cap_stops_a_long_search_and_says_so(product: Problem,
                                                           method: Method) -> None:
    """A work budget far beyond the time limit: the cap stops the search, the
    plan is still valid, and the solution tells it was cut by the clock."""
    solution = solve(product, SolveParams(time_limit_s=0.3, work_limit_s=1000, method=method))
    assert solution.stats.wall_clock_cap_hit
    assert solution.elapsed_s < 30  # the cap holds (generous: this machine may be loaded)


@pytest.mark.parametrize("method", list(Method))
def test_same_seed_and_work_give_the_same_solution(product: Problem, method: Method) -> None:
    """Searches stop on deterministic work, not the clock: same plan whatever the load."""
    params = SolveParams(time_limit_s=120, work_limit_s=1.0, seed=7, method=method)
    first, second = solve(product, params), solve(product, params)
    assert not first.stats.wall_clock_cap_hit and not second.stats.wall_clock_cap_hit
    assert first.routes == second.routes
    assert (first.status, first.objective, first.bound) == (second.status, second.objective,
                                                            second.bound)


def test_optimal_status_means_objective_equals_bound(ok_small: Problem) -> None:
    solution = solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=2))
    assert solution.status == "optimal"
    assert solution.bound == solution.objective
    demand = sum(s.demand for s in ok_small.stops)
    assert solution.objective == 1000 * demand - solution.kpis.driving_min


def test_routing_keeps_a_pinned_session() -> None:
    day = dt.date(2027, 3, 10)
    problem = make_problem([(0, 0), (10, 0), (0, 20)], [bus_stop("a", 1), bus_stop("b", 2)],
                           pins=(Pin("b", "pmi", day, "bus"),))
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=1, method=Method.ROUTING))
    assert violations(problem, solution) == []
    assert ("b", day) in {(v.stop, r.date) for r in solution.routes for v in r.visits}


def test_local_search_same_seed_gives_the_same_solution(ok_small: Problem) -> None:
    params = SolveParams(time_limit_s=120, work_limit_s=5, seed=7, method=Method.LOCAL_SEARCH)
    first, second = solve(ok_small, params), solve(ok_small, params)
    assert first == second
