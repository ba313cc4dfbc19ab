"""Translation between database rows and the solver's dataclasses.

The only place that knows both sides: ids and indices are mapped here and
nowhere else. :func:`build_problem` reads a scenario into a
:class:`solver.Problem`; :func:`plan_version` turns a :class:`solver.Solution`
into the product's typed plan (:class:`outreach.planning.plan.PlanVersion`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

import solver as sm
from outreach.access import AccessPolicy
from outreach.access.catchment import Catchments, catchments
from outreach.access.crossings import across, across_the_sea
from outreach.access.travel import TravelModel
from outreach.data import roads
from outreach.errors import InvalidInput, UnknownScenario
from outreach.models import (
    Absence,
    Commune,
    FixedSite,
    Scenario,
    Service,
    StaffMember,
    Stop,
    Vehicle,
)
from outreach.planning.calendar import working_dates
from outreach.planning.patterns import recurrence
from outreach.planning.plan import (
    CrossingInfo,
    DayRoute,
    FixedSiteInfo,
    PinOutcome,
    PlanInputs,
    PlanKpis,
    PlanVersion,
    ServiceInfo,
    SolverRun,
    StopInfo,
    UnservedPair,
    VehicleBase,
    sea_crossings,
)
from outreach.planning.workload import workload
from outreach.timefmt import parse_hhmm
from outreach.wording import WEEKDAYS, Names, finding_json, say

# Sessions start on the quarter-hour: the times a town hall posts (09:30-16:00),
# planned so by the solver rather than rounded afterwards (solver.timing).
SESSION_GRID_MIN = 15


@dataclass(frozen=True)
class PlanningInput:
    """A solver problem with the rows it came from."""

    scenario: Scenario
    problem: sm.Problem
    services: dict[str, Service]
    vehicles: dict[str, Vehicle]
    staff: dict[str, StaffMember]  # by the opaque id used in the problem and export
    stops: dict[str, Stop]
    communes: dict[str, Commune]
    stop_demand: dict[str, int]
    fixed_sites: tuple[FixedSite, ...]
    near_fixed_site: dict[str, FixedSite | None]
    catchment: dict[str, tuple[str, ...]]
    location_ids: tuple[str, ...]
    start: dt.date
    end: dt.date
    holidays: dict[dt.date, str]
    travel_model: dict[str, object]
    access: AccessPolicy


def staff_export_id(member: StaffMember) -> str:
    """Staff appear in exports under an opaque id, never by name."""
    return f"staff-{member.id}"


def build_problem(
    session: Session, scenario_id: str, start: dt.date, weeks: int, travel: TravelModel,
    pins: Sequence[sm.Pin] = (),
    preferred: Sequence[sm.Pin] = (),
) -> PlanningInput:
    """The scenario as a solver problem over ``weeks`` weeks from ``start``; pins and
    preferred sessions outside the horizon, or naming a stop or vehicle that no longer
    exists, are left out."""
    scenario = _scenario(session, scenario_id, start, weeks)
    dates, holidays = working_dates(start, weeks, departement=scenario.departement)
    end = start + dt.timedelta(days=7 * weeks - 1)
    rows = _with_waiting_lists(session, scenario_id, _ScenarioRows.load(session, scenario_id),
                               start, end)
    services, vehicles, stops = rows.services, rows.vehicles, rows.stops

    location_ids: list[str] = []
    points: list[tuple[float, float]] = []

    def location(key: str, lat: float, lon: float) -> int:
        location_ids.append(key)
        points.append((lat, lon))
        return len(points) - 1

    solver_services = tuple(_solver_service(s) for s in services.values())
    solver_vehicles = tuple(
        _solver_vehicle(v, location(f"base:{v.code}", v.base_lat, v.base_lon))
        for v in vehicles.values())
    access = AccessPolicy.for_services((s.access_threshold_min for s in services.values()),
                                       travel)
    served_by = _catchments(session, rows, access)
    crossings = sea_crossings({code: [_crossing_info(c, rows.communes) for c in s.crossings]
                               for code, s in services.items()})
    base_land = {v.code: roads.land_of(v.base_insee) for v in vehicles.values()}
    solver_stops = tuple(
        across_the_sea(_solver_stop(code, s, location(f"stop:{code}", s.lat, s.lon),
                                    served_by.demand[code]),
                       roads.land_of(s.commune_insee), solver_vehicles, base_land, crossings)
        for code, s in stops.items())
    staff_by_id = {staff_export_id(m): m for m in rows.members}
    solver_staff = tuple(_solver_staff(m, dates, rows.absences.get(m.id or -1, []))
                         for m in rows.members)
    lands = [roads.land_of(v.base_insee) for v in vehicles.values()] \
        + [roads.land_of(s.commune_insee) for s in stops.values()]
    matrix = across(travel, points, lands,
                    [c for by_land in crossings.values() for c in by_land.values()])

    def current(items: Sequence[sm.Pin]) -> tuple[sm.Pin, ...]:
        return tuple(dict.fromkeys(
            p for p in items if p.date in dates and p.stop in stops and p.vehicle in vehicles
            and p.service in services))

    problem = sm.Problem(
        dates=tuple(dates), services=solver_services, vehicles=solver_vehicles,
        stops=solver_stops, staff=solver_staff, travel_min=matrix.travel_min,
        distance_m=matrix.distance_m, period_start=start,
        pins=current(pins), preferred=current(preferred),
        areas=tuple(sm.Area(insee, reach) for insee, reach in sorted(served_by.reach.items())
                    if any(credit > 0 for _, credit in reach)),
    )
    return PlanningInput(
        scenario=scenario, problem=problem, services=services, vehicles=vehicles,
        staff=staff_by_id, stops=stops, communes=rows.communes, stop_demand=served_by.demand,
        fixed_sites=tuple(rows.sites), near_fixed_site=served_by.near_fixed_site,
        catchment=served_by.communes,
        location_ids=tuple(location_ids), start=start, end=end, holidays=holidays,
        travel_model=travel.describe(), access=access,
    )


def _scenario(session: Session, scenario_id: str, start: dt.date, weeks: int) -> Scenario:
    """The scenario, once the horizon asked for it is known to be valid."""
    scenario = session.get(Scenario, scenario_id)
    if scenario is None:
        known = ", ".join(s.id for s in session.exec(select(Scenario)).all()) or "aucun"
        raise UnknownScenario(
            f"Scénario inconnu : {scenario_id!r} (chargés : {known}). Lancez d'abord seed-demo."
        )
    if not 1 <= weeks <= 26:
        raise InvalidInput(f"weeks : l'horizon doit compter de 1 à 26 semaines, pas {weeks}.")
    if start.isoweekday() != 1:
        raise InvalidInput(
            f"start : l'horizon commence un lundi ; le {start.isoformat()} est un "
            f"{WEEKDAYS[start.weekday()]}."
        )
    return scenario


@dataclass(frozen=True)
class _ScenarioRows:
    """A scenario's rows that a plan is computed from, in their planning order."""

    services: dict[str, Service]
    vehicles: dict[str, Vehicle]
    members: list[StaffMember]
    absences: dict[int, list[Absence]]
    stops: dict[str, Stop]
    communes: dict[str, Commune]
    sites: list[FixedSite]

    @classmethod
    def load(cls, session: Session, scenario_id: str) -> _ScenarioRows:
        services = {s.code: s for s in session.exec(
            select(Service).where(Service.scenario_id == scenario_id).order_by(Service.code))}
        vehicles = {v.code: v for v in session.exec(
            select(Vehicle).where(Vehicle.scenario_id == scenario_id).order_by(Vehicle.code))}
        members = list(session.exec(
            select(StaffMember).where(StaffMember.scenario_id == scenario_id)
            .order_by(col(StaffMember.id))).all())
        stops = {s.code: s for s in session.exec(
            select(Stop).where(Stop.scenario_id == scenario_id).order_by(Stop.code))}
        communes = {c.insee: c for c in session.exec(
            select(Commune).where(col(Commune.insee).in_(
                sorted({s.commune_insee for s in stops.values()}
                       | {v.base_insee for v in vehicles.values()}
                       | {c[end] for s in services.values() for c in s.crossings
                          for end in ("from_insee", "to_insee")})
            )))}
        absences: dict[int, list[Absence]] = {}
        for absence in session.exec(select(Absence).where(
                col(Absence.staff_id).in_([m.id for m in members]))):
            absences.setdefault(absence.staff_id, []).append(absence)
        sites = list(session.exec(select(FixedSite).where(FixedSite.scenario_id == scenario_id)
                                  .order_by(FixedSite.code)))
        return cls(services, vehicles, members, absences, stops, communes, sites)


