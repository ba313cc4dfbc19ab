"""An upper bound on the objective of every plan of a problem, from a relaxation
that CP-SAT solves (its proven bound is the bound).

The relaxation forgets the order of the stops and the exact times: each
vehicle-day that runs a service (at most one per vehicle-day) may hold any
stops open that weekday and reachable alone from its base, at most
``max_sessions_per_day`` of them, within the vehicle's capacity, and within
its duty time counted as a knapsack: each stop held takes its time on site
plus the shortest leg into it (from the base or another candidate stop), and
the day one shortest leg back to the base. The same count holds within any
span of the day: the stops whose every possible stay lies in ``[a, b]`` fit
their stays and in-legs in ``b - a``, except the first in-leg (which may
start before ``a``). Crews are as in the plans (one
qualified member per slot, each member in one vehicle-day a date, available
that date); period caps and spacing are those of the plans; demand is earned
as in the plans (by stop or by area coverage); synchronised stops are held
on the same dates as often as each other. Travel costs, rhythm penalties
and lunch breaks only lower a plan's value, so they are left out; pins too
(a bound over all plans also bounds those holding the pins).

Every plan satisfies the relaxation's constraints and earns at most its value,
so its proven bound holds for every plan: :func:`relaxation_bound` returns it
with the bound on demand alone (``demand_weight`` x demand served).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.budget import CPSAT_DETERMINISTIC_PER_S, Budget
from solver.choice import SessionChoice, Visits
from solver.cpsat import make_solver, solve_within
from solver.crew import slot_role
from solver.instance import Instance
from solver.model import Service, SolveParams, Stop, Vehicle


@dataclass(frozen=True)
class RelaxationBound:
    """``objective``: a bound on ``evaluate.objective`` of every plan (pins
    aside); ``demand``: a bound on ``demand_weight`` x demand served."""

    objective: int
    demand: int
    proven_optimal: bool  # the relaxation itself was solved to optimality
    work_s: float = 0.0  # reference seconds of work it used (deterministic)


def _reachable_alone(inst: Instance, vehicle: Vehicle, service: Service, stop: Stop,
                     weekday: int, duty_cap: int) -> bool:
    """Whether a visit to ``stop`` could be part of some day of ``vehicle``:
    open that weekday, within the one-way limit and the capacity, and the
    trip there, the stay and the trip back fit the duty cap."""
    if (service.id not in stop.services or not stop.allows(vehicle.id)
            or not inst.intervals(stop, service, weekday)):
        return False
    if vehicle.capacity is not None and stop.load > vehicle.capacity:
        return False
    out = inst.travel(vehicle.base, stop.location)
    if service.max_one_way_min is not None and out > service.max_one_way_min:
        return False
    return out + stop.on_site_for(service) + inst.travel(stop.location, vehicle.base) <= duty_cap


SPAN_POINTS = 16  # span ends tried per vehicle-day, each side


def _thinned(points: list[int]) -> list[int]:
    """At most ``SPAN_POINTS`` of ``points``, evenly spread, first and last kept."""
    if len(points) <= SPAN_POINTS:
        return points
    step = (len(points) - 1) / (SPAN_POINTS - 1)
    return sorted({points[round(k * step)] for k in range(SPAN_POINTS)})


class _OutOfTime(Exception):
    """Building the relaxation reached the budget's wall-clock cap."""


# One row of a vehicle-day's limits: sum(weights[k] * held[indices[k]]) + runs_weight * runs <= rhs.
_Row = tuple[tuple[int, ...], tuple[int, ...], int, int]


