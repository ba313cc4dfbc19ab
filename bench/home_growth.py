"""Home visits at growth size (issue 13): 300 families and 40 puéricultrices.

    .venv/bin/python -m bench.home_growth [--time-limit 40] [--longer 5]

The Hérault demo programme grown: each of its puéricultrices and psychologists of the
planned territories copied four times (the copies share her office, days and hours),
300 fictional families drawn as the demo draws its 80 (210 in the Montpelliérain, 90 in
the Lunellois, the same shares of three- and four-visit weeks and of joint visits), the
same team slots and workshops. One week is planned with ``--time-limit`` seconds, then
with ``--longer`` times as long; each run in its own process, so that its peak resident
memory is its own. Prints per run: wall time, peak memory, visits wanted and placed, the
proven maximum of visits, who made them, joint visits, driving, the objective's gap to
the proven bound, and how the plan compares with the longer run's (visits, driving), and
the independent checker's verdict on the export (tests/home_plan_checker.py). Each row is
one run; compare rows as ratios.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import functools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from outreach import db, privacy
from outreach.homevisits import planning
from outreach.homevisits.demo import programme_spec, seed_programme

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from home_plan_checker import check

PROGRAMME = "herault-appui-parental"
MONDAY = dt.date(2027, 1, 4)
COPIES = 4
FAMILIES = {"montpellierain": 210, "lunellois": 90}


def grown_spec() -> dict[str, Any]:
    """The demo programme with each planned territory's staff copied ``COPIES`` times and
    ``FAMILIES`` families."""
    spec = copy.deepcopy(programme_spec(PROGRAMME))
    planned = {t["code"] for t in spec["territories"] if t.get("active", True)}
    for territory in spec["territories"]:
        if territory["code"] in FAMILIES:
            territory["families"] = FAMILIES[territory["code"]]
    spec["programme"]["families"] = sum(FAMILIES.values())
    spec["nurses"] = spec["nurses"] + [
        {**nurse, "code": f"{nurse['code']}-{k}", "name": f"{nurse['name']} {k}"}
        for k in range(2, COPIES + 1) for nurse in spec["nurses"]
        if nurse["territory"] in planned]
    return spec


def run_one(time_limit: float) -> dict[str, Any]:
    """Seed the grown programme in a fresh database, plan one week, check the export."""
    os.environ.setdefault(privacy.ENV, Fernet.generate_key().decode())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/home.db"
        db.upgrade(url)
        with db.unit_of_work(url) as s:
            seed_programme(s, PROGRAMME, grown_spec())
        with db.unit_of_work(url) as s:
            build = functools.partial(planning.build_week, s, PROGRAMME, MONDAY, 1,
                                      time_limit_s=time_limit)
            began = time.monotonic()
            week = build()
            outcome = planning.solve_week(week, build)
            wall = time.monotonic() - began
            exported = json.loads(json.dumps(planning.export(outcome)))
    summary = exported["summary"]
    solution = outcome.solution
    gap = (None if solution.bound is None or solution.bound <= 0
           else (solution.bound - solution.objective) / solution.bound)
    errors = check(exported)
    professions = [n["profession"] for n in exported["nurses"]]
    return {"run": f"1 week, {time_limit:g} s", "wall_s": round(wall, 1),
            "peak_rss_MB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "families": len(exported["families"]),
            "puericultrices": professions.count("puericultrice"),
            "psychologists": professions.count("psychologue"),
            "wanted": summary["visits_wanted"], "placed": summary["visits_planned"],
            "proven_max": summary["visits_bound"], "referent": summary["by"]["referent"],
            "second": summary["by"]["second"], "other": summary["by"]["other"],
            "joint": f"{summary['joint_planned']}/{summary['joint_wanted']}",
            "driving_min": summary["driving_min"], "objective": solution.objective,
            "gap": "-" if gap is None else f"{100 * gap:.2f} %",
            "checker": "OK" if not errors else f"{len(errors)} errors: {errors[0]}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=40.0)
    parser.add_argument("--longer", type=float, default=5.0)
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # a child run
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.one)))
        return
    rows = []
    for limit in (args.time_limit, args.time_limit * args.longer):
        done = subprocess.run([sys.executable, "-m", "bench.home_growth", "--one", str(limit)],
                              check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    base, longer = rows
    base["vs_longer"] = (f"placed {base['placed'] - longer['placed']:+d}, driving "
                         f"{100 * (base['driving_min'] / longer['driving_min'] - 1):+.1f} %, "
                         f"objective {100 * (base['objective'] / longer['objective'] - 1):+.2f} %")
    for row in rows:
        print(" | ".join(f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
