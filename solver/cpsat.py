"""CP-SAT settings shared by both methods, chosen for reproducibility.

CP-SAT with several workers is only reproducible with ``interleave_search``
(workers run in deterministic batches) and a *deterministic* time limit. We
set ``max_deterministic_time`` to ``DETERMINISTIC_PER_SECOND`` units per second
of budget (calibrated so that it is reached before the wall-clock budget on a
2-core machine) and keep the wall-clock limit as a safety net: if the machine
is so slow that the safety net fires, the plan is still valid but may differ
between runs.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model import SolveParams

DETERMINISTIC_PER_SECOND = 0.5


def make_solver(params: SolveParams, budget_s: float) -> cp_model.CpSolver:
    """A CP-SAT solver that stops after ``budget_s`` seconds' worth of
    deterministic time, seeded by ``params.seed``."""
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = params.seed
    solver.parameters.num_workers = params.num_workers
    if params.num_workers > 1:
        solver.parameters.interleave_search = True
    solver.parameters.max_deterministic_time = max(0.01, budget_s * DETERMINISTIC_PER_SECOND)
    solver.parameters.max_time_in_seconds = max(0.05, budget_s)
    solver.parameters.log_search_progress = False
    return solver
