"""Solve literature instances through the planner's own ``solve()`` and print
a table: instance, value, BKS, gap %, seconds, feasible (by the independent
:mod:`bench.evaluator`), with a summary line per set.

    .venv/bin/python -m bench.literature --set solomon --time-limit 10
    .venv/bin/python -m bench.literature --set toptw --tours 1 --time-limit 10
    .venv/bin/python -m bench.literature --set solomon --only R101 RC208 --method routing
    .venv/bin/python -m bench.literature --set solomon --pyvrp-direct   # PyVRP alone

Solomon gaps are against the double-precision distance-only BKS (``alt_bks_double``);
where that value is impossible (R109, RC103: below the optimum with truncated
distances, which shortens every arc), the gap is taken against that truncated
optimum instead, a valid lower bound on the double-precision optimum (the gap is
then an upper bound on the true one). Both summaries are printed.

Gap is signed so that positive means worse than the BKS: (value - BKS) / BKS
for the VRPTW distance, (BKS - score) / BKS for the TOPTW score.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from bench.evaluator import Evaluation, evaluate_solomon, evaluate_toptw
from bench.pyvrp_direct import pyvrp_direct
from bench.readers import (
    TOPTW_SETS,
    RawInstance,
    documented_decimals,
    read_solomon,
    read_toptw,
    solomon_bks,
    solomon_paths,
    solomon_truncated_optima,
    solve_params,
    to_problem,
    toptw_bks,
    toptw_paths,
)
from solver import Method, solve


def run_one(raw: RawInstance, path: Path, method: Method, time_limit: float,
            seed: int) -> tuple[Evaluation, float, str]:
    """Solve ``raw`` with the planner and evaluate the routes from the file."""
    problem = to_problem(raw)
    params = solve_params(problem, time_limit_s=time_limit, method=method, seed=seed)
    began = time.perf_counter()
    solution = solve(problem, params)
    seconds = time.perf_counter() - began
    routes = [[int(v.stop) for v in r.visits] for r in solution.routes]
    if raw.kind == "vrptw":
        evaluation = evaluate_solomon(path, routes)
    else:
        assert raw.decimals is not None
        evaluation = evaluate_toptw(path, raw.vehicles, routes, raw.decimals)
    return evaluation, seconds, solution.status


def _summary(name: str, gaps: list[float], infeasible: int, runs: int, seconds: list[float]) -> str:
    if not gaps:
        return f"**{name}**: {runs} runs, no BKS, {infeasible} infeasible"
    worst = max(gaps)
    return (f"**{name}**: {runs} runs, mean gap {statistics.fmean(gaps):.2f} % over {len(gaps)} "
            f"with a BKS, worst {worst:.2f} %, {infeasible} infeasible, "
            f"mean {statistics.fmean(seconds):.1f} s")


def solomon(args: argparse.Namespace) -> None:
    bks = solomon_bks()
    truncated = solomon_truncated_optima()
    gaps_reference: list[float] = []
    print("| instance | distance | BKS (alt_bks_double) | gap % | routes | seconds | feasible |")
    print("|---|---|---|---|---|---|---|")
    gaps, gaps_valid, seconds, infeasible, runs = [], [], [], 0, 0
    for path in solomon_paths():
        if args.only and path.stem not in args.only:
            continue
        raw = read_solomon(path)
        if args.pyvrp_direct:
            began = time.perf_counter()
            evaluation = evaluate_solomon(path, pyvrp_direct(raw, args.time_limit, args.seed))
            took = time.perf_counter() - began
        else:
            evaluation, took, _status = run_one(raw, path, args.method, args.time_limit,
                                                args.seed)
        value, note = bks[raw.name]
        impossible = "impossible" in note
        reference = truncated[raw.name] if impossible else value
        gaps_reference.append(100 * (evaluation.value - reference) / reference)
        gap = 100 * (evaluation.value - value) / value
        runs += 1
        seconds.append(took)
        infeasible += not evaluation.feasible
        if evaluation.feasible:
            gaps.append(gap)
            if not impossible:
                gaps_valid.append(gap)
        flag = " (BKS impossible)" if impossible else ""
        print(f"| {raw.name} | {evaluation.value:.2f} | {value:.2f}{flag} | {gap:.2f} | "
              f"{evaluation.routes} | {took:.1f} | {'yes' if evaluation.feasible else 'NO'} |",
              flush=True)
        if not evaluation.feasible:
            print("    " + "; ".join(evaluation.errors[:3]), file=sys.stderr)
    print()
    who = "PyVRP alone" if args.pyvrp_direct else args.method.value
    print(_summary(f"Solomon, {who}", gaps, infeasible, runs, seconds))
    print(_summary("  against valid references (R109, RC103: the truncated-distance optimum, "
                   "a lower bound)", gaps_reference, infeasible, runs, seconds))
    print(_summary("  without R109 and RC103 (impossible BKS)", gaps_valid, infeasible, runs,
                   seconds))


def toptw(args: argparse.Namespace) -> None:
    bks = toptw_bks()
    sets = [args.toptw_set] if args.toptw_set else list(TOPTW_SETS)
    for set_name in sets:
        print(f"### {set_name}")
        print()
        print("| instance | tours | score | BKS | gap % | seconds | feasible |")
        print("|---|---|---|---|---|---|---|")
        gaps, seconds, infeasible, runs = [], [], 0, 0
        for tours in args.tours:
            for path in toptw_paths(set_name):
                if args.only and path.stem not in args.only:
                    continue
                best = bks.get((set_name, path.stem, tours))
                if (args.with_bks and best is None) or (args.without_bks and best is not None):
                    continue
                raw = read_toptw(path, tours, documented_decimals(path.parent))
                evaluation, took, _status = run_one(raw, path, args.method, args.time_limit,
                                                    args.seed)
                runs += 1
                seconds.append(took)
                infeasible += not evaluation.feasible
                gap_text = ""
                if best is not None:
                    gap = 100 * (best - evaluation.value) / best
                    gap_text = f"{gap:.2f}"
                    if evaluation.feasible:
                        gaps.append(gap)
                print(f"| {path.stem} | {tours} | {evaluation.value:.0f} | "
                      f"{'' if best is None else best} | {gap_text} | {took:.1f} | "
                      f"{'yes' if evaluation.feasible else 'NO'} |", flush=True)
                if not evaluation.feasible:
                    print("    " + "; ".join(evaluation.errors[:3]), file=sys.stderr)
        print()
        print(_summary(f"TOPTW {set_name}, tours {args.tours}, {args.method.value}", gaps,
                       infeasible, runs, seconds))
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=["solomon", "toptw"], required=True)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--method", type=Method, default=Method.LOCAL_SEARCH)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="instance names (e.g. R101 c101)")
    parser.add_argument("--tours", type=int, nargs="*", default=[1, 2, 3, 4])
    parser.add_argument("--toptw-set", choices=TOPTW_SETS)
    parser.add_argument("--pyvrp-direct", action="store_true",
                        help="Solomon: pyvrp.solve alone for the time limit (comparison)")
    parser.add_argument("--with-bks", action="store_true", help="TOPTW: only rows with a BKS")
    parser.add_argument("--without-bks", action="store_true", help="TOPTW: only rows without one")
    args = parser.parse_args()
    print(f"{args.set}, method {args.method.value}, {args.time_limit} s per instance, seed "
          f"{args.seed}")
    print()
    if args.set == "solomon":
        solomon(args)
    else:
        toptw(args)


if __name__ == "__main__":
    main()
