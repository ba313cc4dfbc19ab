"""Plan the demo scenarios with each solver method and the greedy baseline; print a table.

    .venv/bin/python -m bench.demo_compare [--time-limit 30] [--weeks 4] [--start 2027-01-04]

Every result is re-checked by solver.check.check_solution (violations column).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from bench.baseline import greedy_plan
from outreach import db
from outreach.access.travel import GeodesicTravelModel
from outreach.data import scenarios
from outreach.planning.mapping import build_problem
from solver import Method, Solution, SolveParams, Status, check_solution, kpis, solve


def _row(name: str, method: str, problem, routes, seconds: float, violations: int,
         bound: str = "") -> str:  # type: ignore[no-untyped-def]
    k = kpis(problem, routes)
    pct = 100 * k.demand_served / k.demand_total if k.demand_total else 0.0
    return (f"| {name} | {method} | {k.demand_served} / {k.demand_total} ({pct:.1f} %) | "
            f"{k.stop_services_at_target} / {k.stop_services_total} | {k.sessions} | "
            f"{k.distance_km:.0f} | {seconds:.1f} | {violations} | {bound} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--start", default="2027-01-04")
    parser.add_argument("--scenario", action="append")
    args = parser.parse_args()
    start = dt.date.fromisoformat(args.start)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        db.upgrade(url)
        with db.unit_of_work(url) as session:
            loaded = scenarios.seed_demo(session, args.scenario)
            problems = {s.id: build_problem(session, s.id, start, args.weeks,
                                            GeodesicTravelModel()).problem for s in loaded}

    print(f"Demo scenarios, {args.weeks} weeks from {start}, time limit {args.time_limit} s, "
          "2 workers")
    print()
    print("| scenario | method | demand served | stops at target | sessions | km | seconds "
          "| violations | bound |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, problem in problems.items():
        began = time.perf_counter()
        routes = greedy_plan(problem)
        seconds = time.perf_counter() - began
        greedy = Solution(status=Status.FEASIBLE, routes=tuple(routes), unserved=(),
                          kpis=kpis(problem, routes), objective=0, bound=None, elapsed_s=seconds)
        print(_row(name, "greedy nearest-first", problem, routes, seconds,
                   len(check_solution(problem, greedy))))
        for method in Method:
            params = SolveParams(time_limit_s=args.time_limit, method=method)
            began = time.perf_counter()
            solution = solve(problem, params)
            seconds = time.perf_counter() - began
            bound = ""
            if solution.bound is not None:
                bound = f"{solution.bound} (objective {solution.objective})"
            print(_row(name, method.value, problem, solution.routes, seconds,
                       len(check_solution(problem, solution)), bound))


if __name__ == "__main__":
    main()
