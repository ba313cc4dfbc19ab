"""Plan computations in the background.

A coordinator's request becomes a :class:`SolveJob` row (queued): a bus plan of a
scenario, or weeks of home visits of a programme (``kind``). A runner executes it
(running → done with a plan id, or failed with a message). Each
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
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlmodel import Session, col, select

from outreach import audit, db
from outreach.db import use_case
from outreach.errors import OutreachError
from outreach.models import SolveJob
from outreach.planning import create_plan
from solver import Method, Progress, ProgressCallback, SolveParams

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
BUS, HOME, NATIONAL = "bus", "home", "national"  # SolveJob.kind


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@use_case
def submit(session: Session, scenario_id: str, start: dt.date, weeks: int,
           params: SolveParams, user_id: int | None = None,
           keep_published: bool = False, prefer_published: bool = False,
           measure_rhythm: bool = False, keep_booked: bool = True) -> SolveJob:
    """Record a queued job; the caller commits, then hands the id to a runner."""
    job = SolveJob(
        scenario_id=scenario_id, status=QUEUED, horizon_start=start, weeks=weeks,
        params={"time_limit_s": params.time_limit_s, "work_limit_s": params.work_limit_s,
                "seed": params.seed,
                "method": params.method.value, "keep_published": keep_published,
                "prefer_published": prefer_published, "move_threshold": params.move_threshold,
                "measure_rhythm": measure_rhythm, "keep_booked": keep_booked},
        progress={}, created_by=user_id, created_at=_now(),
    )
    session.add(job)
    session.flush()
    audit.record(session, "solve.request", f"job {job.id}", scenario=scenario_id,
                 start=start.isoformat(), weeks=weeks)
    return job


@use_case
def submit_home(session: Session, programme_id: str, week_start: dt.date, weeks: int,
                time_limit_s: float, work_limit_s: float | None = None,
                user_id: int | None = None, actor: str = "system") -> SolveJob:
    """Record a queued home-visit job (``weeks`` weeks of a programme from a Monday)."""
    job = SolveJob(kind=HOME, programme_id=programme_id, status=QUEUED,
                   horizon_start=week_start, weeks=weeks,
                   params={"time_limit_s": time_limit_s, "work_limit_s": work_limit_s,
                           "actor": actor},
                   progress={}, created_by=user_id, created_at=_now())
    session.add(job)
    session.flush()
    audit.record(session, "home_solve.request", f"job {job.id}", programme=programme_id,
                 start=week_start.isoformat(), weeks=weeks)
    return job


def _update(url: str | None, job_id: int, **values: Any) -> None:
    with db.unit_of_work(url) as session:
        job = session.get(SolveJob, job_id)
        if job is None:
            return
        for key, value in values.items():
            setattr(job, key, value)
        session.add(job)


class Superseded(Exception):
    """A later attempt of the same job has started: this one must not store its plan."""


def run(job_id: int, url: str | None = None) -> None:
    """Execute one job to its end; never raises (the failure is recorded on the job).

    The run takes the job's next attempt number; its plan is stored, in the same
    transaction as the job's "done", only if no later attempt has started meanwhile
    (the job row is locked for that check), so a job never gets two plans."""
    with db.unit_of_work(url) as session:
        job = session.get(SolveJob, job_id)
        if job is None or job.status != QUEUED:
            return
        job.status, job.started_at = RUNNING, _now()
        job.attempt += 1
        attempt = job.attempt
        session.add(job)
        kind, scenario_id, programme_id = job.kind, job.scenario_id, job.programme_id
        start, weeks, job_params = job.horizon_start, job.weeks, dict(job.params)
    began = time.monotonic()
    try:
        with db.unit_of_work(url) as session:
            if kind == HOME:
                assert programme_id is not None
                result = _plan_home(session, programme_id, start, weeks, job_params)
            elif kind == NATIONAL:
                from outreach.planning import national

                result = national.plan_departement(session, job_params, start, weeks,
                                                   _recorder(url, job_id), url)
            else:
                assert scenario_id is not None
                result = _plan_bus(session, scenario_id, start, weeks, job_params,
                                   _recorder(url, job_id))
            job = session.exec(select(SolveJob).where(SolveJob.id == job_id)
                               .with_for_update()).one()
            session.refresh(job)
            if job.attempt != attempt or job.status != RUNNING:
                raise Superseded
            job.status, job.finished_at = DONE, _now()
            job.plan_id, job.home_plan_id = result.get("plan_id"), result.get("home_plan_id")
            job.scenario_id = result.get("scenario_id", job.scenario_id)
            job.progress = {"elapsed_s": round(time.monotonic() - began, 1), **result["progress"]}
            session.add(job)
    except Superseded:
        log.warning("solve job %s attempt %s superseded: its plan is dropped", job_id, attempt)
    except OutreachError as error:
        _update_attempt(url, job_id, attempt, status=FAILED, error=str(error), finished_at=_now())
    except Exception as error:
        log.exception("solve job %s failed", job_id)
        _update_attempt(url, job_id, attempt, status=FAILED, finished_at=_now(),
                        error=f"Le calcul a échoué ({type(error).__name__}). Le plan publié "
                              "est inchangé.")


def _plan_bus(session: Session, scenario_id: str, start: dt.date, weeks: int,
              params: dict[str, Any], progress: ProgressCallback) -> dict[str, Any]:
    """A bus job's plan (:func:`outreach.planning.create_plan`)."""
    plan = create_plan(
        session, scenario_id, start, weeks,
        SolveParams(time_limit_s=float(params["time_limit_s"]), seed=int(params["seed"]),
                    method=Method(params["method"]),
                    move_threshold=int(params.get("move_threshold", 10)),
                    work_limit_s=params.get("work_limit_s")),
        keep_published=bool(params.get("keep_published")), progress=progress,
        prefer_published=bool(params.get("prefer_published")),
        measure_rhythm=bool(params.get("measure_rhythm")),
        keep_booked=bool(params.get("keep_booked", True)))
    return {"plan_id": plan.id, "progress": {
        "demand_served": plan.demand_served, "demand_total": plan.demand_total,
        "solver_status": plan.solver_status}}


