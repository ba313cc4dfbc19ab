"""What families may see: published sessions near a place, and nothing personal.

Only commune, venue, date, hours and service leave this module (DESIGN.md,
Privacy): no crew, no vehicle-day details.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach.access import AccessPolicy
from outreach.data.places import Place
from outreach.models import (
    Commune,
    Organisation,
    PlanReach,
    PlanRhythm,
    PlanService,
    PlanSession,
    Publication,
    Scenario,
)
from outreach.planning import published_plan_id
from outreach.publishing import ical
from outreach.timefmt import format_hhmm
from outreach.wording import week_of_month


@dataclass(frozen=True)
class PublicSession:
    date: dt.date
    start_min: int
    end_min: int
    commune_insee: str
    commune_name: str
    venue: str
    service_name: str
    what_to_bring: str
    travel_min: int | None = None  # from the place asked about, when there is one
    distance_km: float | None = None
    service_code: str = ""
    scenario_id: str = ""
    stop_code: str = ""
    lat: float = 0.0
    lon: float = 0.0
    contact: str = ""
    organisation: str = ""  # the name of the organisation that runs it
    plan_id: int = 0
    phone: str = ""
    # The stop's usual day when the plan keeps one (ISO weekday, week of the month or 0),
    # so that a date off it is said to be an exception.
    usual: tuple[int, int] | None = None
    bookable: bool = False  # its service takes appointments on-line (outreach.appointments)

    @property
    def exception(self) -> bool:
        """Whether this date is not the stop's usual day (a pin or an allowed change)."""
        if self.usual is None:
            return False
        week = self.usual[1]
        return (self.date.isoweekday(), week_of_month(self.date) if week else 0) != self.usual

    @property
    def uid(self) -> str:
        """Stable across plan versions while the session keeps its stop, service and day."""
        return (f"{self.date:%Y%m%d}-{self.stop_code}-{self.service_code}"
                f"@{self.scenario_id}.outreach")

    def as_json(self) -> dict[str, object]:
        """The public API representation (docs in web/api.py's OpenAPI document)."""
        item: dict[str, object] = {
            "id": self.uid,
            "date": self.date.isoformat(),
            "start": format_hhmm(self.start_min),
            "end": format_hhmm(self.end_min),
            "commune": {"insee": self.commune_insee, "name": self.commune_name},
            "venue": self.venue,
            "location": {"lat": self.lat, "lon": self.lon},
            "service": {"code": self.service_code, "name": self.service_name},
            "what_to_bring": self.what_to_bring,
            "contact": self.contact,
            "phone": self.phone,
            "organisation": self.organisation,
        }
        if self.travel_min is not None:
            item["travel_min"] = self.travel_min
            item["distance_km"] = self.distance_km
        return item


@dataclass(frozen=True)
class PublicService:
    scenario_id: str
    code: str
    name: str
    description: str
    what_to_bring: str
    departement: str
    access_threshold_min: int
    contact: str = ""
    organisation: str = ""  # the name of the organisation that runs it
    phone: str = ""


def organisation_names(session: Session) -> dict[str, str]:
    """The name of each scenario's organisation (what families see)."""
    names = {o.id: o.name for o in session.exec(select(Organisation))}
    return {s.id: names.get(s.organisation_id or "", "") for s in session.exec(select(Scenario))}


def published_plan_ids(session: Session) -> list[int]:
    """The current published version of each scenario."""
    ids = (published_plan_id(session, s.id) for s in session.exec(select(Scenario)).all())
    return [plan_id for plan_id in ids if plan_id is not None]


def last_published_at(session: Session) -> dt.datetime:
    """When the newest publication happened (the DTSTAMP of public feeds)."""
    latest = session.exec(select(Publication).order_by(col(Publication.id).desc())).first()
    return latest.published_at if latest else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _published_rows(
    session: Session, date_from: dt.date, date_to: dt.date | None = None,
    commune_insee: str | None = None, service_code: str | None = None,
    stop_codes: list[str] | None = None, plan_ids: list[int] | None = None,
) -> list[tuple[PlanSession, str, PlanService | None]]:
    plan_ids = published_plan_ids(session) if plan_ids is None else plan_ids
    if not plan_ids:
        return []
    query = select(PlanSession).where(col(PlanSession.plan_id).in_(plan_ids),
                                      PlanSession.date >= date_from)
    if stop_codes is not None:
        query = query.where(col(PlanSession.stop_code).in_(stop_codes))
    if date_to is not None:
        query = query.where(PlanSession.date <= date_to)
    if commune_insee:
        query = query.where(PlanSession.commune_insee == commune_insee)
    if service_code:
        query = query.where(PlanSession.service_code == service_code)
    rows = session.exec(query.order_by(col(PlanSession.date), col(PlanSession.start_min),
                                       col(PlanSession.commune_name))).all()
    plan_scenarios = {
        p.plan_id: p.scenario_id
        for p in session.exec(select(Publication).where(col(Publication.plan_id).in_(plan_ids)))
    }
    # The published version's own copy of the services' texts, not today's edits.
    services = {(s.plan_id, s.code): s for s in session.exec(
        select(PlanService).where(col(PlanService.plan_id).in_(plan_ids)))}
    return [(row, plan_scenarios[row.plan_id], services.get((row.plan_id, row.service_code)))
            for row in rows]


