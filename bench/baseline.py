"""A nearest-first greedy planner, the simple baseline the optimiser is compared with.

Day by day, each available vehicle leaves its base and drives to the nearest
stop that still needs a session (open that weekday, spacing and period cap
respected), as long as the day's times and the crew's lunch break allow; a
vehicle-day whose route finds no full crew (within daily and weekly hours) is
dropped. It obeys the same hard rules as the optimiser, and
its output is checked by the same checker.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from solver import (
    CrewSlot,
    Lunch,
    Problem,
    Route,
    Service,
    Stop,
    Vehicle,
    Visit,
    covering_availability,
    slot_role,
)


def _fit(service: Service, stop: Stop, weekday: int, ready: int) -> tuple[int, int] | None:
    """Earliest (arrive, leave) at ``stop`` for a vehicle that can be there at ``ready``."""
    best = None
    for window in stop.windows:
        if window.weekday != weekday:
            continue
        arrive = max(ready, window.start_min, service.earliest_start_min - service.setup_min)
        end = arrive + service.setup_min + service.session_min
        leave = end + service.packup_min
        fits = leave <= window.end_min and end <= service.latest_end_min
        if fits and (best is None or arrive < best[0]):
            best = (arrive, leave)
    return best


def _crew(problem: Problem, service: Service, day: dt.date, depart: int, back: int,
          busy: set[str], week_used: dict[tuple[str, int], int]) -> tuple[CrewSlot, ...] | None:
    chosen: list[CrewSlot] = []
    taken = set(busy)
    week = day.isocalendar()[1]
    for slot in service.required_roles:
        for member in problem.staff:
            role = slot_role(member, slot)
            if role is None or member.id in taken:
                continue
            if member.max_week_min is not None and (
                    week_used[(member.id, week)] + back - depart > member.max_week_min):
                continue
            if covering_availability(member, day, depart, back) is not None:
                chosen.append(CrewSlot(member.id, role))
                taken.add(member.id)
                break
        else:
            return None
    return tuple(chosen)


def greedy_plan(problem: Problem) -> list[Route]:
    services = {s.id: s for s in problem.services}
    held: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    week_used: dict[tuple[str, int], int] = defaultdict(int)
    origin = problem.first_period_day
    routes: list[Route] = []

    def period(service: Service, day: dt.date) -> int:
        return (day - origin).days // (7 * service.period_weeks)

    def needs(stop: Stop, service: Service, day: dt.date) -> bool:
        dates = held[(stop.id, service.id)]
        same_period = sum(1 for d in dates if period(service, d) == period(service, day))
        return same_period < service.visits_per_period and all(
            abs((day - d).days) >= service.min_spacing_days for d in dates)

    for day in problem.dates:
        busy: set[str] = set()
        for vehicle in problem.vehicles:
            if day.isoweekday() not in vehicle.weekdays or day in vehicle.unavailable_dates:
                continue
            for service_id in sorted(vehicle.services):
                route = _route(problem, vehicle, services[service_id], day, needs, busy, week_used)
                if route is not None:
                    routes.append(route)
                    busy.update(slot.staff for slot in route.crew)
                    for slot in route.crew:
                        week_used[(slot.staff, day.isocalendar()[1])] += (
                            route.return_min - route.depart_min)
                    for visit in route.visits:
                        held[(visit.stop, visit.service)].append(day)
                    break
    return routes


def _lunch(problem: Problem, service: Service, vehicle: Vehicle, depart: int, back: int,
           visits: list[Visit]) -> tuple[bool, int | None]:
    """(possible, start on duty): the crew's break before leaving, after
    returning, or in the first gap between a pack-up and the next leg."""
    lunch = Lunch.of(service)
    if lunch is None or lunch.free_outside(depart, back):
        return True, None
    location = {s.id: s.location for s in problem.stops}
    way_back = problem.travel_min[location[visits[-1].stop]][vehicle.base]
    start = lunch.earliest(Lunch.duty_gaps(depart, back, visits, way_back))
    return start is not None, start


def _route(problem: Problem, vehicle: Vehicle, service: Service, day: dt.date, needs, busy,  # type: ignore[no-untyped-def]
           week_used):
    travel, distance = problem.travel_min, problem.distance_m
    here, clock = vehicle.base, vehicle.shift_start_min
    visits: list[Visit] = []
    depart = None
    used: set[str] = set()
    while len(visits) < service.max_sessions_per_day:
        candidates = sorted(
            (travel[here][s.location], s.id, s) for s in problem.stops
            if service.id in s.services and s.id not in used and needs(s, service, day)
        )
        for leg, _, stop in candidates:
            fit = _fit(service, stop, day.isoweekday(), clock + leg)
            if fit is None:
                continue
            arrive, leave = fit
            first_depart = depart if depart is not None else arrive - leg
            back = leave + travel[stop.location][vehicle.base]
            if back > vehicle.shift_end_min or back - first_depart > vehicle.max_duty_min:
                continue
            visit = Visit(stop.id, service.id, arrive, arrive + service.setup_min,
                          arrive + service.setup_min + service.session_min, leave, leg)
            if not _lunch(problem, service, vehicle, first_depart, back, [*visits, visit])[0]:
                continue  # no break for the crew if the day ended here
            depart = first_depart
            visits.append(visit)
            used.add(stop.id)
            here, clock = stop.location, leave
            break
        else:
            break
    if not visits or depart is None:
        return None
    back = clock + travel[here][vehicle.base]
    _fits, lunch = _lunch(problem, service, vehicle, depart, back, visits)
    crew = _crew(problem, service, day, depart, back, busy, week_used)
    if crew is None:
        return None
    path = [vehicle.base] + [next(s.location for s in problem.stops if s.id == v.stop)
                             for v in visits] + [vehicle.base]
    legs = list(itertools.pairwise(path))
    return Route(vehicle.id, day, service.id, crew, depart, back,
                 sum(distance[a][b] for a, b in legs), sum(travel[a][b] for a, b in legs),
                 tuple(visits), lunch)