class _Relaxation(SessionChoice):
    def __init__(self, inst: Instance, params: SolveParams, budget: Budget) -> None:
        super().__init__(inst)
        problem = inst.problem
        cp = self.cp
        visits: Visits = defaultdict(lambda: defaultdict(list))
        demand_terms: list[cp_model.LinearExprT] = []
        on_date: dict[tuple[str, dt.date], list[cp_model.IntVar]] = defaultdict(list)
        # Vehicle-days alike (same base, service, weekday, duty and capacity) share
        # their candidates and limits: computed once, written once per day.
        shapes: dict[tuple[object, ...], tuple[list[Stop], list[_Row]]] = {}
        by_stop = not problem.areas
        own_stops = any(s.vehicle_costs for s in problem.stops)  # then no two vehicles alike
        for vehicle in problem.vehicles:
            duty_cap = min(vehicle.max_duty_min, vehicle.shift_end_min - vehicle.shift_start_min)
            for date in problem.dates:
                if budget.past_deadline():
                    raise _OutOfTime
                if not inst.runs(vehicle, date):
                    continue
                runs_today: list[cp_model.IntVar] = []
                for service in problem.services:
                    if service.id not in vehicle.services:
                        continue
                    key = (vehicle.base, service.id, date.isoweekday(), duty_cap, vehicle.capacity,
                           vehicle.id if own_stops else "")
                    if key not in shapes:
                        shapes[key] = self._shape(vehicle, service, date.isoweekday(), duty_cap)
                    candidates, rows = shapes[key]
                    if not candidates:
                        continue
                    crew = self._crew(vehicle, date, service, on_date)
                    if crew is None:
                        continue
                    runs = cp.new_bool_var("")
                    for slot in crew:
                        cp.add(sum(slot) == runs)
                    runs_today.append(runs)
                    held = []
                    for stop in candidates:
                        var = cp.new_bool_var("")
                        cp.add_implication(var, runs)
                        visits[(stop.id, service.id)][date].append(len(self.x))
                        self.x.append(var)
                        held.append(var)
                        if by_stop:
                            demand_terms.append(params.demand_weight * stop.demand * var)
                    for indices, weights, runs_weight, rhs in rows:
                        cp.add(cp_model.LinearExpr.weighted_sum(
                            [held[k] for k in indices] + [runs], [*weights, runs_weight]) <= rhs)
                if len(runs_today) > 1:
                    cp.add_at_most_one(runs_today)
        for members in on_date.values():
            if len(members) > 1:
                cp.add(sum(members) <= 1)
        self._add_syncs(visits)
        self.demand = demand_terms + self.demand_terms(visits, params, rhythm=False)

    def _add_syncs(self, visits: Visits) -> None:
        """Synchronised stops (``Problem.syncs``) are held on the same dates, as
        often as each other: every plan starts each session of one with a
        session of the other."""
        by_stop: dict[str, dict[dt.date, list[int]]] = defaultdict(lambda: defaultdict(list))
        for (stop_id, _), dates in visits.items():
            for date, indices in dates.items():
                by_stop[stop_id][date].extend(indices)
        for sync in self.inst.problem.syncs:
            first, second = by_stop.get(sync.first, {}), by_stop.get(sync.second, {})
            for date in set(first) | set(second):
                self.cp.add(sum(self.x[k] for k in first.get(date, []))
                            == sum(self.x[k] for k in second.get(date, [])))

    def _crew(self, vehicle: Vehicle, date: dt.date, service: Service,
              on_date: dict[tuple[str, dt.date], list[cp_model.IntVar]],
              ) -> list[list[cp_model.IntVar]] | None:
        """One variable per available member and slot role; ``None`` when a slot
        has nobody."""
        slots = []
        for slot_roles in service.required_roles:
            members = [m for m in self.inst.staff_by_date[date]
                       if slot_role(m, slot_roles) is not None and vehicle.may_carry(m.id)]
            if not members:
                return None
            chosen = []
            for member in members:
                var = self.cp.new_bool_var("")
                on_date[(member.id, date)].append(var)
                chosen.append(var)
            slots.append(chosen)
        return slots

    def _shape(self, vehicle: Vehicle, service: Service, weekday: int,
               duty_cap: int) -> tuple[list[Stop], list[_Row]]:
        """The stops a vehicle-day could hold and its limits: sessions a day,
        capacity, the duty-time knapsack and the spans of the day."""
        inst = self.inst
        candidates = [s for s in inst.problem.stops
                      if _reachable_alone(inst, vehicle, service, s, weekday, duty_cap)]
        if not candidates:
            return [], []
        everyone = tuple(range(len(candidates)))
        rows: list[_Row] = []
        if len(candidates) > service.max_sessions_per_day:
            rows.append((everyone, (1,) * len(candidates), -service.max_sessions_per_day, 0))
        loads = tuple(s.load for s in candidates)
        if vehicle.capacity is not None and sum(loads) > vehicle.capacity:
            rows.append((everyone, loads, -vehicle.capacity, 0))
        places = [("", vehicle.base)] + [(s.id, s.location) for s in candidates]
        shortest_in = [min(inst.travel(place, stop.location) for other, place in places
                           if other != stop.id)
                       for stop in candidates]
        back = min(inst.travel(s.location, vehicle.base) for s in candidates)
        weights = tuple(s.on_site_for(service) + leg for s, leg in zip(candidates, shortest_in))
        if sum(weights) + back > duty_cap:
            rows.append((everyone, weights, back, duty_cap))
        rows.extend(self._span_rows(service, weekday, candidates, shortest_in))
        return candidates, rows

    def _span_rows(self, service: Service, weekday: int, candidates: list[Stop],
                   shortest_in: list[int]) -> list[_Row]:
        """For spans ``[a, b]`` between the stops' earliest arrivals and latest
        departures (at most ``SPAN_POINTS`` of each): the stays and in-legs of
        the stops that can only be visited inside the span, less the largest
        in-leg, fit in ``b - a``."""
        if len(candidates) < 2:
            return []
        span = []
        for stop in candidates:
            intervals = self.inst.intervals(stop, service, weekday)
            span.append((intervals[0][0], intervals[-1][1] + stop.on_site_for(service)))
        starts = _thinned(sorted({a for a, _ in span}))
        ends = _thinned(sorted({b for _, b in span}))
        rows: list[_Row] = []
        for a in starts:
            after = [k for k, (first, _) in enumerate(span) if first >= a]
            for b in ends:
                if b <= a:
                    continue
                inside = tuple(k for k in after if span[k][1] <= b)
                if len(inside) < 2:
                    continue
                weights = tuple(candidates[k].on_site_for(service) + shortest_in[k] for k in inside)
                slack = b - a + max(shortest_in[k] for k in inside)
                if sum(weights) > slack:
                    rows.append((inside, weights, 0, slack))
        return rows


