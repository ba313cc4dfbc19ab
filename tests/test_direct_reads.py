"""outreach.db.rows: a read-only statement sent straight through the driver on
PostgreSQL (the hot read of a family's booking post) gives what the ORM gives, and a
connection cut under it is opened again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from outreach import db
from outreach.models import FormAttempt

T0 = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
# Named values, a list inside the statement (an IN) and a LIMIT the statement binds itself.
COUNTS = select(FormAttempt.client_hash, func.count(), func.min(FormAttempt.at)).where(
    col(FormAttempt.client_hash).in_(("a", "b", "c")),
    col(FormAttempt.at) >= bindparam("since")).group_by(
    FormAttempt.client_hash).order_by(FormAttempt.client_hash).limit(2)


def _fill(url: str) -> None:
    db.upgrade(url)
    with db.unit_of_work(url) as s:
        for k, who in enumerate("aabbbcd"):
            s.add(FormAttempt(client_hash=who, at=T0 + dt.timedelta(minutes=k)))


def _orm_rows(url: str, since: dt.datetime) -> list[tuple[object, ...]]:
    with Session(db.get_engine(url)) as s:
        return [tuple(r) for r in s.exec(COUNTS, params={"since": since})]  # type: ignore[call-overload]


def test_rows_through_a_reading_session_are_the_orm_rows_on_sqlite(empty_db_url):
    _fill(empty_db_url)
    with db.reading(empty_db_url) as reading:
        got = db.rows(reading, COUNTS, {"since": T0 + dt.timedelta(minutes=1)})
    assert got == _orm_rows(empty_db_url, T0 + dt.timedelta(minutes=1))
    assert [(who, n) for who, n, _ in got] == [("a", 1), ("b", 3)]


@pytest.mark.postgres
def test_rows_sent_by_the_driver_are_the_orm_rows_and_survive_a_cut_connection(pg_url):
    _fill(pg_url)
    for minutes in (0, 3):
        since = T0 + dt.timedelta(minutes=minutes)
        with db.reading(pg_url) as reading:
            got = db.rows(reading, COUNTS, {"since": since})
        assert got == _orm_rows(pg_url, since), minutes
    assert [(who, n) for who, n, _ in got] == [("b", 2), ("c", 1)]
    assert got[0][2] == T0 + dt.timedelta(minutes=3)  # a timestamp comes back as a datetime

    own = db._direct(pg_url)  # this thread's connection: cut it from the server's side
    with Session(db.get_engine(pg_url)) as s:
        from sqlalchemy import text

        s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": own.info.backend_pid})
    with db.reading(pg_url) as reading:
        again = db.rows(reading, COUNTS, {"since": T0})
    assert again == _orm_rows(pg_url, T0)
    assert db._direct(pg_url) is not own


@pytest.mark.postgres
def test_forgetting_a_database_closes_its_direct_connection(pg_url):
    _fill(pg_url)
    with db.reading(pg_url) as reading:
        db.rows(reading, COUNTS, {"since": T0})
    own = db._direct(pg_url)
    db.forget(pg_url)
    assert own.closed
