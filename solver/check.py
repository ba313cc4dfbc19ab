"""Independent feasibility check of a solution against every hard rule.

Re-derives each constraint from the public :class:`Solution` and the
:class:`Problem` alone (no solver internals), so that a bug in a method
cannot hide here. ``solve`` never returns a solution this check rejects.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict

from solver.crew import available_over, holds_slot, within_day_limit
from solver.model import (
    Arg,
    Finding,
    Problem,
    Route,
    Service,
    Solution,
    StaffMember,
    Stop,
    Vehicle,
    Visit,
)
from solver.periods import period_of, pinned_sessions, rhythm_key
from solver.timing import Lunch


class _Findings(list[Finding]):
    """The findings about one route, each carrying the route's vehicle and date."""

    def __init__(self, route: Route) -> None:
        super().__init__()
        self.date = route.date
        self.where: dict[str, Arg] = {"vehicle": route.vehicle, "date": route.date}

    def add(self, code: str, **args: Arg) -> None:
        self.append(Finding.of(code, **self.where, **args))


def check_route(problem: Problem, route: Route) -> list[Finding]:
    """Violations inside one route: vehicle, service, crew and timing rules."""
    vehicle = next((v for v in problem.vehicles if v.id == route.vehicle), None)
    service = next((s for s in problem.services if s.id == route.service), None)
    found = _Findings(route)
    if vehicle is None or service is None:
        found.add("route.unknown", service=route.service)
        return found
    if route.date not in problem.dates:
        found.add("route.not_working_day")
    if route.date.isoweekday() not in vehicle.weekdays or route.date in vehicle.unavailable_dates:
        found.add("route.vehicle_off")
    if service.id not in vehicle.services:
        found.add("route.wrong_service", service=service.id)
    _crew(problem, route, vehicle, service, found)
    _times(problem, route, vehicle, service, found)
    return found


def _crew(problem: Problem, route: Route, vehicle: Vehicle, service: Service,
          found: _Findings) -> None:
    """One distinct, qualified, available member per slot, within their daily hours."""
    staff = {m.id: m for m in problem.staff}
    duty = route.return_min - route.depart_min
    if len(route.crew) != len(service.required_roles):
        found.add("route.crew_size", crew=len(route.crew), slots=len(service.required_roles))
    if len({c.staff for c in route.crew}) != len(route.crew):
        found.add("route.crew_twice")
    for slot, member_slot in zip(service.required_roles, route.crew):
        member: StaffMember | None = staff.get(member_slot.staff)
        if member is None:
            found.add("route.unknown_staff", staff=member_slot.staff)
            continue
        if not vehicle.may_carry(member.id):
            found.add("route.not_vehicle_crew", staff=member.id)
        if not holds_slot(member, slot, member_slot.role):
            found.add("route.unqualified", staff=member.id, slot=slot, role=member_slot.role)
        if not within_day_limit(member, route.depart_min, route.return_min):
            found.add("route.day_hours", staff=member.id, duty_dur=duty,
                      limit_dur=member.max_day_min)
        if available_over(member, route.date, route.depart_min, route.return_min) is None:
            found.add("route.unavailable", staff=member.id, from_at=route.depart_min,
                      to_at=route.return_min)


def _times(problem: Problem, route: Route, vehicle: Vehicle, service: Service,
           found: _Findings) -> None:
    """The vehicle's day, the load, and each visit's times against the matrix and the windows."""
    stops = {s.id: s for s in problem.stops}
    duty = route.return_min - route.depart_min
    if not 1 <= len(route.visits) <= service.max_sessions_per_day:
        found.add("route.session_count", sessions=len(route.visits),
                  limit=service.max_sessions_per_day)
    if route.depart_min < vehicle.shift_start_min:
        found.add("route.early_departure", depart_at=route.depart_min,
                  shift_at=vehicle.shift_start_min)
    if route.return_min > vehicle.shift_end_min:
        found.add("route.late_return", return_at=route.return_min, shift_at=vehicle.shift_end_min)
    if duty > vehicle.max_duty_min:
        found.add("route.duty", duty_dur=duty, limit_dur=vehicle.max_duty_min)
    load = sum(stops[v.stop].load for v in route.visits if v.stop in stops)
    if vehicle.capacity is not None and load > vehicle.capacity:
        found.add("route.load", load=load, capacity=vehicle.capacity)
    place, free_at = vehicle.base, route.depart_min
    travel_total = distance_total = 0
    for visit in route.visits:
        stop = stops.get(visit.stop)
        if stop is None:
            found.add("route.unknown_stop", stop=visit.stop)
            return
        leg = problem.travel_min[place][stop.location]
        travel_total += leg
        distance_total += problem.distance_m[place][stop.location]
        _visit(problem, vehicle, service, stop, visit, leg, free_at, found)
        place, free_at = stop.location, visit.leave_min
    back = problem.travel_min[place][vehicle.base]
    found.extend(_lunch_findings(problem, route, service, found.where))
    if route.return_min < free_at + back:
        found.add("route.return_too_early", return_at=route.return_min, possible_at=free_at + back)
    if route.travel_min != travel_total + back:
        found.add("route.travel_total", stated=route.travel_min, expected=travel_total + back)
    if route.distance_m != distance_total + problem.distance_m[place][vehicle.base]:
        found.add("route.distance")


