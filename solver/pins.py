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
from solver.model import DroppedPin, Pin, Problem, Route, SolveParams
from solver.text import french_date, hours

JOINTLY_INFEASIBLE = (
    "Épingle incompatible avec d'autres épingles (même journée du véhicule, espacement "
    "minimal ou fréquence maximale)."
)


def lone_pin_problem(inst: Instance, pin: Pin) -> str | None:
    """Why ``pin`` cannot hold even as the only session of its vehicle-day
    (a French sentence), or ``None`` when it can."""
    stop, service = inst.stops[pin.stop], inst.services[pin.service]
    vehicle = inst.vehicles[pin.vehicle]
    if service.id not in vehicle.services:
        return f"Le véhicule « {vehicle.name} » n'assure pas le service « {service.name} »."
    if service.id not in stop.services:
        return f"L'arrêt {stop.id} ne propose pas le service « {service.name} »."
    if not inst.runs(vehicle, pin.date):
        return f"Le véhicule « {vehicle.name} » ne circule pas le {french_date(pin.date)}."
    if not inst.intervals(stop, service, pin.date.isoweekday()):
        return (
            f"La salle n'a aucun créneau le {french_date(pin.date)} pour une séance de "
            f"{hours(service.session_min)} ({hours(service.on_site_min)} sur place)."
        )
    if not bounded_timings(inst, vehicle, pin.date.isoweekday(), service, [stop]):
        return (
            f"Trop loin : la séance du {french_date(pin.date)} ne tient pas dans la journée "
            f"du véhicule « {vehicle.name} »."
        )
    if staff_route(inst, vehicle, pin.date, service, [stop], inst.staff_by_date[pin.date]) is None:
        return f"Aucune équipe complète n'est disponible le {french_date(pin.date)} pour cette séance."
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
    problem: Problem, routes: tuple[Route, ...], reasons: dict[Pin, str]
) -> tuple[DroppedPin, ...]:
    """Every pin absent from ``routes``, with its reason from ``reasons``
    (pins found impossible alone) or else as jointly infeasible."""
    held = {(v.stop, v.service, r.date, r.vehicle) for r in routes for v in r.visits}
    return tuple(
        DroppedPin(pin, reasons.get(pin, JOINTLY_INFEASIBLE))
        for pin in problem.pins
        if (pin.stop, pin.service, pin.date, pin.vehicle) not in held
    )
