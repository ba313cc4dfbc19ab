"""Accounts: coordinators and staff members who sign in.

Passwords are stored as salted scrypt hashes (werkzeug); nothing else about
a password is kept.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from functools import cache

from sqlmodel import Session, col, delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from outreach import audit
from outreach.db import use_case
from outreach.errors import InvalidInput
from outreach.models import LoginFailure, StaffMember, User

ROLES = ("coordinator", "staff")
MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def generate_password() -> str:
    """A random password that is easy to type: 4 groups of 4 letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def set_user(session: Session, email: str, password: str, role: str,
             staff_id: int | None = None) -> User:
    """Create the account, or reset its password and role if it exists."""
    email = email.strip().lower()
    problems = []
    if not _EMAIL.match(email):
        problems.append(f"champ email : {email!r} n'est pas une adresse valide")
    if role not in ROLES:
        problems.append(f"champ role : {role!r} doit être coordinator ou staff")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"champ password : au moins {MIN_PASSWORD_LENGTH} caractères")
    if role == "staff" and (staff_id is None or session.get(StaffMember, staff_id) is None):
        problems.append("champ staff : un compte « staff » doit être lié à un membre du personnel")
    if problems:
        raise InvalidInput("Compte refusé :", problems)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, password_hash="", role=role,
                    created_at=dt.datetime.now(dt.UTC))
    if user.password_hash:
        user.session_generation += 1  # a new password ends the sessions opened with the old one
    user.password_hash = generate_password_hash(password)
    user.role = role
    user.staff_id = staff_id
    user.active = True
    session.add(user)
    session.flush()
    audit.record(session, "account.set", email, role=role, staff_id=staff_id)
    return user


@cache
def _decoy_hash() -> str:
    """A hash checked for unknown accounts, so that they cost one check like known ones."""
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (one password check either way,
    so that the answer's timing does not tell whether the account exists)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.active:
        check_password_hash(_decoy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


FAILURE_WINDOW = dt.timedelta(minutes=5)
MAX_FAILURES_PER_ACCOUNT = 5  # from one client address, within the window
MAX_FAILURES_PER_CLIENT = 20  # on any accounts from one client address


def sign_in_blocked(session: Session, client: str, email: str, now: dt.datetime) -> bool:
    """Whether sign-ins of ``email`` from ``client`` wait for the window to pass."""
    since = now - FAILURE_WINDOW
    recent = select(func.count()).select_from(LoginFailure).where(
        LoginFailure.client == client, col(LoginFailure.at) > since)
    per_client = session.exec(recent).one()
    per_account = session.exec(recent.where(LoginFailure.email == email.strip().lower())).one()
    return per_account >= MAX_FAILURES_PER_ACCOUNT or per_client >= MAX_FAILURES_PER_CLIENT


@use_case
def sign_in(session: Session, email: str, password: str, client: str,
            now: dt.datetime) -> User | None:
    """The user these credentials open, recording a failure otherwise (in the database,
    so every worker process shares the limit). Call :func:`sign_in_blocked` first."""
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) <= now - FAILURE_WINDOW))
    user = authenticate(session, email, password)
    key = email.strip().lower()[:320]
    if user is None:
        session.add(LoginFailure(client=client[:64], email=key, at=now))
        audit.record(session, "signin.failed", key)
    else:
        session.execute(delete(LoginFailure).where(col(LoginFailure.client) == client[:64],
                                                col(LoginFailure.email) == key))
        audit.record(session, "signin", key)
    return user


@use_case
def end_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: every session opened so far stops working."""
    user.session_generation += 1
    session.add(user)
    audit.record(session, "signout", user.email)
