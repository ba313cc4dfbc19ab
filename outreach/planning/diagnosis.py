"""Coverage diagnosis of a plan: how far each commune is from the plan's sessions and from
the fixed sites, which communes are out of reach, and where they cluster (the gaps).

For every commune of the plan's départements (:func:`plan_departements`):

- ``session_min``: the trip, by the plan's travel model, from the commune's point to the
  nearest stop that holds its sessions *at the service's rhythm* (at least
  ``visits_per_period`` sessions for every whole period of the horizon, at least one):
  a stop visited less often than promised does not count as a service nearby. A stop in
  the commune itself is 0 minutes away.
- ``fixed_min``: the trip to the nearest fixed site (PMI centre, antenne).
- its access class (:class:`~outreach.planning.access_map.Access`): within the threshold of
  a session (each service's own threshold, unless the diagnosis sets one for all), else of
  a fixed site, else of neither.

A session or a fixed site counts only for the communes a road joins it to
(:mod:`outreach.data.roads`): across the sea, La Désirade is out of reach of a session
at Saint-François, however close; a commune no road joins to any vehicle's base says so
(``road_from_base``), and whether a service of the plan declares a crossing to its land
(``crossing``: servable with that ferry, :mod:`outreach.access.crossings`).

A *gap* is a set of out-of-reach communes that touch one another (by the shipped commune
boundaries; within :data:`LINK_KM` of one another when a boundary file is missing), with
at least one young child; it is named after its commune with the most young children.
Gaps come largest first.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from outreach.access.travel import GeodesicTravelModel, TravelModel
from outreach.data import roads
from outreach.data.boundaries import (
    BoundariesMissing,
    Polygons,
    commune_polygons,
    departement_boundaries,
    geojson_geometry,
    neighbours,
)
from outreach.models import Commune
from outreach.planning.access_map import Access, plan_departements
from outreach.planning.plan import PlanVersion

_SLACK = 1.02  # a flat-earth distance over tens of km is off by well under 1 %
LINK_KM = 8.0  # without boundaries, out-of-reach communes this close form one gap


@dataclass(frozen=True)
class Place:
    """What the diagnosis reads of a commune."""

    insee: str
    name: str
    lat: float
    lon: float
    children_0_6: int
    population: int


@dataclass(frozen=True)
class CommuneAccess:
    insee: str
    name: str
    children_0_6: int
    population: int
    session_min: int | None  # to the nearest stop held at its rhythm; None: no such stop
    session_place: str | None  # that stop's commune
    fixed_min: int | None  # to the nearest fixed site; None: the plan has none
    fixed_site: str | None
    access: Access
    lat: float
    lon: float
    road_from_base: bool = True  # a road joins it to a vehicle's base (outreach.data.roads)
    crossing: bool = False  # no road, but a service declares a crossing to its land

    @property
    def within(self) -> bool:
        return self.access is not Access.NONE


@dataclass(frozen=True)
class Gap:
    """Touching out-of-reach communes: named after ``name`` (most young children)."""

    name: str
    insee: str
    communes: tuple[str, ...]  # INSEE codes, most young children first
    children_0_6: int
    population: int
    nearest_session_min: int | None  # the smallest trip from one of them to a session
    road_from_base: bool = True  # False: no road joins any of them to a vehicle's base
    crossing: bool = False  # a service declares a crossing to their land

    @property
    def size(self) -> int:
        return len(self.communes)


@dataclass(frozen=True)
class Diagnosis:
    plan_id: int | None
    threshold_min: int | None  # None: each service's own threshold
    thresholds: tuple[int, ...]  # the thresholds in force (one per service, or the one set)
    communes: tuple[CommuneAccess, ...]  # by INSEE code
    gaps: tuple[Gap, ...]
    below_rhythm: tuple[tuple[str, str, int, int], ...]  # (stop, service, held, due)

    @property
    def children(self) -> int:
        return sum(c.children_0_6 for c in self.communes)

    def children_with(self, *classes: Access) -> int:
        return sum(c.children_0_6 for c in self.communes if c.access in classes)

    @property
    def children_out(self) -> int:
        return self.children_with(Access.NONE)

    @property
    def communes_out(self) -> int:
        return sum(1 for c in self.communes if c.access is Access.NONE)

    def share_pct(self, *classes: Access) -> float:
        return round(100 * self.children_with(*classes) / self.children, 1) if self.children else 0.0

    def commune(self, insee: str) -> CommuneAccess:
        return next(c for c in self.communes if c.insee == insee)


def due_sessions(version: PlanVersion, service: str) -> int:
    """Sessions a stop of ``service`` is due over the plan's horizon: ``visits_per_period``
    for every whole period of ``period_weeks`` in it, and at least one."""
    rules = version.inputs.service_rules[service]
    return rules.visits_per_period * max(1, version.weeks // rules.period_weeks)


def at_rhythm(version: PlanVersion) -> tuple[set[tuple[str, str]], list[tuple[str, str, int, int]]]:
    """The (stop, service) pairs held at their service's rhythm, and those held less
    often (stop, service, sessions held, sessions due)."""
    held: dict[tuple[str, str], int] = {}
    for route in version.routes:
        for visit in route.visits:
            key = (visit.stop, visit.service)
            held[key] = held.get(key, 0) + 1
    kept, below = set(), []
    for (stop, service), count in sorted(held.items()):
        due = due_sessions(version, service)
        if count >= due:
            kept.add((stop, service))
        else:
            below.append((stop, service, count, due))
    return kept, below


def diagnose(version: PlanVersion, places: Iterable[Place], threshold_min: int | None = None
             ) -> Diagnosis:
    """The diagnosis of ``version`` over ``places`` (the communes of its départements);
    ``threshold_min`` replaces every service's threshold when given."""
    inputs = version.inputs
    travel = inputs.access().travel
    kept, below = at_rhythm(version)
    service_threshold = {code: info.access_threshold_min for code, info in inputs.services.items()}
    sessions = sorted({(stop, threshold_min or service_threshold.get(service, 30))
                       for stop, service in kept})
    fixed_threshold = threshold_min or inputs.access().threshold_min
    groups: dict[int, list[tuple[float, float, str, str]]] = {}
    for stop_code, limit in sessions:
        stop = inputs.stops[stop_code]
        groups.setdefault(limit, []).append((stop.lat, stop.lon, stop.commune_insee,
                                             stop.commune_name))
    sites = [(f.lat, f.lon, f.commune_insee, f.name) for f in inputs.fixed_sites]
    base_lands = {roads.land_of(b.commune_insee) for b in inputs.bases.values()}
    crossed = {roads.land_of(c.to_insee) for info in inputs.services.values()
               for c in info.crossings} - base_lands
    result: list[CommuneAccess] = []
    for place in sorted(places, key=lambda p: p.insee):
        found = {limit: _nearest(place, targets, travel) for limit, targets in groups.items()}
        reached = any(near is not None and near[0] <= limit for limit, near in found.items())
        nearest = min((near for near in found.values() if near is not None), default=None)
        site = _nearest(place, sites, travel)
        access = (Access.SESSION if reached else
                  Access.FIXED_SITE if site is not None and site[0] <= fixed_threshold else
                  Access.NONE)
        result.append(CommuneAccess(
            insee=place.insee, name=place.name, children_0_6=place.children_0_6,
            population=place.population,
            session_min=nearest[0] if nearest else None,
            session_place=nearest[1] if nearest else None,
            fixed_min=site[0] if site else None, fixed_site=site[1] if site else None,
            access=access, lat=place.lat, lon=place.lon,
            road_from_base=roads.land_of(place.insee) in base_lands,
            crossing=roads.land_of(place.insee) in crossed))
    thresholds = ((threshold_min,) if threshold_min else
                  tuple(sorted(set(service_threshold.values()))) or (fixed_threshold,))
    return Diagnosis(plan_id=version.plan_id, threshold_min=threshold_min,
                     thresholds=thresholds, communes=tuple(result),
                     gaps=tuple(find_gaps(result, plan_departements(version))),
                     below_rhythm=tuple(below))


