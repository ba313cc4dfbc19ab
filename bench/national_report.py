"""The national report on the production job queue, with one worker and with two.

    PYTHONPATH=. .venv/bin/python -m bench.national_report [--workers 1 2] [--work-limit 1]
        [--departements 37,971] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
        [--redis redis://127.0.0.1:6379/0] [--output /tmp/rapport-national]

For each worker count: a fresh PostgreSQL database (created beside the one given, dropped
at the end), ``outreach national-report --no-wait`` queues one job per département on a
fresh Redis queue, that many ``outreach worker --burst`` processes run them, and the wall
time runs from the first worker's start to the last job's end. Then every plan's JSON
export goes through the independent checker (tests/plan_checker.py), and the report
(table, map of France, summary) is written to ``--output``/<workers>. Prints the wall
times, their ratio, the slowest départements, the largest peak memory of a job, the
checker's verdicts and France's coverage.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from plan_checker import check_plan

from outreach import db, planning
from outreach.planning import national


def _database(base: str) -> str:
    name = f"national_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def _drop(base: str, url: str) -> None:
    db.get_engine(url).dispose()
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"'))
    engine.dispose()


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from outreach.cli import main; main()", *args]


def run(workers: int, args: argparse.Namespace) -> dict[str, object]:
    url = _database(args.postgres)
    queue = f"outreach-national-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "OUTREACH_DATABASE_URL": url, "OUTREACH_REDIS_URL": args.redis,
           "OUTREACH_QUEUE": queue}
    try:
        subprocess.run(_cli("db", "upgrade"), env=env, check=True, capture_output=True)
        options = ["--work-limit", str(args.work_limit), "--stops", str(args.stops),
                   "--vehicles", str(args.vehicles)]
        if args.departements:
            options += ["--departements", args.departements]
        queued = subprocess.run(_cli("national-report", "--no-wait", *options), env=env,
                                check=True, capture_output=True, text=True).stdout
        report = int(queued.split("n° ")[1].split(" ")[0])
        began = time.perf_counter()
        procs = [subprocess.Popen(_cli("worker", "--burst"), env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
        for proc in procs:
            proc.wait()
        wall = time.perf_counter() - began
        with Session(db.get_engine(url)) as session:
            rows = national.rows(session, report)
            violations = {r.departement: check_plan(planning.export_document(session, r.plan_id))
                          for r in rows if r.plan_id is not None}
        folder = Path(args.output) / f"{workers}-worker"
        national.write(rows, folder)
        return {"workers": workers, "wall": wall, "rows": rows, "violations": violations,
                "folder": folder}
    finally:
        _drop(args.postgres, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--work-limit", type=float, default=1.0)
    parser.add_argument("--stops", type=int, default=40)
    parser.add_argument("--vehicles", type=int, default=2)
    parser.add_argument("--departements", default="")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--output", default="/tmp/rapport-national")
    args = parser.parse_args()
    results = [run(n, args) for n in args.workers]
    print("| workers | départements | planned | without a plan | wall | checker violations "
          "| France within reach |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        rows = r["rows"]
        assert isinstance(rows, list)
        t = national.totals(rows)
        bad = sum(len(v) for v in r["violations"].values())  # type: ignore[attr-defined]
        print(f"| {r['workers']} | {t.departements} | {t.done} | {t.failed} | "
              f"{r['wall']:.0f} s | {bad} | {t.share_pct} % of {t.children:,} |")
    base = results[0]
    for r in results[1:]:
        print(f"\nwall({base['workers']}) / wall({r['workers']}) = "
              f"{float(base['wall']) / float(r['wall']):.2f}")  # type: ignore[arg-type]
    rows = base["rows"]
    assert isinstance(rows, list)
    done = [r for r in rows if r.status == "done"]
    slowest = sorted(done, key=lambda r: -float(r.figures["work_s"]))[:5]
    print("\nslowest départements (one worker): " + ", ".join(
        f"{r.departement} {r.name} {r.figures['work_s']} s" for r in slowest))
    peak = max(done, key=lambda r: int(r.figures["peak_rss_mb"]))
    print(f"largest peak memory of a job: {peak.figures['peak_rss_mb']} MB "
          f"({peak.departement} {peak.name})")
    for r in rows:
        if r.status != "done":
            print(f"without a plan: {r.departement} {r.name}: {r.error}")
    print(f"report files: {base['folder']}")


if __name__ == "__main__":
    main()
