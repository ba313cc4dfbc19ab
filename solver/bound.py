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
as in the plans (by stop or by area coverage). Travel costs, rhythm penalties
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
    if service.id not in stop.services or not inst.intervals(stop, service, weekday):
        return False
    if vehicle.capacity is not None and stop.load > vehicle.capacity:
        return False
    out = inst.travel(vehicle.base, stop.location)
    if service.max_one_way_min is not None and out > service.max_one_way_min:
        return False
    return out + service.on_site_min + inst.travel(stop.location, vehicle.base) <= duty_cap


SPAN_POINTS = 16  # span ends tried per vehicle-day, each side


def _thinned(points: list[int]) -> list[int]:
    """At most ``SPAN_POINTS`` of ``points``, evenly spread, first and last kept."""
    if len(points) <= SPAN_POINTS:
        return points
    step = (len(points) - 1) / (SPAN_POINTS - 1)
    return sorted({points[round(k * step)] for k in range(SPAN_POINTS)})


class _OutOfTime(Exception):
    """Building the relaxation reached the budget's wall-clock cap."""


class _Relaxation(SessionChoice):
    def __init__(self, inst: Instance, params: SolveParams, budget: Budget) -> None:
        super().__init__(inst)
        problem = inst.problem
        cp = self.cp
        visits: Visits = defaultdict(lambda: defaultdict(list))
        demand_terms: list[cp_model.LinearExprT] = []
        on_date: dict[tuple[str, dt.date], list[cp_model.IntVar]] = defaultdict(list)
        by_stop = not problem.areas
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
                    candidates = [s for s in problem.stops if _reachable_alone(
                        inst, vehicle, service, s, date.isoweekday(), duty_cap)]
                    if not candidates:
                        continue
                    crew = self._crew(date, service, on_date)
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
                        held.append((stop, var))
                        if by_stop:
                            demand_terms.append(params.demand_weight * stop.demand * var)
                    self._day_limits(vehicle, service, date.isoweekday(), duty_cap, runs, held)
                if len(runs_today) > 1:
                    cp.add_at_most_one(runs_today)
        for members in on_date.values():
            if len(members) > 1:
                cp.add(sum(members) <= 1)
        self.demand = demand_terms + self.demand_terms(visits, params, rhythm=False)

    def _crew(self, date: dt.date, service: Service,
              on_date: dict[tuple[str, dt.date], list[cp_model.IntVar]],
              ) -> list[list[cp_model.IntVar]] | None:
        """One variable per available member and slot role; ``None`` when a slot
        has nobody."""
        slots = []
        for slot_roles in service.required_roles:
            members = [m for m in self.inst.staff_by_date[date]
                       if slot_role(m, slot_roles) is not None]
            if not members:
                return None
            chosen = []
            for member in members:
                var = self.cp.new_bool_var("")
                on_date[(member.id, date)].append(var)
                chosen.append(var)
            slots.append(chosen)
        return slots

    def _day_limits(self, vehicle: Vehicle, service: Service, weekday: int, duty_cap: int,
                    runs: cp_model.IntVar, held: list[tuple[Stop, cp_model.IntVar]]) -> None:
        """Sessions a day, capacity and the duty-time knapsack."""
        cp, inst = self.cp, self.inst
        if len(held) > service.max_sessions_per_day:
            cp.add(sum(v for _, v in held) <= service.max_sessions_per_day * runs)
        if vehicle.capacity is not None and sum(s.load for s, _ in held) > vehicle.capacity:
            cp.add(sum(s.load * v for s, v in held) <= vehicle.capacity * runs)
        places = [("", vehicle.base)] + [(s.id, s.location) for s, _ in held]
        shortest_in = {
            stop.id: min(inst.travel(place, stop.location) for other, place in places
                         if other != stop.id)
            for stop, _ in held
        }
        back = min(inst.travel(s.location, vehicle.base) for s, _ in held)
        weights = [service.on_site_min + shortest_in[s.id] for s, _ in held]
        if sum(weights) + back > duty_cap:
            cp.add(sum(w * v for w, (_, v) in zip(weights, held)) + back * runs <= duty_cap)
        self._span_limits(service, weekday, held, shortest_in)

    def _span_limits(self, service: Service, weekday: int, held: list[tuple[Stop, cp_model.IntVar]],
                     shortest_in: dict[str, int]) -> None:
        """For spans ``[a, b]`` between the stops' earliest arrivals and latest
        departures (at most ``SPAN_POINTS`` of each): the stays and in-legs of
        the stops that can only be visited inside the span, less the largest
        in-leg, fit in ``b - a``."""
        if len(held) < 2:
            return
        span = {}
        for stop, _ in held:
            intervals = self.inst.intervals(stop, service, weekday)
            span[stop.id] = (intervals[0][0], intervals[-1][1] + service.on_site_min)
        starts = _thinned(sorted({a for a, _ in span.values()}))
        ends = _thinned(sorted({b for _, b in span.values()}))
        for a in starts:
            for b in ends:
                if b <= a:
                    continue
                inside = [(stop, var) for stop, var in held
                          if span[stop.id][0] >= a and span[stop.id][1] <= b]
                if len(inside) < 2:
                    continue
                weights = [service.on_site_min + shortest_in[s.id] for s, _ in inside]
                slack = b - a + max(shortest_in[s.id] for s, _ in inside)
                if sum(weights) > slack:
                    self.cp.add(sum(w * v for w, (_, v) in zip(weights, inside)) <= slack)


def relaxation_bound(inst: Instance, params: SolveParams, budget: Budget) -> RelaxationBound | None:
    """The relaxation's proven bound within ``budget``; ``None`` if CP-SAT
    could not even bound it (then no bound is claimed)."""
    try:
        relaxation = _Relaxation(inst, params, budget)
    except _OutOfTime:
        budget.hit("bound")
        return None
    if not relaxation.x:
        return RelaxationBound(0, 0, True, 0.0)
    demand = sum(relaxation.demand)
    relaxation.cp.maximize(demand)
    # One worker: interleaved batches would run their full slice after the
    # (usually quick) proof.
    solver = make_solver(dataclasses.replace(params, num_workers=1), budget)
    status = solve_within(solver, relaxation.cp, budget, "bound")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    value = math.floor(solver.best_objective_bound + 1e-6)
    # Demand alone: the bonus of published sessions is part of ``value`` too.
    return RelaxationBound(objective=value, demand=value, proven_optimal=status == cp_model.OPTIMAL,
                           work_s=solver.deterministic_time / CPSAT_DETERMINISTIC_PER_S)
