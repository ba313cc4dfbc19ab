"""Who did what, when, from where: the audit log of publications, edits, imports, accounts
and sign-ins, readable by the coordinators of the actor's organisation (and by
administrators) and kept ``OUTREACH_AUDIT_DAYS`` days (365 by
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

NOBODY = ("système", "", None)  # what runs outside a request or a command (the solve workers)
_actor: ContextVar[tuple[str, str, str | None]] = ContextVar("audit_actor", default=NOBODY)


def act_as(actor: str, client: str = "", organisation_id: str | None = None) -> None:
    """Set who acts (an e-mail, ``cli:<user>``), from where and for which organisation
    (none: an administrator, the command line), for the events that follow."""
    _actor.set((actor, client, organisation_id))


def retention_days() -> int:
    return max(1, int(os.environ.get("OUTREACH_AUDIT_DAYS", "365") or 365))


def record(session: Session, action: str, target: str = "", *,
           organisation_id: str | None = None, **detail: Any) -> AuditEvent:
    """Add an event to the caller's transaction (and drop those past the retention). It
    belongs to the acting account's organisation, or to ``organisation_id`` when given
    (a sign-in, before anyone acts)."""
    actor, client, acting_for = _actor.get()
    organisation_id = organisation_id or acting_for
    now = dt.datetime.now(dt.UTC)
    session.execute(delete(AuditEvent).where(
        col(AuditEvent.at) < now - dt.timedelta(days=retention_days())))
    event = AuditEvent(at=now, actor=actor, client=client, action=action, target=target,
                       organisation_id=organisation_id, detail={k: v for k, v in detail.items() if v is not None})
    session.add(event)
    return event


def recent(session: Session, limit: int = 500,
           organisation_id: str | None = None) -> list[AuditEvent]:
    """The latest events; with ``organisation_id``, only those of that organisation's
    people."""
    query = select(AuditEvent)
    if organisation_id is not None:
        query = query.where(AuditEvent.organisation_id == organisation_id)
    return list(session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)))
