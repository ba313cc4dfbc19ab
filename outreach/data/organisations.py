"""Organisations: a département (or a group of services) and the people who work for it.

Every scenario belongs to one organisation (by default its département's, made when the
first scenario of that département is loaded); coordinators and staff belong to one and
see and change only its scenarios, plans and people. Administrators belong to none: they
see every organisation and manage organisations and accounts.

Accounts are made by invitation: an administrator names the e-mail, the role and the
organisation, and gets a one-time link (sent by e-mail when ``OUTREACH_SMTP_URL`` is set)
with which the person chooses a password. A reset is the same link for an existing account;
using it also removes the account's second factor (set it up again after).
Only a hash of the link's token is stored; a link works once, for ``INVITATION_DAYS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select
from werkzeug.security import generate_password_hash

from outreach import audit
from outreach.data.places import departement_name
from outreach.db import use_case
from outreach.errors import InvalidInput
from outreach.models import FixedSite, Invitation, Organisation, Scenario, StaffMember, User
from outreach.users import EMAIL, MIN_PASSWORD_LENGTH, ROLES

INVITATION_DAYS = 7
_ORG_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def default_organisation(departement: str) -> tuple[str, str]:
    """The id and name of a département's organisation."""
    return f"dep-{departement.lower()}", f"{departement_name(departement)} ({departement})"


def ensure_organisation(session: Session, departement: str, name: str | None = None) -> Organisation:
    """The département's organisation, made (with ``name``, or a default one) if missing."""
    org_id, default_name = default_organisation(departement)
    organisation = session.get(Organisation, org_id)
    if organisation is None:
        organisation = Organisation(id=org_id, name=name or default_name,
                                    created_at=dt.datetime.now(dt.UTC))
        session.add(organisation)
        session.flush()
    return organisation


def organisations(session: Session) -> list[Organisation]:
    return list(session.exec(select(Organisation).order_by(Organisation.name)))


@use_case
def save_organisation(session: Session, org_id: str, name: str) -> Organisation:
    """Create an organisation or rename it."""
    org_id, name = org_id.strip().lower(), name.strip()
    problems = []
    if not _ORG_ID.match(org_id):
        problems.append("champ identifiant : lettres minuscules, chiffres et tirets "
                        "(2 à 63 caractères), par exemple « dep-37 »")
    if not name:
        problems.append("champ nom : le nom que verront les familles, par exemple "
                        "« Département d'Indre-et-Loire »")
    if problems:
        raise InvalidInput("Organisation refusée :", problems)
    organisation = session.get(Organisation, org_id)
    if organisation is None:
        organisation = Organisation(id=org_id, name=name, created_at=dt.datetime.now(dt.UTC))
        audit.record(session, "organisation.create", org_id, name=name)
    else:
        audit.record(session, "organisation.rename", org_id, before=organisation.name, name=name)
        organisation.name = name
    session.add(organisation)
    session.flush()
    return organisation


@dataclass(frozen=True)
class Scope:
    """What an account may see: one organisation's, or everything (``organisation_id``
    ``None``: an administrator, the command line)."""

    organisation_id: str | None

    @classmethod
    def of(cls, user: User) -> Scope:
        return cls(None if user.role == "admin" else user.organisation_id or "")

    def scenario_ids(self, session: Session) -> set[str] | None:
        """The scenarios in scope; ``None`` for all."""
        if self.organisation_id is None:
            return None
        return set(session.exec(select(Scenario.id).where(
            Scenario.organisation_id == self.organisation_id)))

    def holds(self, session: Session, scenario_id: str) -> bool:
        if self.organisation_id is None:
            return True
        scenario = session.get(Scenario, scenario_id)
        return scenario is not None and scenario.organisation_id == self.organisation_id


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invited:
    user: User
    token: str  # to put in the link; not stored


