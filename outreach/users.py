"""Accounts: coordinators and staff members who sign in.

Passwords are stored as salted scrypt hashes (werkzeug); nothing else about
a password is kept. An account may add a second factor: a TOTP code (RFC 6238, 30 s,
6 digits) from an authenticator app; each code is accepted once.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from functools import cache

import pyotp
from sqlmodel import Session, col, delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from outreach import audit
from outreach.db import use_case
from outreach.errors import InvalidInput
from outreach.models import (
    FixedSite,
    HomeNurse,
    HomeProgramme,
    LoginFailure,
    Organisation,
    Scenario,
    StaffMember,
    User,
)

ROLES = ("admin", "coordinator", "staff", "nurse")
MIN_PASSWORD_LENGTH = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def generate_password() -> str:
    """A random password that is easy to type: 4 groups of 4 letters and digits."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def set_user(session: Session, email: str, password: str, role: str,
             staff_id: int | None = None, organisation_id: str | None = None,
             nurse_id: int | None = None, site_id: int | None = None) -> User:
    """Create the account, or reset its password, role and organisation if it exists.
    A staff account belongs to its staff member's organisation; a puéricultrice's
    (``nurse``) to her programme's, and is linked to her record (``nurse_id``); a fixed
    site's staff account (``site_id``, a site taking appointments) to its scenario's; a
    coordinator to ``organisation_id``, which may be left out when there is only one;
    an administrator to none."""
    email = email.strip().lower()
    problems = []
    if not EMAIL.match(email):
        problems.append(f"champ email : {email!r} n'est pas une adresse valide")
    if role not in ROLES:
        problems.append(f"champ role : {role!r} doit être admin, coordinator, staff ou nurse")
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"champ password : au moins {MIN_PASSWORD_LENGTH} caractères")
    member = session.get(StaffMember, staff_id) if staff_id is not None else None
    nurse = session.get(HomeNurse, nurse_id) if nurse_id is not None else None
    site = session.get(FixedSite, site_id) if site_id is not None else None
    if role == "nurse":
        programme = session.get(HomeProgramme, nurse.programme_id) if nurse else None
        if programme is None:
            problems.append("champ nurse : un compte « nurse » doit être lié à une puéricultrice "
                            "d'un programme de visites à domicile")
        else:
            organisation_id = programme.organisation_id
    elif role == "staff" and (member is None) == (site is None):
        problems.append("champ staff : un compte « staff » doit être lié à un membre du personnel "
                        "ou à un lieu fixe qui prend des rendez-vous, pas aux deux")
    elif role == "staff" and site is not None and site.appointments is None:
        problems.append(f"champ site : le lieu {site.code!r} ne prend pas de rendez-vous "
                        "(déclarez ses horaires dans [fixed_sites.appointments])")
    elif role == "staff":
        owner = member.scenario_id if member is not None else site.scenario_id  # type: ignore[union-attr]
        scenario = session.get(Scenario, owner)
        organisation_id = scenario.organisation_id if scenario else None
    elif role == "coordinator" and organisation_id is None:
        known = session.exec(select(Organisation.id)).all()
        if len(known) == 1:
            organisation_id = known[0]
        else:
            problems.append("champ organisation : indiquez l'organisation du coordinateur "
                            f"(parmi : {', '.join(sorted(known)) or 'aucune'})")
    if role == "coordinator" and organisation_id is not None \
            and session.get(Organisation, organisation_id) is None:
        problems.append(f"champ organisation : {organisation_id!r} n'existe pas")
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
    user.staff_id, user.site_id = staff_id, site_id
    user.organisation_id = None if role == "admin" else organisation_id
    user.active = True
    session.add(user)
    session.flush()
    if nurse is not None and role == "nurse":
        nurse.user_id = user.id
        session.add(nurse)
        session.flush()
    audit.record(session, "account.set", email, role=role, staff_id=user.staff_id,
                 site_id=user.site_id,
                 organisation=user.organisation_id)
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
        known = session.exec(select(User.organisation_id).where(User.email == key)).first()
        audit.record(session, "signin.failed", key, organisation_id=known)
    else:
        session.execute(delete(LoginFailure).where(col(LoginFailure.client) == client[:64],
                                                col(LoginFailure.email) == key))
        # With a second factor, the sign-in is complete only with its code.
        audit.record(session, "signin.password" if user.totp_secret else "signin", key,
                     organisation_id=user.organisation_id)
    return user


TOTP_ISSUER = "Outreach"
CODE_FIELD = "champ code : le code à 6 chiffres affiché par l'application"


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` address an authenticator app reads (as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def _totp_step(secret: str, code: str, now: dt.datetime, after: int) -> int | None:
    """The time step ``code`` belongs to (this one or a neighbour, for clocks a little
    apart), if later than ``after``; else ``None``."""
    code = "".join(code.split())
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if candidate > after and hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


@use_case
def enable_totp(session: Session, user: User, secret: str, code: str, now: dt.datetime) -> None:
    """Turn the second factor on, once the person has shown a code of ``secret``."""
    step = _totp_step(secret, code, now, 0)
    if step is None:
        raise InvalidInput("Code refusé :", [CODE_FIELD + ", avant qu'il ne change"])
    user.totp_secret, user.totp_last_step = secret, step
    session.add(user)
    audit.record(session, "account.totp.enable", user.email)


@use_case
def disable_totp(session: Session, user: User, code: str, now: dt.datetime) -> None:
    """Turn the second factor off (a current code is asked, as for turning it on)."""
    if user.totp_secret is None or _totp_step(user.totp_secret, code, now, 0) is None:
        raise InvalidInput("Code refusé :", [CODE_FIELD])
    user.totp_secret, user.totp_last_step = None, 0
    session.add(user)
    audit.record(session, "account.totp.disable", user.email)


@use_case
def second_factor(session: Session, user_id: int, code: str, client: str,
                  now: dt.datetime) -> User | None:
    """The user whose password was right, if ``code`` is a current code not used yet;
    a wrong code counts as a failed sign-in (see :func:`sign_in_blocked`)."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.totp_secret is None:
        return None
    step = _totp_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None:
        session.add(LoginFailure(client=client[:64], email=user.email[:320], at=now))
        audit.record(session, "signin.failed", user.email, factor="totp",
                     organisation_id=user.organisation_id)
        return None
    user.totp_last_step = step
    session.add(user)
    audit.record(session, "signin", user.email, factor="totp",
                 organisation_id=user.organisation_id)
    return user


@use_case
def end_sessions(session: Session, user: User) -> None:
    """Sign the user out everywhere: every session opened so far stops working."""
    user.session_generation += 1
    session.add(user)
    audit.record(session, "signout", user.email)