def _plan_home(session: Session, programme_id: str, start: dt.date, weeks: int,
               params: dict[str, Any]) -> dict[str, Any]:
    """A home-visit job's draft plan (:func:`outreach.homevisits.planning.new_plan`)."""
    from outreach.homevisits import planning as home_planning

    plan, _outcome = home_planning.new_plan(
        session, programme_id, start, weeks, actor=str(params.get("actor") or "system"),
        time_limit_s=float(params["time_limit_s"]), work_limit_s=params.get("work_limit_s"))
    return {"home_plan_id": plan.id, "progress": {
        "visits_planned": plan.summary.get("visits_planned", 0),
        "visits_wanted": plan.summary.get("visits_wanted", 0)}}


def _update_attempt(url: str | None, job_id: int, attempt: int, **values: Any) -> None:
    """Record the end of an attempt, unless a later one has taken the job over."""
    with db.unit_of_work(url) as session:
        job = session.exec(select(SolveJob).where(SolveJob.id == job_id).with_for_update()).first()
        if job is None or job.attempt != attempt:
            return
        for key, value in values.items():
            setattr(job, key, value)
        session.add(job)


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
    expected = job.params.get("work_limit_s") or job.params["time_limit_s"]
    return max(0.0, min(0.99, elapsed / max(1.0, float(expected) + 2)))


def recover_interrupted(session: Session) -> int:
    """Jobs left running or queued by a stopped process fail with a clear message."""
    stale = session.exec(select(SolveJob).where(col(SolveJob.status).in_([QUEUED, RUNNING]))).all()
    for job in stale:
        job.status, job.finished_at = FAILED, _now()
        job.error = "Le calcul a été interrompu (serveur redémarré). Relancez-le."
        session.add(job)
    return len(stale)


QUEUE_NAME = "outreach-solves"
RETRIES = 1  # a solve whose worker died is run once more, then failed with a message
MONITORING_S = 5  # RQ heartbeat interval: an abandoned solve is noticed ~65 s after
MAINTENANCE_S = 10  # how often a worker cleans RQ's registries and reconciles the jobs
WORKER_TTL_S = 30  # an idle worker wakes every 15 s (its TTL - 15) to run its maintenance




def run_attempt(job_id: int, url: str | None = None) -> None:
    """The function RQ runs: one attempt at a job. A retry after a worker died finds the
    job still "running" (the dead attempt wrote nothing else): it starts again."""
    with db.unit_of_work(url) as session:
        job = session.get(SolveJob, job_id)
        if job is not None and job.status == RUNNING:
            job.status = QUEUED
            job.progress = {**(job.progress or {}), "retried": True}
            session.add(job)
    run(job_id, url)


def on_rq_failure(rq_job: Any, _connection: Any, *_exc_info: Any) -> None:
    """RQ gave up on a solve (its worker died twice): say so on the job. RQ calls this
    at each failure, also when a retry follows: then the job stays as it is."""
    if rq_job.retries_left:
        return
    job_id, url = rq_job.args[0], rq_job.args[1]
    with db.unit_of_work(url) as session:
        job = session.get(SolveJob, job_id)
        if job is not None and job.status in (QUEUED, RUNNING):
            job.status, job.finished_at = FAILED, _now()
            job.error = ("Le calcul a été interrompu (le processus de calcul s'est arrêté) : "
                         "aucun plan n'a été enregistré et le plan publié est inchangé. "
                         "Relancez-le.")
            session.add(job)


class QueueUnavailable(OutreachError):
    pass


QUEUE_DOWN = ("Le service de calcul est indisponible pour l'instant : rien n'a été lancé ni "
              "enregistré. Réessayez dans un instant.")


