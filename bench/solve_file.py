"""Solve one literature instance file through the planner's own ``solve()`` and
print the plan as JSON, for a judge that does not share this code:

    .venv/bin/python -m bench.solve_file PATH --format toptw --tours 2 --decimals 2 \\
        --time-limit 10 --seed 0

prints ``{"routes": [[customer numbers as in the file], ...], "status": ...,
"objective": ..., "bound": ..., "seconds": ...}``:

- ``objective``: the total score (TOPTW) or the total distance in double
  precision (VRPTW, Solomon format), recomputed from the file's numbers;
- ``bound``: a proven upper bound on the score of every plan (TOPTW), or
  ``null`` when none is claimed (the VRPTW's distance gets no lower bound);
- ``status``: ``"optimal"`` only when the bound equals the score (a proof),
  else ``"feasible"`` (or ``"empty"`` with no route);
- ``seconds``: wall-clock time of the solve, within the limit plus 5 %.

Distances follow ``--decimals`` (truncated to that many decimals); without it a
TOPTW file takes the truncation its set's SOURCE.md states, or one decimal (the
KU Leuven format note), and a Solomon file double precision. Customers' service
times may differ. The default method is PyVRP's local search
(``--method local_search``), the best on these single-service problems.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from bench.readers import (
    RawInstance,
    documented_decimals,
    read_solomon,
    read_toptw,
    solve_params,
    to_problem,
)
from solver import Method, solve


def read(path: Path, fmt: str, tours: int | None, decimals: int | None) -> RawInstance:
    """The instance of ``path`` in ``fmt`` with the distance convention chosen."""
    if fmt == "solomon":
        raw = read_solomon(path)
        return dataclasses.replace(raw, vehicles=tours or raw.vehicles, decimals=decimals)
    if decimals is None:
        try:
            decimals = documented_decimals(path.resolve().parent)
        except ValueError:
            decimals = 1  # the KU Leuven format note's convention
    return read_toptw(path, tours or 1, decimals)


def _distance(raw: RawInstance, a: int, b: int) -> float:
    value = math.hypot(raw.nodes[a].x - raw.nodes[b].x, raw.nodes[a].y - raw.nodes[b].y)
    if raw.decimals is None:
        return value
    unit = 10**raw.decimals
    return math.floor(unit * value + 1e-9) / unit


def solve_file(raw: RawInstance, time_limit: float, seed: int, method: Method,
               work_limit: float | None = None) -> dict[str, Any]:
    """The JSON-ready result of solving ``raw`` (see the module docstring)."""
    problem = to_problem(raw)
    changes: dict[str, object] = {"time_limit_s": time_limit, "seed": seed, "method": method}
    if work_limit is not None:
        changes["work_limit_s"] = work_limit
    params = solve_params(problem, **changes)
    began = time.perf_counter()
    solution = solve(problem, params)
    seconds = time.perf_counter() - began
    routes = [[int(v.stop) for v in route.visits] for route in solution.routes]
    routes = [r for r in routes if r]
    if raw.kind == "toptw":
        objective: float = sum(raw.nodes[c].score for r in routes for c in r)
        demand_bound = solution.stats.demand_bound
        bound: float | None = None if demand_bound is None else int(demand_bound)
        status = "optimal" if bound is not None and bound == objective else "feasible"
    else:
        objective = round(sum(_distance(raw, a, b) for r in routes
                              for a, b in zip([0, *r], [*r, 0])), 6)
        bound = None
        status = "feasible"
    if not routes and bound != 0:
        status = "empty"
    return {"routes": routes, "status": status, "objective": objective, "bound": bound,
            "seconds": round(seconds, 3), "solver_status": solution.status,
            "wall_clock_cap_hit": solution.stats.wall_clock_cap_hit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--format", choices=["solomon", "toptw"], required=True)
    parser.add_argument("--tours", type=int, help="TOPTW: number of tours (default 1); "
                        "Solomon: fleet size (default the file's)")
    parser.add_argument("--decimals", type=int, help="distances truncated to this many decimals")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds (wall clock)")
    parser.add_argument("--work-limit", type=float,
                        help="deterministic budget in reference seconds (default: from the time "
                             "limit); the same value and seed give the same routes on any machine "
                             "that does not hit the time limit first")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--method", type=Method, default=Method.LOCAL_SEARCH)
    args = parser.parse_args(argv)
    try:
        raw = read(args.path, args.format, args.tours, args.decimals)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    result = solve_file(raw, args.time_limit, args.seed, args.method, args.work_limit)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