def _public(row: PlanSession, scenario_id: str, service: PlanService | None,
            travel_min: int | None = None, distance_km: float | None = None,
            organisation: str = "") -> PublicSession:
    return PublicSession(
        date=row.date, start_min=row.start_min, end_min=row.end_min,
        commune_insee=row.commune_insee, commune_name=row.commune_name, venue=row.venue,
        service_name=row.service_name,
        what_to_bring=service.what_to_bring if service else "",
        travel_min=travel_min, distance_km=distance_km, service_code=row.service_code,
        scenario_id=scenario_id, stop_code=row.stop_code, lat=row.lat, lon=row.lon,
        contact=service.contact if service else "", organisation=organisation,
        plan_id=row.plan_id, phone=service.phone if service else "",
        bookable=bool(service and service.appointments),
    )


def _with_usual_days(session: Session, found: list[PublicSession]) -> list[PublicSession]:
    """``found`` with each session's usual day, from its version's recurrence."""
    plan_ids = sorted({s.plan_id for s in found})
    if not plan_ids:
        return found
    usual = {(r.plan_id, r.stop_code, r.service_code): (r.weekday, r.week_of_month or 0)
             for r in session.exec(select(PlanRhythm).where(col(PlanRhythm.plan_id).in_(plan_ids)))}
    return [dataclasses.replace(s, usual=usual.get((s.plan_id, s.stop_code, s.service_code)))
            for s in found]


def next_sessions_near_point(
    session: Session,
    lat: float,
    lon: float,
    today: dt.date,
    home_insee: str | None = None,
    limit: int | None = 12,
    access: AccessPolicy | None = None,
) -> list[PublicSession]:
    """Published sessions from ``today`` on within reach of a point (each service's own
    access threshold, by the access policy's travel model), the next first and, on one
    date, the nearest first. Sessions in ``home_insee`` count as 0 minutes."""
    found = _near_point(session, lat, lon, today, home_insee, access or AccessPolicy())
    return _with_usual_days(session, found if limit is None else found[:limit])


def _near_point(session: Session, lat: float, lon: float, today: dt.date,
                home_insee: str | None, access: AccessPolicy) -> list[PublicSession]:
    """:func:`next_sessions_near_point`'s sessions, all of them, without their usual days."""
    found = []
    organisations = organisation_names(session)
    for row, scenario_id, service in _published_rows(session, today):
        minutes, road_m = access.trip((lat, lon), (row.lat, row.lon))
        if row.commune_insee == home_insee:
            minutes = 0
        threshold = service.access_threshold_min if service else access.threshold_min
        if minutes > threshold:
            continue
        found.append(_public(row, scenario_id, service, minutes, round(road_m / 1000, 1),
                             organisations.get(scenario_id, "")))
    # The next visit first; on one date, the nearest place first.
    found.sort(key=lambda s: (s.date, s.travel_min, s.start_min, s.commune_name))
    return found


def next_sessions_near(
    session: Session,
    commune: Commune | Place,
    today: dt.date,
    limit: int | None = 12,
    access: AccessPolicy | None = None,
) -> list[PublicSession]:
    """Published sessions from ``today`` on within reach of the commune, the next first
    (see :func:`next_sessions_near_point`). With the default access policy, read from
    the reach each published version stored when it was published (no travel computed
    per request); a version published without it is computed as for any point."""
    if access is not None:
        return next_sessions_near_point(session, commune.lat, commune.lon, today, commune.insee,
                                        limit, access)
    plan_ids = published_plan_ids(session)
    ready = set(session.exec(select(PlanReach.plan_id).where(
        col(PlanReach.plan_id).in_(plan_ids)).distinct()))
    found = []
    if set(plan_ids) - ready:
        found = [s for s in _near_point(session, commune.lat, commune.lon, today,
                                        commune.insee, AccessPolicy())
                 if s.plan_id not in ready]
    reach = {(r.plan_id, r.stop_code, r.service_code): r for r in session.exec(
        select(PlanReach).where(col(PlanReach.plan_id).in_(ready),
                                PlanReach.commune_insee == commune.insee))}
    if reach:
        organisations = organisation_names(session)
        stops = sorted({stop for _, stop, _ in reach})
        for row, scenario_id, service in _published_rows(session, today, stop_codes=stops,
                                                        plan_ids=sorted(ready)):
            trip = reach.get((row.plan_id, row.stop_code, row.service_code))
            if trip is not None:
                found.append(_public(row, scenario_id, service, trip.travel_min,
                                     round(trip.distance_m / 1000, 1),
                                     organisations.get(scenario_id, "")))
    found.sort(key=lambda s: (s.date, s.travel_min, s.start_min, s.commune_name))
    return _with_usual_days(session, found if limit is None else found[:limit])


