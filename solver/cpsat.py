"""CP-SAT settings shared by every method, chosen for reproducibility.

CP-SAT with several workers is only reproducible with ``interleave_search``
(workers run in deterministic batches) and a *deterministic* time limit, taken
from the work budget (:mod:`solver.budget`). The wall-clock limit is the
budget's safety cap: when it fires first (:func:`solve_within` records it) the
plan is still valid but may differ between runs.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.budget import Budget
from solver.model import SolveParams


def make_solver(params: SolveParams, budget: Budget) -> cp_model.CpSolver:
    """A CP-SAT solver that stops after ``budget``'s deterministic time (or its
    wall-clock cap), seeded by ``params.seed``."""
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = params.seed
    solver.parameters.num_workers = params.num_workers
    if params.num_workers > 1:
        solver.parameters.interleave_search = True
    solver.parameters.max_deterministic_time = budget.cpsat_deterministic_time()
    solver.parameters.max_time_in_seconds = budget.wall_left_s()
    solver.parameters.log_search_progress = False
    return solver


def solve_within(solver: cp_model.CpSolver, model: cp_model.CpModel, budget: Budget, what: str,
                 callback: cp_model.CpSolverSolutionCallback | None = None,
                 ) -> cp_model.CpSolverStatus:
    """Solve and record on ``budget`` when the wall clock, not the work, stopped it."""
    status = solver.solve(model, callback)
    limit = solver.parameters.max_deterministic_time
    # CP-SAT stops on a proof, on its deterministic limit, or else on the clock.
    if status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID) and \
            solver.deterministic_time < 0.99 * limit:
        budget.hit(what)
    return status
