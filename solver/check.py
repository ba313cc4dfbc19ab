"""Independent feasibility check of a solution against every hard rule.

Re-derives each constraint from the public :class:`Solution` and the
:class:`Problem` alone (no solver internals), so that a bug in a method
cannot hide here. ``solve`` never returns a solution this check rejects.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict

from solver.model import Problem, Route, Solution
from solver.periods import period_of


def check_route(problem: Problem, route: Route) -> list[str]:
    """Violations inside one route: vehicle, service, crew and timing rules."""
    where = f"route {route.vehicle} {route.date}"
    vehicles = {v.id: v for v in problem.vehicles}
    services = {s.id: s for s in problem.services}
    stops = {s.id: s for s in problem.stops}
    staff = {m.id: m for m in problem.staff}
    vehicle = vehicles.get(route.vehicle)
    service = services.get(route.service)
    if vehicle is None or service is None:
        return [f"{where}: unknown vehicle or service {route.service!r}"]
    errors: list[str] = []
    if route.date not in problem.dates:
        errors.append(f"{where}: not a working date of the horizon")
    if route.date.isoweekday() not in vehicle.weekdays or route.date in vehicle.unavailable_dates:
        errors.append(f"{where}: vehicle not available that day")
    if service.id not in vehicle.services:
        errors.append(f"{where}: vehicle does not carry service {service.id}")

    # Crew: one distinct, qualified, available member per slot.
    duty = route.return_min - route.depart_min
    if len(route.crew) != len(service.required_roles):
        errors.append(f"{where}: {len(route.crew)} crew for {len(service.required_roles)} slots")
    if len({c.staff for c in route.crew}) != len(route.crew):
        errors.append(f"{where}: one person fills two slots")
    for slot, member_slot in zip(service.required_roles, route.crew):
        member = staff.get(member_slot.staff)
        if member is None:
            errors.append(f"{where}: unknown staff {member_slot.staff!r}")
            continue
        if member_slot.role not in slot or member_slot.role not in member.roles:
            errors.append(f"{where}: {member.id} cannot fill slot {slot} as {member_slot.role}")
        if duty > member.max_day_min:
            errors.append(f"{where}: duty {duty} min exceeds {member.id}'s {member.max_day_min}")
        if not any(
            a.date == route.date and a.start_min <= route.depart_min and route.return_min <= a.end_min
            for a in member.availability
        ):
            errors.append(f"{where}: {member.id} not available over the whole duty")

    # Times along the route.
    if not 1 <= len(route.visits) <= service.max_sessions_per_day:
        errors.append(f"{where}: {len(route.visits)} visits, allowed 1..{service.max_sessions_per_day}")
    if route.depart_min < vehicle.shift_start_min:
        errors.append(f"{where}: departs before the shift starts")
    if route.return_min > vehicle.shift_end_min:
        errors.append(f"{where}: returns after the shift ends")
    if duty > vehicle.max_duty_min:
        errors.append(f"{where}: duty {duty} min exceeds the vehicle's {vehicle.max_duty_min}")
    place, free_at = vehicle.base, route.depart_min
    travel_total = distance_total = 0
    for visit in route.visits:
        stop = stops.get(visit.stop)
        if stop is None:
            errors.append(f"{where}: unknown stop {visit.stop!r}")
            return errors
        at = f"{where} at {stop.id}"
        leg = problem.travel_min[place][stop.location]
        travel_total += leg
        distance_total += problem.distance_m[place][stop.location]
        if visit.service != service.id or service.id not in stop.services:
            errors.append(f"{at}: service {visit.service} not the route's or not offered")
        if visit.travel_min_from_previous != leg:
            errors.append(f"{at}: travel_min_from_previous {visit.travel_min_from_previous} != {leg}")
        if visit.arrive_min < free_at + leg:
            errors.append(f"{at}: arrives at {visit.arrive_min} before {free_at + leg}")
        if visit.start_min - visit.arrive_min != service.setup_min:
            errors.append(f"{at}: set-up is not {service.setup_min} min")
        if visit.end_min - visit.start_min != service.session_min:
            errors.append(f"{at}: session is not {service.session_min} min")
        if visit.leave_min - visit.end_min != service.packup_min:
            errors.append(f"{at}: pack-up is not {service.packup_min} min")
        if visit.start_min < service.earliest_start_min or visit.end_min > service.latest_end_min:
            errors.append(f"{at}: session outside the service's hours")
        if not any(
            w.weekday == route.date.isoweekday()
            and w.start_min <= visit.arrive_min
            and visit.leave_min <= w.end_min
            for w in stop.windows
        ):
            errors.append(f"{at}: stay {visit.arrive_min}-{visit.leave_min} in no opening window")
        place, free_at = stop.location, visit.leave_min
    back = problem.travel_min[place][vehicle.base]
    if route.return_min < free_at + back:
        errors.append(f"{where}: returns at {route.return_min} before {free_at + back}")
    if route.travel_min != travel_total + back:
        errors.append(f"{where}: travel_min {route.travel_min} != {travel_total + back}")
    if route.distance_m != distance_total + problem.distance_m[place][vehicle.base]:
        errors.append(f"{where}: distance_m does not match the matrix")
    return errors


def check_solution(problem: Problem, solution: Solution) -> list[str]:
    """Every hard-constraint violation of ``solution``, as readable lines
    (empty when the solution is feasible)."""
    errors: list[str] = []
    for route in solution.routes:
        errors.extend(check_route(problem, route))

    vehicle_days = Counter((r.vehicle, r.date) for r in solution.routes)
    errors.extend(f"vehicle {v} has {n} routes on {d}" for (v, d), n in vehicle_days.items() if n > 1)
    staff_days = Counter((c.staff, r.date) for r in solution.routes for c in r.crew)
    errors.extend(f"staff {s} is in {n} routes on {d}" for (s, d), n in staff_days.items() if n > 1)

    services = {s.id: s for s in problem.services}
    dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for route in solution.routes:
        for visit in route.visits:
            dates[(visit.stop, visit.service)].append(route.date)
    for (stop, service_id), days in dates.items():
        service = services.get(service_id)
        if service is None:
            continue
        days.sort()
        for first, second in itertools.pairwise(days):
            if (second - first).days < service.min_spacing_days:
                errors.append(
                    f"{stop}/{service_id}: sessions on {first} and {second} closer than "
                    f"{service.min_spacing_days} days"
                )
        per_period = Counter(period_of(problem, service, d) for d in days)
        for period, count in sorted(per_period.items()):
            if count > service.visits_per_period:
                errors.append(
                    f"{stop}/{service_id}: {count} sessions in period {period}, "
                    f"at most {service.visits_per_period}"
                )

    dropped = {d.pin for d in solution.dropped_pins}
    held = {(v.stop, v.service, r.date, r.vehicle) for r in solution.routes for v in r.visits}
    for pin in problem.pins:
        if pin not in dropped and (pin.stop, pin.service, pin.date, pin.vehicle) not in held:
            errors.append(f"pin {pin} is neither in the plan nor reported as dropped")
    return errors