def _visit(problem: Problem, vehicle: Vehicle, service: Service, stop: Stop, visit: Visit,
           leg: int, free_at: int, found: _Findings) -> None:
    """One visit's rules: its distance from the base, service, leg (``leg`` from the
    previous place, the vehicle free there at ``free_at``), durations and hours."""
    weekday = found.date.isoweekday()

    def add(code: str, **args: Arg) -> None:
        found.add(code, stop=stop.id, **args)

    one_way = problem.travel_min[vehicle.base][stop.location]
    if service.max_one_way_min is not None and one_way > service.max_one_way_min:
        add("visit.one_way", one_way_dur=one_way, limit_dur=service.max_one_way_min)
    if visit.service != service.id or service.id not in stop.services:
        add("visit.wrong_service", service=visit.service)
    if not stop.allows(vehicle.id):
        add("visit.wrong_vehicle")
    if visit.travel_min_from_previous != leg:
        add("visit.travel", stated=visit.travel_min_from_previous, expected=leg)
    if visit.arrive_min < free_at + leg:
        add("visit.early_arrival", arrive_at=visit.arrive_min, possible_at=free_at + leg)
    if visit.start_min - visit.arrive_min != service.setup_min:
        add("visit.setup", minutes=service.setup_min)
    if visit.end_min - visit.start_min != stop.session_for(service):
        add("visit.session", minutes=stop.session_for(service))
    if visit.leave_min - visit.end_min != service.packup_min:
        add("visit.packup", minutes=service.packup_min)
    if not service.on_grid(visit.start_min):
        add("visit.off_grid", start_at=visit.start_min, grid_dur=service.start_grid_min)
    if visit.start_min < service.earliest_start_min or visit.end_min > service.latest_end_min:
        add("visit.service_hours", start_at=visit.start_min, end_at=visit.end_min,
            from_at=service.earliest_start_min, to_at=service.latest_end_min)
    if not any(
        w.weekday == weekday
        and w.start_min <= visit.arrive_min
        and visit.leave_min <= w.end_min
        for w in stop.windows
    ):
        add("visit.closed", from_at=visit.arrive_min, to_at=visit.leave_min)


def _lunch_findings(problem: Problem, route: Route, service: Service,
                    where: dict[str, Arg]) -> list[Finding]:
    """The crew's lunch break: free before leaving or after returning, or
    declared on duty between a pack-up and the next leg, inside the window."""
    lunch = Lunch.of(service)
    if lunch is None or lunch.free_outside(route.depart_min, route.return_min):
        return []
    wanted: dict[str, Arg] = {**where, "lunch_dur": lunch.minutes, "from_at": lunch.start_min,
                              "to_at": lunch.end_min}
    start = route.lunch_start_min
    if start is None:
        return [Finding.of("route.no_lunch", **wanted)]
    end = start + lunch.minutes
    if not lunch.inside_window(start):
        return [Finding.of("route.lunch_outside", **wanted, start_at=start, end_at=end)]
    vehicle_base = next(v.base for v in problem.vehicles if v.id == route.vehicle)
    last = route.visits[-1].stop if route.visits else None
    stop_location = {s.id: s.location for s in problem.stops}
    back = problem.travel_min[stop_location[last]][vehicle_base] if last in stop_location else 0
    if not lunch.fits(start, Lunch.duty_gaps(route.depart_min, route.return_min, route.visits, back)):
        return [Finding.of("route.lunch_busy", **where, start_at=start, end_at=end)]
    return []


def _week_findings(problem: Problem, routes: tuple[Route, ...]) -> list[Finding]:
    """Weekly hours: a member's duties in one calendar week within ``max_week_min``."""
    limits = {m.id: m.max_week_min for m in problem.staff if m.max_week_min is not None}
    worked: Counter[tuple[str, int, int]] = Counter()
    for route in routes:
        year, week, _ = route.date.isocalendar()
        for slot in route.crew:
            if slot.staff in limits:
                worked[(slot.staff, year, week)] += route.return_min - route.depart_min
    return [
        Finding.of("staff.week_hours", staff=member, worked_dur=minutes, week=week, year=year,
                   limit_dur=limits[member])
        for (member, year, week), minutes in sorted(worked.items())
        if minutes > limits[member]
    ]


