"""The families' look-up of a commune's next sessions: read from the reach stored at
publication, against computing every trip per request; and what storing it costs.

    .venv/bin/python -m bench.reach

Builds a fresh SQLite database in a temporary folder: the three demo scenarios, each
planned (3 reference seconds of work, seed 1) and published; then times, for every
commune of the three départements, ``next_sessions_near`` as the pages call it (stored
reach) and with an explicit access policy (every trip computed), and checks that both
answers are the same. Prints a table.
"""

from __future__ import annotations

import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, delete, select

from outreach import db, planning
from outreach.access import AccessPolicy
from outreach.data import scenarios
from outreach.data.places import national_index
from outreach.models import Commune, PlanReach
from outreach.planning.reach import compute_reach
from outreach.publishing.public import next_sessions_near
from solver import SolveParams

START = dt.date(2027, 1, 4)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'reach.db'}"
        db.upgrade(url)
        with db.unit_of_work(url) as s:
            scenarios.seed_demo(s)
        plan_ids = []
        for name in ("indre-et-loire", "loire", "deux-sevres"):
            with db.unit_of_work(url) as s:
                plan = planning.create_plan(s, name, START, 4, SolveParams(
                    time_limit_s=60, work_limit_s=3, seed=1))
                plan_ids.append((name, plan.id))
                planning.publish_plan(s, plan.id)
        national_index()  # read once per process, as a server does
        print("| scenario | reach rows | computing them at publication, s |")
        print("|---|---|---|")
        with Session(db.get_engine(url)) as s:
            for name, plan_id in plan_ids:
                s.execute(delete(PlanReach).where(PlanReach.plan_id == plan_id))
                began = time.perf_counter()
                rows = compute_reach(s, plan_id)
                print(f"| {name} | {rows} | {time.perf_counter() - began:.2f} |")
            s.commit()
            communes = list(s.exec(select(Commune).order_by(Commune.insee)))
            stored, computed, differ = [], [], 0
            for commune in communes:
                began = time.perf_counter()
                read = next_sessions_near(s, commune, START, limit=None)
                stored.append(time.perf_counter() - began)
                began = time.perf_counter()
                each = next_sessions_near(s, commune, START, limit=None, access=AccessPolicy())
                computed.append(time.perf_counter() - began)
                differ += [(x.date, x.start_min, x.stop_code, x.travel_min) for x in read] != \
                    [(x.date, x.start_min, x.stop_code, x.travel_min) for x in each]

        def p95(values: list[float]) -> float:
            return statistics.quantiles(values, n=20)[-1] * 1000

        print()
        print(f"{len(communes)} communes, {differ} with different answers")
        print()
        print("| look-up | mean ms | p95 ms |")
        print("|---|---|---|")
        print(f"| stored reach (the pages) | {statistics.fmean(stored) * 1000:.2f} | {p95(stored):.2f} |")
        print(f"| every trip computed | {statistics.fmean(computed) * 1000:.2f} | {p95(computed):.2f} |")


if __name__ == "__main__":
    main()