def published_sessions(
    session: Session,
    date_from: dt.date,
    date_to: dt.date | None = None,
    commune_insee: str | None = None,
    service_code: str | None = None,
    limit: int | None = None,
) -> list[PublicSession]:
    """Published sessions in a date range, optionally in one commune or of one service,
    in date order."""
    rows = _published_rows(session, date_from, date_to, commune_insee, service_code)
    organisations = organisation_names(session)
    found = [_public(row, scenario_id, service, organisation=organisations.get(scenario_id, ""))
             for row, scenario_id, service in rows]
    return _with_usual_days(session, found if limit is None else found[:limit])


def published_services(session: Session) -> list[PublicService]:
    """Services of the published plans, as published."""
    plan_ids = published_plan_ids(session)
    plan_scenarios = {
        p.plan_id: p.scenario_id
        for p in session.exec(select(Publication).where(col(Publication.plan_id).in_(plan_ids)))
    }
    scenarios = {s.id: s for s in session.exec(select(Scenario)).all()}
    organisations = organisation_names(session)
    services = session.exec(select(PlanService).where(col(PlanService.plan_id).in_(plan_ids))
                            .order_by(col(PlanService.name), col(PlanService.plan_id))).all()
    return [PublicService(scenario_id=plan_scenarios[s.plan_id], code=s.code, name=s.name,
                          description=s.description, what_to_bring=s.what_to_bring,
                          departement=scenarios[plan_scenarios[s.plan_id]].departement,
                          access_threshold_min=s.access_threshold_min, contact=s.contact, phone=s.phone,
                          organisation=organisations.get(plan_scenarios[s.plan_id], ""))
            for s in services]


def find_service(session: Session, code: str) -> PublicService | None:
    return next((s for s in published_services(session) if s.code == code), None)


def sessions_calendar(sessions: list[PublicSession], name: str, stamp: dt.datetime) -> str:
    """A public iCalendar feed of these sessions: place, time and service only."""
    seen: dict[str, int] = {}
    events = []
    for s in sorted(sessions, key=lambda s: (s.date, s.start_min, s.uid)):
        uid = s.uid
        seen[uid] = seen.get(uid, 0) + 1
        if seen[uid] > 1:  # a second session of the same service at the same stop that day
            uid = uid.replace("@", f"-{seen[uid]}@", 1)
        description = s.service_name
        if s.what_to_bring:
            description += f"\nÀ apporter : {s.what_to_bring}"
        if s.contact or s.phone:
            description += "\nRenseignements : " + " – ".join(x for x in (s.contact, s.phone) if x)
        events.append(ical.Event(
            uid=uid, date=s.date, start_min=s.start_min, end_min=s.end_min,
            summary=f"{s.service_name} — {s.commune_name}",
            location=f"{s.venue}, {s.commune_name}", description=description,
            lat=s.lat, lon=s.lon,
        ))
    return ical.calendar(events, name, stamp)


@dataclass(frozen=True)
class PublicRhythm:
    """When a service comes back to a place: same weekday, or same weekday of the month."""

    service_name: str
    venue: str
    weekday: int  # ISO, 1 = Monday
    week_of_month: int | None  # 1..5 for monthly services, None for weekly or fortnightly


def commune_rhythms(session: Session, insee: str) -> list[PublicRhythm]:
    """The regular day of each published service in the commune (from the plans'
    recurrence); irregular ones are left out rather than shown wrong."""
    plan_ids = published_plan_ids(session)
    rows = session.exec(select(PlanRhythm).where(
        col(PlanRhythm.plan_id).in_(plan_ids), PlanRhythm.commune_insee == insee,
        col(PlanRhythm.kept)).order_by(col(PlanRhythm.plan_id), col(PlanRhythm.stop_code),
                                       col(PlanRhythm.service_code))).all()
    return [PublicRhythm(r.service_name, r.venue, r.weekday, r.week_of_month) for r in rows]
