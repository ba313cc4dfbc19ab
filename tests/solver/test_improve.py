"""Ruin and recreate (solver.improve): the phase after the method's plan, checked on
a public home-care instance with synchronised and precedence visits (Mankowska et
al. 2014, set A; bench/hhcrsp.py) and judged from the instance file."""

from __future__ import annotations

import time

import pytest

from bench import hhcrsp
from solver import Route, SolveParams, check_solution, solve
from solver.budget import Budget
from solver.dayroute import to_route
from solver.evaluate import objective
from solver.improve import ruin_and_recreate
from solver.instance import Instance
from solver.repair import PlanState, fill

# Deterministic work; the time limit is a safety cap far above it.
PARAMS = SolveParams(time_limit_s=120, work_limit_s=3, demand_weight=100_000)


def _problem(name: str):
    inst = hhcrsp.read(hhcrsp.FOLDER / f"{name}.txt")
    return inst, hhcrsp.to_problem(inst, sync_step=5)


def test_a_public_instance_is_planned_whole_and_checked_from_its_file() -> None:
    inst, problem = _problem("A10")
    solution = solve(problem, PARAMS)
    assert check_solution(problem, solution) == []
    verdict = hhcrsp.evaluate(inst, hhcrsp.routes_of(solution))
    assert verdict.errors == ()  # every service given, windows, travel and gaps kept
    assert verdict.tardiness == 0
    # Within 2 % of the published optimum (225.01); the greedy plan alone is 2.6 % off.
    assert verdict.value <= 1.02 * hhcrsp.OPTIMUM["A10"]


def test_the_checker_from_the_file_finds_a_gap_not_kept() -> None:
    inst, problem = _problem("A10")
    solution = solve(problem, PARAMS)
    routes = hhcrsp.routes_of(solution)
    # Node 10 needs two services, the second 57..114 units after the first.
    _first, second = inst.needs[10]
    for visits in routes.values():
        for k, (node, service, start) in enumerate(visits):
            if (node, service) == (10, second):
                visits[k] = (node, service, start + 200)
    assert any("gap" in e for e in hhcrsp.evaluate(inst, routes).errors)


@pytest.mark.parametrize("name", ["A1", "A6"])
def test_rounds_never_lose_and_repeat_exactly(name: str) -> None:
    _inst, problem = _problem(name)
    plans = []
    for _ in range(2):
        state = PlanState(Instance(problem), PARAMS)
        fill(state)
        before = objective(problem, _routes(state), PARAMS)
        stats = ruin_and_recreate(state, Budget(0.5, time.monotonic() + 120), seed=3)
        after = objective(problem, _routes(state), PARAMS)
        assert after >= before
        assert stats["improve_rounds"] > 1
        plans.append(sorted((r.vehicle, v.stop, v.start_min) for r in _routes(state)
                            for v in r.visits))
    assert plans[0] == plans[1]


def _routes(state: PlanState) -> list[Route]:
    return [to_route(state.inst, d) for d in state.ordered()]


def test_a_solve_with_the_phase_repeats_exactly() -> None:
    # The phase is part of every solve: the same seed and work give the same plan.
    _inst, problem = _problem("A6")
    one = solve(problem, PARAMS)
    two = solve(problem, PARAMS)
    assert [(r.vehicle, [(v.stop, v.start_min) for v in r.visits]) for r in one.routes] == \
        [(r.vehicle, [(v.stop, v.start_min) for v in r.visits]) for r in two.routes]