def _with_waiting_lists(session: Session, scenario_id: str, rows: _ScenarioRows,
                        start: dt.date, end: dt.date) -> _ScenarioRows:
    """The rows with each stop's weight raised by its waiting lists
    (:mod:`outreach.appointments.demand`); the stored stops are left as they are."""
    from outreach.appointments.demand import waiting_factors

    factors = waiting_factors(session, scenario_id, start, end)
    if not factors:
        return rows
    stops = {code: Stop(**{**s.model_dump(), "vulnerability": round(
        s.vulnerability * factors[code], 3)}) if code in factors else s
        for code, s in rows.stops.items()}
    return dataclasses.replace(rows, stops=stops)


def _catchments(session: Session, rows: _ScenarioRows, access: AccessPolicy) -> Catchments:
    """Which communes of the stops' départements each stop serves, and its demand."""
    thresholds = {
        code: min((rows.services[c].access_threshold_min for c in stop.services
                   if c in rows.services), default=access.threshold_min)
        for code, stop in rows.stops.items()
    }
    departements = sorted({rows.communes[s.commune_insee].departement for s in rows.stops.values()})
    area = session.exec(select(Commune).where(col(Commune.departement).in_(departements))
                        .order_by(Commune.insee)).all()
    return catchments(list(area), rows.stops, rows.sites, access, thresholds)


