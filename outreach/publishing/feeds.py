"""Private, revocable calendar feed addresses: a random token per owner (a staff member of
the buses, a puéricultrice), of which one at most is live; a new one revokes the
previous. ``model`` is the token table (:class:`outreach.models.CalendarToken` or
:class:`outreach.models.HomeFeedToken`) and ``owner`` its column naming the owner."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlmodel import Session, col, select

MAX_TOKEN_LENGTH = 100


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _live(model: Any, owner: str, owner_id: int) -> Any:
    return select(model).where(getattr(model, owner) == owner_id,
                               col(model.revoked_at).is_(None))


def active_token(session: Session, model: Any, owner: str, owner_id: int) -> Any:
    """The owner's live token row, or None."""
    return session.exec(_live(model, owner, owner_id).order_by(col(model.id).desc())).first()


def revoke_tokens(session: Session, model: Any, owner: str, owner_id: int) -> int:
    """Revoke every live token of the owner; returns how many."""
    revoked = 0
    for row in session.exec(_live(model, owner, owner_id)):
        row.revoked_at = _now()
        session.add(row)
        revoked += 1
    session.flush()
    return revoked


def create_token(session: Session, model: Any, owner: str, owner_id: int) -> Any:
    """A new live token for the owner; the previous one stops working."""
    revoke_tokens(session, model, owner, owner_id)
    row = model(**{owner: owner_id}, token=secrets.token_urlsafe(32), created_at=_now())
    session.add(row)
    session.flush()
    return row


def owner_of(session: Session, model: Any, owner: str, token: str) -> int | None:
    """The owner id of a live token, or None (unknown, revoked, or not a token at all)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    row = session.exec(select(model).where(model.token == token)).first()
    if row is None or row.revoked_at is not None:
        return None
    return int(getattr(row, owner))
