"""Pins a coordinator fixed, and why one might be impossible.

A pin that cannot hold even alone (wrong vehicle or service, vehicle off that
day, venue closed, too far, no crew) is dropped before solving. Pins that are
only impossible together (two on one vehicle-day beyond its capacity, or
breaking spacing or the period cap) are soft in the methods, with a weight
above any possible objective gain, so the solver keeps as many as it can; the
rest are reported, never raised.
"""

from __future__ import annotations

from solver.dayroute import bounded_timings, staff_route
from solver.instance import Instance
from solver.model import Arg, DroppedPin, Finding, Pin, Problem, Route, SolveParams


def lone_pin_problem(inst: Instance, pin: Pin) -> Finding | None:
    """Why ``pin`` cannot hold even as the only session of its vehicle-day
    (a ``pin.*`` finding), or ``None`` when it can."""
    stop, service = inst.stops[pin.stop], inst.services[pin.service]
    vehicle = inst.vehicles[pin.vehicle]
    where: dict[str, Arg] = {"vehicle": vehicle.id, "service": service.id, "stop": stop.id, "date": pin.date}
    if service.id not in vehicle.services or not stop.allows(vehicle.id):
        return Finding.of("pin.wrong_vehicle", **where)
    if service.id not in stop.services:
        return Finding.of("pin.wrong_service", **where)
    if not inst.runs(vehicle, pin.date):
        return Finding.of("pin.vehicle_off", **where)
    if not inst.intervals(stop, service, pin.date.isoweekday()):
        return Finding.of("pin.venue_closed", **where, session_dur=stop.session_for(service),
                          on_site_dur=stop.on_site_for(service))
    if not bounded_timings(inst, vehicle, pin.date.isoweekday(), service, [stop]):
        return Finding.of("pin.too_far", **where)
    if staff_route(inst, vehicle, pin.date, service, [stop], inst.staff_by_date[pin.date]) is None:
        return Finding.of("pin.no_crew", **where)
    return None


def pin_penalty(problem: Problem, params: SolveParams) -> int:
    """Weight of one pin: more than the whole objective can swing, so keeping
    one more pin always beats any other gain."""
    demand = (sum(s.demand for s in problem.stops) + sum(a.demand for a in problem.areas)) * len(
        problem.dates)
    longest = max((max(row) for row in problem.travel_min), default=0)
    travel = longest * 2 * len(problem.dates) * len(problem.vehicles) * max(
        (s.max_sessions_per_day + 1 for s in problem.services), default=1
    )
    weekdays = 7 * len(problem.stops) * len(problem.services)
    return (
        params.demand_weight * demand
        + params.travel_weight * travel
        + (params.weekday_change_weight + params.month_week_change_weight) * weekdays
        + params.demand_weight * params.move_threshold * len(problem.preferred)
        + 1
    )


def dropped_pins(
    problem: Problem, routes: tuple[Route, ...], reasons: dict[Pin, Finding]
) -> tuple[DroppedPin, ...]:
    """Every pin absent from ``routes``, with its reason from ``reasons``
    (pins found impossible alone) or else as jointly infeasible."""
    held = {(v.stop, v.service, r.date, r.vehicle) for r in routes for v in r.visits}
    return tuple(
        DroppedPin(pin, reasons.get(pin) or Finding.of(
            "pin.jointly_infeasible", vehicle=pin.vehicle, service=pin.service, stop=pin.stop,
            date=pin.date))
        for pin in problem.pins
        if (pin.stop, pin.service, pin.date, pin.vehicle) not in held
    )
