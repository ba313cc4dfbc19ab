"""Coordinator journeys through the Flask app: generate, review, pin, re-optimise, publish."""

import re
import time

import pytest
from sqlmodel import Session, select
from web_helpers import PASSWORD, signed_in

from outreach import db, planning
from outreach.models import Plan, SolveJob
from outreach.planning import jobs
from outreach.users import set_user
from web import create_app


@pytest.fixture
def app(planned_url):
    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "admin")  # plans of every organisation
    return create_app({"DATABASE_URL": planned_url, "TESTING": True, "SOLVE_INLINE": True})


@pytest.fixture
def client(app):
    return signed_in(app, "coord@test")


def _solve(client, **overrides):
    form = {"scenario": "loire", "start": "2027-01-04", "weeks": "2", "time_limit": "3",
            "csrf_token": client.token} | overrides
    return client.post("/coordination/solves", data=form)


def test_invalid_solve_form_keeps_what_was_typed_and_names_the_field(client):
    response = _solve(client, start="2027-01-05", weeks="40")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="2027-01-05"' in page and 'value="40"' in page
    assert "L&#39;horizon commence un lundi." in page
    assert "De 1 à 26 semaines." in page
    old = _solve(client, start="1900-01-01").get_data(as_text=True)  # a Monday, but a slip
    assert "1900-01-01 n&#39;est pas dans les années de planification" in old


def test_generate_a_plan_in_the_background_and_review_it(client, planned_url):
    response = _solve(client)
    assert response.status_code == 302
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "terminé" in job_page
    plan_id = int(re.search(r"/coordination/plans/(\d+)", job_page).group(1))
    review = client.get(f"/coordination/plans/{plan_id}").get_data(as_text=True)
    for expected in ("Carte des tournées", "Par véhicule", "Par membre de l&#39;équipe",
                     "Publier le plan", "demande servie"):
        assert expected in review
    assert client.get(f"/coordination/plans/{plan_id}/map.svg").data.startswith(b"<svg")
    data = client.get(f"/coordination/plans/{plan_id}/map.json").get_json()
    assert data["routes"] and data["stops"] and data["bases"]


def test_publish_shows_the_diff_and_archives_the_previous_version(client, planned_url):
    _solve(client, scenario="indre-et-loire", weeks="4", time_limit="3")
    with Session(db.get_engine(planned_url)) as s:
        new_id = max(p.id for p in s.exec(select(Plan)))
    review = client.get(f"/coordination/plans/{new_id}").get_data(as_text=True)
    assert "Par rapport au plan publié" in review
    done = client.post(f"/coordination/plans/{new_id}/publish", data={"csrf_token": client.token},
                       follow_redirects=True).get_data(as_text=True)
    assert f"Plan {new_id} publié" in done
    with Session(db.get_engine(planned_url)) as s:
        assert planning.published_plan_id(s, "indre-et-loire") == new_id
        assert planning.export_document(s, 1)["status"] == "archived"


def test_pin_then_reoptimise_keeps_the_pinned_session(client, planned_url):
    with Session(db.get_engine(planned_url)) as s:
        doc = planning.export_document(s, 1)
    route = doc["routes"][-1]
    visit = route["visits"][0]
    pinned = client.post("/coordination/plans/1/pins", data={
        "csrf_token": client.token, "stop": visit["stop"], "service": visit["service"],
        "date": route["date"], "vehicle": route["vehicle"]}, follow_redirects=True)
    assert "Séance épinglée" in pinned.get_data(as_text=True)
    response = client.post("/coordination/plans/1/reoptimise", data={"csrf_token": client.token})
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    plan_id = int(re.search(r"/coordination/plans/(\d+)", job_page).group(1))
    with Session(db.get_engine(planned_url)) as s:
        new = planning.export_document(s, plan_id)
    assert any(r["date"] == route["date"] and r["vehicle"] == route["vehicle"]
               and any(v["stop"] == visit["stop"] for v in r["visits"]) for r in new["routes"])
    assert any(p["stop"] == visit["stop"] and p["held"] for p in new["pins"])