class PendingBound:
    """The relaxation's CP-SAT solve, running in a thread beside the method
    (CP-SAT releases the GIL); :meth:`result` waits for it."""

    def __init__(self, relaxation: _Relaxation | None, params: SolveParams, budget: Budget) -> None:
        self._result: RelaxationBound | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self._solver: cp_model.CpSolver | None = None
        if relaxation is None:
            return
        if not relaxation.x:
            self._result = RelaxationBound(0, 0, True, 0.0)
            return
        self._thread = threading.Thread(target=self._solve, args=(relaxation, params, budget),
                                        name="relaxation-bound", daemon=True)
        self._thread.start()

    def _solve(self, relaxation: _Relaxation, params: SolveParams, budget: Budget) -> None:
        try:
            demand = sum(relaxation.demand)
            relaxation.cp.maximize(demand)
            # One worker: interleaved batches would run their full slice after the
            # (usually quick) proof.
            solver = make_solver(dataclasses.replace(params, num_workers=1), budget)
            self._solver = solver
            status = solve_within(solver, relaxation.cp, budget, "bound")
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return
            value = math.floor(solver.best_objective_bound + 1e-6)
            # Demand alone: the bonus of published sessions is part of ``value`` too.
            self._result = RelaxationBound(
                objective=value, demand=value, proven_optimal=status == cp_model.OPTIMAL,
                work_s=solver.deterministic_time / CPSAT_DETERMINISTIC_PER_S)
        except BaseException as error:  # noqa: BLE001 (handed to the caller by result())
            self._error = error

    def result(self, stop_at: float | None = None) -> RelaxationBound | None:
        """The relaxation's proven bound; ``None`` if CP-SAT could not even bound
        it, or its model could not be built in time (then no bound is claimed).
        At ``stop_at`` (a ``time.monotonic()`` value) a solve still running is
        stopped: its bound so far holds."""
        if self._thread is not None:
            if stop_at is not None:
                self._thread.join(timeout=max(0.0, stop_at - time.monotonic()))
                if self._thread.is_alive() and self._solver is not None:
                    self._solver.stop_search()
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result


def relaxation_bound(inst: Instance, params: SolveParams, build_budget: Budget,
                     solve_budget: Budget) -> PendingBound:
    """Build the relaxation within ``build_budget``'s wall clock, then start its
    CP-SAT solve with ``solve_budget`` (deterministic work, wall-clock cap) in a
    thread. Deterministic: the thread only changes when the bound is ready."""
    try:
        relaxation = _Relaxation(inst, params, build_budget)
    except _OutOfTime:
        build_budget.hit("bound")
        return PendingBound(None, params, solve_budget)
    return PendingBound(relaxation, params, solve_budget)
