"""The solver's façade: ``solve(problem, params) -> Solution``.

Both methods end the same way: enforce spacing and period caps, insert every
remaining session that improves the objective (:mod:`solver.repair`), check
every hard rule independently (:mod:`solver.check`), explain what is left
unserved (:mod:`solver.reasons`) and report pins that could not hold.
OR-Tools objects never leave :mod:`solver.patterns`, :mod:`solver.routing`
and :mod:`solver.cpsat`; PyVRP objects never leave :mod:`solver.local_search`.
"""

from __future__ import annotations

import time

from solver import evaluate
from solver.check import check_solution
from solver.dayroute import MethodOutcome, to_route
from solver.instance import Instance
from solver.model import Method, Problem, Solution, SolveParams
from solver.patterns import solve_patterns
from solver.pins import dropped_pins, lone_pin_problem
from solver.progress import Progress, ProgressCallback
from solver.reasons import unserved
from solver.repair import PlanState, repair
from solver.routing import solve_routing

# Share of the time limit kept for repair, reasons and checks (at most 1 s).
FINISHING_SHARE = 0.1


def solve(problem: Problem, params: SolveParams = SolveParams(),  # noqa: B008
          progress: ProgressCallback | None = None) -> Solution:
    """Plan ``problem`` within ``params.time_limit_s`` seconds (plus the short
    repair pass), never raising for an infeasible or partial outcome.

    Pins impossible even alone are dropped before solving; pins impossible
    together are kept as many as possible. Both kinds are listed in
    ``Solution.dropped_pins`` (and counted in ``stats["pins_dropped"]``).
    """
    started = time.monotonic()
    report = progress or (lambda _p: None)
    report(Progress("enumerating", 0.0))
    deadline = started + params.time_limit_s - min(1.0, FINISHING_SHARE * params.time_limit_s)
    inst = Instance(problem)
    lone_reasons = {pin: r for pin in problem.pins if (r := lone_pin_problem(inst, pin)) is not None}
    pins = list(dict.fromkeys(p for p in problem.pins if p not in lone_reasons))
    outcome: MethodOutcome
    if params.method is Method.ROUTING:
        outcome = solve_routing(inst, params, pins, deadline, report)
    elif params.method is Method.LOCAL_SEARCH:
        from solver.local_search import solve_local_search  # the one user of PyVRP

        outcome = solve_local_search(inst, params, pins, deadline, report)
    else:
        outcome = solve_patterns(inst, params, pins, deadline, report)

    report(Progress("finishing", time.monotonic() - started))
    state = PlanState(inst, params, outcome.days)
    invalid, removed, added = repair(state, pins)
    routes = tuple(to_route(inst, day) for day in state.ordered())

    objective = evaluate.objective(problem, routes, params)
    bound = outcome.bound
    if bound is not None and objective > bound:
        bound = None  # beaten by routes outside the method's search space
    if not routes:
        status = "empty"
    elif outcome.status == "optimal" and bound == objective:
        status = "optimal"
    else:
        status = "feasible"
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
        stats=outcome.stats
        | {
            "routes_invalid_dropped": float(invalid),
            "repair_sessions_dropped": float(removed),
            "repair_sessions_added": float(added),
            "pins_dropped": float(len(dropped)),
            "solve_wall_s": round(elapsed, 3),
        },
        dropped_pins=dropped,
    )
    errors = check_solution(problem, solution)
    if errors:  # a bug in a method or the repair: refuse to hand out an invalid plan
        raise RuntimeError("solver produced an infeasible plan: " + "; ".join(errors[:5]))
    return solution
