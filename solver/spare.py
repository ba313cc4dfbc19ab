"""Days a plan leaves free for one more stop: the vehicle-days no route uses on which a
crew of staff on no route that day can hold a session there, and the routes with room
for one more session of their service (``max_sessions_per_day``) that can take it with
their crew (or staff free that day), by the solver's own day-route rule
(:func:`solver.dayroute.staff_route`)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Sequence

from solver.crew import match_crew
from solver.dayroute import staff_route, week_of
from solver.instance import Instance
from solver.model import Problem, Service, StaffMember, Stop, Vehicle
from solver.periods import period_of

# A route already planned: (vehicle, date, its crew's staff ids, its duty in minutes,
# its service, its stops' ids in visiting order).
BusyRoute = tuple[str, dt.date, tuple[str, ...], int, str, tuple[str, ...]]


def _occupied(busy: Sequence[BusyRoute]
              ) -> tuple[set[tuple[str, dt.date]], dict[dt.date, set[str]]]:
    """The (vehicle, date) pairs the ``busy`` routes use, and the staff on them each date."""
    used = {(route[0], route[1]) for route in busy}
    taken: dict[dt.date, set[str]] = {}
    for _vehicle, date, crew, *_ in busy:
        taken.setdefault(date, set()).update(crew)
    return used, taken


def with_room(busy: Sequence[BusyRoute], service: Service, vehicles: Collection[str]
              ) -> list[BusyRoute]:
    """The ``busy`` routes of ``service`` on one of ``vehicles`` with fewer sessions than
    the service allows a vehicle-day: each may take one more."""
    return [route for route in busy
            if route[4] == service.id and route[0] in vehicles and route[5]
            and len(route[5]) < service.max_sessions_per_day]


def _with_room(inst: Instance, busy: Sequence[BusyRoute], service: Service
               ) -> dict[dt.date, list[BusyRoute]]:
    """:func:`with_room` on ``inst``'s vehicles, for the routes whose stops ``inst``
    knows, by date."""
    stops = inst.stops
    found: dict[dt.date, list[BusyRoute]] = {}
    for route in with_room(busy, service, {v.id for v in inst.problem.vehicles}):
        if all(s in stops for s in route[5]):
            found.setdefault(route[1], []).append(route)
    return found


def spare_days(problem: Problem, busy: Sequence[BusyRoute], due: int
               ) -> tuple[tuple[dt.date, str], ...]:
    """Up to ``due`` (date, vehicle) pairs for the sessions of ``problem``'s first stop (the
    candidate; the others are the stops of ``busy`` routes) and one service, earliest
    first, at most the stop's visits per period, spaced as the service asks. A date is
    held by a vehicle idle that day with a crew of staff on none of the ``busy`` routes
    that day, within their weekly hours; failing that, by a ``busy`` route of the service
    with room for one more session, timed again with the candidate inserted (crew: its
    own staff first, then staff free that day; its hours replace the route's own in the
    weekly count). The vehicle must be one the stop allows."""
    stop, (service,) = problem.stops[0], problem.services
    inst = Instance(problem)
    used, taken = _occupied(busy)
    joinable = _with_room(inst, busy, service)
    week_used: dict[tuple[str, tuple[int, int]], int] = {}
    for _vehicle, date, crew, duty, *_ in busy:
        for member in crew:
            week_used[(member, week_of(date))] = week_used.get((member, week_of(date)), 0) + duty

    def week_left(member: StaffMember, date: dt.date) -> int | None:
        if member.max_week_min is None:
            return None
        return member.max_week_min - week_used.get((member.id, week_of(date)), 0)

    picked: list[tuple[dt.date, str]] = []
    per_period: dict[int, int] = {}
    for date in problem.dates:
        if len(picked) >= due:
            break
        period = period_of(problem, service, date)
        if per_period.get(period, 0) >= stop.visits_for(service):
            continue
        if picked and (date - picked[-1][0]).days < stop.spacing_for(service):
            continue
        free = [m for m in inst.staff_by_date.get(date, ()) if m.id not in taken.get(date, set())]
        vehicle_id = None
        if match_crew(service, free) is not None:  # else no crew that day, whatever the timing
            vehicle_id = next((vehicle.id for vehicle in problem.vehicles
                               if (vehicle.id, date) not in used
                               and date.isoweekday() in vehicle.weekdays
                               and date not in vehicle.unavailable_dates
                               and stop.allows(vehicle.id)
                               and staff_route(inst, vehicle, date, service, [stop], free,
                                               week_left=functools.partial(week_left, date=date))
                               is not None), None)
        if vehicle_id is None:
            vehicle_id = next((route[0] for route in joinable.get(date, ())
                               if _joins(inst, route, stop, service, free, week_left)), None)
        if vehicle_id is not None:
            picked.append((date, vehicle_id))
            per_period[period] = per_period.get(period, 0) + 1
    return tuple(picked)


def _joins(inst: Instance, route: BusyRoute, stop: Stop, service: Service,
           free: Sequence[StaffMember], week_left: Callable[..., int | None]) -> bool:
    """Whether ``route`` can hold one more session at ``stop``, inserted anywhere in its
    visiting order, with a crew drawn from its own staff, then ``free``."""
    vehicle_id, date, crew, duty, _service, route_stops = route
    vehicle: Vehicle = next(v for v in inst.problem.vehicles if v.id == vehicle_id)
    if not stop.allows(vehicle_id):
        return False
    own = [m for m in inst.staff_by_date.get(date, ()) if m.id in crew]

    def left(member: StaffMember) -> int | None:
        remaining = week_left(member, date)
        return remaining if remaining is None or member.id not in crew else remaining + duty

    visits = [inst.stops[s] for s in route_stops]
    return any(staff_route(inst, vehicle, date, service,
                           [*visits[:at], stop, *visits[at:]], [*own, *free],
                           week_left=left) is not None
               for at in range(len(visits) + 1))


def crew_dates(problem: Problem, service_id: str, busy: Sequence[BusyRoute]) -> tuple[dt.date, ...]:
    """The dates on which a vehicle of the service is idle and at work and the staff on
    no ``busy`` route that day can form its crew (whatever the timing), or a ``busy``
    route of the service has room for one more session: no other date can hold one more
    session of it."""
    inst = Instance(problem)
    service = inst.services[service_id]
    used, taken = _occupied(busy)
    joinable = _with_room(inst, busy, service)
    found = []
    for date in problem.dates:
        if date in joinable:
            found.append(date)
            continue
        if not any(service_id in v.services and (v.id, date) not in used
                   and date.isoweekday() in v.weekdays and date not in v.unavailable_dates
                   for v in problem.vehicles):
            continue
        free = [m for m in inst.staff_by_date.get(date, ()) if m.id not in taken.get(date, set())]
        if match_crew(service, free) is not None:
            found.append(date)
    return tuple(found)