def _nearest(place: Place, targets: Sequence[tuple[float, float, str, str]],
             travel: TravelModel) -> tuple[int, str] | None:
    """(minutes, name) of the nearest of ``targets`` (lat, lon, INSEE code, name) a road
    joins to ``place`` (:mod:`outreach.data.roads`): 0 minutes in its own commune. A
    geodesic model's minutes grow with the straight line, so only the targets nearly as
    close as the closest by a flat-earth measure (off by far less than :data:`_SLACK`)
    are timed exactly."""
    land = roads.land_of(place.insee)
    targets = [t for t in targets if roads.land_of(t[2]) == land]
    if not targets:
        return None
    if any(insee == place.insee for _lat, _lon, insee, _name in targets):
        return min((0, name) for _lat, _lon, insee, name in targets if insee == place.insee)
    candidates = list(targets)
    if isinstance(travel, GeodesicTravelModel):
        shrink = math.cos(math.radians(place.lat))
        flat = [math.hypot(lat - place.lat, (lon - place.lon) * shrink) for lat, lon, _i, _n in targets]
        best = min(flat)
        candidates = [t for t, d in zip(targets, flat, strict=True) if d <= best * _SLACK + 0.01]
    return min((travel.trip((place.lat, place.lon), (lat, lon))[0], name)
               for lat, lon, _insee, name in candidates)


def _links(out: Sequence[CommuneAccess], departements: Sequence[str]) -> dict[str, set[str]]:
    """Which out-of-reach communes touch (by their boundaries; by distance without them)."""
    codes = {c.insee for c in out}
    try:
        polygons = commune_polygons(departements)
    except BoundariesMissing:
        polygons = {}
    if codes <= set(polygons):
        return {insee: near & codes for insee, near in neighbours(
            {insee: polygons[insee] for insee in codes}).items()}
    straight = GeodesicTravelModel(circuity=1.0)
    return {a.insee: {b.insee for b in out if b.insee != a.insee
                      and straight.road_m((a.lat, a.lon), (b.lat, b.lon)) <= LINK_KM * 1000}
            for a in out}


