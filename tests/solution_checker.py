"""An independent judge of solver solutions, for the solver's tests.

``solve()`` already refuses to return a plan its own :mod:`solver.check`
rejects, so asserting that check in a test proves nothing. This module shares
no code with the solver: it re-derives every hard rule from the problem's
dataclasses and the solution's routes with its own arithmetic (the crew
matching is the export checker's, :mod:`plan_checker`).
``violations(problem, solution)`` lists what is wrong, empty for a valid plan.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from plan_checker import _crew_fills_slots

from solver import Problem, Solution


def violations(problem: Problem, solution: Solution) -> list[str]:
    services = {s.id: s for s in problem.services}
    vehicles = {v.id: v for v in problem.vehicles}
    stops = {s.id: s for s in problem.stops}
    staff = {m.id: m for m in problem.staff}
    travel = problem.travel_min
    errors: list[str] = []
    on_date: dict[tuple[str, dt.date], int] = defaultdict(int)
    vehicle_days: dict[tuple[str, dt.date], int] = defaultdict(int)
    week_minutes: dict[tuple[str, int, int], int] = defaultdict(int)
    held: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for route in solution.routes:
        where = f"{route.vehicle} {route.date}"
        vehicle, service = vehicles[route.vehicle], services[route.service]
        vehicle_days[(vehicle.id, route.date)] += 1
        if route.date not in problem.dates:
            errors.append(f"{where}: not a working date")
        if route.date.isoweekday() not in vehicle.weekdays or route.date in vehicle.unavailable_dates:
            errors.append(f"{where}: the vehicle does not run that day")
        if service.id not in vehicle.services:
            errors.append(f"{where}: the vehicle does not carry {service.id}")
        if not route.visits:
            errors.append(f"{where}: no visit")
            continue
        if len(route.visits) > service.max_sessions_per_day:
            errors.append(f"{where}: {len(route.visits)} sessions in a day")
        if vehicle.capacity is not None and \
                sum(stops[v.stop].load for v in route.visits) > vehicle.capacity:
            errors.append(f"{where}: over capacity")
        if route.depart_min < vehicle.shift_start_min or route.return_min > vehicle.shift_end_min:
            errors.append(f"{where}: outside the shift")
        duty = route.return_min - route.depart_min
        if duty > vehicle.max_duty_min:
            errors.append(f"{where}: duty {duty} > {vehicle.max_duty_min}")
        place, clock, driven = vehicle.base, route.depart_min, 0
        for visit in route.visits:
            stop = stops[visit.stop]
            leg = travel[place][stop.location]
            driven += leg
            if visit.service != service.id or service.id not in stop.services:
                errors.append(f"{where}: {visit.stop} does not offer {service.id}")
            if service.max_one_way_min is not None and \
                    travel[vehicle.base][stop.location] > service.max_one_way_min:
                errors.append(f"{where}: {visit.stop} beyond the one-way limit")
            if visit.arrive_min < clock + leg:
                errors.append(f"{where}: {visit.stop} reached before the drive ends")
            if (visit.start_min - visit.arrive_min, visit.end_min - visit.start_min,
                    visit.leave_min - visit.end_min) != (service.setup_min, service.session_min,
                                                         service.packup_min):
                errors.append(f"{where}: {visit.stop} set-up, session or pack-up lengths wrong")
            if visit.start_min < service.earliest_start_min or visit.end_min > service.latest_end_min:
                errors.append(f"{where}: {visit.stop} session outside the service's hours")
            if not any(w.weekday == route.date.isoweekday() and w.start_min <= visit.arrive_min
                       and visit.leave_min <= w.end_min for w in stop.windows):
                errors.append(f"{where}: {visit.stop} stay outside its opening windows")
            held[(visit.stop, service.id)].append(route.date)
            place, clock = stop.location, visit.leave_min
        back = travel[place][vehicle.base]
        driven += back
        if route.return_min < clock + back:
            errors.append(f"{where}: back at the base before the drive ends")
        if driven != route.travel_min:
            errors.append(f"{where}: travel {route.travel_min} != {driven}")
        errors += _lunch(where, problem, route)
        roles = []
        for slot in route.crew:
            member = staff.get(slot.staff)
            if member is None or slot.role not in member.roles:
                errors.append(f"{where}: {slot.staff} does not hold {slot.role}")
                continue
            roles.append(slot.role)
            on_date[(member.id, route.date)] += 1
            if not any(a.date == route.date and a.start_min <= route.depart_min
                       and route.return_min <= a.end_min for a in member.availability):
                errors.append(f"{where}: {member.id} not available over the duty")
            if duty > member.max_day_min:
                errors.append(f"{where}: {member.id} works {duty} > {member.max_day_min}")
            year, week, _ = route.date.isocalendar()
            week_minutes[(member.id, year, week)] += duty
        if not _crew_fills_slots([{"role": r} for r in roles],
                                 [list(slot) for slot in service.required_roles]):
            errors.append(f"{where}: the crew does not fill the required slots")
    errors += [f"{m} {d}: {n} vehicle-days" for (m, d), n in on_date.items() if n > 1]
    errors += [f"{v} {d}: {n} routes" for (v, d), n in vehicle_days.items() if n > 1]
    for (member_id, year, week), minutes in week_minutes.items():
        limit = staff[member_id].max_week_min
        if limit is not None and minutes > limit:
            errors.append(f"{member_id} week {year}-{week}: {minutes} > {limit}")
    first = problem.period_start or problem.dates[0]
    for (stop_id, service_id), dates in held.items():
        service = services[service_id]
        per_period: dict[int, int] = defaultdict(int)
        for date in dates:
            per_period[(date - first).days // (7 * service.period_weeks)] += 1
        if any(n > service.visits_per_period for n in per_period.values()):
            errors.append(f"{stop_id} {service_id}: more sessions than its period allows")
        ordered = sorted(dates)
        for a, b in itertools.pairwise(ordered):
            if (b - a).days < service.min_spacing_days:
                errors.append(f"{stop_id} {service_id}: {a} and {b} closer than "
                              f"{service.min_spacing_days} days")
    return errors


def _lunch(where: str, problem: Problem, route) -> list[str]:  # type: ignore[no-untyped-def]
    """A free break of ``lunch_min`` in the lunch window: before leaving, after
    returning, or the route's declared break in a stretch between two pieces of
    work (departure or pack-up, then the next set-up or the return), with the leg
    of that stretch driven before or after it."""
    service = next(s for s in problem.services if s.id == route.service)
    if not service.lunch_min:
        return []
    low, high, minutes = service.lunch_start_min, service.lunch_end_min, service.lunch_min
    if min(high, route.depart_min) - low >= minutes or high - max(low, route.return_min) >= minutes:
        return []
    start = route.lunch_start_min
    if start is None or start < low or start + minutes > high:
        return [f"{where}: no lunch break"]
    stops = {s.id: s for s in problem.stops}
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle)
    places = [vehicle.base] + [stops[v.stop].location for v in route.visits] + [vehicle.base]
    free_from = [route.depart_min] + [v.leave_min for v in route.visits]
    busy_from = [v.arrive_min for v in route.visits] + [route.return_min]
    for i, (free, busy) in enumerate(zip(free_from, busy_from)):
        leg = problem.travel_min[places[i]][places[i + 1]]
        if (free <= start and start + minutes + leg <= busy) or (
                free + leg <= start and start + minutes <= busy):
            return []
    return [f"{where}: the lunch break does not fit between two pieces of work"]
