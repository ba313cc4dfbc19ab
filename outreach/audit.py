"""Who did what, when, from where: the audit log of publications, edits, imports, accounts
and sign-ins, readable by coordinators and kept ``OUTREACH_AUDIT_DAYS`` days (365 by
default).

The actor is set once per request (web: the signed-in account and the client address) or
per command (CLI: ``cli:<system user>``); each use case records its event in its own
transaction, so an event exists exactly when its change was committed.
"""

from __future__ import annotations

import datetime as dt
import os
from contextvars import ContextVar
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from outreach.models import AuditEvent

NOBODY = ("système", "")  # what runs outside a request or a command (the solve workers)
_actor: ContextVar[tuple[str, str]] = ContextVar("audit_actor", default=NOBODY)


def act_as(actor: str, client: str = "") -> None:
    """Set who acts (an e-mail, ``cli:<user>``) and from where, for the events that follow."""
    _actor.set((actor, client))


def retention_days() -> int:
    return max(1, int(os.environ.get("OUTREACH_AUDIT_DAYS", "365") or 365))


def record(session: Session, action: str, target: str = "", **detail: Any) -> AuditEvent:
    """Add an event to the caller's transaction (and drop those past the retention)."""
    actor, client = _actor.get()
    now = dt.datetime.now(dt.UTC)
    session.execute(delete(AuditEvent).where(
        col(AuditEvent.at) < now - dt.timedelta(days=retention_days())))
    event = AuditEvent(at=now, actor=actor, client=client, action=action, target=target,
                       detail={k: v for k, v in detail.items() if v is not None})
    session.add(event)
    return event


def recent(session: Session, limit: int = 500) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(limit)))
