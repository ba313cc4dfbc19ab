"""A mutable plan shared by both methods' last steps: enforce the spacing and
period rules, then greedily insert every session that still improves the
objective.

After :func:`fill`, no single feasible insertion (into a route of that date,
or as a new route on an idle vehicle-day with free staff) improves the
objective; the reasons module relies on that to tell CAPACITY from
NOT_WORTH_TRAVEL truthfully.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from solver.check import check_route
from solver.coverage import area_value
from solver.dayroute import DayRoute, staff_route, sync_arrivals, to_route, week_of
from solver.evaluate import objective
from solver.instance import Instance
from solver.model import Pin, Service, SolveParams, StaffMember, Stop
from solver.periods import (
    keeps_month_week,
    rhythm_key,
    target_visits,
    week_of_month,
)

DayKey = tuple[str, dt.date]  # (vehicle id, date)
# What PlanState.restore needs: the routes, the session dates, the weekly duty.
Snapshot = tuple[dict[DayKey, DayRoute], dict[tuple[str, str], list[dt.date]],
                 Counter[tuple[str, tuple[int, int]]]]
# Sessions :func:`make_room_for_sync` may try to move, in one call of :func:`fill`
# (deterministic: a count, not a clock).
ROOM_ATTEMPTS = 400


@dataclass(frozen=True)
class Insertion:
    """One way to add a session of ``stop``: the route it creates or replaces."""

    gain: int  # change of the objective
    travel_delta: int  # extra driving minutes
    new_weekday: bool  # the pair's sessions would use one more weekday
    route: DayRoute


class PlanState:
    """Day-routes by (vehicle, date) with the session dates of each pair."""

    def __init__(self, inst: Instance, params: SolveParams, days: Iterable[DayRoute] = ()) -> None:
        self.inst = inst
        self.params = params
        self.days: dict[DayKey, DayRoute] = {}
        self._dates: dict[tuple[str, str], list[dt.date]] = {}
        self._week_min: Counter[tuple[str, tuple[int, int]]] = Counter()  # (staff, week) -> duty
        self.pinned = inst.pinned
        for day in days:
            self.put(day)

    def put(self, day: DayRoute) -> None:
        """Add ``day``, replacing the route of the same vehicle-day if any."""
        self.remove((day.vehicle.id, day.date))
        self.days[(day.vehicle.id, day.date)] = day
        for stop in day.stops:
            self._dates.setdefault((stop.id, day.service.id), []).append(day.date)
            self._dates[(stop.id, day.service.id)].sort()
        for slot in day.crew:
            self._week_min[(slot.staff, week_of(day.date))] += day.timing.duty_min

    def snapshot(self) -> Snapshot:
        """What :meth:`restore` needs to undo the changes made after it."""
        return dict(self.days), {k: list(v) for k, v in self._dates.items()}, Counter(self._week_min)

    def restore(self, saved: Snapshot) -> None:
        self.days, self._dates, self._week_min = dict(saved[0]), saved[1], saved[2]

    def remove(self, key: DayKey) -> None:
        old = self.days.pop(key, None)
        if old is not None:
            for stop in old.stops:
                self._dates[(stop.id, old.service.id)].remove(old.date)
            for slot in old.crew:
                self._week_min[(slot.staff, week_of(old.date))] -= old.timing.duty_min

    def value(self) -> int:
        """The objective of the plan as it stands."""
        inst = self.inst
        return objective(inst.problem, [to_route(inst, d) for d in self.days.values()],
                         self.params)

    def session_dates(self, stop: Stop, service: Service) -> list[dt.date]:
        return self._dates.get((stop.id, service.id), [])

    def busy_staff(self, date: dt.date, except_vehicle: str | None = None) -> set[str]:
        return {
            slot.staff
            for (vehicle, day), route in self.days.items()
            if day == date and vehicle != except_vehicle
            for slot in route.crew
        }

    def week_left(
        self, member: StaffMember, date: dt.date, except_vehicle: str | None = None
    ) -> int | None:
        """Minutes ``member`` may still work in the week of ``date`` besides the
        route of ``except_vehicle`` that day (``None``: no weekly limit)."""
        if member.max_week_min is None:
            return None
        used = self._week_min[(member.id, week_of(date))]
        own = self.days.get((except_vehicle, date)) if except_vehicle else None
        if own is not None and any(slot.staff == member.id for slot in own.crew):
            used -= own.timing.duty_min
        return member.max_week_min - used

    def week_budget(
        self, date: dt.date, except_vehicle: str | None = None
    ) -> Callable[[StaffMember], int | None]:
        """:meth:`week_left` for one route of ``date``, as :func:`staff_route` wants it."""
        return lambda member: self.week_left(member, date, except_vehicle)

    def date_allowed(self, stop: Stop, service: Service, date: dt.date) -> bool:
        """Whether one more session on ``date`` keeps the period cap, spacing and,
        for a service that keeps its rhythm, the pair's weekday (pins exempt)."""
        dates = self.session_dates(stop, service)
        period = self.inst.period(service, date)
        if sum(self.inst.period(service, d) == period for d in dates) >= stop.visits_for(service):
            return False
        if not all(abs((date - d).days) >= stop.spacing_for(service) for d in dates):
            return False
        if not self.group_allows(stop, date):
            return False
        return not service.keep_rhythm or self.keeps_rhythm(stop, service, date)

    def group_dates(self, stop: Stop) -> list[dt.date]:
        """Session dates of the stops of ``stop``'s spacing group (its own included)."""
        group = self.inst.spacing_groups.get(stop.spacing_group, ())
        return [d for other in group for service_id in other.services
                for d in self._dates.get((other.id, service_id), [])]

    def group_allows(self, stop: Stop, date: dt.date) -> bool:
        """Whether a session of ``stop`` on ``date`` keeps its spacing group apart."""
        group = self.inst.spacing_groups.get(stop.spacing_group)
        if group is None:
            return True
        spacing = self.inst.group_spacing(group)
        return all(abs((date - d).days) >= spacing for d in self.group_dates(stop))

    def keeps_rhythm(self, stop: Stop, service: Service, date: dt.date) -> bool:
        """Whether a session on ``date`` keeps the pair's rhythm (pinned ones always do)."""
        if (stop.id, service.id, date) in self.pinned:
            return True
        key = rhythm_key(service, date)
        return all(rhythm_key(service, d) == key for d in self.session_dates(stop, service)
                   if (stop.id, service.id, d) not in self.pinned)

    def marginal_demand(self, stop: Stop, service: Service, date: dt.date) -> int:
        """Demand one more session of (stop, service) on ``date`` would add: the
        stop's own, or with areas, that of its areas still short in that period."""
        inst = self.inst
        if not inst.problem.areas:
            return stop.demand
        period = inst.period(service, date)
        gained = 0
        for area in inst.areas_by_stop[stop.id]:
            credits = [
                demand
                for other, demand in area.reach
                if service.id in inst.stops[other].services
                for d in self._dates.get((other, service.id), [])
                if inst.period(service, d) == period
            ]
            added = next(demand for other, demand in area.reach if other == stop.id)
            gained += area_value([*credits, added], service) - area_value(credits, service)
        return gained

    def ordered(self) -> list[DayRoute]:
        return [self.days[key] for key in sorted(self.days, key=lambda k: (k[1], k[0]))]


