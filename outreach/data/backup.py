"""Backups of the whole database, and their restoration.

SQLite (the embedded default) is copied with SQLite's online backup API, safe while the
application runs; PostgreSQL with ``pg_dump`` in its custom format and ``pg_restore``
(the PostgreSQL client programs must be installed). A restore goes into an empty
database, or replaces everything with ``replace=True``.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from outreach import db
from outreach.errors import OutreachError


class BackupError(OutreachError):
    pass


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as the PostgreSQL programs read it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} est introuvable : installez les outils clients de PostgreSQL "
                          "(paquet Debian postgresql-client).")
    return found


def backup(url: str, target: Path) -> Path:
    """Write a backup of the database at ``url`` to ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = _sqlite_path(url)
    if source is not None:
        if not source.exists():
            raise BackupError(f"Base introuvable : {source}")
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return target
    if make_url(url).get_backend_name() != "postgresql":
        raise BackupError(f"Sauvegarde impossible pour {make_url(url).get_backend_name()!r} : "
                          "SQLite ou PostgreSQL seulement.")
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
    return target


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} a échoué : {done.stderr.strip()[:500]}")


def _is_empty(url: str) -> bool:
    engine = db.get_engine(url)
    return not inspect(engine).get_table_names()


def restore(url: str, source: Path, replace: bool = False) -> None:
    """Restore the backup ``source`` into the database at ``url``: an empty one, or any
    with ``replace`` (everything in it is then replaced)."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"Sauvegarde introuvable : {source}")
    if not replace and not _is_empty(url):
        raise BackupError("La base de destination n'est pas vide : rien n'a été restauré. "
                          "Restaurez dans une base vide, ou confirmez le remplacement "
                          "(--remplacer).")
    db.get_engine(url).dispose()
    target = _sqlite_path(url)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
          *(["--clean", "--if-exists"] if replace else []), f"--dbname={_libpq(url)}", str(source)])
