"""The production path of the README, end to end: PostgreSQL, Redis, an RQ worker and
gunicorn with several workers, driven over HTTP as a coordinator and a family would."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from bench.fault import _free_port
from outreach import db
from outreach.data import scenarios
from outreach.users import set_user

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-battery"


class Browser:
    """Cookies and CSRF tokens over real HTTP (no test client)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, form: dict[str, str], token_from: str) -> str:
        page = self.get(token_from)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            return response.read().decode("utf-8")


@pytest.mark.postgres
def test_the_production_path_plans_publishes_and_serves(pg_url, redis_url, tmp_path):
    pytest.importorskip("gunicorn")
    db.upgrade(pg_url)
    with db.unit_of_work(pg_url) as s:
        scenarios.seed_demo(s, ["loire"])
        set_user(s, "coord@prod", PASSWORD, "coordinator", organisation_id="dep-42")
    port = _free_port()
    queue = f"outreach-smoke-{uuid.uuid4().hex}"
    env = {**os.environ, "OUTREACH_DATABASE_URL": pg_url, "OUTREACH_REDIS_URL": redis_url,
           "OUTREACH_SECRET_KEY": uuid.uuid4().hex, "OUTREACH_TRUSTED_PROXIES": "1",
           "OUTREACH_QUEUE": queue}
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b",
                            f"127.0.0.1:{port}", "web:create_app()"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=(tmp_path / "web.log").open("wb"))
    worker = subprocess.Popen([sys.executable, "-c", "from outreach.cli import main; main()",
                               "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("wb"))
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        for _ in range(300):  # gunicorn up (at most a minute, on a busy machine)
            try:
                browser.get("/")
                break
            except OSError:
                time.sleep(0.2)
        home = browser.post("/connexion", {"email": "coord@prod", "password": PASSWORD},
                            token_from="/connexion")
        assert "Versions de plan" in home
        # gunicorn lives on the machine's time: the plan starts next Monday, so the family
        # finds its sessions among the next ones whatever day the test runs
        today = dt.date.today()
        start = today + dt.timedelta(days=7 - today.weekday())
        page = browser.post("/coordination/solves", {
            "scenario": "loire", "start": start.isoformat(), "weeks": "1", "time_limit": "20",
            "stability": "free", "move_threshold": "10"}, token_from="/coordination/plans")
        job = re.search(r"/coordination/solves/(\d+)", page) or re.search(
            r'action="/coordination/solves/(\d+)', page)
        job_path = f"/coordination/solves/{job.group(1)}" if job else None
        plan_id = None
        for _ in range(900):  # the RQ worker runs it (at most three minutes)
            found = re.search(r"/coordination/plans/(\d+)", browser.get(job_path) if job_path
                              else page)
            if found:
                plan_id = found.group(1)
                break
            time.sleep(0.2)
        assert plan_id, (tmp_path / "worker.log").read_text()[-2000:]
        published = browser.post(f"/coordination/plans/{plan_id}/publish", {"seen": ""},
                                 token_from=f"/coordination/plans/{plan_id}")
        assert f"Plan {plan_id} publié" in published
        from sqlmodel import Session, select

        from outreach.models import PlanSession

        with Session(db.get_engine(pg_url)) as s:
            place = s.exec(select(PlanSession).where(PlanSession.plan_id == int(plan_id))).first()
        found = browser.get("/?" + urllib.parse.urlencode({"q": place.commune_name}))
        assert place.venue.replace("'", "&#39;") in found
        journal = browser.get("/coordination/journal")
        assert "plan.publish" in journal and "coord@prod" in journal
    finally:
        for process in (web, worker):
            process.terminate()
            process.wait(timeout=30)
