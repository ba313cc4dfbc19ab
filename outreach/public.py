"""What families may see: published sessions near a place, and nothing personal.

Only commune, venue, date, hours and service leave this module (DESIGN.md,
Privacy): no crew, no vehicle-day details.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach.models import Commune, PlanSession, Publication, Scenario, Service
from outreach.travel import GeodesicTravelModel


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
    travel_min: int
    distance_km: float


def published_plan_ids(session: Session) -> list[int]:
    """The current published version of each scenario."""
    ids = []
    for scenario in session.exec(select(Scenario)).all():
        latest = session.exec(
            select(Publication).where(Publication.scenario_id == scenario.id)
            .order_by(col(Publication.id).desc())
        ).first()
        if latest:
            ids.append(latest.plan_id)
    return ids


def next_sessions_near(
    session: Session,
    commune: Commune,
    today: dt.date,
    max_travel_min: int = 30,
    limit: int = 12,
    travel: GeodesicTravelModel | None = None,
) -> list[PublicSession]:
    """Published sessions from ``today`` on within ``max_travel_min`` of the commune,
    nearest first then soonest."""
    travel = travel or GeodesicTravelModel()
    plan_ids = published_plan_ids(session)
    if not plan_ids:
        return []
    rows = session.exec(
        select(PlanSession).where(col(PlanSession.plan_id).in_(plan_ids), PlanSession.date >= today)
        .order_by(PlanSession.date, PlanSession.start_min)
    ).all()
    plan_scenarios = {
        p.plan_id: p.scenario_id
        for p in session.exec(select(Publication).where(col(Publication.plan_id).in_(plan_ids)))
    }
    services = {
        (s.scenario_id, s.code): s for s in session.exec(select(Service)).all()
    }
    found = []
    for row in rows:
        road_m = travel.road_m((commune.lat, commune.lon), (row.lat, row.lon))
        minutes = travel.minutes_for(road_m) if row.commune_insee != commune.insee else 0
        if minutes > max_travel_min:
            continue
        service = services.get((plan_scenarios[row.plan_id], row.service_code))
        found.append(PublicSession(
            date=row.date, start_min=row.start_min, end_min=row.end_min,
            commune_insee=row.commune_insee, commune_name=row.commune_name, venue=row.venue,
            service_name=row.service_name,
            what_to_bring=service.what_to_bring if service else "",
            travel_min=minutes, distance_km=round(road_m / 1000, 1),
        ))
    # Nearest place first; at each place, its next session first.
    found.sort(key=lambda s: (s.travel_min, s.commune_name, s.date, s.start_min))
    return found[:limit]
