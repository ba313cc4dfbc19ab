"""Is a solve on time? Wall-clock seconds of ``solve()`` (finishing included:
repair, bound, reasons, checks) against its time limit, from 10 to 500 stops
(the synthetic problems of :mod:`bench.scale`), each in its own process:

    .venv/bin/python -m bench.on_time [--stops 10 50 200 500] [--limits 10 30]

The target: every solve within its limit plus 5 %.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from bench.scale import synthetic
from solver import SolveParams, solve


def run_one(stops: int, limit: float) -> dict[str, float]:
    problem = synthetic(stops, 4, 8)
    began = time.perf_counter()
    solution = solve(problem, SolveParams(time_limit_s=limit))
    seconds = time.perf_counter() - began
    return {"seconds": round(seconds, 2), "status": solution.status,
            "wall_clock_cap_hit": float(solution.stats.wall_clock_cap_hit),
            "served_pct": round(100 * solution.kpis.demand_served
                                / max(1, solution.kpis.demand_total), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stops", type=int, nargs="+", default=[10, 50, 200, 500])
    parser.add_argument("--limits", type=float, nargs="+", default=[10.0, 30.0])
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(int(args.one[0]), float(args.one[1]))))
        return
    print("| stops | limit s | solve s | ratio | stopped by the clock | status | served % |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    for stops in args.stops:
        for limit in args.limits:
            out = subprocess.run([sys.executable, "-m", "bench.on_time", "--one", str(stops),
                                  str(limit)], capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            ratio = row["seconds"] / limit
            worst = max(worst, ratio)
            print(f"| {stops} | {limit:g} | {row['seconds']} | {ratio:.3f} | "
                  f"{'yes' if row['wall_clock_cap_hit'] else 'no'} | {row['status']} | "
                  f"{row['served_pct']} |", flush=True)
    print()
    print(f"**worst ratio {worst:.3f}** (target at most 1.05)")


if __name__ == "__main__":
    main()