@use_case
def invite(session: Session, email: str, role: str, organisation_id: str | None,
           staff_id: int | None = None, by: str = "", site_id: int | None = None) -> Invited:
    """A new account (or an existing one, moved to this role and organisation) waiting
    for its owner to choose a password through the returned one-time token. A staff
    account is linked to a staff member (``staff_id``) or to a fixed site taking
    appointments (``site_id``) of its organisation."""
    email = email.strip().lower()
    problems = []
    if not EMAIL.match(email):
        problems.append(f"champ e-mail : {email!r} n'est pas une adresse valide")
    if role not in ROLES:
        problems.append(f"champ rôle : {role!r} doit être admin, coordinator ou staff")
    if role != "admin" and (not organisation_id or session.get(Organisation, organisation_id) is None):
        problems.append("champ organisation : choisissez l'organisation de ce compte")
    if role == "staff":
        member = session.get(StaffMember, staff_id) if staff_id is not None else None
        site = session.get(FixedSite, site_id) if site_id is not None else None
        owner = member or (site if site is not None and site.appointments is not None else None)
        scenario = session.get(Scenario, owner.scenario_id) if owner else None
        if scenario is None or scenario.organisation_id != organisation_id \
                or (member is not None and site is not None):
            problems.append("champ personnel : un compte « staff » est lié à un membre du "
                            "personnel, ou à un lieu fixe qui prend des rendez-vous, de son "
                            "organisation")
    if problems:
        raise InvalidInput("Invitation refusée :", problems)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, password_hash="", role=role, created_at=dt.datetime.now(dt.UTC))
    user.role = role
    user.organisation_id = None if role == "admin" else organisation_id
    user.staff_id = staff_id if role == "staff" else None
    user.site_id = site_id if role == "staff" else None
    user.active = True
    session.add(user)
    session.flush()
    token = _new_link(session, user, "invite", by)
    audit.record(session, "account.invite", email, role=role, organisation=user.organisation_id)
    return Invited(user, token)


def _new_link(session: Session, user: User, purpose: str, by: str) -> str:
    now = dt.datetime.now(dt.UTC)
    assert user.id is not None
    for old in session.exec(select(Invitation).where(Invitation.user_id == user.id,
                                                     col(Invitation.used_at).is_(None))):
        old.used_at = now  # one link at a time: the newest
        session.add(old)
    token = secrets.token_urlsafe(32)
    session.add(Invitation(token_hash=_hash(token), user_id=user.id, purpose=purpose,
                           created_by=by[:320], created_at=now,
                           expires_at=now + dt.timedelta(days=INVITATION_DAYS)))
    session.flush()
    return token


@use_case
def reset_link(session: Session, user_id: int, by: str = "") -> Invited:
    """A one-time link for the account's owner to choose a new password."""
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput("Compte inconnu.", [])
    token = _new_link(session, user, "reset", by)
    audit.record(session, "account.reset", user.email)
    return Invited(user, token)


def pending(session: Session, token: str, now: dt.datetime | None = None) -> Invitation | None:
    """The unused, unexpired invitation of ``token``."""
    invitation = session.exec(select(Invitation).where(Invitation.token_hash == _hash(token))).first()
    now = now or dt.datetime.now(dt.UTC)
    if invitation is None or invitation.used_at is not None \
            or _aware(invitation.expires_at) <= now:
        return None
    return invitation


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@use_case
def accept(session: Session, token: str, password: str) -> User:
    """Set the password chosen through a one-time link; the link then stops working and
    every session opened before ends."""
    invitation = pending(session, token)
    if invitation is None:
        raise InvalidInput("Ce lien n'est plus valable : demandez-en un nouveau à "
                           "l'administrateur.", [])
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("Mot de passe refusé :",
                           [f"champ mot de passe : au moins {MIN_PASSWORD_LENGTH} caractères"])
    user = session.get(User, invitation.user_id)
    assert user is not None
    user.password_hash = generate_password_hash(password)
    user.session_generation += 1
    user.active = True
    if invitation.purpose == "reset":  # for someone who lost access: the second factor too
        user.totp_secret, user.totp_last_step = None, 0
    invitation.used_at = dt.datetime.now(dt.UTC)
    session.add(user)
    session.add(invitation)
    audit.record(session, "account.password", user.email, via=invitation.purpose)
    return user


@use_case
def set_active(session: Session, user_id: int, active: bool) -> User:
    """Deactivate an account (its sessions end at once) or activate it again."""
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput("Compte inconnu.", [])
    user.active = active
    user.session_generation += 1
    session.add(user)
    audit.record(session, "account.activate" if active else "account.deactivate", user.email)
    return user


def accounts(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.organisation_id, User.email)))
