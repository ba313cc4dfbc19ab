"""Engine, sessions and schema migrations (Alembic)."""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from outreach import config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def get_engine(url: str | None = None) -> Engine:
    """One engine per database URL (the configured one by default)."""
    return _engine(url or config.database_url())


_engines: OrderedDict[str, Engine] = OrderedDict()  # the 16 last used, newest last
_engines_lock = threading.Lock()


def _engine(url: str) -> Engine:
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _new_engine(url)
            if len(_engines) > 16:
                _engines.popitem(last=False)
        _engines.move_to_end(url)
        return engine


def forget(url: str) -> None:
    """Close the engine of ``url`` and its connections (a database about to be dropped)."""
    with _engines_lock:
        engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _forget_inherited_connections() -> None:
    """In a forked child (an RQ work horse), leave the parent's pooled connections to the
    parent: sharing one socket, or a server session whose prepared statements only one
    side knows about, breaks the second job a worker runs. The child opens its own."""
    for engine in list(_engines.values()):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


def _new_engine(url: str) -> Engine:
    """SQLite gets foreign keys, WAL and a busy timeout; servers get pre-ping."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def unit_of_work(url: str | None = None) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back otherwise
    (the use cases called inside then leave the commit to it)."""
    session = Session(get_engine(url), expire_on_commit=False)
    session.info[_OUTER] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def reading(url: str | None = None) -> Iterator[Session]:
    """A session for reads alone, each statement on its own: no transaction is begun nor
    ended around them (on PostgreSQL, two round trips fewer). Each statement reads its
    own snapshot; nothing written through it is undone."""
    with get_engine(url).connect() as connection:
        own = connection.execution_options(isolation_level="AUTOCOMMIT")
        with Session(bind=own) as session:
            yield session


_OUTER = "outreach.unit_of_work"
UseCase = TypeVar("UseCase", bound=Callable[..., Any])


def use_case(function: UseCase) -> UseCase:
    """Make ``function`` (whose first argument is the session) one unit of work: it
    commits when the function returns and rolls back when it raises, so that callers
    (the web views) never commit. Inside :func:`unit_of_work` (the CLI, the worker,
    tests) or another use case, the outer unit commits instead."""

    @functools.wraps(function)
    def run(session: Session, *args: Any, **kwargs: Any) -> Any:
        if session.info.get(_OUTER):
            return function(session, *args, **kwargs)
        session.info[_OUTER] = True
        try:
            result = function(session, *args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(_OUTER, None)

    return run  # type: ignore[return-value]


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", (url or config.database_url()).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database schema to ``revision`` (the latest by default)."""
    command.upgrade(alembic_config(url), revision)
