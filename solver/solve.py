"""The solver's façade: ``solve(problem, params) -> Solution``.

Every solve bounds the best possible plan with a relaxation
(:mod:`solver.bound`), solved by CP-SAT before the method or, beside a method that
leaves a core free, in a thread while it searches;
every method then ends the same way: enforce spacing
and period caps, insert every remaining session that improves the objective
(:mod:`solver.repair`), improve the plan by ruin and recreate with
``IMPROVE_SHARE`` of the work unless it is proven optimal (:mod:`solver.improve`),
check every hard rule independently
(:mod:`solver.check`), explain what is left unserved (:mod:`solver.reasons`)
and report pins that could not hold.

Searches stop on deterministic work (:mod:`solver.budget`): the same problem,
seed and ``work_limit_s`` give the same plan, unless the wall-clock cap
``time_limit_s`` stops a search first (``stats.wall_clock_cap_hit``). A
share of the time limit is kept for finishing, larger for larger problems.
OR-Tools objects never leave :mod:`solver.patterns`, :mod:`solver.routing`
and :mod:`solver.cpsat`; PyVRP objects never leave :mod:`solver.local_search`.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from solver import evaluate
from solver.bound import RelaxationBound, relaxation_bound
from solver.budget import Budget
from solver.check import check_solution
from solver.dayroute import MethodOutcome, to_route
from solver.improve import ruin_and_recreate
from solver.instance import Instance
from solver.model import Method, Problem, Solution, SolveParams, SolveStats, Status
from solver.patterns import solve_patterns
from solver.pins import dropped_pins, lone_pin_problem
from solver.progress import Progress, ProgressCallback
from solver.reasons import unserved
from solver.repair import PlanState, repair
from solver.routing import solve_routing

BOUND_SHARE = 0.1  # of the work (at most) for the relaxation bound
IMPROVE_SHARE = 0.3  # of the work and time, to improve the method's plan (solver.improve)
FINISHING_SHARE = 0.05  # of the time limit, kept for repair, reasons and checks...
FINISHING_MIN_S = 0.5  # ...at least this (when the limit allows),
# ...or this much per stop and vehicle-day when more: explaining what is unserved and
# the repair grow with both (500 stops over 160 vehicle-days take about 5 s).
FINISHING_PER_STOP_DAY_S = 6e-5
FINISHING_PER_STOP_S = 0.011  # and at least this per stop (two long routes over 400 stops: 3.3-4 s)


def solve(problem: Problem, params: SolveParams = SolveParams(),  # noqa: B008
          progress: ProgressCallback | None = None) -> Solution:
    """Plan ``problem`` with ``params.work_s`` of deterministic work, within
    ``params.time_limit_s`` seconds of wall clock finishing included, never
    raising for an infeasible or partial outcome.

    Pins impossible even alone are dropped before solving; pins impossible
    together are kept as many as possible. Both kinds are listed in
    ``Solution.dropped_pins`` (and counted in ``stats["pins_dropped"]``).
    """
    started = time.monotonic()
    report = progress or (lambda _p: None)
    report(Progress("enumerating", 0.0))
    inst = Instance(problem)
    vehicle_days = sum(inst.runs(v, d) for v in problem.vehicles for d in problem.dates)
    reserve = min(0.5 * params.time_limit_s,
                  max(FINISHING_MIN_S, FINISHING_SHARE * params.time_limit_s,
                      FINISHING_PER_STOP_S * len(problem.stops),
                      FINISHING_PER_STOP_DAY_S * len(problem.stops) * vehicle_days))
    finish_at = started + params.time_limit_s - reserve
    # The method's share of the time and work; the rest improves its plan (ruin and
    # recreate) unless the plan is proven optimal.
    method_end = finish_at - IMPROVE_SHARE * (finish_at - started)
    lone_reasons = {pin: r for pin in problem.pins if (r := lone_pin_problem(inst, pin)) is not None}
    pins = list(dict.fromkeys(p for p in problem.pins if p not in lone_reasons))
    # The relaxation bound: its model is built first (within BOUND_SHARE of the
    # time), then CP-SAT solves it with at most BOUND_SHARE of the work: beside a
    # method that leaves a core free (PyVRP, OR-Tools routing), until the method ends;
    # before PATTERNS (whose CP-SAT uses both cores), within BOUND_SHARE of the time.
    beside = params.method is not Method.PATTERNS
    method_work = (1 - IMPROVE_SHARE) * params.work_s
    bound_share_end = started + BOUND_SHARE * (method_end - started)
    build_budget = Budget(0.0, bound_share_end)
    bound_budget = Budget(BOUND_SHARE * method_work, method_end if beside else bound_share_end)
    pending = relaxation_bound(inst, params, build_budget, bound_budget)
    relaxed = None if beside else pending.result(stop_at=bound_share_end)
    used = bound_budget.work_s if relaxed is None else relaxed.work_s
    method_budget = Budget(method_work if beside else method_work - used, method_end,
                           build_budget.wall_hits)
    outcome: MethodOutcome
    if params.method is Method.ROUTING:
        outcome = solve_routing(inst, params, pins, method_budget, report)
    elif params.method is Method.LOCAL_SEARCH:
        from solver.local_search import solve_local_search  # the one user of PyVRP

        outcome = solve_local_search(inst, params, pins, method_budget, report)
    else:
        outcome = solve_patterns(inst, params, pins, method_budget, report)

    if beside:
        relaxed = pending.result(stop_at=method_end)
    method_budget.wall_hits.extend(bound_budget.wall_hits)
    finishing_from = time.monotonic()
    report(Progress("finishing", finishing_from - started))
    state = PlanState(inst, params, outcome.days)
    invalid, removed, added = repair(state, pins)
    routes = tuple(to_route(inst, day) for day in state.ordered())
    objective = evaluate.objective(problem, routes, params)
    all_demand, ceiling = _ceiling(problem, params)
    bounds = _bounds(outcome, relaxed, objective, ceiling, all_demand)
    improved: dict[str, float] = {}
    if bounds.bound is None or bounds.bound > objective:
        improved = ruin_and_recreate(
            state, Budget(IMPROVE_SHARE * params.work_s, finish_at, method_budget.wall_hits),
            params.seed)
        routes = tuple(to_route(inst, day) for day in state.ordered())
        objective = evaluate.objective(problem, routes, params)
        bounds = _bounds(outcome, relaxed, objective, ceiling, all_demand)
    served = evaluate.demand_served(problem, routes)[0]
    demand = params.demand_weight * served
    bound, demand_bound = bounds.bound, bounds.demand
    if not routes:
        status = Status.EMPTY
    elif bound is not None and bound <= objective:
        status = Status.OPTIMAL
    else:
        status = Status.FEASIBLE
    if demand_bound is not None and demand_bound < demand:
        demand_bound = None  # cannot happen with a valid bound: claim nothing
    dropped = dropped_pins(problem, routes, lone_reasons)
    left_out = unserved(state)
    elapsed = time.monotonic() - started
    solution = Solution(
        status=status,
        routes=routes,
        unserved=left_out,
        kpis=evaluate.kpis(problem, routes),
        objective=objective,
        bound=bound,
        elapsed_s=round(elapsed, 3),
        method=params.method,
        stats=SolveStats(
            work_limit_s=params.work_s,
            solve_wall_s=round(elapsed, 3),
            finishing_s=round(time.monotonic() - finishing_from, 3),
            wall_clock_cap_hit=bool(method_budget.wall_hits),
            wall_clock_stopped=tuple(sorted(set(method_budget.wall_hits))),
            method_bound=outcome.bound,
            relaxation_bound=relaxed.objective if relaxed else None,
            relaxation_optimal=bool(relaxed and relaxed.proven_optimal),
            bound_below_plan=bounds.below_plan,
            demand_bound=None if demand_bound is None else demand_bound // params.demand_weight,
            routes_invalid_dropped=invalid,
            repair_sessions_dropped=removed,
            repair_sessions_added=added,
            pins_dropped=len(dropped),
            details=dict(outcome.stats) | improved,
        ),
        dropped_pins=dropped,
    )
    errors = check_solution(problem, solution)
    if errors:  # a bug in a method or the repair: refuse to hand out an invalid plan
        raise RuntimeError("solver produced an infeasible plan: " + "; ".join(map(str, errors[:5])))
    return solution


def proven_bound(problem: Problem, params: SolveParams) -> int | None:
    """A bound on the objective of every plan of ``problem``: the relaxation's
    (:mod:`solver.bound`), with ``BOUND_SHARE`` of ``params``' work and within its
    time limit, and never above all the demand served plus every published session
    kept. ``None`` when the relaxation proved nothing in time."""
    started = time.monotonic()
    inst = Instance(problem)
    deadline = started + params.time_limit_s
    budget = Budget(BOUND_SHARE * params.work_s, deadline)
    relaxed = relaxation_bound(inst, params, Budget(0.0, deadline), budget).result(
        stop_at=deadline)
    return None if relaxed is None else min(relaxed.objective, _ceiling(problem, params)[1])


def _ceiling(problem: Problem, params: SolveParams) -> tuple[int, int]:
    """Whatever the searches prove, no plan serves more than all the demand nor earns
    more than it plus every published session kept: (demand_weight x all the demand,
    that plus every keep bonus)."""
    all_demand = params.demand_weight * evaluate.demand_served(problem, ())[1]
    return all_demand, all_demand + evaluate.keep_bonus(params) * len(problem.preferred)


class _Bounds(NamedTuple):
    bound: int | None  # on the objective of every plan
    demand: int | None  # on demand_weight x demand served
    below_plan: bool  # the best bound lay below the plan itself: a bug, nothing claimed


def _bounds(outcome: MethodOutcome, relaxed: RelaxationBound | None, objective: int,
            ceiling: int, all_demand: int) -> _Bounds:
    """The best valid bounds on the objective and on ``demand_weight`` x demand
    of every plan: the method's own (when it holds for every plan), the
    relaxation's, and ``ceiling`` / ``all_demand`` (everything served). ``None`` when
    the searches proved nothing."""
    found = [b for b in (outcome.bound, relaxed.objective if relaxed else None) if b is not None]
    bound = min([*found, ceiling]) if found else None
    below = bound is not None and bound < objective
    demand = min(relaxed.demand, all_demand) if relaxed else None
    return _Bounds(None if below else bound, demand, below)