def free_candidates(state: PlanState, date: dt.date, route: DayRoute | None) -> list[StaffMember]:
    """Staff a route of ``date`` may use: its own crew first, then people
    working in no other route that day."""
    inst = state.inst
    own = [inst.staff[slot.staff] for slot in route.crew] if route else []
    busy = state.busy_staff(date, route.vehicle.id if route else None)
    own_ids = {m.id for m in own}
    return own + [m for m in inst.staff_by_date[date] if m.id not in busy and m.id not in own_ids]


def insertion_options(
    state: PlanState, stop: Stop, service: Service, dates: Sequence[dt.date] | None = None,
    start_min: int | None = None,
) -> Iterable[Insertion]:
    """Feasible insertions of one session of (stop, service), best gain first.

    Candidates are ordered by their exact gain (computed from the travel
    matrix) before the costly timing and crew checks, so the first yielded is
    the best one. A synchronised stop is inserted only with its session starting
    at ``start_min`` (see :func:`insert_synchronised`), and never alone.
    """
    inst, params = state.inst, state.params
    problem = inst.problem
    if (stop.id in inst.sync_partner) != (start_min is not None):
        return
    fixed = {} if start_min is None else {stop.id: start_min - service.setup_min}
    weekdays_used = {d.isoweekday() for d in state.session_dates(stop, service)}
    month_weeks_used = {week_of_month(d) for d in state.session_dates(stop, service)}
    monthly = keeps_month_week(service)
    candidates: list[tuple[int, dt.date, str, int, int, bool]] = []
    marginal: dict[int, int] = {}  # demand one more session adds, by period
    for date in dates if dates is not None else problem.dates:
        if not inst.intervals(stop, service, date.isoweekday()):
            continue
        if not state.date_allowed(stop, service, date):
            continue
        new_weekday = bool(weekdays_used) and date.isoweekday() not in weekdays_used
        new_month_week = (monthly and bool(month_weeks_used)
                          and week_of_month(date) not in month_weeks_used)
        period = inst.period(service, date)
        if period not in marginal:
            marginal[period] = state.marginal_demand(stop, service, date)
        for vehicle in problem.vehicles:
            if (service.id not in vehicle.services or not inst.runs(vehicle, date)
                    or not stop.allows(vehicle.id)):
                continue
            route = state.days.get((vehicle.id, date))
            if route is None:
                positions = [0]
                old_path = [vehicle.base, vehicle.base]
            elif (
                route.service != service
                or len(route.stops) >= service.max_sessions_per_day
                or stop in route.stops
            ):
                continue
            else:
                positions = list(range(len(route.stops) + 1))
                old_path = [vehicle.base, *(s.location for s in route.stops), vehicle.base]
            for position in positions:
                before, after = old_path[position], old_path[position + 1]
                delta = (
                    inst.travel(before, stop.location)
                    + inst.travel(stop.location, after)
                    - (inst.travel(before, after) if route else 0)
                )
                gain = (
                    params.demand_weight * marginal[period]
                    - stop.cost_of(vehicle.id)
                    - params.travel_weight * delta
                    - params.weekday_change_weight * new_weekday
                    - params.month_week_change_weight * new_month_week
                    + params.demand_weight * params.move_threshold
                    * ((stop.id, service.id, date) in inst.preferred)
                )
                candidates.append((gain, date, vehicle.id, position, delta, new_weekday))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2], c[3]))
    for gain, date, vehicle_id, position, delta, new_weekday in candidates:
        vehicle = inst.vehicles[vehicle_id]
        route = state.days.get((vehicle_id, date))
        stops = list(route.stops) if route else []
        stops.insert(position, stop)
        new = staff_route(inst, vehicle, date, service, stops, free_candidates(state, date, route),
                          state.week_budget(date, vehicle_id),
                          (sync_arrivals(inst, route) if route else {}) | fixed)
        if new is not None:
            yield Insertion(gain, delta, new_weekday, new)


