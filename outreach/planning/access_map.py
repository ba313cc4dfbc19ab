"""How a plan leaves each commune of its départements: within reach of one of its
sessions, else of a fixed site, else of neither (the shading of the plan's map).

A session reaches the communes its stop reaches as the plan stored them when it was
computed (``areas``: each commune with the stops within the access threshold), so the
map shows what the optimiser counted; a plan without areas falls back on its stops'
catchments. A fixed site reaches a commune as in the catchments
(:func:`outreach.access.catchment.fixed_site_within`: the trip from the commune's point
to the site within the plan's access threshold).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from outreach.access import AccessPolicy
from outreach.access.catchment import Located, fixed_site_within
from outreach.access.travel import LatLon
from outreach.data.boundaries import Polygons, departement_boundaries, departement_of
from outreach.planning.plan import PlanVersion


class Access(StrEnum):
    """A commune's access class, most served first."""

    SESSION = "session"  # within the access threshold of a session of the plan
    FIXED_SITE = "fixed-site"  # not of a session, but of a fixed site (PMI centre, antenne)
    NONE = "none"  # of neither


def classify_access(points: Mapping[str, LatLon], reaching_stops: Mapping[str, Iterable[str]],
                    session_stops: Iterable[str], fixed_sites: Sequence[Located],
                    access: AccessPolicy) -> dict[str, Access]:
    """The class of each commune of ``points`` (INSEE code -> its town-hall point) and of
    each commune ``reaching_stops`` names (INSEE code -> the stops within reach of it):
    :attr:`Access.SESSION` when one of its reaching stops is among ``session_stops``
    (stops holding at least one session), else :attr:`Access.FIXED_SITE` when its point
    is within ``access``'s threshold of one of ``fixed_sites``, else :attr:`Access.NONE`."""
    held = set(session_stops)
    classes: dict[str, Access] = {}
    for insee in sorted(set(points) | set(reaching_stops)):
        if held.intersection(reaching_stops.get(insee, ())):
            classes[insee] = Access.SESSION
        elif insee in points and fixed_site_within(points[insee], fixed_sites, access):
            classes[insee] = Access.FIXED_SITE
        else:
            classes[insee] = Access.NONE
    return classes


def plan_departements(version: PlanVersion) -> list[str]:
    """The départements a plan covers: its scenario's and those of its stops' communes
    (the communes its catchments were drawn from)."""
    inputs = version.inputs
    found = {departement_of(s.commune_insee) for s in inputs.stops.values()}
    if inputs.departement:
        found.add(inputs.departement)
    return sorted(found)


def plan_access(version: PlanVersion, points: Mapping[str, LatLon]) -> dict[str, Access]:
    """:func:`classify_access` for a plan version: the communes of ``points`` (those of
    :func:`plan_departements`, with their town-hall points) by what the plan stored."""
    inputs = version.inputs
    reaching: dict[str, list[str]] = {}
    if inputs.problem.areas:
        for area in inputs.problem.areas:
            reaching[area.id] = [stop for stop, _demand in area.reach]
    else:  # an older export without areas: each stop reaches its catchment
        for code, stop in inputs.stops.items():
            for insee in stop.catchment or (stop.commune_insee,):
                reaching.setdefault(insee, []).append(code)
    held = {v.stop for route in version.routes for v in route.visits}
    return classify_access(points, reaching, held, inputs.fixed_sites, inputs.access())


@dataclass(frozen=True)
class AccessMap:
    """What a map of a plan draws under its routes: each commune's polygons and access
    class, the outline of each département, and the threshold the classes mean."""

    communes: dict[str, Polygons]
    classes: dict[str, Access]
    outlines: tuple[Polygons, ...]
    threshold_min: int


def shaded_land(departements: Iterable[str], classes: Mapping[str, Access], threshold_min: int
                ) -> AccessMap:
    """The communes of ``departements`` with their class in ``classes`` (none when absent)
    and the départements' outlines (raises
    :class:`~outreach.data.boundaries.BoundariesMissing` when a boundary file is not
    installed)."""
    boundaries = [departement_boundaries(d) for d in departements]
    communes = {insee: polygons for b in boundaries for insee, polygons in b.communes.items()}
    return AccessMap(
        communes=communes,
        classes={insee: classes.get(insee, Access.NONE) for insee in communes},
        outlines=tuple(b.outline for b in boundaries),
        threshold_min=threshold_min,
    )


def access_map(version: PlanVersion, points: Mapping[str, LatLon]) -> AccessMap:
    """The land of a plan's map (raises :class:`~outreach.data.boundaries.BoundariesMissing`
    when a département's boundary file is not installed)."""
    return shaded_land(plan_departements(version), plan_access(version, points),
                       version.inputs.access().threshold_min)