def _solver_service(s: Service) -> sm.Service:
    return sm.Service(
        id=s.code, name=s.name,
        required_roles=tuple(tuple(slot) for slot in s.required_roles),
        session_min=s.session_min, setup_min=s.setup_min, packup_min=s.packup_min,
        earliest_start_min=s.earliest_start_min, latest_end_min=s.latest_end_min,
        visits_per_period=s.visits_per_period, period_weeks=s.period_weeks,
        min_spacing_days=s.min_spacing_days, max_sessions_per_day=s.max_sessions_per_day,
        max_one_way_min=s.max_one_way_min, lunch_min=s.lunch_break_min,
        lunch_start_min=s.lunch_start_min, lunch_end_min=s.lunch_end_min,
        start_grid_min=SESSION_GRID_MIN, keep_rhythm=not s.allow_day_change,
    )


def _solver_vehicle(v: Vehicle, base: int) -> sm.Vehicle:
    return sm.Vehicle(
        id=v.code, name=v.name, base=base,
        services=frozenset(v.services), weekdays=frozenset(v.weekdays),
        max_duty_min=v.max_duty_min, shift_start_min=v.shift_start_min,
        shift_end_min=v.shift_end_min,
    )


def _solver_stop(code: str, s: Stop, location: int, demand: int) -> sm.Stop:
    return sm.Stop(
        id=code, location=location, demand=demand, services=frozenset(s.services),
        windows=tuple(
            sm.Window(w["weekday"], parse_hhmm(w["from"], f"stops.{code}.windows.from"),
                      parse_hhmm(w["to"], f"stops.{code}.windows.to"))
            for w in s.windows
        ),
    )


def _solver_staff(member: StaffMember, dates: Sequence[dt.date],
                  away: Sequence[Absence]) -> sm.StaffMember:
    """A staff member, available on their weekdays of the horizon outside absences."""
    availability = tuple(
        sm.Availability(d, member.day_start_min, member.day_end_min)
        for d in dates
        if d.isoweekday() in member.weekdays
        and not any(a.start_date <= d <= a.end_date for a in away)
    )
    return sm.StaffMember(
        id=staff_export_id(member), roles=frozenset(member.roles), availability=availability,
        max_day_min=member.max_day_min, max_week_min=member.max_week_min,
    )


def _fixed_site_note(site: FixedSite | None) -> str:
    """Why a stop near a fixed site weighs little, said after its unserved reason."""
    if site is None:
        return ""
    return (f" Le site fixe « {site.name} » est à portée de ses familles : "
            "une séance y compte peu.")


