"""Where should the next stop go: candidate communes ranked by the young children a stop
there would bring within reach, given the plan and the days its vehicles are left idle.

For a plan and its coverage diagnosis (:mod:`outreach.planning.diagnosis`):

- a *candidate* is a commune of the plan's départements with no stop of the service yet,
  no more populous than the largest commune the service already stops in (the kind of
  place it goes: a bus of village halls is not proposed a city centre), on the land of a
  vehicle's base (:mod:`outreach.data.roads`); its stop would stand at its town hall
  (the commune's point in the seed data), open on the days and hours of the nearest
  existing stop (the rule of a what-if ``add-stop``,
  :func:`outreach.planning.whatif.nearest_code`);
- the children it *brings within reach* are those of the communes out of reach today
  (:attr:`Access.NONE`) that a road joins to it and whose trip to it takes at most the
  service's threshold (the diagnosis's, when it sets one for all), itself included;
- it *fits* when the plan's spare capacity can hold its sessions at the service's
  rhythm (:func:`~outreach.planning.diagnosis.due_sessions`, one session per period,
  spaced as the service asks): each day, a vehicle of the service idle that day with a
  crew of staff not on another route that day, available over the whole duty and
  within their weekly hours; or else a route of the service that holds fewer sessions
  than the service allows a vehicle-day (``max_sessions_per_day``), timed again with
  the candidate inserted and crewed by its own staff (then staff free that day); both
  by the solver's own day-route rule (:func:`solver.spare_days`). Sessions already
  planned keep their stops and order but may move within their windows.

The ranking is an estimate from the plan as it stands; :func:`verify` checks the top
candidates by an actual re-plan: a what-if variant per candidate (``add-stop``), planned
with the same horizon, limits and seed as a re-plan of the scenario itself, and the
children newly within reach counted between the two.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from outreach import db
from outreach.access.crossings import across, across_the_sea
from outreach.data import roads
from outreach.planning import diagnosis as diag
from outreach.planning.access_map import Access
from outreach.planning.diagnosis import Diagnosis, Place
from outreach.planning.plan import PlanVersion, sea_crossings
from outreach.planning.whatif import Change, Comparison, compare, make_variant, nearest_code
from solver import BusyRoute, SolveParams, crew_dates, spare_days, with_room


@dataclass(frozen=True)
class Candidate:
    """A commune where a stop of ``service`` would bring ``children_0_6`` within reach."""

    insee: str
    name: str
    service: str
    children_0_6: int  # young children of the out-of-reach communes it would reach
    communes: tuple[str, ...]  # those communes (INSEE), most young children first
    due: int  # sessions it needs over the horizon to count (the service's rhythm)
    days: tuple[tuple[dt.date, str], ...]  # (date, vehicle) pairs that can hold them
    joins: frozenset[tuple[dt.date, str]] = frozenset()  # those where a route runs already

    @property
    def fits(self) -> bool:
        return len(self.days) >= self.due


@dataclass(frozen=True)
class Ranking:
    plan_id: int | None
    fitting: tuple[Candidate, ...]  # best first
    not_fitting: tuple[Candidate, ...]  # would reach more children than the last fitting one
    considered: int  # candidate communes that would bring at least one child within reach


def _threshold(version: PlanVersion, found: Diagnosis, service: str) -> int:
    return found.threshold_min or version.inputs.services[service].access_threshold_min


def reach_gain(version: PlanVersion, found: Diagnosis, places: Sequence[Place], service: str
               ) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Commune -> (children, communes) a stop of ``service`` there would bring within reach,
    for the communes without a stop of it; only those that bring at least one child."""
    travel = version.inputs.access().travel
    limit = _threshold(version, found, service)
    out = [c for c in found.communes if c.access is Access.NONE and c.children_0_6 > 0]
    taken = {s.commune_insee for code, s in version.inputs.stops.items()
             if service in version.inputs.stop_rules[code].services}
    largest = max((p.population for p in places if p.insee in taken), default=0)
    lands = {roads.land_of(version.inputs.bases[v.id].commune_insee)
             for v in version.inputs.problem.vehicles if service in v.services} \
        | {roads.land_of(c.to_insee) for c in version.inputs.services[service].crossings}
    gains: dict[str, tuple[int, tuple[str, ...]]] = {}
    for place in places:
        land = roads.land_of(place.insee)
        if place.insee in taken or place.population > largest or land not in lands:
            continue
        here = (place.lat, place.lon)
        reached = [c for c in out if c.insee == place.insee
                   or (roads.land_of(c.insee) == land
                       and travel.minutes_within((c.lat, c.lon), here, limit) is not None)]
        if reached:
            reached.sort(key=lambda c: (-c.children_0_6, c.insee))
            gains[place.insee] = (sum(c.children_0_6 for c in reached),
                                  tuple(c.insee for c in reached))
    return gains


