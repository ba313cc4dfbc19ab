"""The national report: every département generated, planned and diagnosed as jobs."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from plan_checker import check_plan
from sqlmodel import Session, select

from outreach import db, planning
from outreach.cli import main
from outreach.models import Plan, SolveJob
from outreach.planning import jobs, national

SMALL = ["--stops", "8", "--vehicles", "1", "--work-limit", "0.5"]


def _rows(url: str, report: int) -> list[national.Row]:
    with Session(db.get_engine(url)) as s:
        return national.rows(s, report)


def _report_number(output: str) -> int:
    return int(output.split("Rapport national n° ")[1].split(" ")[0])


def test_every_departement_is_known_and_a_bad_code_is_named(empty_db_url):
    codes = national.all_departements()
    assert len(codes) == 101 and {"01", "2A", "2B", "75", "95", "971", "976"} <= set(codes)
    assert national.parse_departements(" 2a,37 ,971") == ["2A", "37", "971"]
    result = CliRunner(env={"OUTREACH_DATABASE_URL": empty_db_url}).invoke(
        main, ["national-report", "--departements", "37,99,20"])
    assert result.exit_code == 1
    assert "Champ --departements : 20, 99 inconnu(s)" in result.output
    with Session(db.get_engine(empty_db_url)) as s:
        assert s.exec(select(SolveJob)).all() == []  # nothing queued


def test_a_report_the_queue_cannot_take_keeps_nothing(empty_db_url):
    result = CliRunner(env={"OUTREACH_DATABASE_URL": empty_db_url,
                            "OUTREACH_REDIS_URL": "redis://127.0.0.1:1/0"}).invoke(
        main, ["national-report", "--departements", "90,976"])  # nothing listens there
    assert result.exit_code == 1 and "rien n'a été lancé ni enregistré" in result.output
    with Session(db.get_engine(empty_db_url)) as s:
        assert s.exec(select(SolveJob)).all() == []


def test_the_report_plans_each_departement_once_and_explains_the_ones_it_cannot(
        empty_db_url, tmp_path):
    runner = CliRunner(env={"OUTREACH_DATABASE_URL": empty_db_url})
    out = tmp_path / "rapport"
    result = runner.invoke(main, ["national-report", "--departements", "90,75,976", *SMALL,
                                  "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = _report_number(result.output)
    found = _rows(empty_db_url, report)
    assert [r.departement for r in found] == ["75", "90", "976"]
    paris, belfort, mayotte = found
    assert paris.status == "failed" and "une seule commune (Paris)" in paris.error
    assert paris.plan_id is None
    assert belfort.status == mayotte.status == "done"
    # Mayotte's Petite-Terre (Dzaoudzi, Pamandzi) has no road from the bus's base on
    # Grande-Terre: its children are out of reach and said to be so.
    assert mayotte.figures["children_no_road"] > 0
    assert mayotte.figures["children_out"] >= mayotte.figures["children_no_road"]
    assert mayotte.figures["off_land"] == ["Dzaoudzi"]
    with Session(db.get_engine(empty_db_url)) as s:
        for row in (belfort, mayotte):
            document = planning.export_document(s, row.plan_id)
            assert check_plan(document) == [], row.departement
            assert document["scenario"]["id"] == f"national-{row.departement}"
            assert document["kpis"]["sessions"] == row.figures["sessions"]
            plans = s.exec(select(Plan).where(Plan.scenario_id == document["scenario"]["id"])).all()
            assert len(plans) == 1
    # France is the sum of its départements, each once.
    t = national.totals(found)
    assert (t.done, t.failed, t.pending) == (2, 1, 0)
    assert t.children == belfort.figures["children"] + mayotte.figures["children"]
    assert t.children_within + t.children_out == t.children
    table = list(csv.DictReader(io.StringIO((out / "departements.csv").read_text("utf-8")),
                                delimiter=";"))
    assert [row["departement"] for row in table] == ["75", "90", "976"]
    assert table[0]["etat"] == "failed" and "une seule commune" in table[0]["message"]
    assert int(table[2]["enfants_0_6"]) == mayotte.figures["children"]
    svg = (out / "france.svg").read_text("utf-8")
    assert svg.startswith("<svg") and svg.count("<path") == 3
    assert "976 Mayotte : " in svg and "75 Paris : sans plan" in svg
    summary = (out / "rapport.md").read_text("utf-8")
    assert f"{national.pct(t.share_pct)} %" in summary and "75 Paris | sans plan" in summary
    # Following a report again writes the same files, and submits nothing.
    again = runner.invoke(main, ["national-report", "--report", str(report), "-o",
                                 str(tmp_path / "encore")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "encore" / "departements.csv").read_text("utf-8") == \
        (out / "departements.csv").read_text("utf-8")
    missing = runner.invoke(main, ["national-report", "--report", str(report + 99)])
    assert missing.exit_code == 1 and "Champ --report" in missing.output


def test_a_departement_whose_worker_dies_is_retried_and_counted_once(empty_db_url, redis_url,
                                                                      tmp_path):
    """On the production queue: a worker killed (SIGKILL, worker and work horse) while it
    plans a département; RQ's registry cleanup (run by any worker's maintenance, here with
    a cut-off in the future instead of waiting for the heartbeat to expire) retries it and
    another worker finishes the report: each département has one plan, counted once."""
    from rq.registry import StartedJobRegistry

    from bench.fault import _kill

    queue = f"outreach-test-{uuid.uuid4().hex}"
    env = {"OUTREACH_DATABASE_URL": empty_db_url, "OUTREACH_REDIS_URL": redis_url,
           "OUTREACH_QUEUE": queue}
    runner = CliRunner(env=env)
    queued = runner.invoke(main, ["national-report", "--departements", "90,976", *SMALL,
                                  "--no-wait"])
    assert queued.exit_code == 0, queued.output
    report = _report_number(queued.output)
    worker = subprocess.Popen(
        [sys.executable, "-c", "from outreach.cli import main; main()", "worker", "--burst"],
        env={**os.environ, **env}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):  # until a département is being planned (at most a minute)
            if any(r.status == jobs.RUNNING for r in _rows(empty_db_url, report)):
                break
            time.sleep(0.1)
        else:
            pytest.fail("the worker never started a département")
    finally:
        assert _kill(worker), "the work horse was running"
    killed = next(r for r in _rows(empty_db_url, report) if r.status == jobs.RUNNING)
    rq_runner = jobs.RQRunner(redis_url, empty_db_url, queue_name=queue)
    StartedJobRegistry(queue=rq_runner.queue).cleanup(timestamp=time.time() + 3600)
    assert rq_runner.worker().work(burst=True, with_scheduler=False)
    rq_runner.shutdown()
    finished = runner.invoke(main, ["national-report", "--report", str(report), "-o",
                                    str(tmp_path / "rapport")])
    assert finished.exit_code == 0, finished.output
    found = _rows(empty_db_url, report)
    assert [r.status for r in found] == ["done", "done"]
    assert next(r for r in found if r.job_id == killed.job_id).attempts == 2
    with Session(db.get_engine(empty_db_url)) as s:
        for row in found:
            plans = s.exec(select(Plan).where(
                Plan.scenario_id == f"national-{row.departement}")).all()
            assert [p.id for p in plans] == [row.plan_id]
            assert check_plan(planning.export_document(s, row.plan_id)) == []
    t = national.totals(found)
    assert t.children == sum(r.figures["children"] for r in found) and t.done == 2
    assert Path(tmp_path / "rapport" / "france.svg").exists()


@pytest.mark.postgres
def test_one_worker_runs_departement_after_departement_on_postgresql(pg_url, redis_url):
    """RQ forks a work horse per job: each horse must open its own connections, not reuse
    the worker's (a shared server session broke every job after a worker's first)."""
    db.upgrade(pg_url)
    queue = f"outreach-test-{uuid.uuid4().hex}"
    env = {"OUTREACH_DATABASE_URL": pg_url, "OUTREACH_REDIS_URL": redis_url,
           "OUTREACH_QUEUE": queue}
    queued = CliRunner(env=env).invoke(main, ["national-report", "--departements", "90,976",
                                              *SMALL, "--no-wait"])
    assert queued.exit_code == 0, queued.output
    worker = subprocess.run(
        [sys.executable, "-c", "from outreach.cli import main; main()", "worker", "--burst"],
        check=False, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert worker.returncode == 0, worker.stderr
    found = _rows(pg_url, _report_number(queued.output))
    assert [(r.departement, r.status, r.error) for r in found] == [
        ("90", "done", ""), ("976", "done", "")]
