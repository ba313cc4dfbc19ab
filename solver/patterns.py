"""PATTERNS method: enumerate feasible day-routes, let CP-SAT choose them.

1. For every (vehicle, weekday, service), enumerate day-routes: every single
   stop, then sequences growing by one of the ``PAIR_NEIGHBOURS`` (for the
   second stop; every stop when at most ``ALL_PAIRS_UP_TO`` are reachable) or
   ``LONGER_NEIGHBOURS`` (after) nearest stops of the last one, up to
   ``max_sessions_per_day`` stops and ``TEMPLATES_PER_DAY`` sequences, and
   within the work budget (:mod:`solver.budget`; singles are always timed).
   Each is timed exactly (:mod:`solver.timing`), once per window combination
   and per crew-availability bound, so part-time staff find a timing that fits;
   a day holding synchronised stops (``Problem.syncs``) once per combination of
   their starts on a shared grid, so that the partners' routes can meet.
2. Each timed sequence becomes an option on every date of that weekday where a
   full crew could be free over its duty.
3. One CP-SAT model picks at most one option per vehicle-day, one person per
   crew slot (``y[staff, vehicle-day-service, slot]``), respects the spacing
   and period caps per (stop, service), and maximises demand served minus
   travel minus the extra weekdays used by each stop's sessions, plus a bonus
   for each published session held again (``Problem.preferred``, worth
   ``move_threshold`` units of demand). Pins are soft with a weight above any
   other gain (see :mod:`solver.pins`). Synchronised stops: on each date and
   minute, as many routes start a session of one as of its partner.

On problems too large to enumerate every pair (more than ``ALL_PAIRS_UP_TO``
stops offering a service), ROUTING first plans with ``SEED_SHARE`` of the time:
its day-routes join the options and its plan becomes the hint when better than
the greedy one, so CP-SAT starts from it and can only improve on it.

The CP-SAT bound is a proven upper bound over the enumerated routes, so it is
reported only when the enumeration is *complete*: every single stop, every
pair from every stop, and every longer day from every shorter one (which holds
when no neighbour list was cut, no cap or budget was reached, and every day
extended was feasible, since only feasible days are extended). The stats say
which of these failed (``enumeration_incomplete_*``); the solve then reports
the relaxation bound of :mod:`solver.bound` instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.budget import Budget
from solver.choice import SessionChoice
from solver.cpsat import make_solver, solve_within
from solver.crew import covering_availability, match_crew, slot_role
from solver.dayroute import DayRoute, MethodOutcome, bounded_timings, to_route, week_of
from solver.evaluate import objective
from solver.instance import Instance
from solver.model import CrewSlot, Pin, Service, SolveParams, Stop, Vehicle
from solver.pins import pin_penalty
from solver.progress import Progress, ProgressCallback
from solver.repair import PlanState, fill, place_pins, repair
from solver.routing import solve_routing
from solver.timing import Timing, route_legs

PAIR_NEIGHBOURS = 8
LONGER_NEIGHBOURS = 4
ALL_PAIRS_UP_TO = 40  # up to this many reachable stops, every pair is tried (no pruning)
ENUMERATION_SHARE = 0.4  # of the time limit: longer day-routes stop being enumerated after it
SEED_SHARE = 0.6  # of the time limit, for the ROUTING seed plan on problems too large to enumerate
TEMPLATES_PER_DAY = 3000
SYNC_COMBINATIONS = 64  # start combinations tried per day holding synchronised stops
StopSeq = tuple[Stop, ...]


@dataclass(frozen=True)
class _Option:
    """One candidate day-route on a date, with who could crew it."""

    vehicle: Vehicle
    date: dt.date
    service: Service
    stops: StopSeq
    timing: Timing
    travel_min: int
    eligible: frozenset[str]


class _Enumerator:
    """Builds the options of every vehicle-day, sharing timings across dates."""

    def __init__(self, inst: Instance, pins: Sequence[Pin], budget: Budget) -> None:
        self.inst = inst
        self.pins = pins
        self.budget = budget
        self.max_sequences = budget.sequences()  # longer days stop being timed beyond it
        self.cut_short = False  # stopped by its work budget (or the wall clock)
        # Why the routes may not be every possible day-route: empty when the
        # enumeration is complete (then the CP-SAT bound holds for every plan).
        self.incomplete: set[str] = set()
        self._eligible: dict[tuple[dt.date, int, int], frozenset[str]] = {}
        self._crewable: dict[tuple[str, frozenset[str]], bool] = {}
        self.sequences = 0
        self.group_cap = self.max_sequences  # sequences timed after which a group stops
        self._timings: dict[tuple[object, ...], tuple[Timing, ...]] = {}

    def options(self, seeds: Sequence[DayRoute] = ()) -> list[_Option]:
        """Every enumerated option, plus the day-routes of ``seeds`` (a plan found
        another way) that pruning missed."""
        options = self._enumerated()
        known = {(o.vehicle.id, o.date, o.service.id, tuple(s.id for s in o.stops), o.timing)
                 for o in options}
        for day in seeds:
            key = (day.vehicle.id, day.date, day.service.id, tuple(s.id for s in day.stops), day.timing)
            if key not in known:
                option = self._option(day.vehicle, day.date, day.service, day.stops, day.timing)
                if option is not None:
                    options.append(option)
                    known.add(key)
        return options

    def _enumerated(self) -> list[_Option]:
        inst = self.inst
        problem = inst.problem
        by_weekday: dict[int, list[dt.date]] = defaultdict(list)
        for date in problem.dates:
            by_weekday[date.isoweekday()].append(date)
        options: list[_Option] = []
        groups = [
            (vehicle, service, weekday, running)
            for vehicle in problem.vehicles
            for service in problem.services if service.id in vehicle.services
            for weekday, dates in sorted(by_weekday.items())
            if (running := [d for d in dates if inst.runs(vehicle, d)])
        ]
        for index, (vehicle, service, weekday, dates) in enumerate(groups):
            # Each (vehicle, service, weekday) gets an equal share of what is left
            # of the sequences to time, so that the first vehicles cannot take all.
            self.group_cap = self.sequences + max(
                0, (self.max_sequences - self.sequences) // (len(groups) - index))
            starts, ends = self._availability_bounds(dates)
            templates = self._templates(vehicle, weekday, service, starts, ends)
            for date in dates:
                extra = self._pinned_templates(vehicle, date, service, starts, ends)
                for stops, timing in templates + extra:
                    option = self._option(vehicle, date, service, stops, timing)
                    if option is not None:
                        options.append(option)
        return options

    def _availability_bounds(self, dates: Sequence[dt.date]) -> tuple[set[int], set[int]]:
        """Distinct availability starts and ends of the staff on ``dates``."""
        wanted = set(dates)
        intervals = [a for m in self.inst.problem.staff for a in m.availability if a.date in wanted]
        return {a.start_min for a in intervals}, {a.end_min for a in intervals}

    def _timed(
        self, vehicle: Vehicle, weekday: int, service: Service, stops: StopSeq,
        starts: set[int], ends: set[int],
    ) -> tuple[Timing, ...]:
        # Weekdays with the same opening hours and crew bounds share their timings
        # (a family's windows are often the same every day): timed once, counted once.
        key = (vehicle.id, service.id, tuple(s.id for s in stops),
               tuple(self.inst.intervals(s, service, weekday) for s in stops),
               frozenset(starts), frozenset(ends))
        if key not in self._timings:
            self.sequences += 1
            if any(s.id in self.inst.sync_partner for s in stops):
                self._timings[key] = self._sync_timings(vehicle, weekday, service, stops,
                                                        starts, ends)
            else:
                self._timings[key] = bounded_timings(self.inst, vehicle, weekday, service,
                                                     stops, starts, ends)
        return self._timings[key]

    def _sync_timings(
        self, vehicle: Vehicle, weekday: int, service: Service, stops: StopSeq,
        starts: set[int], ends: set[int],
    ) -> tuple[Timing, ...]:
        """Timings of a day holding synchronised stops: one shortest-duty timing per
        combination of their session starts (:meth:`Instance.sync_starts`), so that
        the partner's routes can meet them; at most ``SYNC_COMBINATIONS``, evenly
        spread. Each combination counts as one sequence of the work budget."""
        inst = self.inst
        synced = [s for s in stops if s.id in inst.sync_partner]
        choices = [inst.sync_starts(s, weekday) for s in synced]
        # Visits follow the day's order: each synchronised start after the previous one's end.
        combos: list[tuple[int, ...]] = [()]
        previous_min = 0
        for stop, starts_of in zip(synced, choices):
            # Thinned at each stop, so that the list never grows past the cap times
            # one stop's starts (several synchronised stops on a fine grid).
            combos = self._spread([(*combo, start) for combo in combos for start in starts_of
                                   if not combo or start >= combo[-1] + previous_min])
            previous_min = stop.on_site_for(service)
        if any(inst.service_of(s).start_grid_min < inst.problem.sync_step_min for s in synced):
            self.incomplete.add("sync_grid")  # starts between the grid's steps are not tried
        self.sequences += len(combos)
        found: set[Timing] = set()
        for combo in combos:
            fixed = {s.id: start - service.setup_min for s, start in zip(synced, combo)}
            found.update(bounded_timings(inst, vehicle, weekday, service, stops, starts, ends,
                                         fixed))
        return tuple(sorted(found, key=lambda t: (t.duty_min, t.depart_min, t.arrive_min)))

    def _spread(self, combos: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
        """At most ``SYNC_COMBINATIONS`` of ``combos``, evenly spread."""
        if len(combos) <= SYNC_COMBINATIONS:
            return combos
        self.incomplete.add("sync_combinations")
        step = len(combos) / SYNC_COMBINATIONS
        return [combos[int(k * step)] for k in range(SYNC_COMBINATIONS)]

    def _templates(
        self, vehicle: Vehicle, weekday: int, service: Service, starts: set[int], ends: set[int]
    ) -> list[tuple[StopSeq, Timing]]:
        """Timed sequences of one (vehicle, weekday, service), nearest-neighbour pruned."""
        inst = self.inst
        found: list[tuple[StopSeq, Timing]] = []
        level: list[StopSeq] = []
        for stop in inst.problem.stops:
            if (service.id in stop.services and stop.allows(vehicle.id)
                    and inst.intervals(stop, service, weekday)):
                timings = self._timed(vehicle, weekday, service, (stop,), starts, ends)
                found.extend(((stop,), t) for t in timings)
                # A stop open that day but impossible alone may still fit in a
                # longer day (the crew's lunch break between two sessions).
                level.append((stop,))
        singles = [seq[0] for seq in level]
        neighbours = {
            stop: sorted(
                (other for other in singles if other is not stop),
                key=lambda other: (inst.travel(stop.location, other.location), other.id),
            )
            for stop in singles
        }
        for length in range(2, service.max_sessions_per_day + 1):
            if not level:
                break
            if self.sequences >= self.group_cap or self.budget.past_deadline():
                if self.budget.past_deadline():
                    self.budget.hit("enumeration")
                self.cut_short = True  # singles always; longer days only within the budget
                self.incomplete.add("budget")
                break
            width = PAIR_NEIGHBOURS if length == 2 else LONGER_NEIGHBOURS
            if length == 2 and len(singles) <= ALL_PAIRS_UP_TO:
                width = len(singles)
            if width < len(singles) - 1:
                self.incomplete.add("nearest_neighbours")
            next_level: list[StopSeq] = []
            for seq in level:
                for other in neighbours[seq[-1]][:width]:
                    if other in seq:
                        continue
                    if len(found) >= TEMPLATES_PER_DAY:
                        self.incomplete.add("templates_per_day")
                        continue
                    longer = (*seq, other)
                    timings = self._timed(vehicle, weekday, service, longer, starts, ends)
                    found.extend((longer, t) for t in timings)
                    if timings:
                        next_level.append(longer)
                    elif length < service.max_sessions_per_day:
                        # Only feasible days are extended; a longer day through an
                        # infeasible one may exist (a lunch break, travel times
                        # without the triangle inequality).
                        self.incomplete.add("longer_days_from_feasible_ones")
            level = next_level
        return found

    def _pinned_templates(
        self, vehicle: Vehicle, date: dt.date, service: Service, starts: set[int], ends: set[int]
    ) -> list[tuple[StopSeq, Timing]]:
        """Sequences holding all stops pinned to this vehicle-day (any order),
        alone or with one more stop, which pruning may otherwise miss."""
        inst = self.inst
        pinned = sorted(
            {inst.stops[p.stop] for p in self.pins
             if p.vehicle == vehicle.id and p.date == date and p.service == service.id},
            key=lambda s: s.id,
        )
        if len(pinned) < 2 or len(pinned) > service.max_sessions_per_day:
            return []
        others = [s for s in inst.problem.stops
                  if service.id in s.services and s not in pinned and s.allows(vehicle.id)]
        found: list[tuple[StopSeq, Timing]] = []
        for order in itertools.permutations(pinned):
            sequences = [order]
            if len(order) < service.max_sessions_per_day:
                sequences += [
                    (*order[:i], other, *order[i:])
                    for other in others for i in range(len(order) + 1)
                ]
            for seq in sequences:
                timings = self._timed(vehicle, date.isoweekday(), service, seq, starts, ends)
                found.extend((seq, t) for t in timings)
        return found

    def _option(
        self, vehicle: Vehicle, date: dt.date, service: Service, stops: StopSeq, timing: Timing
    ) -> _Option | None:
        """The option, if a full crew could be free over its duty on ``date``."""
        key = (date, timing.depart_min, timing.return_min)
        if key not in self._eligible:
            self._eligible[key] = frozenset(
                m.id for m in self.inst.staff_by_date[date]
                if covering_availability(m, date, timing.depart_min, timing.return_min)
            )
        eligible = self._eligible[key]
        if vehicle.crew is not None:
            eligible = eligible & vehicle.crew
        crew_key = (service.id, eligible)
        if crew_key not in self._crewable:
            members = [m for m in self.inst.problem.staff if m.id in eligible]
            self._crewable[crew_key] = match_crew(service, members) is not None
        if not self._crewable[crew_key]:
            return None
        legs = route_legs(self.inst.problem.travel_min, vehicle.base, [s.location for s in stops])
        return _Option(vehicle, date, service, stops, timing, sum(legs), eligible)


class _ProgressReporter(cp_model.CpSolverSolutionCallback):
    """Forwards each improving CP-SAT solution to the callback, with CP-SAT's
    bound only when ``bound_valid`` (a complete enumeration: the bound then
    holds for every plan, not only for the enumerated routes)."""

    def __init__(self, report: ProgressCallback, started: float, bound_valid: bool) -> None:
        super().__init__()
        self._report = report
        self._started = started
        self._bound_valid = bound_valid

    def on_solution_callback(self) -> None:
        bound = self.best_objective_bound if self._bound_valid else None
        self._report(Progress("searching", time.monotonic() - self._started,
                              self.objective_value, bound))


def solve_patterns(
    inst: Instance, params: SolveParams, pins: Sequence[Pin], budget: Budget,
    report: ProgressCallback | None = None,
) -> MethodOutcome:
    """Enumerate day-routes and choose them with CP-SAT within ``budget``.
    ``pins`` are those feasible alone; ``report`` hears of each better plan
    found. The bound is reported only when the enumeration is complete (then it
    holds for every plan); ``stats.details["enumeration_complete"]`` says so."""
    started = time.monotonic()
    seed_share = SEED_SHARE if _pruned(inst) else 0.0
    # The seed's share of the time too: what follows it (every single stop is timed,
    # then the model is built) must not start past the deadline.
    seeds, stats = (_routing_seed(inst, params, pins, budget.slice(seed_share)) if seed_share
                    else ([], {}))
    enumerator = _Enumerator(inst, pins, budget.share(ENUMERATION_SHARE))
    options = enumerator.options(seeds)
    complete = not enumerator.incomplete
    stats |= {
        "enumeration_cut_short": float(enumerator.cut_short),
        "enumeration_complete": float(complete),
        "sequences_timed": enumerator.sequences,
        "routes_enumerated": len(options),
        "enumeration_s": round(time.monotonic() - started, 3),
    }
    stats |= {f"enumeration_incomplete_{why}": 1.0 for why in sorted(enumerator.incomplete)}
    if not options:
        return MethodOutcome([], "optimal" if complete else "feasible", 0 if complete else None,
                             stats)
    if seeds and budget.past_deadline():
        # No time left to build and solve the model: the routing plan it is.
        budget.hit("patterns")
        return MethodOutcome(seeds, "feasible", None, stats | {"hint_from_routing": 1.0})
    model = _Model(inst, params, options, pins)
    greedy = PlanState(inst, params)
    place_pins(greedy, pins)
    fill(greedy)
    hint = greedy.ordered()
    if seeds and _value(inst, params, seeds) > _value(inst, params, hint):
        hint = seeds
        stats["hint_from_routing"] = 1.0
    stats["greedy_hint_routes"] = float(model.hint(hint))
    # What is left of the work once the seed and the enumeration took theirs
    # (counted in deterministic units: the sequences actually timed).
    used = seed_share + min(ENUMERATION_SHARE, enumerator.sequences / max(1, enumerator.max_sequences)
                            * ENUMERATION_SHARE)
    cpsat_budget = budget.share(max(0.05, 1.0 - used))
    solver = make_solver(params, cpsat_budget)
    status = solve_within(solver, model.cp, cpsat_budget, "patterns",
                          _ProgressReporter(report, started, complete) if report else None)
    stats |= {
        "cpsat_wall_s": round(solver.wall_time, 3),
        "cpsat_deterministic_time": round(solver.deterministic_time, 3),
        "cpsat_status_optimal": float(status == cp_model.OPTIMAL),
        "cpsat_status_feasible": float(status == cp_model.FEASIBLE),
    }
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return MethodOutcome(list(hint), "unknown", None, stats)
    days = model.chosen(solver)
    honoured = sum(solver.value(p) for p in model.pin_vars)
    bound = math.floor(solver.best_objective_bound + 1e-6) - model.pin_weight * honoured
    if _held_pins(days, pins) < _held_pins(hint, pins):
        # The hint held more pins than CP-SAT kept within its budget (a day of the hint
        # that no enumerated option matched): the hint it is.
        stats["hint_kept_more_pins"] = 1.0
        return MethodOutcome(list(hint), "feasible", None, stats)
    if not complete:  # a proof over some of the day-routes proves nothing of the others
        return MethodOutcome(days, "feasible", None, stats)
    return MethodOutcome(days, "optimal" if status == cp_model.OPTIMAL else "feasible", bound, stats)


def _held_pins(days: Sequence[DayRoute], pins: Sequence[Pin]) -> int:
    held = {(stop.id, day.service.id, day.date, day.vehicle.id) for day in days for stop in day.stops}
    return sum((p.stop, p.service, p.date, p.vehicle) in held for p in set(pins))


def _pruned(inst: Instance) -> bool:
    """Whether pair enumeration is pruned for some vehicle and service (more stops than
    ``ALL_PAIRS_UP_TO`` it may visit offer the service): the enumerated routes may then
    miss good days."""
    problem = inst.problem
    for vehicle in problem.vehicles:
        allowed = [s for s in problem.stops if s.allows(vehicle.id)]
        if len(allowed) > 2 * ALL_PAIRS_UP_TO:
            return True
        if any(sum(service.id in stop.services for stop in allowed) > ALL_PAIRS_UP_TO
               for service in problem.services
               if service.id in vehicle.services and service.max_sessions_per_day > 1):
            return True
    return False


def _routing_seed(
    inst: Instance, params: SolveParams, pins: Sequence[Pin], budget: Budget
) -> tuple[list[DayRoute], dict[str, float]]:
    """On problems too large to enumerate well, a ROUTING plan (made valid by the
    repair rules) whose day-routes join the options and may become the hint."""
    began = time.monotonic()
    state = PlanState(inst, params, solve_routing(inst, params, pins, budget).days)
    repair(state, pins)
    days = state.ordered()
    return days, {"routing_seed_routes": float(len(days)),
                  "routing_seed_objective": float(_value(inst, params, days)),
                  "routing_seed_s": round(time.monotonic() - began, 3)}


def _value(inst: Instance, params: SolveParams, days: Sequence[DayRoute]) -> int:
    return objective(inst.problem, [to_route(inst, day) for day in days], params)


class _Model(SessionChoice):
    """The CP-SAT model over the options (see the module docstring)."""

    def __init__(
        self, inst: Instance, params: SolveParams, options: list[_Option], pins: Sequence[Pin]
    ) -> None:
        super().__init__(inst)
        self.options = options
        cp = self.cp
        self.x = [cp.new_bool_var(f"x{i}") for i in range(len(options))]
        objective: list[cp_model.LinearExprT] = []
        by_stop = not inst.problem.areas  # else demand is earned by area coverage below
        for var, option in zip(self.x, options):
            value = params.demand_weight * sum(s.demand for s in option.stops) if by_stop else 0
            value -= sum(s.cost_of(option.vehicle.id) for s in option.stops)
            objective.append(var * (value - params.travel_weight * option.travel_min))

        by_day: dict[tuple[str, dt.date], list[int]] = defaultdict(list)
        by_day_service: dict[tuple[str, dt.date, str], list[int]] = defaultdict(list)
        visits: dict[tuple[str, str], dict[dt.date, list[int]]] = defaultdict(lambda: defaultdict(list))
        for i, option in enumerate(options):
            by_day[(option.vehicle.id, option.date)].append(i)
            by_day_service[(option.vehicle.id, option.date, option.service.id)].append(i)
            for stop in option.stops:
                visits[(stop.id, option.service.id)][option.date].append(i)
        for indices in by_day.values():
            cp.add_at_most_one(self.x[i] for i in indices)

        self.crew: dict[tuple[str, dt.date, str], list[dict[str, cp_model.IntVar]]] = {}
        staff_day: dict[tuple[str, dt.date], list[cp_model.IntVar]] = defaultdict(list)
        for key, indices in by_day_service.items():
            self._add_crew(key, indices, staff_day)
        for members in staff_day.values():
            if len(members) > 1:
                cp.add(sum(members) <= 1)
        self._add_week_limits(by_day_service)

        objective.extend(self.demand_terms(visits, params))
        self._add_syncs()

        self.pin_weight = pin_penalty(inst.problem, params) if pins else 0
        self.pin_vars: list[cp_model.IntVar] = []
        for pin in pins:
            holding = [
                i for i in by_day_service.get((pin.vehicle, pin.date, pin.service), [])
                if any(s.id == pin.stop for s in options[i].stops)
            ]
            var = cp.new_bool_var(f"pin{len(self.pin_vars)}")
            cp.add(var <= sum(self.x[i] for i in holding))
            self.pin_vars.append(var)
            objective.append(self.pin_weight * var)
        cp.maximize(sum(objective))

    def _add_syncs(self) -> None:
        """Synchronised stops (``Problem.syncs``): each chosen route starting a
        session of one stop of a pair at some minute needs a chosen route starting
        its partner's within the pair's gap, on that date (:meth:`Sync.meets`). A
        joint visit (gap 0) thus has as many routes on each side at each minute."""
        inst = self.inst
        at: dict[tuple[str, dt.date, int], list[int]] = defaultdict(list)
        for i, option in enumerate(self.options):
            for stop, arrive in zip(option.stops, option.timing.arrive_min):
                if stop.id in inst.sync_partner:
                    at[(stop.id, option.date, arrive + option.service.setup_min)].append(i)
        for (stop_id, date, start), held in sorted(at.items()):
            sync = inst.sync_of[stop_id]
            partner = inst.sync_partner[stop_id].id
            meeting = [i for t in sync.partner_starts(stop_id, start)
                       for i in at.get((partner, date, t), [])]
            self.cp.add(sum(self.x[i] for i in held) <= sum(self.x[i] for i in meeting))

    def _add_crew(
        self,
        key: tuple[str, dt.date, str],
        indices: list[int],
        staff_day: dict[tuple[str, dt.date], list[cp_model.IntVar]],
    ) -> None:
        """One distinct qualified member per slot when the vehicle-day runs the
        service, each free over the chosen route's duty."""
        cp, inst = self.cp, self.inst
        vehicle_id, date, service_id = key
        service = inst.services[service_id]
        runs = sum(self.x[i] for i in indices)
        eligible_anywhere = sorted(set().union(*(self.options[i].eligible for i in indices)))
        slots: list[dict[str, cp_model.IntVar]] = []
        for k, slot in enumerate(service.required_roles):
            chosen = {
                member_id: cp.new_bool_var(f"y_{member_id}_{vehicle_id}_{date}_{k}")
                for member_id in eligible_anywhere
                if slot_role(inst.staff[member_id], slot) is not None
            }
            cp.add(sum(chosen.values()) == runs)
            slots.append(chosen)
        self.crew[key] = slots
        for member_id in eligible_anywhere:
            on_board = [slot[member_id] for slot in slots if member_id in slot]
            staff_day[(member_id, date)].extend(on_board)
            fitting = [i for i in indices if member_id in self.options[i].eligible]
            if on_board and len(fitting) < len(indices):
                cp.add(sum(on_board) <= sum(self.x[i] for i in fitting))

    def _add_week_limits(self, by_day_service: dict[tuple[str, dt.date, str], list[int]]) -> None:
        """Weekly hours: a member's duty on a vehicle-day is at least the chosen
        route's when on board; their week's duties stay within ``max_week_min``.
        Only weeks where the limit could bind get constraints."""
        cp, inst = self.cp, self.inst
        duties: dict[
            tuple[str, tuple[int, int]],
            list[tuple[int, cp_model.LinearExprT, cp_model.IntVar, dt.date]],
        ] = defaultdict(list)
        for key, indices in by_day_service.items():
            _vehicle_id, date, _service_id = key
            for slot in self.crew[key]:
                for member_id, var in slot.items():
                    member = inst.staff[member_id]
                    if member.max_week_min is None:
                        continue
                    fitting = [i for i in indices if member_id in self.options[i].eligible]
                    longest = max(self.options[i].timing.duty_min for i in fitting)
                    duty = sum(self.options[i].timing.duty_min * self.x[i] for i in fitting)
                    duties[(member_id, week_of(date))].append((longest, duty, var, date))
        for (member_id, _week), items in duties.items():
            limit = inst.staff[member_id].max_week_min
            assert limit is not None  # only members with a weekly limit have items
            longest_by_date: dict[dt.date, int] = defaultdict(int)
            for longest, _duty, _vars, date in items:
                longest_by_date[date] = max(longest_by_date[date], longest)
            if sum(longest_by_date.values()) <= limit:
                continue  # even the longest days fit the week
            worked: list[cp_model.IntVar] = []
            for longest, route_duty, on_board, _date in items:
                minutes = cp.new_int_var(0, longest, "")
                cp.add(minutes >= route_duty).only_enforce_if(on_board)
                worked.append(minutes)
            cp.add(sum(worked) <= limit)

    def hint(self, days: Sequence[DayRoute]) -> int:
        """Hint CP-SAT with a plan (the greedy one): each of its day-routes
        that matches an option (same stops, crew eligible; same timing
        preferred) is hinted with its crew, every other option off. Returns
        the number of day-routes matched."""
        by_stops: dict[tuple[str, dt.date, str, tuple[str, ...]], list[int]] = defaultdict(list)
        for i, option in enumerate(self.options):
            key = (option.vehicle.id, option.date, option.service.id,
                   tuple(s.id for s in option.stops))
            by_stops[key].append(i)
        chosen: dict[int, DayRoute] = {}
        for day in days:
            crew = {slot.staff for slot in day.crew}
            fitting = [
                i for i in by_stops.get((day.vehicle.id, day.date, day.service.id,
                                         tuple(s.id for s in day.stops)), [])
                if crew <= self.options[i].eligible
            ]
            same_time = [i for i in fitting if self.options[i].timing == day.timing]
            if fitting:
                chosen[(same_time or fitting)[0]] = day
        for i, var in enumerate(self.x):
            self.cp.add_hint(var, i in chosen)
        on_board = {
            (option.vehicle.id, option.date, option.service.id, k, slot.staff)
            for i, day in chosen.items()
            for option in [self.options[i]]
            for k, slot in enumerate(day.crew)
        }
        for (vehicle_id, date, service_id), slots in self.crew.items():
            for k, slot_vars in enumerate(slots):
                for member_id, var in slot_vars.items():
                    self.cp.add_hint(var, (vehicle_id, date, service_id, k, member_id) in on_board)
        return len(chosen)

    def chosen(self, solver: cp_model.CpSolver) -> list[DayRoute]:
        """The chosen options as crewed day-routes."""
        days = []
        for var, option in zip(self.x, self.options):
            if not solver.boolean_value(var):
                continue
            slots = self.crew[(option.vehicle.id, option.date, option.service.id)]
            crew = []
            for slot_roles, slot in zip(option.service.required_roles, slots):
                member_id = next(m for m, y in slot.items() if solver.boolean_value(y))
                role = slot_role(self.inst.staff[member_id], slot_roles)
                assert role is not None
                crew.append(CrewSlot(member_id, role))
            days.append(DayRoute(option.vehicle, option.date, option.service, option.stops,
                                 option.timing, tuple(crew)))
        return days
