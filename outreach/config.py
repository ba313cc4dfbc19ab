"""Settings read from the environment, with defaults that work on a fresh machine."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """``OUTREACH_DATABASE_URL``, or an SQLite file under ./var of the project."""
    url = os.environ.get("OUTREACH_DATABASE_URL")
    if url:
        return url
    path = PROJECT_ROOT / "var" / "outreach.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def seeds_dir() -> Path:
    """Where the seed data lives (``OUTREACH_SEEDS_DIR`` overrides)."""
    return Path(os.environ.get("OUTREACH_SEEDS_DIR", PROJECT_ROOT / "seeds"))
