"""Home visits (issue 13): a programme's puéricultrices, the families they follow, and
privacy by design.

A family's personal data is sealed at rest (:mod:`outreach.privacy`). It is unsealed
only through :func:`read_family`, for the family's referents (their accounts) and the
coordinators of the programme's organisation, and every such read is written to the
access log (:class:`outreach.models.FamilyAccess`). Exports and feeds name a family by
its pseudonym (``code``) only. A family who leaves is archived; its personal data is
erased once the programme's retention has passed (:func:`erase_departed`, run by
``outreach purge``).

Weekly plans, re-plans after an absence and their export: :mod:`outreach.homevisits.planning`.
Publishing, the puéricultrices' visits and records, hand edits: :mod:`outreach.homevisits.rounds`.
A new family's options: :mod:`outreach.homevisits.referral`. Collective workshops:
:mod:`outreach.homevisits.workshops`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from outreach import audit
from outreach.db import use_case
from outreach.errors import OutreachError
from outreach.models import Family, FamilyAccess, HomeNurse, HomeProgramme, HomeTerritory, User
from outreach.privacy import reseal, seal, unseal

SEALED = ("name_sealed", "address_sealed", "phone_sealed", "notes_sealed", "point_sealed",
          "commune_sealed")


class AccessRefused(OutreachError):
    """The account may not read this family's record."""


@dataclass(frozen=True)
class FamilyRecord:
    """A family's record in clear (memory only)."""

    code: str
    territory: str
    referent: str  # HomeNurse.code
    second_referent: str | None = None
    name: str = ""
    address: str = ""
    phone: str = ""
    notes: str = ""
    lat: float | None = None
    lon: float | None = None
    commune_insee: str = ""
    visits_per_week: int = 2
    min_spacing_days: int = 1
    visit_min: int = 60
    windows: list[dict[str, Any]] = field(default_factory=list)
    place: str = "home"
    joint_visits_per_week: int = 0  # of its visits_per_week, made with a psychologist


PUERICULTRICE = "puericultrice"  # HomeNurse.profession of the families' referents
PSYCHOLOGUE = "psychologue"  # ... of the psychologists who join some visits


def _nurse(session: Session, programme_id: str, code: str | None) -> HomeNurse | None:
    if code is None:
        return None
    nurse = session.exec(select(HomeNurse).where(HomeNurse.programme_id == programme_id,
                                                 HomeNurse.code == code)).first()
    if nurse is None:
        raise OutreachError(f"puéricultrice inconnue : {code}")
    if nurse.profession != PUERICULTRICE:
        raise OutreachError(f"{code} n'est pas une puéricultrice : seule une puéricultrice est "
                            "référente d'une famille")
    return nurse


@use_case
def save_family(session: Session, programme_id: str, record: FamilyRecord) -> Family:
    """Create or update the family ``record.code``, sealing every personal field."""
    if not 0 <= record.joint_visits_per_week <= record.visits_per_week:
        raise OutreachError("joint_visits_per_week : de 0 au nombre de visites de la semaine "
                            f"({record.visits_per_week})")
    referent = _nurse(session, programme_id, record.referent)
    second = _nurse(session, programme_id, record.second_referent)
    assert referent is not None and referent.id is not None
    row = session.exec(select(Family).where(Family.programme_id == programme_id,
                                            Family.code == record.code)).first()
    row = row or Family(programme_id=programme_id, code=record.code, territory=record.territory,
                        referent_id=referent.id)
    row.territory, row.referent_id = record.territory, referent.id
    row.second_referent_id = second.id if second else None
    row.visits_per_week, row.min_spacing_days = record.visits_per_week, record.min_spacing_days
    row.visit_min, row.windows, row.place = record.visit_min, list(record.windows), record.place
    row.joint_visits_per_week = record.joint_visits_per_week
    row.name_sealed, row.address_sealed = seal(record.name), seal(record.address)
    row.phone_sealed, row.notes_sealed = seal(record.phone), seal(record.notes)
    point = f"{record.lat:.6f},{record.lon:.6f}" if record.lat is not None and record.lon is not None else ""
    row.point_sealed, row.commune_sealed = seal(point), seal(record.commune_insee)
    session.add(row)
    session.flush()
    audit.record(session, "family.save", f"family {row.code}")  # the pseudonym only
    return row


def may_read(session: Session, user: User, family: Family) -> bool:
    """The family's referents (their accounts) and the coordinators (and admins) of the
    programme's organisation; nobody else."""
    programme = session.get(HomeProgramme, family.programme_id)
    if programme is None:
        return False
    if user.role == "admin":
        return True
    if user.role == "coordinator":
        return user.organisation_id == programme.organisation_id
    nurses = {n.id for n in session.exec(select(HomeNurse).where(HomeNurse.user_id == user.id))}
    return bool(nurses & {family.referent_id, family.second_referent_id})


def _nurse_codes(session: Session, programme_id: str) -> dict[int | None, str]:
    return {n.id: n.code for n in session.exec(select(HomeNurse).where(
        HomeNurse.programme_id == programme_id))}


