"""How solve time, memory and quality grow with the number of stops (synthetic problems).

    .venv/bin/python -m bench.scale [--stops 50 200 500] [--vehicles 4] [--weeks 8] [--time-limit 30]

Each problem: stops spread over a 120 km x 90 km rural area, vehicles at four bases,
a half-day drop-in service (2 sessions per vehicle-day, fortnightly) and a full-day
bus service (monthly), part-time crews. Every solve runs in its own process so that
its peak memory (max RSS) is its own; each size is also solved with 5x the time to
see how far the default run is from a longer one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import resource
import subprocess
import sys
import time

from outreach.planning.calendar import working_dates
from solver import (
    Availability,
    Problem,
    Service,
    SolveParams,
    StaffMember,
    Stop,
    Vehicle,
    Window,
    check_solution,
    solve,
)


def synthetic(stops: int, vehicles: int, weeks: int, seed: int = 1) -> Problem:
    rng = random.Random(seed)
    start = dt.date(2027, 1, 4)
    dates, _holidays = working_dates(start, weeks)
    bases = [(30, 25), (90, 25), (30, 65), (90, 65)][:vehicles] + [
        (rng.uniform(0, 120), rng.uniform(0, 90)) for _ in range(max(0, vehicles - 4))]
    points = bases + [(rng.uniform(0, 120), rng.uniform(0, 90)) for _ in range(stops)]
    distance = [[round(1300 * math.dist(a, b)) for b in points] for a in points]
    travel = [[0 if d == 0 else math.ceil(d / 1000 / 55 * 60) + 5 for d in row] for row in distance]
    services = (
        Service("bus", "Bus", (("doctor", "midwife"), ("puericultrice",), ("driver",)), 360, 30, 30,
                600, 960, 1, 4, 21, 1),
        Service("drop-in", "Accueil", (("educatrice",), ("auxiliaire", "puericultrice")), 150, 20, 20,
                570, 990, 1, 2, 10, 2),
    )
    fleet = tuple(
        Vehicle(f"v{i}", f"Véhicule {i}", i, frozenset({"bus"} if i % 2 == 0 else {"drop-in"}))
        for i in range(vehicles))
    stop_list = []
    for k in range(stops):
        service = "bus" if k % 2 == 0 else "drop-in"
        days = sorted(rng.sample([1, 2, 3, 4, 5], rng.randint(2, 4)))
        windows = tuple(Window(d, 510, 1050) if service == "bus" or rng.random() < 0.5
                        else Window(d, 510, 750) for d in days)
        stop_list.append(Stop(f"s{k}", vehicles + k, rng.randint(10, 120), frozenset({service}),
                              windows))
    roles = ["doctor", "doctor", "midwife", "puericultrice", "puericultrice", "driver", "driver",
             "educatrice", "educatrice", "auxiliaire", "auxiliaire"]
    staff = []
    for v in range(vehicles):
        for n, role in enumerate(roles):
            days = set(rng.sample([1, 2, 3, 4, 5], 3 if n % 2 else 4))
            staff.append(StaffMember(f"p{v}-{n}", frozenset({role}), tuple(
                Availability(d, 450, 1110) for d in dates if d.isoweekday() in days)))
    return Problem(tuple(dates), services, fleet, tuple(stop_list), tuple(staff),
                   tuple(map(tuple, travel)), tuple(map(tuple, distance)), start)


def run_one(stops: int, vehicles: int, weeks: int, limit: float) -> dict[str, float]:
    began = time.perf_counter()
    problem = synthetic(stops, vehicles, weeks)
    solution = solve(problem, SolveParams(time_limit_s=limit))
    return {
        "seconds": round(time.perf_counter() - began, 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "objective": solution.objective,
        "bound": solution.bound or 0,
        "served_pct": round(100 * solution.kpis.demand_served / solution.kpis.demand_total, 1),
        "violations": len(check_solution(problem, solution)),
        "routes_enumerated": solution.stats.details.get("routes_enumerated", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stops", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--vehicles", type=int, default=4)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        stops, vehicles, weeks, limit = args.one
        print(json.dumps(run_one(int(stops), int(vehicles), int(weeks), float(limit))))
        return
    print(f"Synthetic problems, {args.vehicles} vehicles, {args.weeks} weeks, one process per solve")
    print()
    print("| stops | limit s | seconds | max RSS MB | served % | objective | bound | 5x-time objective "
          "| gap to 5x % | violations |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for stops in args.stops:
        results = []
        for limit in (args.time_limit, 5 * args.time_limit):
            out = subprocess.run(
                [sys.executable, "-m", "bench.scale", "--one", str(stops), str(args.vehicles),
                 str(args.weeks), str(limit)], capture_output=True, text=True, check=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        base, long = results
        gap = 100 * (long["objective"] - base["objective"]) / long["objective"] if long["objective"] else 0
        print(f"| {stops} | {args.time_limit:g} | {base['seconds']} | {base['max_rss_mb']} | "
              f"{base['served_pct']} | {base['objective']} | {base['bound']} | {long['objective']} | "
              f"{gap:.2f} | {base['violations'] + long['violations']} |", flush=True)


if __name__ == "__main__":
    main()
