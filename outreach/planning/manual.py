"""Editing a plan by hand: move or remove one session, see which rules the change breaks,
and save the result as a new draft version.

Everything is read from the stored plan version itself (its inputs and routes), so
a check reads the plan exactly as it was computed, and the solver's own checker
(:func:`solver.check_solution`) judges the edited routes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlmodel import Session

import solver as sm
from outreach import audit
from outreach.access.coverage import coverage_kpis
from outreach.db import use_case
from outreach.errors import InvalidInput, RulesBroken
from outreach.models import Plan
from outreach.planning import read_version, store_version
from outreach.planning.mapping import with_derived_figures
from outreach.planning.plan import DayRoute, PlanKpis, PlanVersion, UnservedPair
from outreach.timefmt import parse_hhmm
from outreach.wording import date_fr, say
from solver import Lunch, check_solution, kpis, stop_service_pairs, target_visits

REMOVED = "removed"
REMOVED_WHY = {"code": "manual.removed", "args": {}}


@dataclass(frozen=True)
class Edit:
    """Move (``new_date`` given) or remove one session of a plan."""

    date: dt.date
    vehicle: str
    stop: str
    new_date: dt.date | None = None
    new_vehicle: str | None = None
    new_start: str | None = None  # "HH:MM"; keeps the session's hours when omitted

    @property
    def removes(self) -> bool:
        return self.new_date is None


def lunch_slot(problem: sm.Problem, service: sm.Service, depart: int, back: int,
               visits: list[sm.Visit], vehicle: str) -> int | None:
    """Where the crew's break fits on duty (the earliest gap between a pack-up
    and the next leg that holds it inside the window), or ``None`` when it is
    not needed or does not fit (the check then names the missing break)."""
    lunch = Lunch.of(service)
    if lunch is None or not visits or lunch.free_outside(depart, back):
        return None
    stops = {s.id: s.location for s in problem.stops}
    base = next(v.base for v in problem.vehicles if v.id == vehicle)
    way_back = problem.travel_min[stops[visits[-1].stop]][base]
    return lunch.earliest(Lunch.duty_gaps(depart, back, visits, way_back))


def route_of(problem: sm.Problem, vehicle: str, date: dt.date, service: str,
           crew: tuple[sm.CrewSlot, ...], visits: list[tuple[str, int]]) -> sm.Route:
    """A route visiting ``(stop, session start)`` in order of start, with times derived."""
    services = {s.id: s for s in problem.services}
    stops = {s.id: s for s in problem.stops}
    base = next(v.base for v in problem.vehicles if v.id == vehicle)
    spec = services[service]
    here, legs_min, legs_m, out = base, 0, 0, []
    for stop_id, start in sorted(visits, key=lambda v: v[1]):
        there = stops[stop_id].location
        leg = problem.travel_min[here][there]
        end = start + stops[stop_id].session_for(spec)  # a stop may set its own length
        out.append(sm.Visit(stop_id, service, start - spec.setup_min, start, end,
                            end + spec.packup_min, leg))
        legs_min += leg
        legs_m += problem.distance_m[here][there]
        here = there
    legs_min += problem.travel_min[here][base]
    legs_m += problem.distance_m[here][base]
    depart = out[0].arrive_min - out[0].travel_min_from_previous
    back = out[-1].leave_min + problem.travel_min[here][base]
    lunch = lunch_slot(problem, spec, depart, back, out, vehicle)
    return sm.Route(vehicle, date, service, crew, depart, back, legs_m, legs_min, tuple(out), lunch)


def apply_edit(problem: sm.Problem, routes: list[sm.Route], edit: Edit) -> list[sm.Route]:
    """The routes after the edit, times recomputed; raises InvalidInput for an unknown session."""
    source = next((r for r in routes if r.date == edit.date and r.vehicle == edit.vehicle
                   and any(v.stop == edit.stop for v in r.visits)), None)
    if source is None:
        raise InvalidInput(f"Aucune séance à {edit.stop} le {edit.date} avec le véhicule {edit.vehicle}.")
    moved = next(v for v in source.visits if v.stop == edit.stop)
    result = [r for r in routes if r is not source]
    remaining = [(v.stop, v.start_min) for v in source.visits if v.stop != edit.stop]
    if remaining:
        result.append(route_of(problem, source.vehicle, source.date, source.service, source.crew,
                             remaining))
    if edit.removes:
        return result
    assert edit.new_date is not None
    vehicle = edit.new_vehicle or edit.vehicle
    if vehicle not in {v.id for v in problem.vehicles}:
        raise InvalidInput(f"champ vehicle : véhicule {vehicle!r} inconnu")
    start = parse_hhmm(edit.new_start, "start") if edit.new_start else moved.start_min
    target = next((r for r in result if r.date == edit.new_date and r.vehicle == vehicle), None)
    if target is None:
        result.append(route_of(problem, vehicle, edit.new_date, source.service, source.crew,
                             [(edit.stop, start)]))
    else:
        result.remove(target)
        result.append(route_of(problem, vehicle, edit.new_date, target.service, target.crew,
                             [(v.stop, v.start_min) for v in target.visits] + [(edit.stop, start)]))
    return sorted(result, key=lambda r: (r.date, r.vehicle))


def edited_solution(problem: sm.Problem, routes: list[sm.Route]) -> sm.Solution:
    """Routes made or changed by hand as a solution (for the checker and the KPIs)."""
    return sm.Solution(status=sm.Status.FEASIBLE, routes=tuple(routes), unserved=(),
                       kpis=kpis(problem, routes), objective=0, bound=None, elapsed_s=0.0)


def check_edit(version: PlanVersion, edit: Edit) -> tuple[list[sm.Route], list[sm.Finding]]:
    """The edited routes and every hard rule they break (empty when the edit is valid)."""
    problem = version.inputs.problem
    routes = apply_edit(problem, [r.solver_route() for r in version.routes], edit)
    return routes, check_solution(problem, edited_solution(problem, routes))


@use_case
def save_edit(session: Session, plan_id: int, edit: Edit) -> Plan:
    """A new draft version with the edit applied; refused if it breaks a rule."""
    old = read_version(session, plan_id)
    routes, violations = check_edit(old, edit)
    if violations:
        raise RulesBroken("Modification refusée : elle enfreint des règles.", violations)
    inputs = old.inputs
    problem = inputs.problem
    coverage = coverage_kpis(
        session, inputs.departement,
        {(inputs.stops[v.stop].lat, inputs.stops[v.stop].lon) for r in routes for v in r.visits},
        inputs.access(), fixed_points=[(f.lat, f.lon) for f in inputs.fixed_sites])
    lunch = {s.id: s.lunch_min for s in problem.services}
    action = "retirée" if edit.removes else f"déplacée au {date_fr(edit.new_date)}"  # type: ignore[arg-type]
    edited = replace(
        old, plan_id=None, status=None, created_at=None, published_at=None,
        unserved=_unserved_after(old, problem, routes),
        kpis=replace(PlanKpis.of(kpis(problem, routes)), coverage=coverage),
        solver=replace(old.solver, method="manual", status="feasible", bound=None,
                       edited_from=plan_id,
                       edit=f"Séance de {edit.stop} du {date_fr(edit.date)} {action}"),
    ).with_routes(tuple(DayRoute.of(r, lunch[r.service]) for r in routes))
    stored = store_version(session, with_derived_figures(edited))
    audit.record(session, "plan.edit", f"plan {stored.id}", edited_from=plan_id,
                 edit=edited.solver.edit)
    return stored


def _unserved_after(old: PlanVersion, problem: sm.Problem,
                    routes: list[sm.Route]) -> tuple[UnservedPair, ...]:
    """Earlier reasons for pairs still short; "removed" for pairs the edit left short."""
    held: dict[tuple[str, str], int] = {}
    for route in routes:
        for visit in route.visits:
            held[(visit.stop, visit.service)] = held.get((visit.stop, visit.service), 0) + 1
    before = {(u.stop, u.service): u for u in old.unserved}
    result = []
    for stop, service in stop_service_pairs(problem):
        missing = target_visits(problem, stop, service) - held.get((stop.id, service.id), 0)
        if missing <= 0:
            continue
        earlier = before.get((stop.id, service.id))
        if earlier and earlier.missing_visits == missing:
            result.append(earlier)
        else:
            result.append(UnservedPair(stop.id, service.id, missing, REMOVED, say(REMOVED_WHY),
                                       REMOVED_WHY))
    return tuple(sorted(result, key=lambda u: (u.service, u.stop)))
