"""Plan computations in the background.

A coordinator's request becomes a :class:`SolveJob` row (queued); a runner
executes it (running → done with a plan id, or failed with a message). Each
state change is committed on its own, and the plan itself is written in one
transaction at the end, so a failed or interrupted solve writes no plan and
leaves the published version as it was.

The embedded runner is a single background thread per process: solves run
one after another, so two coordinators starting solves at once queue
instead of competing for the two cores.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlmodel import Session, col, select

from outreach import db
from outreach.db import use_case
from outreach.errors import OutreachError
from outreach.models import SolveJob
from outreach.planning import create_plan
from solver import Method, Progress, ProgressCallback, SolveParams

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@use_case
def submit(session: Session, scenario_id: str, start: dt.date, weeks: int,
           params: SolveParams, user_id: int | None = None,
           keep_published: bool = False, prefer_published: bool = False) -> SolveJob:
    """Record a queued job; the caller commits, then hands the id to a runner."""
    job = SolveJob(
        scenario_id=scenario_id, status=QUEUED, horizon_start=start, weeks=weeks,
        params={"time_limit_s": params.time_limit_s, "work_limit_s": params.work_limit_s,
                "seed": params.seed,
                "method": params.method.value, "keep_published": keep_published,
                "prefer_published": prefer_published, "move_threshold": params.move_threshold},
        progress={}, created_by=user_id, created_at=_now(),
    )
    session.add(job)
    session.flush()
    return job


def _update(url: str | None, job_id: int, **values: Any) -> None:
    with db.unit_of_work(url) as session:
        job = session.get(SolveJob, job_id)
        if job is None:
            return
        for key, value in values.items():
            setattr(job, key, value)
        session.add(job)


def run(job_id: int, url: str | None = None) -> None:
    """Execute one job to its end; never raises (the failure is recorded on the job)."""
    with db.unit_of_work(url) as session:
        job = session.get(SolveJob, job_id)
        if job is None or job.status != QUEUED:
            return
        job.status, job.started_at = RUNNING, _now()
        session.add(job)
        scenario_id, start, weeks = job.scenario_id, job.horizon_start, job.weeks
        params = SolveParams(time_limit_s=float(job.params["time_limit_s"]),
                             seed=int(job.params["seed"]), method=Method(job.params["method"]),
                             move_threshold=int(job.params.get("move_threshold", 10)),
                             work_limit_s=job.params.get("work_limit_s"))
        keep = bool(job.params.get("keep_published"))
        prefer = bool(job.params.get("prefer_published"))
    began = time.monotonic()
    try:
        with db.unit_of_work(url) as session:
            plan = create_plan(session, scenario_id, start, weeks, params, keep_published=keep,
                               progress=_recorder(url, job_id), prefer_published=prefer)
            job = session.get(SolveJob, job_id)
            assert job is not None
            job.status, job.plan_id, job.finished_at = DONE, plan.id, _now()
            job.progress = {"elapsed_s": round(time.monotonic() - began, 1),
                            "demand_served": plan.demand_served,
                            "demand_total": plan.demand_total,
                            "solver_status": plan.solver_status}
            session.add(job)
    except OutreachError as error:
        _update(url, job_id, status=FAILED, error=str(error), finished_at=_now())
    except Exception as error:
        log.exception("solve job %s failed", job_id)
        _update(url, job_id, status=FAILED, finished_at=_now(),
                error=f"Le calcul a échoué ({type(error).__name__}). Le plan publié est inchangé.")


def _recorder(url: str | None, job_id: int, every_s: float = 1.0) -> ProgressCallback:
    """A progress callback that stores the solver's latest news on the job, at most once
    every ``every_s`` seconds (and always the first time)."""
    last = [-every_s]

    def record(news: Progress) -> None:
        if news.elapsed_s - last[0] < every_s:
            return
        last[0] = news.elapsed_s
        gap = news.gap_pct
        _update(url, job_id, progress={"phase": news.phase, "elapsed_s": round(news.elapsed_s, 1),
                                       "gap_pct": None if gap is None else round(gap, 2)})

    return record


def progress(job: SolveJob) -> float:
    """Share of the job done, 0..1, estimated from its time limit while it runs."""
    if job.status in (DONE, FAILED):
        return 1.0
    if job.status == QUEUED or job.started_at is None:
        return 0.0
    started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=dt.UTC)
    elapsed = (_now() - started).total_seconds()
    return max(0.0, min(0.99, elapsed / max(1.0, float(job.params["time_limit_s"]) + 2)))


def recover_interrupted(session: Session) -> int:
    """Jobs left running or queued by a stopped process fail with a clear message."""
    stale = session.exec(select(SolveJob).where(col(SolveJob.status).in_([QUEUED, RUNNING]))).all()
    for job in stale:
        job.status, job.finished_at = FAILED, _now()
        job.error = "Le calcul a été interrompu (serveur redémarré). Relancez-le."
        session.add(job)
    return len(stale)


class RedisQueue:
    """Production runner: job ids go to a Redis list; ``outreach worker`` processes pop them.

    The job's state lives in the database as with the embedded runner, so the
    web pages read progress the same way whichever runner executes it.
    """

    KEY = "outreach:solve-jobs"
    POLL_S = 2  # each BRPOP waits at most this long, well inside the socket timeout
    RETRY_S = 1.0  # pause before reconnecting after Redis went away

    def __init__(self, redis_url: str, url: str | None = None, key: str | None = None,
                 socket_timeout_s: float = 30.0) -> None:
        import redis

        self.url = url
        self.key = key or self.KEY
        # An explicit socket timeout longer than one poll: redis-py's default (5 s
        # in recent releases) would otherwise end a BRPOP that waits for ever.
        self.poll_s = min(self.POLL_S, max(1, int(socket_timeout_s) - 1))
        self._redis = redis.Redis.from_url(redis_url, socket_timeout=socket_timeout_s,
                                           socket_connect_timeout=socket_timeout_s,
                                           health_check_interval=30)

    def enqueue(self, job_id: int) -> None:
        self._redis.lpush(self.key, str(job_id))

    def work(self, max_jobs: int | None = None, idle_timeout_s: float | None = None) -> int:
        """Run queued jobs one after another; returns how many ran. Stops after
        ``max_jobs`` jobs, or when nothing arrives for ``idle_timeout_s`` seconds;
        otherwise stays up, reconnecting when Redis restarts."""
        import redis

        done = 0
        idle_since = time.monotonic()
        while max_jobs is None or done < max_jobs:
            if idle_timeout_s is not None and time.monotonic() - idle_since >= idle_timeout_s:
                break
            wait = self.poll_s
            if idle_timeout_s is not None:
                left = idle_timeout_s - (time.monotonic() - idle_since)
                wait = max(1, min(wait, math.ceil(left)))
            try:
                item = self._redis.brpop([self.key], timeout=wait)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                log.warning("Redis unavailable (%s); retrying", error)
                time.sleep(self.RETRY_S)
                continue
            if item is None:
                continue
            run(int(item[1]), self.url)
            done += 1
            idle_since = time.monotonic()
        return done

    def shutdown(self) -> None:
        self._redis.close()


def make_runner(url: str | None = None, redis_url: str | None = None) -> InProcessRunner | RedisQueue:
    """The Redis queue when ``redis_url`` (or OUTREACH_REDIS_URL) is set, else in-process."""
    import os

    redis_url = redis_url or os.environ.get("OUTREACH_REDIS_URL")
    return RedisQueue(redis_url, url) if redis_url else InProcessRunner(url)


class InProcessRunner:
    """Runs jobs one at a time on a background thread of this process."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solve")
        self._lock = threading.Lock()

    def enqueue(self, job_id: int) -> Future[None]:
        with self._lock:
            return self._executor.submit(run, job_id, self.url)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