class RQRunner:
    """Production runner: solves go to an RQ queue on Redis; ``outreach worker`` runs them.

    The job's state lives in the database as with the embedded runner, so the web pages
    read progress the same way whichever runner executes it. RQ retries a solve whose
    worker died (:data:`RETRIES`); :func:`reconcile` re-queues the solves a Redis restart
    lost.
    """

    def __init__(self, redis_url: str, url: str | None = None, queue_name: str = QUEUE_NAME,
                 socket_timeout_s: float = 30.0) -> None:
        import redis
        from rq import Queue

        self.url = url
        self.connection = redis.Redis.from_url(redis_url, socket_timeout=socket_timeout_s,
                                               socket_connect_timeout=5,
                                               health_check_interval=30)
        self.queue = Queue(queue_name, connection=self.connection)

    def enqueue(self, job_id: int) -> None:
        from rq import Callback, Retry

        with db.unit_of_work(self.url) as session:
            job = session.get(SolveJob, job_id)
            limit = float(job.params["time_limit_s"]) if job else 600.0
        self.queue.enqueue(
            run_attempt, job_id, self.url, job_id=self.rq_id(job_id), retry=Retry(max=RETRIES),
            job_timeout=int(limit * 2 + 300), on_failure=Callback(on_rq_failure),
            result_ttl=86400, failure_ttl=7 * 86400)

    def rq_id(self, job_id: int) -> str:
        """RQ's id of a solve: unique per queue, since job ids are shared by every queue
        of one Redis (two databases may use one Redis with two queue names)."""
        return f"{self.queue.name}-solve-{job_id}"

    def worker(self, name: str | None = None) -> Any:
        return _worker_class()([self.queue], connection=self.connection, name=name,
                               job_monitoring_interval=MONITORING_S, worker_ttl=WORKER_TTL_S,
                               maintenance_interval=MAINTENANCE_S, runner=self)

    def shutdown(self) -> None:
        self.connection.close()


def reconcile(session: Session, runner: RQRunner) -> int:
    """Put back on the queue the solves Redis lost (a restart without persistence):
    queued or running in the database, unknown to RQ. A running one may still be running
    in a worker: the new attempt supersedes it (see :func:`run`), so the job still gets
    one plan. Returns how many were re-queued."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    requeued = 0
    for job in session.exec(select(SolveJob).where(col(SolveJob.status).in_([QUEUED, RUNNING]))):
        assert job.id is not None
        try:
            Job.fetch(runner.rq_id(job.id), connection=runner.connection)
            continue
        except NoSuchJobError:
            pass
        runner.enqueue(job.id)
        requeued += 1
    return requeued


def _worker_class() -> Any:
    from rq import Worker

    class SolveWorker(Worker):
        """An RQ worker that also reconciles the database's jobs with the queue."""

        def __init__(self, *args: Any, runner: RQRunner, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.runner = runner

        def run_maintenance_tasks(self) -> None:
            super().run_maintenance_tasks()
            try:
                with db.unit_of_work(self.runner.url) as session:
                    reconcile(session, self.runner)
            except Exception:  # the database or Redis may be away for a moment
                log.exception("reconciling solve jobs failed; next time")
            if os.environ.get("OUTREACH_PUBLIC_URL"):
                from outreach.appointments.dispatch import send_due

                try:
                    send_due(dt.datetime.now(dt.UTC), self.runner.url)
                except Exception:
                    log.exception("sending the bookings' messages failed; next time")

    return SolveWorker


@use_case
def discard(session: Session, job_id: int) -> None:
    """Remove a job that never reached the queue."""
    job = session.get(SolveJob, job_id)
    if job is not None and job.status == QUEUED:
        session.delete(job)


def start(session: Session, runner: Any, scenario_id: str, start_date: dt.date, weeks: int,
          params: SolveParams, **options: Any) -> SolveJob:
    """Record a job and hand it to ``runner``; when the queue cannot take it, nothing is
    kept and :class:`QueueUnavailable` says so."""
    return hand_over(session, runner,
                     submit(session, scenario_id, start_date, weeks, params, **options))


def launch(session: Session, runner: Any, job: SolveJob, inline_url: str | None = None
           ) -> SolveJob:
    """Run a recorded job: at once in this thread on the database at ``inline_url`` when
    given (the web's SOLVE_INLINE), else by handing it to ``runner``."""
    if inline_url is None:
        return hand_over(session, runner, job)
    assert job.id is not None
    run(job.id, inline_url)
    session.refresh(job)
    return job


def hand_over(session: Session, runner: Any, job: SolveJob) -> SolveJob:
    """Give a recorded job to ``runner``; when the queue cannot take it, the job is
    removed and :class:`QueueUnavailable` says so."""
    assert job.id is not None
    try:
        runner.enqueue(job.id)
    except Exception as error:  # noqa: BLE001 - whatever stops the queue, keep nothing
        log.warning("could not queue solve job %s: %s", job.id, error)
        discard(session, job.id)
        raise QueueUnavailable(QUEUE_DOWN) from None
    return job


def make_runner(url: str | None = None, redis_url: str | None = None) -> InProcessRunner | RQRunner:
    """The RQ queue when ``redis_url`` (or OUTREACH_REDIS_URL) is set, else in-process."""
    import os

    redis_url = redis_url or os.environ.get("OUTREACH_REDIS_URL")
    queue = os.environ.get("OUTREACH_QUEUE") or QUEUE_NAME
    return RQRunner(redis_url, url, queue_name=queue) if redis_url else InProcessRunner(url)


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