def place_pins(state: PlanState, pins: Sequence[Pin]) -> int:
    """Insert each pinned session on its vehicle-day where it still fits (a
    starting plan for the hint); returns the number placed."""
    inst = state.inst
    placed = 0
    # First each vehicle-day's pins together, in the order given (a published day kept
    # as it was), when that day is still empty and the whole day fits.
    days: dict[tuple[str, dt.date, str], list[Pin]] = {}
    for pin in pins:
        days.setdefault((pin.vehicle, pin.date, pin.service), []).append(pin)
    for (vehicle_id, date, service_id), group in sorted(days.items(), key=lambda d: (d[0][1], d[0][0])):
        stops = list(dict.fromkeys(inst.stops[p.stop] for p in group))
        service = inst.services[service_id]
        if any(stop.id in inst.sync_partner for stop in stops):
            continue  # synchronised visits are placed with their partners by the method
        if (len(stops) < 2 or (vehicle_id, date) in state.days
                or len(stops) > service.max_sessions_per_day
                or not all(state.date_allowed(stop, service, date) for stop in stops)):
            continue
        route = staff_route(inst, inst.vehicles[vehicle_id], date, service, stops,
                            free_candidates(state, date, None), state.week_budget(date, vehicle_id))
        if route is not None:
            state.put(route)
            placed += len(stops)
    for pin in sorted(pins, key=lambda p: (p.date, p.vehicle, p.stop)):
        stop, service = inst.stops[pin.stop], inst.services[pin.service]
        if pin.date in state.session_dates(stop, service):
            continue
        option = next((o for o in insertion_options(state, stop, service, [pin.date])
                       if o.route.vehicle.id == pin.vehicle), None)
        if option is not None:
            state.put(option.route)
            placed += 1
    return placed


