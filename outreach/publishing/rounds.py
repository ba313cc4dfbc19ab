"""A staff member's rounds in the published plans, and their private calendar feed.

Staff-only: colleagues' names appear here, so nothing from this module may
reach a public page. The feed address holds a random token that its owner
can revoke (a new link revokes the previous one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach.db import use_case
from outreach.models import (
    CalendarToken,
    Commune,
    PlanCrew,
    PlanSession,
    Publication,
    StaffMember,
)
from outreach.planning import published_plan_id, read_version
from outreach.publishing import feeds, ical
from outreach.publishing.export import role_fr
from outreach.timefmt import format_hhmm


@dataclass(frozen=True)
class RoundStop:
    seq: int
    commune_insee: str
    commune_name: str
    postcode: str
    venue: str
    service_code: str
    service_name: str
    stop_code: str
    arrive_min: int
    start_min: int
    end_min: int
    leave_min: int
    lat: float
    lon: float

    @property
    def address(self) -> str:
        return f"{self.venue}, {self.postcode} {self.commune_name}".replace("  ", " ")


@dataclass(frozen=True)
class Colleague:
    name: str
    role: str


@dataclass(frozen=True)
class RoundDay:
    plan_id: int
    date: dt.date
    vehicle_code: str
    vehicle_name: str
    base_name: str
    my_role: str
    depart: str  # "HH:MM" from the base, "" when unknown
    back: str
    distance_km: float | None
    colleagues: tuple[Colleague, ...]
    stops: tuple[RoundStop, ...]
    lunch: tuple[str, str] | None = None  # the crew's break on duty ("HH:MM", "HH:MM")


def staff_rounds(session: Session, staff_id: int, since: dt.date | None = None) -> list[RoundDay]:
    """The vehicle-days of the scenario's published plan where this staff member is crew."""
    member = session.get(StaffMember, staff_id)
    if member is None:
        return []
    plan_id = published_plan_id(session, member.scenario_id)
    if plan_id is None:
        return []
    query = select(PlanCrew).where(PlanCrew.plan_id == plan_id, PlanCrew.staff_id == member.id)
    if since is not None:
        query = query.where(PlanCrew.date >= since)
    mine = session.exec(query.order_by(col(PlanCrew.date), col(PlanCrew.vehicle_code))).all()
    if not mine:
        return []
    version = read_version(session, plan_id)
    routes = {(r.date, r.vehicle): r for r in version.routes}
    names = {m.id: m.name for m in session.exec(
        select(StaffMember).where(StaffMember.scenario_id == member.scenario_id))}
    dates = sorted({c.date for c in mine})
    crew_rows = session.exec(select(PlanCrew).where(
        PlanCrew.plan_id == plan_id, col(PlanCrew.date).in_(dates))).all()
    session_rows = session.exec(select(PlanSession).where(
        PlanSession.plan_id == plan_id, col(PlanSession.date).in_(dates))
        .order_by(col(PlanSession.seq))).all()
    insees = {s.commune_insee for s in session_rows}
    postcodes = {c.insee: (c.postcodes.split() or [""])[0] for c in session.exec(
        select(Commune).where(col(Commune.insee).in_(insees)))}
    days = []
    for crew in mine:
        route = routes.get((crew.date, crew.vehicle_code))
        base = version.inputs.bases.get(crew.vehicle_code)
        colleagues = tuple(
            Colleague(name=names.get(c.staff_id, c.staff_code) if c.staff_id else c.staff_code,
                      role=c.role)
            for c in crew_rows
            if c.date == crew.date and c.vehicle_code == crew.vehicle_code
            and c.staff_id != member.id
        )
        stops = tuple(
            RoundStop(seq=s.seq, commune_insee=s.commune_insee, commune_name=s.commune_name,
                      postcode=postcodes.get(s.commune_insee, ""), venue=s.venue,
                      service_code=s.service_code, service_name=s.service_name,
                      stop_code=s.stop_code, arrive_min=s.arrive_min, start_min=s.start_min,
                      end_min=s.end_min, leave_min=s.leave_min, lat=s.lat, lon=s.lon)
            for s in session_rows
            if s.date == crew.date and s.vehicle_code == crew.vehicle_code
        )
        days.append(RoundDay(
            plan_id=plan_id, date=crew.date, vehicle_code=crew.vehicle_code,
            vehicle_name=version.inputs.vehicle_name(crew.vehicle_code),
            base_name=base.name if base else "", my_role=crew.role,
            depart=format_hhmm(route.depart_min) if route else "",
            back=format_hhmm(route.return_min) if route else "",
            distance_km=route.distance_km if route else None,
            colleagues=colleagues, stops=stops,
            lunch=(format_hhmm(route.lunch[0]), format_hhmm(route.lunch[1]))
            if route and route.lunch else None,
        ))
    return days


def published_at(session: Session, scenario_id: str) -> dt.datetime:
    latest = session.exec(select(Publication).where(Publication.scenario_id == scenario_id)
                          .order_by(col(Publication.id).desc())).first()
    return latest.published_at if latest else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def active_token(session: Session, staff_id: int) -> CalendarToken | None:
    return feeds.active_token(session, CalendarToken, "staff_id", staff_id)


@use_case
def revoke_tokens(session: Session, staff_id: int) -> int:
    """Revoke every live feed address of this staff member; returns how many."""
    return feeds.revoke_tokens(session, CalendarToken, "staff_id", staff_id)


@use_case
def create_token(session: Session, staff_id: int) -> CalendarToken:
    """A new feed address; the previous one stops working."""
    return feeds.create_token(session, CalendarToken, "staff_id", staff_id)


def staff_for_token(session: Session, token: str) -> StaffMember | None:
    """The owner of a live feed address, or None (unknown or revoked)."""
    staff_id = feeds.owner_of(session, CalendarToken, "staff_id", token)
    return session.get(StaffMember, staff_id) if staff_id is not None else None


def rounds_calendar(member: StaffMember, days: list[RoundDay], stamp: dt.datetime) -> str:
    """The staff member's private feed: one event per stop, from arrival to departure."""
    events = []
    for day in days:
        crew = ", ".join(f"{c.name} ({role_fr(c.role)})" for c in day.colleagues)
        for stop in day.stops:
            lines = [
                (f"Séance {format_hhmm(stop.start_min)}–{format_hhmm(stop.end_min)} "
                f"({stop.service_name})"),
                f"Véhicule : {day.vehicle_name}",
            ]
            if day.depart:
                lines.append(f"Départ de la base {day.depart}, retour {day.back}")
            if day.lunch:
                lines.append(f"Pause déjeuner {day.lunch[0]}–{day.lunch[1]}")
            if crew:
                lines.append(f"Équipe : {crew}")
            events.append(ical.Event(
                uid=(f"{day.date:%Y%m%d}-{day.vehicle_code}-{stop.stop_code}-"
                     f"{stop.service_code}-{member.code}@{member.scenario_id}.staff.outreach"),
                date=day.date, start_min=stop.arrive_min, end_min=stop.leave_min,
                summary=f"{stop.service_name} — {stop.commune_name}", location=stop.address,
                description="\n".join(lines), lat=stop.lat, lon=stop.lon,
            ))
    return ical.calendar(events, f"Mes tournées — {member.name}", stamp)