class _Capacity:
    """What the plan leaves free: idle vehicle-days, the staff not on a route, and the
    routes with room for one more session of their service."""

    def __init__(self, version: PlanVersion) -> None:
        self.version = version
        self.busy: list[BusyRoute] = [
            (r.vehicle, r.date, tuple(m.staff for m in r.crew), r.duty_min, r.service,
             tuple(v.stop for v in r.visits)) for r in version.routes]
        self.open: dict[str, tuple[dt.date, ...]] = {}
        self.used = {(r.date, r.vehicle) for r in version.routes}

    def days(self, place: Place, service_id: str, due: int) -> tuple[tuple[dt.date, str], ...]:
        """Up to ``due`` (date, vehicle) pairs that can hold a session of the service at
        ``place``: a vehicle idle that day, or a route of the service with room for one
        more session (:func:`solver.spare_days`)."""
        inputs = self.version.inputs
        problem = inputs.problem
        service = inputs.service_rules[service_id]
        nearest = nearest_code([(code, s.lat, s.lon) for code, s in inputs.stops.items()
                                if service_id in inputs.stop_rules[code].services],
                               place.lat, place.lon)
        vehicles = [v for v in problem.vehicles if service_id in v.services]
        if service_id not in self.open:
            self.open[service_id] = crew_dates(problem, service_id, self.busy)
        if nearest is None or not vehicles or len(self.open[service_id]) < due:
            return ()
        travel = inputs.access().travel
        bases = sorted({v.base for v in vehicles})
        index = {base: n for n, base in enumerate(bases)}
        where = {v.base: inputs.bases[v.id] for v in vehicles}
        own_ids = {v.id for v in vehicles}
        # The stops of the service's routes with room for one more session: a candidate
        # may join one of them.
        joined = sorted({code for route in with_room(self.busy, service, own_ids)
                         for code in route[5]})
        points = [(where[base].lat, where[base].lon) for base in bases] + [(place.lat, place.lon)] \
            + [(inputs.stops[code].lat, inputs.stops[code].lon) for code in joined]
        lands = [roads.land_of(where[base].commune_insee) for base in bases] \
            + [roads.land_of(place.insee)] \
            + [roads.land_of(inputs.stops[code].commune_insee) for code in joined]
        crossings = sea_crossings({service_id: inputs.services[service_id].crossings})
        trips = across(travel, points, lands,
                       [c for by_land in crossings.values() for c in by_land.values()])
        stop = dataclasses.replace(inputs.stop_rules[nearest], id=f"candidate-{place.insee}",
                                   location=len(bases), services=frozenset({service_id}),
                                   vehicle_costs=(), spacing_group="", load=0,
                                   visits_per_period=None, min_spacing_days=None,
                                   session_min=None)  # the service's own, as add-stop makes
        own = tuple(dataclasses.replace(v, base=index[v.base], services=frozenset({service_id}))
                    for v in vehicles)
        stop = across_the_sea(stop, lands[len(bases)], own, {v.id: lands[v.base] for v in own},
                              crossings)
        others = tuple(dataclasses.replace(inputs.stop_rules[code], location=len(bases) + 1 + n,
                                           services=frozenset({service_id}), spacing_group="")
                       for n, code in enumerate(joined))
        alone = dataclasses.replace(
            problem, services=(service,), stops=(stop, *others), pins=(), preferred=(),
            areas=(), syncs=(), vehicles=own, travel_min=trips.travel_min,
            distance_m=trips.distance_m)
        return spare_days(alone, self.busy, due)


def rank(version: PlanVersion, found: Diagnosis, places: Sequence[Place], limit: int = 10
         ) -> Ranking:
    """The ``limit`` candidates that fit the plan's idle days and bring the most young
    children within reach, best first (ties: the commune's INSEE code), and those that
    would bring more but do not fit."""
    by_code = {p.insee: p for p in places}
    capacity = _Capacity(version)
    options: list[tuple[int, str, str, tuple[str, ...]]] = []
    services = sorted({s for stop in version.inputs.stop_rules.values() for s in stop.services})
    for service in services:
        for insee, (children, communes) in reach_gain(version, found, places, service).items():
            options.append((children, insee, service, communes))
    options.sort(key=lambda o: (-o[0], o[1], o[2]))
    fitting: list[Candidate] = []
    not_fitting: list[Candidate] = []
    seen: set[str] = set()
    for children, insee, service, communes in options:
        if len(fitting) >= limit:
            break
        if insee in seen:
            continue
        due = diag.due_sessions(version, service)
        place = by_code[insee]
        candidate = Candidate(insee=insee, name=place.name, service=service,
                              children_0_6=children, communes=communes, due=due,
                              days=(days := capacity.days(place, service, due)),
                              joins=frozenset(day for day in days if day in capacity.used))
        if candidate.fits:
            seen.add(insee)
            fitting.append(candidate)
        elif len(not_fitting) < limit and all(c.insee != insee for c in not_fitting):
            not_fitting.append(candidate)
    return Ranking(plan_id=version.plan_id, fitting=tuple(fitting),
                   not_fitting=tuple(not_fitting),
                   considered=len({o[1] for o in options}))