class Focus(NamedTuple):
    """Where a :func:`fill` after a few sessions were taken out looks: ``stops`` on every
    date, the others on ``dates`` only (elsewhere the plan did not change)."""
    stops: frozenset[str]
    dates: tuple[dt.date, ...]


def fill(state: PlanState, rng: random.Random | None = None, room_attempts: int = ROOM_ATTEMPTS,
         focus: Focus | None = None) -> int:
    """Insert sessions while one improves the objective, most demanded pairs
    first (pairs of equal demand in the problem's order, or shuffled by ``rng``);
    a synchronised pair no free slot takes may move up to ``room_attempts`` other
    sessions in all (:func:`make_room_for_sync`). With ``focus``, only its stops are
    tried on every date, the others on its dates only. Returns the number of sessions
    added."""
    inst = state.inst
    pairs = [  # a synchronised pair once, by its first stop
        (stop, service)
        for stop in inst.problem.stops
        for service in inst.problem.services
        if service.id in stop.services
        and (stop.id not in inst.sync_of or inst.sync_of[stop.id].first == stop.id)
    ]
    if rng is not None:
        rng.shuffle(pairs)
    pairs.sort(key=lambda pair: -pair[0].demand)
    added = 0
    changed = True
    attempts = [room_attempts]
    while changed:
        changed = False
        for stop, service in pairs:
            if len(state.session_dates(stop, service)) >= target_visits(inst.problem, stop, service):
                continue
            dates = None if focus is None or stop.id in focus.stops else focus.dates
            if stop.id in inst.sync_of:
                if (insert_synchronised(state, stop, dates)
                        or make_room_for_sync(state, stop, attempts)):
                    added += 2
                    changed = True
                continue
            best = next(iter(insertion_options(state, stop, service, dates)), None)
            if best is not None and best.gain > 0:
                state.put(best.route)
                added += 1
                changed = True
    return added


def make_room_for_sync(state: PlanState, first: Stop, attempts: list[int]) -> bool:
    """Insert a synchronised pair that no free slot takes by moving one other session:
    one of the first stop's day-routes (its vehicle too busy at that minute) or of its
    spacing group (too close), taken out, the pair inserted, the session put back
    wherever it fits best. Pinned sessions never move. Kept only when the objective
    gains; ``attempts[0]`` counts down the sessions tried (shared by a whole :func:`fill`)."""
    if attempts[0] <= 0:
        return False
    inst = state.inst
    service = inst.service_of(first)
    group = {s.id for s in inst.spacing_groups.get(first.spacing_group, ())} - {first.id}
    movable = sorted(
        ((key, stop) for key, day in state.days.items() if day.service.id == service.id
         for stop in day.stops if stop.id not in inst.sync_partner
         and (stop.id, service.id, key[1]) not in state.pinned
         and (stop.id in group or (stop.allows(key[0]) and first.allows(key[0])
                                   and first.cost_of(key[0]) <= stop.cost_of(key[0])))),
        key=lambda item: (item[1].id not in group, item[0][1], item[0][0], item[1].id))
    before = state.value()
    for key, stop in movable:
        if attempts[0] <= 0:
            return False
        if stop.id not in group and not state.date_allowed(first, service, key[1]):
            continue  # the pair could not go on that date anyway
        attempts[0] -= 1
        saved = state.snapshot()
        day = state.days[key]
        state.remove(key)
        rest = [s for s in day.stops if s is not stop]
        if rest and put_shortened(state, day, rest, [free_candidates(state, day.date, day)]):
            state.restore(saved)  # the day without it would lose another session
            continue
        if insert_synchronised(state, first):
            back = next(iter(insertion_options(state, stop, day.service)), None)
            if back is not None and back.gain > 0:
                state.put(back.route)
            if state.value() > before:
                return True
        state.restore(saved)
    return False