def test_a_failed_job_is_reported_and_the_published_plan_stays(client, planned_url, monkeypatch):
    def broken(problem, params, progress=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(planning, "solve", broken)
    response = _solve(client, scenario="indre-et-loire", weeks="4")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "échec" in page and "Le plan publié est inchangé" in page
    assert "(RuntimeError)" in page  # the fake solver failed, not the call to it
    with Session(db.get_engine(planned_url)) as s:
        assert planning.published_plan_id(s, "indre-et-loire") == 1
        assert s.exec(select(SolveJob)).first().status == "failed"


def test_two_solves_started_at_once_both_finish_in_turn(planned_url):
    runner = jobs.InProcessRunner(planned_url)
    import datetime as dt

    from solver import SolveParams

    with db.unit_of_work(planned_url) as s:
        ids = [jobs.submit(s, "loire", dt.date(2027, 1, 4), 1, SolveParams(time_limit_s=120, work_limit_s=2)).id
               for _ in range(2)]
    futures = [runner.enqueue(i) for i in ids]
    for f in futures:
        f.result(timeout=60)
    runner.shutdown()
    with Session(db.get_engine(planned_url)) as s:
        finished = [s.get(SolveJob, i) for i in ids]
        assert [j.status for j in finished] == ["done", "done"]
        assert len({j.plan_id for j in finished}) == 2


def test_interrupted_jobs_are_failed_on_restart(planned_url):
    import datetime as dt

    from solver import SolveParams

    with db.unit_of_work(planned_url) as s:
        job = jobs.submit(s, "loire", dt.date(2027, 1, 4), 1, SolveParams(time_limit_s=120, work_limit_s=2))
    with db.unit_of_work(planned_url) as s:
        assert jobs.recover_interrupted(s) == 1
    with Session(db.get_engine(planned_url)) as s:
        assert s.get(SolveJob, job.id).status == "failed"


def test_rq_runs_jobs_in_a_worker(planned_url, redis_url):
    import datetime as dt
    import uuid

    from solver import SolveParams

    runner = jobs.RQRunner(redis_url, planned_url, queue_name=f"outreach-test-{uuid.uuid4().hex}")
    with db.unit_of_work(planned_url) as s:
        ids = [jobs.start(s, runner, "loire", dt.date(2027, 1, 4), 1,
                          SolveParams(time_limit_s=120, work_limit_s=2)).id for _ in range(2)]
    worker = runner.worker()
    assert worker.work(burst=True, with_scheduler=False)
    runner.shutdown()
    with Session(db.get_engine(planned_url)) as s:
        assert [s.get(SolveJob, i).status for i in ids] == ["done", "done"]


def test_a_solve_posted_while_the_queue_is_down_is_refused_and_keeps_nothing(planned_url):
    import datetime as dt

    from sqlmodel import select

    from solver import SolveParams

    runner = jobs.RQRunner("redis://127.0.0.1:1/0", planned_url)  # nothing listens there
    with Session(db.get_engine(planned_url)) as s:
        before = len(s.exec(select(SolveJob)).all())
    with db.unit_of_work(planned_url) as s, pytest.raises(jobs.QueueUnavailable,
                                                          match="rien n'a été lancé"):
        jobs.start(s, runner, "loire", dt.date(2027, 1, 4), 1, SolveParams(time_limit_s=5))
    with Session(db.get_engine(planned_url)) as s:
        assert len(s.exec(select(SolveJob)).all()) == before


def test_a_solve_whose_worker_died_runs_again_and_one_lost_by_redis_is_requeued(
        planned_url, redis_url):
    """A worker killed mid-solve (SIGKILL, worker and work horse): RQ retries the job once
    (its registry cleanup, run by any worker's maintenance, here with a cut-off in the
    future instead of waiting for the heartbeat to expire); and a job the queue never had
    (a Redis restart without persistence) is re-queued by the reconciliation."""
    import datetime as dt
    import os
    import subprocess
    import sys
    import uuid

    from rq.registry import StartedJobRegistry

    from solver import SolveParams

    name = f"outreach-test-{uuid.uuid4().hex}"
    runner = jobs.RQRunner(redis_url, planned_url, queue_name=name)
    with db.unit_of_work(planned_url) as s:
        died = jobs.start(s, runner, "indre-et-loire", dt.date(2027, 1, 4), 4,
                          SolveParams(time_limit_s=120, work_limit_s=60)).id
    worker = subprocess.Popen(
        [sys.executable, "-c", "from outreach.cli import main; main()", "worker", "--redis-url",
         redis_url, "--queue", name, "--burst"],
        env={**os.environ, "OUTREACH_DATABASE_URL": planned_url}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # until the solve runs (at most a minute)
            with Session(db.get_engine(planned_url)) as s:
                if s.get(SolveJob, died).status == jobs.RUNNING:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("the worker never started the solve")
    finally:
        from bench.fault import _kill

        assert _kill(worker), "the work horse was running"  # worker and horse, SIGKILL
    with Session(db.get_engine(planned_url)) as s:
        assert s.get(SolveJob, died).status == jobs.RUNNING  # stuck, as before RQ
    StartedJobRegistry(queue=runner.queue).cleanup(timestamp=time.time() + 3600)
    with db.unit_of_work(planned_url) as s:
        lost = jobs.submit(s, "loire", dt.date(2027, 1, 4), 1,
                           SolveParams(time_limit_s=120, work_limit_s=1)).id
    with db.unit_of_work(planned_url) as s:
        assert jobs.reconcile(s, runner) == 1  # `lost` goes to the queue
    with db.unit_of_work(planned_url) as s:  # the retry may be shorter: the work is the test's
        job = s.get(SolveJob, died)
        job.params = {**job.params, "work_limit_s": 1}
        s.add(job)
    assert runner.worker().work(burst=True, with_scheduler=False)
    runner.shutdown()
    with Session(db.get_engine(planned_url)) as s:
        assert s.get(SolveJob, died).status == "done"
        assert s.get(SolveJob, died).progress.get("elapsed_s") is not None
        assert s.get(SolveJob, lost).status == "done"


@pytest.mark.postgres
def test_the_web_workflow_on_postgresql(pg_url):
    """The production database path: migrate, seed, generate, publish, look up publicly."""
    from outreach.data import scenarios

    db.upgrade(pg_url)
    with db.unit_of_work(pg_url) as s:
        scenarios.seed_demo(s, ["loire"])
        set_user(s, "coord@test", PASSWORD, "coordinator")
    app = create_app({"DATABASE_URL": pg_url, "TESTING": True, "SOLVE_INLINE": True})
    client = signed_in(app, "coord@test")
    response = _solve(client, weeks="1", time_limit="2")
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    plan_id = int(re.search(r"/coordination/plans/(\d+)", job_page).group(1))
    client.post(f"/coordination/plans/{plan_id}/publish", data={"csrf_token": client.token})
    with Session(db.get_engine(pg_url)) as s:
        doc = planning.export_document(s, plan_id)
    assert doc["status"] == "published"
    stop_id = doc["routes"][0]["visits"][0]["stop"]
    stop = next(s for s in doc["stops"] if s["id"] == stop_id)
    page = client.get("/", query_string={"insee": stop["commune_insee"]}).get_data(as_text=True)
    assert stop["venue"] in page


def test_replan_keeping_the_published_plan_from_the_web(client, planned_url):
    response = _solve(client, scenario="indre-et-loire", weeks="4", stability="keep")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    plan_id = int(re.search(r"/coordination/plans/(\d+)", page).group(1))
    with Session(db.get_engine(planned_url)) as s:
        diff = planning.diff_against_published(s, plan_id)
        assert s.exec(select(SolveJob)).first().params["keep_published"] is True
    assert diff["moved"] == diff["cancelled"] == [] and diff["unchanged"]


def test_replan_preferring_the_published_plan_from_the_web(client, planned_url):
    response = _solve(client, scenario="indre-et-loire", weeks="4", stability="prefer",
                      move_threshold="50")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    plan_id = int(re.search(r"/coordination/plans/(\d+)", page).group(1))
    with Session(db.get_engine(planned_url)) as s:
        params = s.exec(select(SolveJob)).first().params
        diff = planning.diff_against_published(s, plan_id)
    assert params["prefer_published"] is True and params["keep_published"] is False
    assert params["move_threshold"] == 50
    assert len(diff["unchanged"]) > len(diff["moved"]) + len(diff["cancelled"])


def test_a_bad_threshold_is_refused_and_the_choice_kept(client):
    response = _solve(client, stability="prefer", move_threshold="-5")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "enfants, de 0 à 100 000." in page
    assert 'value="prefer" checked' in page and 'value="-5"' in page


def test_running_jobs_record_the_solvers_progress(planned_url):
    import datetime as dt

    from solver import SolveParams
    from solver.progress import Progress

    with db.unit_of_work(planned_url) as s:
        job = jobs.submit(s, "loire", dt.date(2027, 1, 4), 1, SolveParams(time_limit_s=120, work_limit_s=2))
    record = jobs._recorder(planned_url, job.id)
    record(Progress("searching", 2.0, objective=90.0, bound=100.0))
    record(Progress("searching", 2.5, objective=95.0, bound=100.0))  # too soon: skipped
    with Session(db.get_engine(planned_url)) as s:
        stored = s.get(SolveJob, job.id).progress
    assert stored == {"phase": "searching", "elapsed_s": 2.0, "gap_pct": 10.0}


def test_the_progress_page_shows_the_gap(client, planned_url):
    import datetime as dt

    from solver import SolveParams

    with db.unit_of_work(planned_url) as s:
        job = jobs.submit(s, "loire", dt.date(2027, 1, 4), 1, SolveParams(time_limit_s=120, work_limit_s=2))
        job.status, job.progress = jobs.RUNNING, {"phase": "searching", "elapsed_s": 3.0,
                                                  "gap_pct": 1.5}
        job.started_at = jobs._now()
        s.add(job)
    page = client.get(f"/coordination/solves/{job.id}").get_data(as_text=True)
    assert "au plus 1.5 % sous le meilleur possible" in page
    assert 'http-equiv="refresh"' in page


def test_plan_page_claims_optimal_only_with_a_proof_and_else_a_proven_gap(client, planned_url):
    """A local-search plan proves nothing itself: the page gives the relaxation's
    proven gap, never "optimal" unless the bound equals the plan's value."""
    import datetime as dt

    from solver import Method, SolveParams

    params = SolveParams(time_limit_s=120, work_limit_s=1, method=Method.LOCAL_SEARCH)
    with db.unit_of_work(planned_url) as s:
        plan = planning.create_plan(s, "loire", dt.date(2027, 1, 4), 1, params)
        plan_id = plan.id
    with Session(db.get_engine(planned_url)) as s:
        document = planning.export_document(s, plan_id)
    solver = document["solver"]
    page = client.get(f"/coordination/plans/{plan_id}").get_data(as_text=True)
    assert solver["bound"] is not None and solver["bound"] >= solver["objective"]
    if solver["bound"] > solver["objective"]:
        assert solver["status"] == "feasible"
        assert "sous le meilleur plan possible (borne prouvée)" in page
        assert "aucun meilleur plan possible" not in page
    else:
        assert solver["status"] == "optimal" and "aucun meilleur plan possible" in page


def test_an_attempt_overtaken_by_a_later_one_stores_no_plan(planned_url, monkeypatch):
    """A run thought dead (its job re-queued) that finishes after all: its plan is dropped,
    so a job never gets two plans."""
    import datetime as dt

    from sqlmodel import func, select

    from outreach.models import Plan
    from solver import SolveParams

    with db.unit_of_work(planned_url) as s:
        job_id = jobs.submit(s, "loire", dt.date(2027, 1, 4), 1,
                             SolveParams(time_limit_s=120, work_limit_s=1)).id
    real = jobs.create_plan

    def overtaken(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        with db.unit_of_work(planned_url) as other:  # meanwhile a new attempt takes the job
            job = other.get(SolveJob, job_id)
            job.attempt += 1
            other.add(job)
        return real(session, *args, **kwargs)

    monkeypatch.setattr(jobs, "create_plan", overtaken)
    with Session(db.get_engine(planned_url)) as s:
        plans = s.exec(select(func.count()).select_from(Plan)).one()
    jobs.run(job_id, planned_url)
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(func.count()).select_from(Plan)).one() == plans
        job = s.get(SolveJob, job_id)
        assert job.status == jobs.RUNNING and job.plan_id is None and job.attempt == 2


def test_a_solve_can_measure_what_keeping_each_stops_day_costs(client, planned_url):
    """Issue 11: the rhythm is kept by default; on request the job solves again with day
    changes allowed (same inputs and budget) and the plan page says what that would add."""
    response = _solve(client, measure_rhythm="1")
    assert response.status_code == 302
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    plan_id = int(re.search(r"/coordination/plans/(\d+)", job_page).group(1))
    with Session(db.get_engine(planned_url)) as s:
        document = planning.export_document(s, plan_id)
    cost = document["solver"]["rhythm_cost"]
    assert set(cost) == {"demand_served_with_changes", "demand_points", "stops_moved"}
    assert cost["demand_points"] == cost["demand_served_with_changes"] - document["kpis"]["demand_served"]
    assert all(r["kept"] for r in document["recurrence"])  # the plan itself keeps every day
    page = client.get(f"/coordination/plans/{plan_id}").get_data(as_text=True)
    assert "Garder le jour de chaque arrêt" in page and "Jour des passages" in page
    plain = _solve(client)
    job_page = client.get(plain.headers["Location"]).get_data(as_text=True)
    other = int(re.search(r"/coordination/plans/(\d+)", job_page).group(1))
    assert "Garder le jour de chaque arrêt" not in client.get(
        f"/coordination/plans/{other}").get_data(as_text=True)
