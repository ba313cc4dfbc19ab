"""Re-planning after an absence: how much of the published plan each mode keeps.

Loads a demo scenario into a temporary database, plans and publishes it, marks
the crew member of the first published route absent for a week, then re-plans
three ways: afresh, preferring the published sessions (``--prefer-published``
with thresholds), and keeping them all (``--keep-published``). Prints, for each,
the sessions changed against the published plan, the demand served and the
seconds, and re-checks every plan with the independent checker of the tests.

    .venv/bin/python -m bench.stability --scenario indre-et-loire --time-limit 30
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from outreach import db, planning
from outreach.data import scenarios
from outreach.models import Absence
from solver import SolveParams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="indre-et-loire")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--thresholds", type=int, nargs="+", default=[10, 100, 1000])
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from plan_checker import check_plan

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'stability.db'}"
        db.upgrade(url)
        with db.unit_of_work(url) as s:
            found = scenarios.seed_demo(s, [args.scenario])[0]
            start, weeks = found.default_start, found.default_weeks
            plan = planning.create_plan(s, args.scenario, start, weeks,
                                        SolveParams(time_limit_s=args.time_limit))
            planning.publish_plan(s, plan.id)
            published = planning.export_document(s, plan.id)
            route = published["routes"][0]
            absent = int(route["crew"][0]["staff"].removeprefix("staff-"))
            first = dt.date.fromisoformat(route["date"])
            s.add(Absence(staff_id=absent, start_date=first, end_date=first + dt.timedelta(days=6),
                          reason="Arrêt maladie"))
        sessions = published["kpis"]["sessions"]
        print(f"{args.scenario}: published plan {sessions} sessions, "
              f"{published['kpis']['demand_served_pct']} % of demand; staff-{absent} absent "
              f"{first} to {first + dt.timedelta(days=6)}; time limit {args.time_limit:g} s")
        print()
        print("| mode | moved | cancelled | added | unchanged | demand served % | seconds | violations |")
        print("|---|---|---|---|---|---|---|---|")
        modes = [("afresh", {}, 10)] + [
            (f"prefer, threshold {t}", {"prefer_published": True}, t) for t in args.thresholds
        ] + [("keep (pins)", {"keep_published": True}, 10)]
        for label, options, threshold in modes:
            with db.unit_of_work(url) as s:
                began = time.perf_counter()
                plan = planning.create_plan(
                    s, args.scenario, start, weeks,
                    SolveParams(time_limit_s=args.time_limit, move_threshold=threshold), **options)
                seconds = time.perf_counter() - began
                diff = planning.diff_against_published(s, plan.id)
                doc = planning.export_document(s, plan.id)
                s.rollback()  # keep only the published plan between modes
            print(f"| {label} | {len(diff['moved'])} | {len(diff['cancelled'])} | "
                  f"{len(diff['added'])} | {len(diff['unchanged'])} | "
                  f"{doc['kpis']['demand_served_pct']} | {seconds:.1f} | {len(check_plan(doc))} |",
                  flush=True)


if __name__ == "__main__":
    main()