MAX_SYNC_PAIRS = 400  # pairs of starts tried per date by insert_synchronised


def insert_synchronised(state: PlanState, first: Stop,
                        dates: Sequence[dt.date] | None = None) -> bool:
    """Insert a session of ``first`` and one of its partner together (:meth:`Sync.meets`),
    at the date (of ``dates``, or any) and starts where the two insertions gain most,
    when that gain is positive; whether it did. Each side's best insertion is found once per start; at
    most ``MAX_SYNC_PAIRS`` meeting pairs of starts are compared per date, nearest the
    pair's shortest gap first."""
    inst = state.inst
    sync = inst.sync_of[first.id]
    second = inst.sync_partner[first.id]
    services = (inst.service_of(first), inst.service_of(second))
    best: tuple[int, int, Insertion, Insertion] | None = None
    for date in inst.problem.dates if dates is None else dates:
        if not all(state.date_allowed(stop, service, date)
                   for stop, service in zip((first, second), services)):
            continue
        weekday = date.isoweekday()
        seconds = set(inst.sync_starts(second, weekday))
        pairs = sorted(((a, b) for a in inst.sync_starts(first, weekday)
                        for b in sync.partner_starts(first.id, a) if b in seconds),
                       key=lambda p: (p[1] - p[0] - sync.min_gap_min, p[0]))[:MAX_SYNC_PAIRS]
        ones: dict[int, Insertion | None] = {}
        others: dict[int, Insertion | None] = {}
        for a, b in pairs:
            if a not in ones:
                ones[a] = next(iter(insertion_options(state, first, services[0], [date], a)), None)
            one = ones[a]
            if one is None:
                continue
            if b not in others:
                others[b] = next(iter(insertion_options(state, second, services[1], [date], b)),
                                 None)
            other = others[b]
            if other is not None and (best is None or one.gain + other.gain > best[0]):
                best = (one.gain + other.gain, b, one, other)
    if best is None or best[0] <= 0:
        return False
    _gain, start, one, other = best
    before = state.days.get((one.route.vehicle.id, one.route.date))
    state.put(one.route)
    # The partner's route again, now that the first holds its crew.
    again = next((o for o in insertion_options(state, second, services[1], [other.route.date],
                                               start)
                  if o.route.vehicle.id == other.route.vehicle.id), None)
    if again is None:
        state.remove((one.route.vehicle.id, one.route.date))
        if before is not None:
            state.put(before)
        return False
    state.put(again.route)
    return True


def _kept_rhythms(state: PlanState,
                  sessions: Sequence[tuple[str, str, dt.date, str]]) -> dict[tuple[str, str], tuple[int, int]]:
    """For each pair of a service keeping its rhythm, the rhythm its unpinned
    sessions keep: the one most of them have (ties: published sessions, then the earliest)."""
    inst = state.inst
    counts: dict[tuple[str, str], Counter[tuple[int, int]]] = {}
    for stop_id, service_id, date, _vehicle in sessions:
        service = inst.services[service_id]
        if service.keep_rhythm and (stop_id, service_id, date) not in state.pinned:
            counts.setdefault((stop_id, service_id), Counter())[rhythm_key(service, date)] += (
                2 if (stop_id, service_id, date) in inst.preferred else 1)
    # Counter.most_common keeps first-seen order on ties; sessions come earliest first.
    return {pair: count.most_common(1)[0][0] for pair, count in counts.items()}


