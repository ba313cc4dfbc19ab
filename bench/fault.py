"""Faults on the production job queue: workers killed at random moments, Redis restarted.

    .venv/bin/python -m bench.fault [--jobs 30] [--workers 2] [--kills 20] [--redis-restarts 5]
                                    [--seed 1] [--database-url URL]

Starts its own Redis (``redis-server`` on a free port, no persistence, so a restart loses
every queued job), loads the Indre-et-Loire demo into a fresh database (SQLite by default, or the
PostgreSQL database given), publishes a plan, queues ``--jobs`` 4-week solves, runs ``--workers``
``outreach worker`` processes, and meanwhile kills a random worker (SIGKILL, worker and
work horse) ``--kills`` times and restarts Redis ``--redis-restarts`` times, at moments
drawn from ``--seed``. Then it waits for every job to end and prints what happened: jobs
done, failed (with their message), stuck (still queued or running: must be 0), plans per
job (at most 1), plans whose rows do not match their document (half-written: must be 0),
and whether the published plan's export is byte-identical to before.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session, func, select

from outreach import db, planning
from outreach.data import scenarios
from outreach.models import Plan, PlanSession, SolveJob
from outreach.planning import jobs
from solver import Method, SolveParams

START = dt.date(2027, 1, 4)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Redis:
    def __init__(self, port: int) -> None:
        self.port, self.url, self.process = port, f"redis://127.0.0.1:{port}/0", None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


def _worker(url: str, redis_url: str, queue: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from outreach.cli import main; main()", "worker",
             "--redis-url", redis_url, "--queue", queue],
            env={**os.environ, "OUTREACH_DATABASE_URL": url}, start_new_session=True,
            stdout=out, stderr=subprocess.STDOUT)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (RQ's work horse runs in its own session, so killing
    the worker's process group would spare it)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill(worker: subprocess.Popen[bytes]) -> bool:
    """SIGKILL a worker and its work horse; whether a solve was running (a horse existed)."""
    horses = _descendants(worker.pid)
    for pid in [worker.pid, *horses]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait()
    return bool(horses)


def _export(url: str, plan_id: int) -> str:
    with Session(db.get_engine(url)) as s:
        return json.dumps(planning.export_document(s, plan_id), ensure_ascii=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--redis-restarts", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=float, default=8.0,
                        help="work limit of each solve (reference seconds): long enough for "
                             "kills to land mid-solve")
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database")
    parser.add_argument("--wait", type=float, default=900, help="seconds to wait for the end")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="outreach-fault-"))
    url = args.database_url or f"sqlite:///{workdir / 'fault.db'}"
    db.upgrade(url)
    fast = SolveParams(time_limit_s=120, work_limit_s=2, method=Method.ROUTING)
    with db.unit_of_work(url) as s:
        scenarios.seed_demo(s, ["indre-et-loire"])
        published = planning.create_plan(s, "indre-et-loire", START, 1, fast)
        planning.publish_plan(s, published.id)
        published_id = published.id
    before = _export(url, published_id)  # type: ignore[arg-type]

    redis = Redis(_free_port())
    queue = f"outreach-fault-{args.seed}"
    runner = jobs.RQRunner(redis.url, url, queue_name=queue)
    params = SolveParams(time_limit_s=120, work_limit_s=args.work, method=Method.PATTERNS)
    with db.unit_of_work(url) as s:
        ids = [jobs.start(s, runner, "indre-et-loire", START, 4, params).id
               for _ in range(args.jobs)]
    runner.shutdown()
    log = workdir / "workers.log"
    workers = [_worker(url, redis.url, queue, log) for _ in range(args.workers)]
    events = ["kill"] * args.kills + ["redis"] * args.redis_restarts
    rng.shuffle(events)
    began = time.monotonic()
    mid_solve = 0
    for event in events:
        time.sleep(rng.uniform(0.5, 3.0))
        if event == "kill":
            victim = rng.randrange(len(workers))
            mid_solve += _kill(workers[victim])
            workers[victim] = _worker(url, redis.url, queue, log)
        else:
            redis.restart()
    chaos_s = time.monotonic() - began

    def open_jobs() -> int:
        with Session(db.get_engine(url)) as s:
            return int(s.exec(select(func.count()).select_from(SolveJob).where(
                SolveJob.status.in_([jobs.QUEUED, jobs.RUNNING]))).one())  # type: ignore[attr-defined]

    while open_jobs() and time.monotonic() - began < args.wait:
        time.sleep(2)
    total_s = time.monotonic() - began
    for worker in workers:
        _kill(worker)
    redis.stop()

    with Session(db.get_engine(url)) as s:
        rows = [s.get(SolveJob, i) for i in ids]
        plans = s.exec(select(Plan)).all()
        half_written = 0
        for plan in plans:
            sessions = s.exec(select(func.count()).select_from(PlanSession)
                              .where(PlanSession.plan_id == plan.id)).one()
            if sessions != plan.document["kpis"]["sessions"]:
                half_written += 1
    states = Counter(job.status for job in rows if job is not None)
    per_job = Counter(job.plan_id for job in rows if job is not None and job.plan_id)
    orphans = len(plans) - 1 - len(per_job)  # plans no job owns (the published one aside)
    retried = sum(1 for job in rows if job is not None and job.attempt > 1)
    after = _export(url, published_id)  # type: ignore[arg-type]
    print(f"Faults on the job queue: {args.jobs} solves, {args.workers} workers, "
          f"{args.kills} worker kills and {args.redis_restarts} Redis restarts "
          f"(seed {args.seed}), database {'PostgreSQL' if args.database_url else 'SQLite'}")
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| chaos phase (s) | {chaos_s:.0f} |")
    print(f"| kills that landed mid-solve (a work horse was running) | {mid_solve} |")
    print(f"| until every job ended (s) | {total_s:.0f} |")
    print(f"| jobs done | {states[jobs.DONE]} |")
    print(f"| jobs failed (with a message) | {states[jobs.FAILED]} |")
    print(f"| jobs stuck (queued or running) | {states[jobs.QUEUED] + states[jobs.RUNNING]} |")
    print(f"| jobs run more than once | {retried} |")
    print(f"| jobs with more than one plan | {sum(1 for n in per_job.values() if n > 1)} |")
    print(f"| plans no job owns | {orphans} |")
    print(f"| plans half-written | {half_written} |")
    print(f"| published export byte-identical | {'yes' if after == before else 'NO'} |")
    messages = Counter(job.error for job in rows if job is not None and job.status == jobs.FAILED)
    for message, count in messages.items():
        print(f"\nfailed x{count}: {message}")


if __name__ == "__main__":
    main()