def rank_plan(session: Session, version: PlanVersion, threshold_min: int | None = None,
              limit: int = 10) -> tuple[Diagnosis, Ranking]:
    places = diag.load_places(session, diag.plan_departements(version))
    found = diag.diagnose(version, places, threshold_min)
    return found, rank(version, found, places, limit)


@dataclass(frozen=True)
class Checked:
    """A candidate checked by a re-plan: its variant's plan against the reference re-plan."""

    candidate: Candidate
    variant_id: str
    comparison: Comparison
    held: int  # sessions the new stop got in the variant's plan

    @property
    def children_gained(self) -> int:
        return self.comparison.children_gained

    @property
    def net_children(self) -> int:
        return self.comparison.children_gained - self.comparison.children_lost


def verify(scenario_id: str, candidates: Iterable[Candidate], start: dt.date, weeks: int,
           params: SolveParams, threshold_min: int | None = None,
           ) -> tuple[int, list[Checked]]:
    """Re-plan the scenario (the reference) and, for each candidate, a variant with a stop
    there, all with the same horizon, limits and seed; (reference plan, the checks)."""
    from outreach import planning

    def solve(code: str) -> tuple[PlanVersion, Diagnosis]:
        with db.unit_of_work() as session:
            plan = planning.create_plan(session, code, start, weeks, params)
            version = planning.read_version(session, plan.id)  # type: ignore[arg-type]
            return version, diag.diagnose_plan(session, version, threshold_min)

    reference, reference_found = solve(scenario_id)
    checks = []
    for candidate in candidates:
        with db.unit_of_work() as session:
            variant = make_variant(session, scenario_id, [Change("add-stop", candidate.insee)])
            variant_id = variant.id
        version, found = solve(variant_id)
        new_stops = {code for code, s in version.inputs.stops.items()
                     if s.commune_insee == candidate.insee and code not in reference.inputs.stops}
        held = sum(1 for r in version.routes for v in r.visits if v.stop in new_stops)
        checks.append(Checked(candidate=candidate, variant_id=variant_id, held=held,
                              comparison=compare(reference, reference_found, version, found)))
    assert reference.plan_id is not None
    return reference.plan_id, checks


def ranking_fr(ranking: Ranking, service_names: dict[str, str]) -> str:
    """The ranking as French text, for the CLI."""
    lines = []
    if not ranking.fitting and not ranking.not_fitting:
        return "Aucune commune hors de portée n'a de jeunes enfants : pas d'arrêt à proposer."
    lines.append(f"{'Rang':<5}{'Commune':<28}{'Enfants':>8}  {'Communes':>8}  "
                 f"{'Séances':>8}  Service, jours (véhicule libre ou tournée ayant de la place)")
    for n, c in enumerate(ranking.fitting, start=1):
        days = ", ".join(f"{d.strftime('%d/%m')} ({v}{', avec sa tournée' if (d, v) in c.joins else ''})"
                         for d, v in c.days)
        lines.append(f"{n:<5}{c.name[:27]:<28}{c.children_0_6:>8}  {len(c.communes):>8}  "
                     f"{c.due:>8}  {service_names.get(c.service, c.service)} : {days}")
    if ranking.not_fitting:
        lines.append("")
        lines.append("Atteindraient plus d'enfants, mais ni les jours libres des véhicules ni "
                     "les tournées ayant de la place ne suffisent :")
        for c in ranking.not_fitting:
            lines.append(f"  {c.name} : {c.children_0_6} enfants, {len(c.days)} jour(s) possible(s) "
                         f"sur {c.due} séance(s) due(s)")
    return "\n".join(lines)


def checks_fr(reference: int, checks: Sequence[Checked]) -> str:
    """The re-plan checks as French text, for the CLI."""
    lines = [f"Nouveau calcul de référence : plan {reference}."]
    for check in checks:
        c, result = check.candidate, check.comparison
        lines.append(
            f"  {c.name} (variante {check.variant_id}, plan {result.after.plan_id}) : "
            f"{check.held} séance(s) sur {c.due} ; {result.children_gained} enfants gagnés, "
            f"{result.children_lost} perdus (estimé : {c.children_0_6} gagnés).")
    return "\n".join(lines)