def enforce_rules(state: PlanState, pins: Sequence[Pin]) -> int:
    """Drop sessions breaking spacing, period caps or a kept rhythm (pinned ones
    kept first, then published, then earliest first), re-time the routes that
    lost a stop; returns the number of sessions dropped."""
    inst = state.inst
    pinned = {(p.stop, p.service, p.date, p.vehicle) for p in pins}
    keep: set[tuple[str, str, dt.date, str]] = set()
    sessions = sorted(
        ((stop.id, day.service.id, day.date, day.vehicle.id) for day in state.days.values()
         for stop in day.stops),
        key=lambda s: (s not in pinned, s[:3] not in inst.preferred, s[2], s[3], s[0]),
    )
    rhythms = _kept_rhythms(state, sorted(sessions, key=lambda s: (s[2], s[3], s[0])))
    for key in sessions:
        stop_id, service_id, date, _vehicle = key
        service = inst.services[service_id]
        rhythm = rhythms.get((stop_id, service_id))
        if (rhythm is not None and key[:3] not in state.pinned
                and rhythm_key(service, date) != rhythm):
            continue
        held = [k[2] for k in keep if k[0] == stop_id and k[1] == service_id]
        period = inst.period(service, date)
        same_period = Counter(inst.period(service, d) for d in held)[period]
        stop = inst.stops[stop_id]
        group = inst.spacing_groups.get(stop.spacing_group, ())
        kin = [k[2] for k in keep if inst.stops[k[0]] in group] if group else []
        if same_period < stop.visits_for(service) and all(
            abs((date - d).days) >= stop.spacing_for(service) for d in held
        ) and all(abs((date - d).days) >= inst.group_spacing(group) for d in kin):
            keep.add(key)
    dropped = 0
    for day_key, day in sorted(state.days.items(), key=lambda item: (item[0][1], item[0][0])):
        stops = [s for s in day.stops if (s.id, day.service.id, day.date, day.vehicle.id) in keep]
        if len(stops) == len(day.stops):
            continue
        dropped += len(day.stops) - len(stops)
        state.remove(day_key)
        dropped += put_shortened(state, day, stops, [free_candidates(state, day.date, day)])
    return dropped


def put_shortened(
    state: PlanState, day: DayRoute, stops: list[Stop], pools: Sequence[Sequence[StaffMember]]
) -> int:
    """Put ``day`` (already removed) back with ``stops``, re-timed and crewed from
    the first of ``pools`` that can, dropping stops from the end until one can;
    returns the number of stops dropped."""
    budget = state.week_budget(day.date, day.vehicle.id)
    kept = sync_arrivals(state.inst, day)  # synchronised visits keep their time
    dropped = 0
    while stops:
        for pool in pools:
            route = staff_route(state.inst, day.vehicle, day.date, day.service, stops, pool, budget,
                                {s.id: kept[s.id] for s in stops if s.id in kept})
            if route is not None:
                state.put(route)
                return dropped
        stops = stops[:-1]
        dropped += 1
    return dropped


def repair(state: PlanState, pins: Sequence[Pin]) -> tuple[int, int, int]:
    """Make a method's plan valid and complete it: drop routes breaking a rule of
    their own, enforce spacing, period caps and weekly hours, then insert every
    session that still pays. Returns (routes dropped, sessions dropped, added)."""
    invalid = [key for key, day in state.days.items()
               if check_route(state.inst.problem, to_route(state.inst, day))]
    for key in invalid:
        state.remove(key)
    removed = enforce_rules(state, pins) + enforce_week_limits(state)
    secure_pins(state, pins)
    removed += enforce_sync(state)
    return len(invalid), removed, fill(state)


