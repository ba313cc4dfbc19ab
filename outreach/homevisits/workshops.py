"""Collective workshops of a home-visit programme (baby massage, singing, baby swimming).

A workshop is held on one date, at a public place, by its facilitators (puéricultrices
or psychologists of the programme) for the families invited (at most its capacity). A
plan respects it (:func:`outreach.homevisits.planning.build_week`):

- each facilitator is at the workshop from the time she must leave her office to the
  time she is back there (:func:`blocked_for`): her visits of that date lie outside;
- a family invited is not visited at home from the time it must leave for the
  workshop to the time it is back (the same travel model). Family windows are weekly
  in the solver, so in a plan of several weeks those hours are kept free on that
  weekday of every week of the plan: a plan may place fewer visits than it could,
  never a visit during a workshop.

After the workshop, a facilitator records which invited families came
(:func:`record_attendance`); the coordinator sees it beside the workshop.

Families appear by their code only; the place is a public venue, never a home.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach import audit
from outreach.db import use_case
from outreach.errors import InvalidInput
from outreach.models import Family, HomeNurse, HomeTerritory, HomeWorkshop


@dataclass(frozen=True)
class WorkshopInput:
    """A workshop as a coordinator writes it (times in minutes after midnight)."""

    territory: str
    label: str
    date: dt.date
    start_min: int
    end_min: int
    place_label: str
    place_lat: float
    place_lon: float
    capacity: int
    facilitators: tuple[str, ...]
    invited: tuple[str, ...] = ()


def _validate(session: Session, programme_id: str, data: WorkshopInput) -> None:
    territory = session.exec(select(HomeTerritory).where(
        HomeTerritory.programme_id == programme_id, HomeTerritory.code == data.territory)).first()
    if territory is None:
        raise InvalidInput(f"territory : territoire inconnu « {data.territory} »")
    if not data.label.strip():
        raise InvalidInput("label : donnez le nom de l'atelier (massage bébé, chant…)")
    if data.date.isoweekday() > 5:
        raise InvalidInput(f"date : le {data.date} n'est pas un jour de semaine ; les visites "
                           "se planifient du lundi au vendredi")
    if not 0 <= data.start_min < data.end_min <= 24 * 60:
        raise InvalidInput("end : l'atelier doit finir après son début")
    if not data.place_label.strip():
        raise InvalidInput("place : donnez le lieu public de l'atelier (médiathèque, piscine…)")
    if not (-90 <= data.place_lat <= 90 and -180 <= data.place_lon <= 180):
        raise InvalidInput("place : coordonnées du lieu hors limites")
    if data.capacity < 1:
        raise InvalidInput("capacity : au moins une famille")
    if not data.facilitators:
        raise InvalidInput("facilitators : choisissez au moins une animatrice")
    known = {n.code for n in session.exec(select(HomeNurse).where(
        HomeNurse.programme_id == programme_id))}
    unknown = [c for c in data.facilitators if c not in known]
    if unknown:
        raise InvalidInput(f"facilitators : professionnelles inconnues : {', '.join(unknown)}")
    if len(set(data.invited)) != len(data.invited):
        raise InvalidInput("invited : une famille est invitée deux fois")
    if len(data.invited) > data.capacity:
        raise InvalidInput(f"invited : {len(data.invited)} familles invitées pour "
                           f"{data.capacity} places ; augmentez la capacité ou invitez moins")
    families = {f.code: f for f in session.exec(select(Family).where(
        Family.programme_id == programme_id, col(Family.code).in_(list(data.invited))))}
    unknown = [c for c in data.invited if c not in families or families[c].status != "active"]
    if unknown:
        raise InvalidInput(f"invited : familles inconnues ou sorties du dispositif : "
                           f"{', '.join(unknown)}")


@use_case
def save_workshop(session: Session, programme_id: str, data: WorkshopInput,
                  workshop_id: int | None = None) -> HomeWorkshop:
    """Create the workshop (or update ``workshop_id``), all or nothing."""
    _validate(session, programme_id, data)
    row = session.get(HomeWorkshop, workshop_id) if workshop_id is not None else None
    if workshop_id is not None and (row is None or row.programme_id != programme_id):
        raise InvalidInput(f"atelier inconnu : {workshop_id}")
    row = row or HomeWorkshop(programme_id=programme_id, territory=data.territory,
                              label=data.label, date=data.date, start_min=data.start_min,
                              end_min=data.end_min, place_label=data.place_label,
                              place_lat=data.place_lat, place_lon=data.place_lon,
                              capacity=data.capacity)
    row.territory, row.label, row.date = data.territory, data.label.strip(), data.date
    row.start_min, row.end_min = data.start_min, data.end_min
    row.place_label, row.place_lat, row.place_lon = (data.place_label.strip(), data.place_lat,
                                                     data.place_lon)
    row.capacity = data.capacity
    row.facilitators, row.invited = list(data.facilitators), list(data.invited)
    session.add(row)
    session.flush()
    audit.record(session, "workshop.save", f"workshop {row.id} {row.date}")
    return row


@use_case
def delete_workshop(session: Session, programme_id: str, workshop_id: int) -> None:
    row = session.get(HomeWorkshop, workshop_id)
    if row is None or row.programme_id != programme_id:
        raise InvalidInput(f"atelier inconnu : {workshop_id}")
    session.delete(row)
    audit.record(session, "workshop.delete", f"workshop {workshop_id}")


@use_case
def record_attendance(session: Session, programme_id: str, workshop_id: int,
                      attended: Sequence[str], facilitator: str, actor: str,
                      today: dt.date) -> HomeWorkshop:
    """Record which invited families came to the workshop, by one of its facilitators,
    on or after its date (a second record replaces the first)."""
    row = session.get(HomeWorkshop, workshop_id)
    if row is None or row.programme_id != programme_id or facilitator not in row.facilitators:
        raise InvalidInput(f"atelier inconnu : {workshop_id}")
    if today < row.date:
        raise InvalidInput(f"attended : les présences se notent le jour de l'atelier "
                           f"({row.date.isoformat()}) ou après")
    strangers = sorted(set(attended) - set(row.invited))
    if strangers:
        raise InvalidInput(f"attended : familles non invitées à cet atelier : "
                           f"{', '.join(strangers)}")
    row.attended = [code for code in row.invited if code in set(attended)]
    row.attendance_by = actor
    session.add(row)
    audit.record(session, "workshop.attendance", f"workshop {row.id} {row.date}",
                 came=len(row.attended), invited=len(row.invited))
    return row


def workshops_between(session: Session, programme_id: str, start: dt.date, end: dt.date
                      ) -> list[HomeWorkshop]:
    """The programme's workshops from ``start`` to ``end`` (both included), by date and hour."""
    return list(session.exec(select(HomeWorkshop).where(
        HomeWorkshop.programme_id == programme_id, HomeWorkshop.date >= start,
        HomeWorkshop.date <= end).order_by(col(HomeWorkshop.date), col(HomeWorkshop.start_min))))


def blocked_for(workshop: HomeWorkshop, to_place: int, back: int) -> tuple[int, int]:
    """The minutes the workshop takes from someone ``to_place`` minutes away from its place
    (and ``back`` minutes back): from leaving to being back."""
    return workshop.start_min - to_place, workshop.end_min + back


def cut(pieces: Sequence[tuple[int, int]], blocks: Sequence[tuple[int, int]]
        ) -> list[tuple[int, int]]:
    """``pieces`` (start, end) less every block, empty parts dropped."""
    for low, high in blocks:
        pieces = [part for start, end in pieces
                  for part in ((start, min(end, low)), (max(start, high), end))
                  if part[1] > part[0]]
    return list(pieces)