def _pin_outcome(pin: sm.Pin, solution: sm.Solution, names: Names) -> PinOutcome:
    """Whether the plan holds ``pin``, and if not why (in French and as data)."""
    dropped = next((d for d in solution.dropped_pins if d.pin == pin), None)
    if dropped is None:
        return PinOutcome(pin.stop, pin.service, pin.date, pin.vehicle, held=True)
    return PinOutcome(pin.stop, pin.service, pin.date, pin.vehicle, held=False,
                      reason=say(dropped.why, names=names), why=finding_json(dropped.why))


def _crossing_info(crossing: dict[str, Any], communes: dict[str, Commune]) -> CrossingInfo:
    start, end = communes[crossing["from_insee"]], communes[crossing["to_insee"]]
    return CrossingInfo(start.insee, start.name, start.lat, start.lon, end.insee, end.name,
                        end.lat, end.lon, crossing["minutes"], tuple(crossing["sailing_days"]))


def _code(site: FixedSite | None) -> str | None:
    return site.code if site is not None else None


def plan_version(inp: PlanningInput, solution: sm.Solution, params: sm.SolveParams) -> PlanVersion:
    """The one mapping from a solve to the product's plan (not yet stored, without
    its coverage figures, which :mod:`outreach.planning` adds)."""
    problem = inp.problem
    names = Names(services={s.id: s.name for s in problem.services},
                  vehicles={v.id: v.name for v in problem.vehicles})
    version = PlanVersion(
        inputs=_inputs(inp),
        routes=tuple(DayRoute.of(r, inp.services[r.service].lunch_break_min)
                     for r in sorted(solution.routes, key=lambda r: (r.date, r.vehicle))),
        pins=tuple(_pin_outcome(p, solution, names) for p in problem.pins),
        unserved=tuple(
            UnservedPair(u.stop, u.service, u.missing_visits, u.reason_code.value,
                         say(u.why, names=names) + _fixed_site_note(inp.near_fixed_site[u.stop]),
                         finding_json(u.why))
            for u in sorted(solution.unserved, key=lambda u: (u.service, u.stop))),
        kpis=PlanKpis.of(solution.kpis),
        solver=SolverRun(
            method=solution.method.value, status=solution.status.value,
            objective=solution.objective, bound=solution.bound,
            elapsed_s=round(solution.elapsed_s, 2), time_limit_s=params.time_limit_s,
            work_limit_s=params.work_s, seed=params.seed,
            stopped_by_time_limit=solution.stats.wall_clock_cap_hit),
    )
    return with_derived_figures(version)


def with_derived_figures(version: PlanVersion) -> PlanVersion:
    """The version with its staff workload and recurrence computed from its routes."""
    problem = version.inputs.problem
    return dataclasses.replace(
        version, kpis=dataclasses.replace(version.kpis,
                                          workload=workload(version.routes, problem.staff)),
        recurrence=tuple(recurrence(version.routes, version.inputs.service_rules)))


def _inputs(inp: PlanningInput) -> PlanInputs:
    """What the plan was computed from: the problem without its pins and preferred
    sessions, and the product's data around it."""
    return PlanInputs(
        scenario_id=inp.scenario.id, scenario_name=inp.scenario.name,
        departement=inp.scenario.departement, start=inp.start, end=inp.end,
        holidays=tuple(sorted(inp.holidays.items())), travel_model=inp.travel_model,
        locations=inp.location_ids,
        problem=dataclasses.replace(inp.problem, pins=(), preferred=()),
        services={code: ServiceInfo(s.description, s.what_to_bring, s.contact,
                                    s.access_threshold_min, s.phone, s.appointments,
                                    tuple(_crossing_info(c, inp.communes) for c in s.crossings))
                  for code, s in inp.services.items()},
        bases={code: VehicleBase(v.base_lat, v.base_lon, v.base_insee, v.base_name)
               for code, v in inp.vehicles.items()},
        stops={code: StopInfo(s.commune_insee, inp.communes[s.commune_insee].name, s.venue,
                              s.lat, s.lon, inp.communes[s.commune_insee].children_0_6,
                              s.vulnerability, _code(inp.near_fixed_site[code]),
                              tuple(inp.catchment[code]))
               for code, s in inp.stops.items()},
        fixed_sites=tuple(FixedSiteInfo(f.code, f.name, f.commune_insee, f.lat, f.lon)
                          for f in inp.fixed_sites),
    )
