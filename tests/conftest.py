"""Shared fixtures: a migrated database with the demo loaded, sessions, CLI runner, web client.

Building the demo database takes a few seconds, so it is built once per run
and copied for each test that needs a fresh one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from outreach import db
from outreach.data import scenarios

PAGES_NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
"""The moment the web pages live at in tests, unless a test gives its app a ``CLOCK``: a month
before the demo plan (``PLAN_START``), so "next sessions" never depend on the day tests run."""


@pytest.fixture(autouse=True)
def pages_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    import web

    monkeypatch.setattr(web, "wall_clock", lambda: PAGES_NOW)


def require_services() -> bool:
    """In CI (.ci/run sets OUTREACH_REQUIRE_SERVICES=1) a missing service fails instead of skipping."""
    return os.environ.get("OUTREACH_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.db"
    url = f"sqlite:///{path}"
    db.upgrade(url)
    with db.unit_of_work(url) as session:
        scenarios.seed_demo(session)
    db.get_engine(url).dispose()
    return path


@pytest.fixture
def db_url(demo_template: Path, tmp_path: Path) -> str:
    """A fresh SQLite database with the schema and the demo scenarios."""
    path = tmp_path / "outreach.db"
    shutil.copy(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_db_url(tmp_path: Path) -> str:
    """A fresh SQLite database with the schema only."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db.upgrade(url)
    return url


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    with Session(db.get_engine(db_url), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def runner(db_url: str) -> CliRunner:
    return CliRunner(env={"OUTREACH_DATABASE_URL": db_url})


def _pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    base = os.environ.get("OUTREACH_TEST_POSTGRES_URL")
    if not base:
        if require_services():
            pytest.fail("OUTREACH_TEST_POSTGRES_URL is not set but CI requires PostgreSQL tests")
        pytest.skip("set OUTREACH_TEST_POSTGRES_URL to run PostgreSQL tests")
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    name = f"outreach_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        if require_services():
            raise
        pytest.skip(f"PostgreSQL unreachable: {error}")
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        db.forget(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    yield from _pg_database()


@pytest.fixture
def other_pg_url() -> Iterator[str]:
    """A second one, for tests that copy between databases."""
    yield from _pg_database()


PLAN_START = "2027-01-04"


@pytest.fixture(scope="session")
def planned_template(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database with a published 4-week Indre-et-Loire plan (plan 1)."""
    import datetime as dt

    from outreach import planning
    from solver import SolveParams

    path = tmp_path_factory.mktemp("planned") / "planned.db"
    shutil.copy(demo_template, path)
    url = f"sqlite:///{path}"
    with db.unit_of_work(url) as s:
        plan = planning.create_plan(s, "indre-et-loire", dt.date.fromisoformat(PLAN_START), 4,
                                    SolveParams(time_limit_s=120, work_limit_s=10))
        planning.publish_plan(s, plan.id)
    db.get_engine(url).dispose()
    return path


@pytest.fixture
def planned_url(planned_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "planned.db"
    shutil.copy(planned_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis server (``OUTREACH_TEST_REDIS_URL``)."""
    url = os.environ.get("OUTREACH_TEST_REDIS_URL")
    if not url:
        if require_services():
            pytest.fail("OUTREACH_TEST_REDIS_URL is not set but CI requires Redis tests")
        pytest.skip("set OUTREACH_TEST_REDIS_URL to run Redis tests")
    import redis

    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as error:
        if require_services():
            raise
        pytest.skip(f"Redis unreachable: {error}")
    return url


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller

    received: list[tuple[list[str], str]] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", received
    finally:
        controller.stop()


@pytest.fixture
def texts(monkeypatch) -> list[tuple[str, str]]:
    """The text messages the application hands to its provider: (number, text)."""
    from outreach.appointments import messages

    sent: list[tuple[str, str]] = []

    class Keep:
        def send(self, number: str, text: str) -> None:
            sent.append((number, text))

    monkeypatch.setattr(messages, "sms_provider", Keep)
    return sent