def _clear(family: Family, nurses: dict[int | None, str]) -> FamilyRecord:
    """``family`` unsealed; ``nurses`` gives the code of each puéricultrice of its programme."""
    point = unseal(family.point_sealed)
    lat, lon = (float(x) for x in point.split(",")) if point else (None, None)
    return FamilyRecord(
        code=family.code, territory=family.territory, referent=nurses[family.referent_id],
        second_referent=nurses.get(family.second_referent_id) if family.second_referent_id else None,
        name=unseal(family.name_sealed), address=unseal(family.address_sealed),
        phone=unseal(family.phone_sealed), notes=unseal(family.notes_sealed), lat=lat, lon=lon,
        commune_insee=unseal(family.commune_sealed), visits_per_week=family.visits_per_week,
        min_spacing_days=family.min_spacing_days, visit_min=family.visit_min,
        windows=list(family.windows), place=family.place,
        joint_visits_per_week=family.joint_visits_per_week)


def log_access(session: Session, family: Family, purpose: str, user: User | None = None) -> None:
    assert family.id is not None
    session.add(FamilyAccess(at=dt.datetime.now(dt.UTC), family_id=family.id,
                             user_id=user.id if user else None,
                             actor=user.email if user else "system", purpose=purpose))


@use_case
def read_family(session: Session, user: User, family_id: int, purpose: str = "view") -> FamilyRecord:
    """The family's record in clear for ``user``, logged; refused (and the refusal
    audited) to anyone else."""
    family = session.get(Family, family_id)
    if family is None or family.status == "erased":
        raise AccessRefused("fiche introuvable")
    if not may_read(session, user, family):
        audit.record(session, "family.refused", f"family {family.code}")
        raise AccessRefused("cette fiche n'est visible que des référentes de la famille et de la "
                            "coordination de son territoire")
    log_access(session, family, purpose, user)
    return _clear(family, _nurse_codes(session, family.programme_id))


@use_case
def places_of(session: Session, user: User, programme_id: str, codes: Sequence[str],
              purpose: str = "map") -> dict[str, tuple[float, float]]:
    """Where the families ``codes`` are visited, for a map drawn for ``user``: only the
    families ``user`` may read, each read logged."""
    found = {}
    for family in session.exec(select(Family).where(Family.programme_id == programme_id,
                                                    col(Family.code).in_(list(codes)))):
        if family.status == "erased" or not may_read(session, user, family):
            continue
        point = unseal(family.point_sealed)
        if point:
            log_access(session, family, purpose, user)
            lat, lon = (float(x) for x in point.split(","))
            found[family.code] = (lat, lon)
    return found


def records_for_planning(session: Session, programme_id: str) -> list[FamilyRecord]:
    """Every active family in clear for the planner (in memory), each read logged as the
    system's."""
    found = []
    nurses = _nurse_codes(session, programme_id)
    for family in session.exec(select(Family).where(Family.programme_id == programme_id,
                                                    Family.status == "active")
                               .order_by(col(Family.code))):
        log_access(session, family, "plan")
        found.append(_clear(family, nurses))
    return found


def access_log(session: Session, family_id: int) -> list[FamilyAccess]:
    return list(session.exec(select(FamilyAccess).where(FamilyAccess.family_id == family_id)
                             .order_by(col(FamilyAccess.at))))


@use_case
def set_territory_active(session: Session, programme_id: str, code: str, active: bool
                         ) -> HomeTerritory:
    """Plan the territory ``code`` or not (an extension such as the Biterrois)."""
    area = session.exec(select(HomeTerritory).where(HomeTerritory.programme_id == programme_id,
                                                    HomeTerritory.code == code)).first()
    if area is None:
        raise OutreachError(f"territoire inconnu : {code}")
    area.active = active
    session.add(area)
    audit.record(session, "home_territory.active", f"{programme_id} {code}", active=active)
    return area


@use_case
def archive_family(session: Session, family_id: int, left_on: dt.date) -> None:
    family = session.get(Family, family_id)
    if family is None:
        raise AccessRefused("fiche introuvable")
    family.status, family.left_on = "archived", left_on
    session.add(family)
    audit.record(session, "family.archive", f"family {family.code}")


@use_case
def erase_departed(session: Session, today: dt.date) -> int:
    """Erase the personal data of the families archived more than their programme's
    retention ago (the pseudonym and counts stay); returns how many."""
    erased = 0
    for family in session.exec(select(Family).where(Family.status == "archived")):
        programme = session.get(HomeProgramme, family.programme_id)
        keep_days = programme.retention_days if programme else 0
        if family.left_on is None or family.left_on + dt.timedelta(days=keep_days) > today:
            continue
        for name in SEALED:
            setattr(family, name, "")
        family.status, family.erased_at = "erased", dt.datetime.now(dt.UTC)
        session.add(family)
        erased += 1
    if erased:
        audit.record(session, "family.erase", f"{erased} families")
    return erased


@use_case
def rotate_keys(session: Session) -> int:
    """Re-seal every family field with the first key of ``OUTREACH_DATA_KEYS``."""
    count = 0
    for family in session.exec(select(Family)):
        for name in SEALED:
            setattr(family, name, reseal(getattr(family, name)))
        session.add(family)
        count += 1
    return count