def _group_findings(problem: Problem, routes: tuple[Route, ...]) -> list[Finding]:
    """Spacing groups: two sessions of a group's stops at least the group's largest
    spacing apart, and never on one date."""
    services = {s.id: s for s in problem.services}
    members: dict[str, list[Stop]] = defaultdict(list)
    for stop in problem.stops:
        if stop.spacing_group:
            members[stop.spacing_group].append(stop)
    group_of = {s.id: g for g, stops in members.items() if len(stops) > 1 for s in stops}
    days: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    for route in routes:
        for visit in route.visits:
            if visit.stop in group_of:
                days[group_of[visit.stop]].append((route.date, visit.stop))
    found = []
    for group, held in sorted(days.items()):
        spacing = max(1, *(s.spacing_for(services[sv]) for s in members[group]
                           for sv in s.services if sv in services))
        for (first, a), (second, b) in itertools.pairwise(sorted(held)):
            if (second - first).days < spacing:
                found.append(Finding.of("group.spacing", group=group, stop=a, other=b,
                                        date=first, next_date=second, days=spacing))
    return found


def _sync_findings(problem: Problem, routes: tuple[Route, ...]) -> list[Finding]:
    """Synchronised stops: each session has one of its partner's on its date,
    starting within the pair's gap (the same minute for a joint visit)."""
    pair = {stop: sync for sync in problem.syncs for stop in (sync.first, sync.second)}
    starts = {(visit.stop, route.date, visit.start_min)
              for route in routes for visit in route.visits if visit.stop in pair}
    found = []
    for stop, date, start in sorted(starts):
        sync = pair[stop]
        partner = sync.second if stop == sync.first else sync.first
        if not any((partner, date, t) in starts for t in sync.partner_starts(stop, start)):
            found.append(Finding.of("sync.unpaired", stop=stop, date=date, start_at=start,
                                    partner=partner))
    return found


def check_solution(problem: Problem, solution: Solution) -> list[Finding]:
    """Every hard-constraint violation of ``solution``, one finding each (empty
    when the solution is feasible)."""
    found: list[Finding] = []
    for route in solution.routes:
        found.extend(check_route(problem, route))

    vehicle_days = Counter((r.vehicle, r.date) for r in solution.routes)
    found.extend(Finding.of("vehicle.two_routes", vehicle=v, routes=n, date=d)
                 for (v, d), n in vehicle_days.items() if n > 1)
    staff_days = Counter((c.staff, r.date) for r in solution.routes for c in r.crew)
    found.extend(Finding.of("staff.two_routes", staff=s, routes=n, date=d)
                 for (s, d), n in staff_days.items() if n > 1)
    found.extend(_week_findings(problem, solution.routes))

    services = {s.id: s for s in problem.services}
    stops = {s.id: s for s in problem.stops}
    pinned = pinned_sessions(problem)
    dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for route in solution.routes:
        for visit in route.visits:
            dates[(visit.stop, visit.service)].append(route.date)
    for (stop, service_id), days in dates.items():
        service = services.get(service_id)
        if service is None:
            continue
        days.sort()
        place = stops.get(stop)
        spacing = place.spacing_for(service) if place else service.min_spacing_days
        cap = place.visits_for(service) if place else service.visits_per_period
        for first, second in itertools.pairwise(days):
            if (second - first).days < spacing:
                found.append(Finding.of("stop.spacing", stop=stop, service=service_id,
                                        date=first, next_date=second, days=spacing))
        per_period = Counter(period_of(problem, service, d) for d in days)
        for period, count in sorted(per_period.items()):
            if count > cap:
                found.append(Finding.of("stop.period_cap", stop=stop, service=service_id,
                                        sessions=count, period=period + 1, limit=cap))
        if service.keep_rhythm:
            unpinned = [d for d in days if (stop, service_id, d) not in pinned]
            if len({rhythm_key(service, d) for d in unpinned}) > 1:
                found.append(Finding.of("stop.rhythm", stop=stop, service=service_id,
                                        date=unpinned[0], on_dates=tuple(unpinned)))

    found.extend(_sync_findings(problem, solution.routes))
    found.extend(_group_findings(problem, solution.routes))

    dropped = {d.pin for d in solution.dropped_pins}
    held = {(v.stop, v.service, r.date, r.vehicle) for r in solution.routes for v in r.visits}
    for pin in problem.pins:
        if pin not in dropped and (pin.stop, pin.service, pin.date, pin.vehicle) not in held:
            found.append(Finding.of("pin.lost", stop=pin.stop, date=pin.date, vehicle=pin.vehicle))
    return found
