"""Coverage: how many of a département's young children live within reach (by the
scenario's :class:`~outreach.access.AccessPolicy`) of a planned session, or of a session or
a fixed site (PMI centre, antenne médico-sociale)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from outreach.access import AccessPolicy
from outreach.models import Commune

LatLon = tuple[float, float]


def coverage_kpis(session: Session, departement: str, session_points: Iterable[LatLon],
                  access: AccessPolicy, fixed_points: Iterable[LatLon] = ()) -> dict[str, Any]:
    """Children 0-6 of the département's communes whose town is within reach of a session
    place (a session in the commune itself always counts), and of a session place or a
    fixed site."""
    sessions = sorted(set(session_points))
    fixed = sorted(set(fixed_points))
    communes = session.exec(select(Commune).where(Commune.departement == departement)).all()

    def within(here: LatLon, points: list[LatLon]) -> bool:
        return any(access.reaches(here, p) for p in points)

    total = by_session = by_any = communes_by_session = 0
    for commune in communes:
        total += commune.children_0_6
        here = (commune.lat, commune.lon)
        if within(here, sessions):
            by_session += commune.children_0_6
            by_any += commune.children_0_6
            communes_by_session += 1
        elif within(here, fixed):
            by_any += commune.children_0_6
    return {
        "threshold_min": access.threshold_min,
        "children_departement": total,
        "children_within_threshold": by_session,
        "share_within_threshold_pct": round(100 * by_session / total, 1) if total else 0.0,
        "children_within_threshold_with_fixed_sites": by_any,
        "share_with_fixed_sites_pct": round(100 * by_any / total, 1) if total else 0.0,
        "communes": len(communes),
        "communes_within_threshold": communes_by_session,
    }