def enforce_sync(state: PlanState) -> int:
    """Drop every session of a synchronised stop whose partner has no session on
    the same date starting within the pair's gap (:meth:`Sync.meets`; a method that
    does not plan them, a route dropped above), re-timing its route with its other
    synchronised visits kept at their time; returns the number of sessions dropped."""
    inst = state.inst
    if not inst.problem.syncs:
        return 0
    dropped = 0
    while True:
        starts = {
            (stop.id, day.date, arrive + day.service.setup_min): key
            for key, day in state.days.items()
            for stop, arrive in zip(day.stops, day.timing.arrive_min)
            if stop.id in inst.sync_partner
        }
        lonely: dict[DayKey, set[str]] = {}
        for (stop_id, date, start), key in starts.items():
            partner = inst.sync_partner[stop_id].id
            if not any((partner, date, t) in starts
                       for t in inst.sync_of[stop_id].partner_starts(stop_id, start)):
                lonely.setdefault(key, set()).add(stop_id)
        if not lonely:
            return dropped
        for key, gone in sorted(lonely.items(), key=lambda item: (item[0][1], item[0][0])):
            day = state.days[key]
            state.remove(key)
            dropped += len(gone) + put_shortened(
                state, day, [s for s in day.stops if s.id not in gone],
                [free_candidates(state, day.date, day)])


def _holds(state: PlanState, pin: Pin) -> bool:
    day = state.days.get((pin.vehicle, pin.date))
    return day is not None and day.service.id == pin.service \
        and any(stop.id == pin.stop for stop in day.stops)


def secure_pins(state: PlanState, pins: Sequence[Pin]) -> int:
    """Put back every pin the method's plan lacks (a search stopped early, on a busy
    machine, may not have reached them): inserted where its vehicle-day still takes it,
    else the whole date is rebuilt from its pins first (see :func:`_rebuild_date`; the
    sessions it held go back to :func:`fill`). Pins come before any other session.
    Returns the pins put back."""
    missing = [pin for pin in pins if not _holds(state, pin)]
    if not missing:
        return 0
    place_pins(state, missing)
    for date in sorted({p.date for p in missing if not _holds(state, p)}):
        _rebuild_date(state, [p for p in pins if p.date == date])
    return sum(1 for pin in missing if _holds(state, pin))


MAX_DATE_ORDERS = 24  # vehicle orders tried when rebuilding a date from its pins


def _rebuild_date(state: PlanState, pins: Sequence[Pin]) -> bool:
    """Rebuild every vehicle-day of the pins' date from its pins alone, vehicle by vehicle
    (each taking its crew from those still free), trying the orders of the vehicles until
    every pin holds; else leave the date as it was. Whether it succeeded."""
    inst = state.inst
    date = pins[0].date
    groups: dict[str, list[Pin]] = {}
    for pin in pins:
        groups.setdefault(pin.vehicle, []).append(pin)
    before = {key: day for key, day in state.days.items() if key[1] == date}
    for order in itertools.islice(itertools.permutations(sorted(groups)), MAX_DATE_ORDERS):
        for key in [k for k in state.days if k[1] == date]:
            state.remove(key)
        for vehicle_id in order:
            group = groups[vehicle_id]
            service = inst.services[group[0].service]
            stops = list(dict.fromkeys(inst.stops[p.stop] for p in group))
            if not all(state.date_allowed(stop, service, date) for stop in stops):
                break
            route = staff_route(inst, inst.vehicles[vehicle_id], date, service, stops,
                                free_candidates(state, date, None),
                                state.week_budget(date, vehicle_id))
            if route is None:
                break
            state.put(route)
        else:
            if all(_holds(state, pin) for pin in pins):
                return True
    for key in [k for k in state.days if k[1] == date]:
        state.remove(key)
    for day in before.values():
        state.put(day)
    return False


def enforce_week_limits(state: PlanState) -> int:
    """Bring every crew member within their weekly hours: in each week over the
    limit, the member's latest routes first get another crew, else lose stops
    from the end (shorter duty), else go; returns the number of sessions dropped."""
    inst = state.inst
    dropped = 0
    for member in inst.problem.staff:
        if member.max_week_min is None:
            continue
        for key in sorted(state.days, key=lambda k: (k[1], k[0]), reverse=True):
            day = state.days.get(key)
            if day is None or all(slot.staff != member.id for slot in day.crew):
                continue
            left = state.week_left(member, day.date, day.vehicle.id)
            if left is None or day.timing.duty_min <= left:
                continue
            state.remove(key)
            anyone = free_candidates(state, day.date, day)
            others = [m for m in anyone if m.id != member.id]
            dropped += put_shortened(state, day, list(day.stops), [others, anyone])
    return dropped
