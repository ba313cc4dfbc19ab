"""The product against PyVRP run directly, at equal time, on the prize-collecting
instances of ``bench/instances/prize_collecting`` (200-400 customers, service
times per customer, distances truncated to two decimals):

    .venv/bin/python -m bench.prize_collecting [--time-limit 10] [--tours 1 2]

Both plans are judged by the independent :mod:`bench.evaluator` with the
truncation the set's SOURCE.md states. "PyVRP direct" is ``pyvrp.solve`` on the
plain instance (times in hundredths, each client's prize its score times
``bench.pyvrp_direct.PRIZE``, distance cost 1) with ``MaxRuntime``; the product is
``bench.solve_file`` (the planner's ``solve()``, default method for files:
local search) with the same time limit, finishing included. The table
gives both scores, the product's gap to PyVRP, the product's proven bound and
both times.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.evaluator import evaluate_toptw
from bench.make_instances import FOLDER
from bench.pyvrp_direct import pyvrp_direct
from bench.readers import documented_decimals, read_toptw
from bench.solve_file import solve_file
from solver import Method


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--tours", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    decimals = documented_decimals(FOLDER)
    print(f"prize-collecting, {args.time_limit} s each, seed {args.seed}, distances truncated to "
          f"{decimals} decimals")
    print()
    print("| instance | tours | product | PyVRP direct | gap % | bound | product s | PyVRP s |")
    print("|---|---|---|---|---|---|---|---|")
    gaps = []
    for path in sorted(Path(FOLDER).glob("pc*.txt")):
        for tours in args.tours:
            raw = read_toptw(path, tours, decimals)
            ours = solve_file(raw, args.time_limit, args.seed, Method.LOCAL_SEARCH)
            began = time.perf_counter()
            theirs = pyvrp_direct(raw, args.time_limit, args.seed)
            their_s = time.perf_counter() - began
            mine = evaluate_toptw(path, tours, ours["routes"], decimals)
            other = evaluate_toptw(path, tours, theirs, decimals)
            gap = 100 * (other.value - mine.value) / other.value if other.value else 0.0
            if mine.feasible and other.feasible:
                gaps.append(gap)
            flag = lambda e: "" if e.feasible else " (INFEASIBLE)"
            print(f"| {path.stem} | {tours} | {mine.value:.0f}{flag(mine)} | "
                  f"{other.value:.0f}{flag(other)} | {gap:.2f} | {ours['bound']} | "
                  f"{ours['seconds']:.1f} | {their_s:.1f} |", flush=True)
    print()
    if gaps:
        print(f"**mean gap to PyVRP direct {statistics.fmean(gaps):.2f} %, worst {max(gaps):.2f} %** "
              f"over {len(gaps)} runs (positive: the product scores less)")


if __name__ == "__main__":
    main()