def find_gaps(communes: Sequence[CommuneAccess], departements: Sequence[str]) -> list[Gap]:
    """The clusters of touching out-of-reach communes with young children, largest first."""
    out = [c for c in communes if c.access is Access.NONE]
    by_code = {c.insee: c for c in out}
    links = _links(out, departements)
    seen: set[str] = set()
    gaps: list[Gap] = []
    for commune in out:
        if commune.insee in seen:
            continue
        group, todo = [], [commune.insee]
        seen.add(commune.insee)
        while todo:
            code = todo.pop()
            group.append(by_code[code])
            for other in sorted(links.get(code, ())):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        children = sum(c.children_0_6 for c in group)
        if children == 0:
            continue
        group.sort(key=lambda c: (-c.children_0_6, c.insee))
        minutes = [c.session_min for c in group if c.session_min is not None]
        gaps.append(Gap(name=group[0].name, insee=group[0].insee,
                        communes=tuple(c.insee for c in group), children_0_6=children,
                        population=sum(c.population for c in group),
                        nearest_session_min=min(minutes) if minutes else None,
                        road_from_base=any(c.road_from_base for c in group),
                        crossing=any(c.crossing for c in group)))
    gaps.sort(key=lambda g: (-g.children_0_6, g.insee))
    return gaps


def load_places(session: Session, departements: Iterable[str]) -> list[Place]:
    """The communes of ``departements`` as the diagnosis reads them."""
    rows = session.exec(select(Commune).where(col(Commune.departement).in_(sorted(departements))))
    return [Place(insee=c.insee, name=c.name, lat=c.lat, lon=c.lon,
                  children_0_6=c.children_0_6, population=c.population) for c in rows]


def diagnose_plan(session: Session, version: PlanVersion, threshold_min: int | None = None
                  ) -> Diagnosis:
    return diagnose(version, load_places(session, plan_departements(version)), threshold_min)


CSV_COLUMNS = ["code_insee", "commune", "enfants_0_6", "population", "acces",
               "minutes_seance", "lieu_seance", "minutes_site_fixe", "site_fixe", "zone_sans_acces",
               "route_depuis_une_base", "traversee_declaree"]
ACCESS_FR = {Access.SESSION: "seance", Access.FIXED_SITE: "site-fixe", Access.NONE: "aucun"}


def gap_numbers(diagnosis: Diagnosis) -> dict[str, int]:
    """INSEE code -> the number (from 1, largest first) of the gap it belongs to."""
    return {insee: n for n, gap in enumerate(diagnosis.gaps, start=1) for insee in gap.communes}


def to_csv(diagnosis: Diagnosis) -> str:
    """One row per commune, ';'-separated for French spreadsheets."""
    numbers = gap_numbers(diagnosis)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in diagnosis.communes:
        writer.writerow([c.insee, c.name, c.children_0_6, c.population, ACCESS_FR[c.access],
                         "" if c.session_min is None else c.session_min, c.session_place or "",
                         "" if c.fixed_min is None else c.fixed_min, c.fixed_site or "",
                         numbers.get(c.insee, ""), "oui" if c.road_from_base else "non",
                         "oui" if c.crossing else "non"])
    return out.getvalue()


def to_geojson(diagnosis: Diagnosis, departements: Iterable[str]) -> dict[str, Any]:
    """A FeatureCollection of the communes (their shipped boundaries; their point when a
    boundary is missing) with the CSV's figures as properties."""
    polygons: dict[str, Polygons] = {}
    for departement in sorted(set(departements)):
        try:
            polygons.update(departement_boundaries(departement).communes)
        except BoundariesMissing:
            pass
    numbers = gap_numbers(diagnosis)
    features = []
    for c in diagnosis.communes:
        geometry = (geojson_geometry(polygons[c.insee]) if c.insee in polygons
                    else {"type": "Point", "coordinates": [c.lon, c.lat]})
        features.append({"type": "Feature", "geometry": geometry, "properties": {
            "code_insee": c.insee, "commune": c.name, "enfants_0_6": c.children_0_6,
            "population": c.population, "acces": ACCESS_FR[c.access],
            "minutes_seance": c.session_min, "lieu_seance": c.session_place,
            "minutes_site_fixe": c.fixed_min, "site_fixe": c.fixed_site,
            "zone_sans_acces": numbers.get(c.insee), "route_depuis_une_base": c.road_from_base,
            "traversee_declaree": c.crossing}})
    return {"type": "FeatureCollection", "features": features,
            "properties": {"plan_id": diagnosis.plan_id, "seuil_min": list(diagnosis.thresholds)}}
