"""The solver's working form of a route, how to time and staff it, and its
conversion to the public :class:`solver.model.Route`."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from solver.crew import covering_availability, match_crew
from solver.instance import Instance
from solver.model import CrewSlot, Route, Service, StaffMember, Stop, Vehicle, Visit
from solver.timing import Lunch, Timing, day_timings, route_legs, setup_grid


@dataclass(frozen=True)
class DayRoute:
    """One vehicle-day with its stops in order, exact timing and crew."""

    vehicle: Vehicle
    date: dt.date
    service: Service
    stops: tuple[Stop, ...]
    timing: Timing
    crew: tuple[CrewSlot, ...]


def bounded_timings(
    inst: Instance,
    vehicle: Vehicle,
    weekday: int,
    service: Service,
    stops: Sequence[Stop],
    starts: Iterable[int] = (),
    ends: Iterable[int] = (),
    fixed: Mapping[str, int] | None = None,
) -> tuple[Timing, ...]:
    """Shortest-duty timings of the day-route within the vehicle's shift and,
    in addition, within each (start, end) bound drawn from ``starts`` x ``ends``
    (crew availability limits), so that a crew free only part of the day can
    still be matched to a timing that fits it. Sorted by (duty, departure).
    Empty when the stops' summed load exceeds the vehicle's capacity, or when a stop lies
    farther from the base than the service's ``max_one_way_min``. ``fixed`` gives
    the arrival of some stops (a synchronised visit keeping its time): those stops
    arrive then, when that lies in their windows, or the day has no timing."""
    intervals = [inst.intervals(stop, service, weekday) for stop in stops]
    for i, stop in enumerate(stops):
        if fixed and stop.id in fixed:
            at = fixed[stop.id]
            intervals[i] = tuple((at, at) for low, high in intervals[i] if low <= at <= high)
    if not stops or any(not options for options in intervals):
        return ()
    if vehicle.capacity is not None and sum(s.load for s in stops) > vehicle.capacity:
        return ()
    limit = service.max_one_way_min
    if limit is not None and any(inst.travel(vehicle.base, s.location) > limit for s in stops):
        return ()
    legs = route_legs(inst.problem.travel_min, vehicle.base, [s.location for s in stops])
    lows = {vehicle.shift_start_min} | {s for s in starts if s > vehicle.shift_start_min}
    highs = {vehicle.shift_end_min} | {e for e in ends if e < vehicle.shift_end_min}
    lunch = Lunch.of(service)
    found: set[Timing] = set()
    for low, high in itertools.product(sorted(lows), sorted(highs)):
        if low < high:
            found.update(day_timings(
                legs, intervals, [s.on_site_for(service) for s in stops], low, high,
                vehicle.max_duty_min, lunch,
                setup_grid(service),
            ))
    return tuple(sorted(found, key=lambda t: (t.duty_min, t.depart_min, t.arrive_min)))


def week_of(date: dt.date) -> tuple[int, int]:
    """The calendar week (ISO year, week number) weekly hour limits count in."""
    year, week, _ = date.isocalendar()
    return year, week


def staff_route(
    inst: Instance,
    vehicle: Vehicle,
    date: dt.date,
    service: Service,
    stops: Sequence[Stop],
    candidates: Sequence[StaffMember],
    week_left: Callable[[StaffMember], int | None] | None = None,
    fixed: Mapping[str, int] | None = None,
) -> DayRoute | None:
    """The shortest-duty timed and crewed day-route drawing its crew from
    ``candidates`` (earlier candidates preferred), or ``None``. ``week_left``
    gives the minutes a member may still work that week (``None``: no limit);
    ``fixed`` the arrivals some stops keep (see :func:`bounded_timings`)."""
    inst.routes_timed += 1
    candidates = [m for m in candidates if vehicle.may_carry(m.id)]
    starts = {a.start_min for m in candidates for a in m.availability if a.date == date}
    ends = {a.end_min for m in candidates for a in m.availability if a.date == date}
    for timing in bounded_timings(inst, vehicle, date.isoweekday(), service, stops, starts, ends,
                                  fixed):
        free = [
            m
            for m in candidates
            if covering_availability(m, date, timing.depart_min, timing.return_min) is not None
            and (week_left is None or (left := week_left(m)) is None or timing.duty_min <= left)
        ]
        crew = match_crew(service, free)
        if crew is not None:
            return DayRoute(vehicle, date, service, tuple(stops), timing, crew)
    return None


def to_route(inst: Instance, day: DayRoute) -> Route:
    """The public route: visits with set-up, session and pack-up times."""
    problem = inst.problem
    service = day.service
    path = [day.vehicle.base, *(s.location for s in day.stops), day.vehicle.base]
    legs = route_legs(problem.travel_min, day.vehicle.base, [s.location for s in day.stops])
    visits = []
    for stop, arrive, leg in zip(day.stops, day.timing.arrive_min, legs):
        start = arrive + service.setup_min
        end = start + stop.session_for(service)
        visits.append(Visit(stop.id, service.id, arrive, start, end, end + service.packup_min, leg))
    return Route(
        vehicle=day.vehicle.id,
        date=day.date,
        service=service.id,
        crew=day.crew,
        depart_min=day.timing.depart_min,
        return_min=day.timing.return_min,
        distance_m=sum(problem.distance_m[a][b] for a, b in itertools.pairwise(path)),
        travel_min=sum(legs),
        visits=tuple(visits),
        lunch_start_min=day.timing.lunch_start_min,
    )


def sync_arrivals(inst: Instance, day: DayRoute) -> dict[str, int]:
    """The arrivals of ``day``'s synchronised stops: what a re-timing must keep."""
    return {stop.id: arrive for stop, arrive in zip(day.stops, day.timing.arrive_min)
            if stop.id in inst.sync_partner}


@dataclass
class MethodOutcome:
    """What a method hands back to :func:`solver.solve.solve` before repair.

    ``status`` is "optimal" (proven over the method's search space), "feasible"
    or "unknown"; ``bound`` a proven upper bound on the objective over that
    space, when the method has one.
    """

    days: list[DayRoute]
    status: str
    bound: int | None
    stats: dict[str, float]
