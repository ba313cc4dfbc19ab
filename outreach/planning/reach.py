"""Which communes each session of a published version reaches, computed once when the
version is published, so that the families' look-up does no travel computation per
request: a commune's next sessions are rows read by index.

For every (stop, service) of the version, every commune of France whose trip to the stop
(by the access policy's travel model, 0 minutes within the stop's own commune) takes at
most the service's access threshold gets a :class:`~outreach.models.PlanReach` row with
the minutes and kilometres. Candidates come from a box around the stop as wide as the
travel model says a trip of that many minutes can go in a straight line
(``TravelModel.reach_km``), so no commune in reach is missed.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from outreach.access import AccessPolicy
from outreach.data.places import national_index
from outreach.models import PlanReach, PlanService, PlanSession


def has_reach(session: Session, plan_id: int) -> bool:
    return session.exec(select(PlanReach.id).where(PlanReach.plan_id == plan_id)).first() is not None


def compute_reach(session: Session, plan_id: int, access: AccessPolicy | None = None) -> int:
    """Store the version's reach rows (once); the number written."""
    if has_reach(session, plan_id):
        return 0
    access = access or AccessPolicy()
    # Columns, not rows: the migration that fills in older versions runs before later
    # migrations add columns to plan_service.
    thresholds = dict(session.exec(select(PlanService.code, PlanService.access_threshold_min)
                                   .where(PlanService.plan_id == plan_id)).all())
    stops: dict[tuple[str, str], tuple[float, float, str]] = {}
    for row in session.exec(select(PlanSession).where(PlanSession.plan_id == plan_id)
                            .order_by(col(PlanSession.id))):
        stops.setdefault((row.stop_code, row.service_code), (row.lat, row.lon, row.commune_insee))
    index = national_index()
    trips: dict[tuple[float, float, str], tuple[int, int]] = {}  # shared by a stop's services
    rows = []
    for (stop_code, service_code), (lat, lon, home) in sorted(stops.items()):
        threshold = thresholds.get(service_code, access.threshold_min)
        for place in index.within(lat, lon, access.travel.reach_km(threshold)):
            key = (lat, lon, place.insee)
            if key not in trips:
                trips[key] = access.trip((place.lat, place.lon), (lat, lon))
            minutes, road_m = trips[key]
            if place.insee == home:
                minutes = 0
            if minutes <= threshold:
                rows.append({"plan_id": plan_id, "commune_insee": place.insee,
                             "stop_code": stop_code, "service_code": service_code,
                             "travel_min": minutes, "distance_m": road_m})
    if rows:
        session.execute(PlanReach.__table__.insert(), rows)  # type: ignore[attr-defined]
    return len(rows)
