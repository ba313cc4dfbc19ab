"""What keeping each stop's day costs (issue 11): every demo scenario planned
twice with the same seed and deterministic work, once with each service keeping
its rhythm (the default) and once with day changes allowed, from their exports.

    .venv/bin/python -m bench.rhythm

Prints, per scenario: demand served, sessions and the stops whose sessions fall
on more than one day (exceptions) in each plan; the difference in demand served
is what the rule costs. Each plan passes the independent export checker.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from sqlmodel import select

from outreach import db, planning
from outreach.data import scenarios
from outreach.models import Service
from solver import SolveParams

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from plan_checker import check_plan

START = dt.date(2027, 1, 4)
WEEKS = 4
PARAMS = SolveParams(time_limit_s=120, work_limit_s=6, seed=1)


def _plan(url: str, name: str, allow: bool) -> dict:
    with db.unit_of_work(url) as s:
        for service in s.exec(select(Service).where(Service.scenario_id == name)):
            service.allow_day_change = allow
            s.add(service)
        s.flush()
        plan = planning.create_plan(s, name, START, WEEKS, PARAMS)
        doc = planning.export_document(s, plan.id)
    errors = check_plan(doc)
    if errors:
        raise SystemExit(f"{name}: the export checker refuses the plan: {errors[:3]}")
    return doc


def _figures(doc: dict) -> tuple[int, int, int, int]:
    kpis = doc["kpis"]
    broken = sum(1 for r in doc["recurrence"] if not r["kept"])
    return kpis["demand_served"], kpis["demand_total"], kpis["sessions"], broken


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'rhythm.db'}"
        db.upgrade(url)
        with db.unit_of_work(url) as s:
            scenarios.seed_demo(s)
        print(f"{WEEKS} weeks from {START}, seed {PARAMS.seed}, work {PARAMS.work_limit_s} s\n")
        print("| scenario | rule | demand served / total | sessions | stops off their day |")
        print("|---|---|---|---|---|")
        for name in ("indre-et-loire", "loire", "deux-sevres"):
            rows = {}
            for allow in (False, True):
                rows[allow] = _figures(_plan(url, name, allow))
                served, total, sessions, broken = rows[allow]
                rule = "day changes allowed" if allow else "day kept (default)"
                print(f"| {name} | {rule} | {served} / {total} | {sessions} | {broken} |")
            cost = rows[True][0] - rows[False][0]
            print(f"| {name} | cost of keeping the day | {cost:+d} demand "
                  f"({cost / max(rows[True][0], 1):.1%}) | | |")


if __name__ == "__main__":
    main()
