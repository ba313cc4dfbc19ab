"""Engine, sessions and schema migrations (Alembic)."""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, make_url
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
    _close_direct(url)


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
    own snapshot; nothing written through it is undone. :func:`rows` sends its
    statements straight through the driver on PostgreSQL."""
    url = url or config.database_url()
    with Session(bind=_autocommit(url)) as session:  # a pooled connection only when it is used
        session.info[_READING] = url
        yield session


_READING = "outreach.reading_url"
_autocommit_engines: dict[Engine, Engine] = {}


def _autocommit(url: str) -> Engine:
    """The engine of ``url`` whose connections run each statement on its own (kept:
    deriving one costs about as much as a read)."""
    engine = get_engine(url)
    found = _autocommit_engines.get(engine)
    if found is None:
        with _engines_lock:
            found = _autocommit_engines[engine] = engine.execution_options(
                isolation_level="AUTOCOMMIT")
            live = set(_engines.values())
            for old in [e for e in _autocommit_engines if e not in live]:
                del _autocommit_engines[old]  # its engine was forgotten or pushed out
    return found


def rows(session: Session, statement: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of the read-only ``statement`` (a select) with ``params`` (no list among
    them).

    Through a :func:`reading` session on PostgreSQL, the statement is compiled once per
    process and sent by the driver itself, prepared, on a connection this thread keeps
    (the hot read of a family's booking post: the whole session read then takes about
    0.24 ms of CPU instead of 0.6 through the ORM); the named values and the columns are converted by their types as the
    ORM would (the statement's own values, such as an IN list, go as they are). A
    connection found broken is opened again once. Elsewhere, through the session."""
    url = session.info.get(_READING)
    if url is None or not url.startswith("postgresql+psycopg"):
        return [tuple(row) for row in session.exec(statement, params=params)]  # type: ignore[call-overload]
    import psycopg  # the driver of PostgreSQL URLs (extra "postgres")

    driver = _driver_statement(url, statement, params)
    values = dict(driver.fixed)
    for name, value in params.items():
        convert = driver.into.get(name)
        values[name] = convert(value) if convert is not None else value
    try:
        found = _direct_cursor(url).execute(driver.sql, values, prepare=True).fetchall()
    except (psycopg.OperationalError, psycopg.InterfaceError):
        _close_direct(url)  # the server restarted, or the connection was cut: once more
        found = _direct_cursor(url).execute(driver.sql, values, prepare=True).fetchall()
    if not driver.out:
        return found
    return [tuple(v if convert is None else convert(v) for convert, v in zip(driver.out, row))
            for row in found]


@dataclass(frozen=True)
class _DriverStatement:
    sql: str  # the driver's SQL, lists expanded
    fixed: dict[str, Any]  # the values the statement binds itself
    into: dict[str, Callable[[Any], Any]]  # the named values' conversions to the driver
    out: tuple[Callable[[Any], Any] | None, ...]  # each column's conversion, or () if none


_compiled: dict[int, tuple[Any, _DriverStatement]] = {}
_direct_local = threading.local()


def _driver_statement(url: str, statement: Any, params: dict[str, Any]
                      ) -> _DriverStatement:
    """``statement`` compiled for the driver of ``url``, kept by statement."""
    kept = _compiled.get(id(statement))
    if kept is not None and kept[0] is statement:
        return kept[1]
    dialect = get_engine(url).dialect
    compiled = statement.compile(dialect=dialect)
    state = compiled.construct_expanded_state(params)
    into: dict[str, Callable[[Any], Any]] = {}
    for name in params:
        convert = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            into[name] = convert
    out = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None)
                for c in statement.selected_columns)
    driver = _DriverStatement(
        state.statement, {k: v for k, v in state.parameters.items() if k not in params}, into,
        out if any(out) else ())
    _compiled[id(statement)] = (statement, driver)
    return driver


def _direct(url: str) -> Any:
    """This thread's own autocommit connection to ``url`` (a forked child opens its own)."""
    import psycopg

    kept: dict[str, tuple[int, Any]] = _direct_local.__dict__.setdefault(
        "connections", {})
    found = kept.get(url)
    if found is None or found[0] != os.getpid() or found[1].closed:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        found = kept[url] = (os.getpid(), psycopg.connect(conninfo, autocommit=True))
    return found[1]


def _direct_cursor(url: str) -> Any:
    """A cursor of :func:`_direct`'s connection, kept with it (a cursor made for each read
    cost about a third of the driver's CPU for it)."""
    connection = _direct(url)
    kept: dict[str, tuple[Any, Any]] = _direct_local.__dict__.setdefault("cursors", {})
    found = kept.get(url)
    if found is None or found[0] is not connection:
        found = kept[url] = (connection, connection.cursor())
    return found[1]


def _close_direct(url: str) -> None:
    _direct_local.__dict__.get("cursors", {}).pop(url, None)
    kept = _direct_local.__dict__.get("connections", {})
    found = kept.pop(url, None)
    if found is not None and found[0] == os.getpid():
        import psycopg

        with suppress(psycopg.Error):  # a broken connection: dropped anyway
            found[1].close()


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
