"""Accounts: coordinators and staff members who sign in.

Passwords are stored as salted scrypt hashes (werkzeug); nothing else about
a password is kept.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from outreach.errors import InvalidInput
from outreach.models import StaffMember, User

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
    user.password_hash = generate_password_hash(password)
    user.role = role
    user.staff_id = staff_id
    user.active = True
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work either way)."""
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.active:
        check_password_hash(generate_password_hash("timing"), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None
