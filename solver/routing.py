"""ROUTING method: crews by CP-SAT, then OR-Tools routing over vehicle-days.

Stage 1 (CP-SAT) decides which vehicle-days run which service with which
crew. Each running vehicle-day anchors on the timing of one lone visit its
crew can cover, so the crew is sure to serve at least one stop; it maximises
the demand of the best stops open on the days it runs (pins first).

Stage 2 (routing) has one routing vehicle per running vehicle-day, its start
and end within the shift and the crew's common availability, its span within
the vehicle's and the crew's duty limits. Each (stop, service) gets one node
copy per session of its target; copy ``c`` of period ``k`` may only go to the
``c``-th slice of the period (so copies keep apart), and has one variant per
weekday (windows differ by weekday) in a single disjunction whose penalty is
the demand it serves. Pinned sessions are nodes restricted to their
vehicle-day. Guided local search then runs for a number of solutions drawn
from the work budget (:mod:`solver.budget`), so the same seed gives the same
plan whatever the load, unless the wall-clock cap stops it first. Routes are
then re-timed exactly; the common repair pass fixes any spacing left.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.sat.python import cp_model

from solver.budget import Budget
from solver.cpsat import make_solver, solve_within
from solver.crew import covering_availability, slot_role
from solver.dayroute import DayRoute, MethodOutcome, bounded_timings, week_of
from solver.instance import Instance
from solver.model import CrewSlot, Pin, Service, SolveParams, StaffMember, Stop, Vehicle
from solver.periods import horizon_periods
from solver.pins import pin_penalty
from solver.progress import Progress, ProgressCallback
from solver.timing import Timing

CREW_SHARE = 0.2  # share of the budget stage 1 may use (stage 2 gets the rest)
FEW_SESSIONS = 4  # up to this many session nodes, routing runs a plain descent


@dataclass(frozen=True)
class Crewed:
    """A running vehicle-day: service, crew and the time frame they allow."""

    vehicle: Vehicle
    date: dt.date
    service: Service
    crew: tuple[CrewSlot, ...]
    earliest_depart: int
    latest_return: int
    max_duty: int


@dataclass(frozen=True)
class _Node:
    """A routing node: a base, or one weekday variant of a session copy."""

    location: int
    stop: Stop | None = None
    service: Service | None = None


def solve_routing(
    inst: Instance, params: SolveParams, pins: Sequence[Pin], budget: Budget,
    report: ProgressCallback | None = None,
) -> MethodOutcome:
    """Stage 1 then stage 2 within ``budget``; ``report`` hears of each better
    plan of stage 2."""
    began = time.monotonic()
    crewed, stats = choose_crews(inst, params, pins, budget.share(CREW_SHARE))
    if not crewed:
        return MethodOutcome([], "feasible", None, stats)
    rest = budget.after_cpsat(stats.get("crew_cpsat_deterministic_time", 0.0))
    days, routing_stats = _route(inst, params, crewed, pins, rest, report, began)
    return MethodOutcome(days, "feasible", None, stats | routing_stats)


Anchor = tuple[cp_model.IntVar, Stop, Timing]  # "this lone visit's timing anchors the day"
DayKey = tuple[str, dt.date, str]  # (vehicle, date, service)


class _CrewModel:
    """Stage 1's CP-SAT model, built one (vehicle, date, service) at a time: whether it
    runs, on which lone visit's timing it anchors, who fills each crew slot."""

    def __init__(self, inst: Instance, params: SolveParams, pins: Sequence[Pin]) -> None:
        self.inst, self.params, self.pins = inst, params, pins
        self.cp = cp_model.CpModel()
        self.objective: list[cp_model.LinearExprT] = []
        self.runs_by_day: dict[tuple[str, dt.date], list[cp_model.IntVar]] = defaultdict(list)
        self.on_date: dict[tuple[str, dt.date], list[cp_model.IntVar]] = defaultdict(list)
        self.anchors: dict[DayKey, list[Anchor]] = {}
        self.crew_vars: dict[DayKey, list[dict[str, cp_model.IntVar]]] = {}
        self.week_duties: dict[tuple[str, tuple[int, int]], list[tuple[int, cp_model.IntVar]]] = (
            defaultdict(list))
        self.pinned = {(p.vehicle, p.date, p.service) for p in pins}

    def add(self, vehicle: Vehicle, date: dt.date, service: Service) -> None:
        """The choice of running ``vehicle`` on ``date`` for ``service``, if a crew of
        that day could serve at least one stop alone."""
        members = [m for m in self.inst.staff_by_date[date] if vehicle.may_carry(m.id)]
        starts = {a.start_min for m in members for a in m.availability if a.date == date}
        ends = {a.end_min for m in members for a in m.availability if a.date == date}
        lone = [
            (stop, timing)
            for stop in self.inst.problem.stops
            if service.id in stop.services and stop.allows(vehicle.id)
            for timing in bounded_timings(
                self.inst, vehicle, date.isoweekday(), service, [stop], starts, ends
            )
        ]
        if not lone:
            return
        key = (vehicle.id, date, service.id)
        runs = self.cp.new_bool_var(f"run_{vehicle.id}_{date}_{service.id}")
        self.runs_by_day[(vehicle.id, date)].append(runs)
        chosen = self._anchors(key, lone, members, runs)
        slots = self._crew_slots(key, service, members, chosen, runs)
        self._link_members(date, members, slots, chosen)
        best = sorted((s.demand for s in {stop for stop, _ in lone}), reverse=True)
        value = self.params.demand_weight * sum(best[: service.max_sessions_per_day]) + 1
        self.objective.append(value * runs)
        if key in self.pinned:
            pin_stops = {p.stop for p in self.pins if (p.vehicle, p.date, p.service) == key}
            holds = self.cp.new_bool_var("")
            self.cp.add(holds <= sum(a for a, stop, _ in chosen if stop.id in pin_stops))
            self.objective.append(pin_penalty(self.inst.problem, self.params) * holds)

    def _anchors(self, key: DayKey, lone: list[tuple[Stop, Timing]],
                 members: Sequence[StaffMember], runs: cp_model.IntVar) -> list[Anchor]:
        """One anchor variable per distinct lone timing; exactly one when the day runs.
        Anchors the crew sees alike (same covering availability for everyone, not
        pinned) are interchangeable: one of each is kept."""
        date = key[1]
        pinned_stops = {p.stop for p in self.pins if (p.vehicle, p.date, p.service) == key}
        distinct: dict[tuple[object, ...], tuple[Stop, Timing]] = {}
        for stop, timing in lone:
            signature = (stop.id if stop.id in pinned_stops else None, *(
                covering_availability(m, date, timing.depart_min, timing.return_min)
                for m in members))
            distinct.setdefault(signature, (stop, timing))
        chosen = [(self.cp.new_bool_var(""), stop, timing) for stop, timing in distinct.values()]
        self.cp.add(sum(a for a, _, _ in chosen) == runs)
        self.anchors[key] = chosen
        return chosen

    def _crew_slots(self, key: DayKey, service: Service, members: Sequence[StaffMember],
                    chosen: list[Anchor], runs: cp_model.IntVar) -> list[dict[str, cp_model.IntVar]]:
        """Per crew slot, one variable per member who holds it and can cover some
        anchor; exactly one of them when the day runs."""
        date = key[1]
        slots = []
        for k, slot in enumerate(service.required_roles):
            slot_vars = {}
            for member in members:
                if slot_role(member, slot) is None:
                    continue
                fits = [a for a, _, t in chosen if covering_availability(
                    member, date, t.depart_min, t.return_min)]
                if fits:
                    slot_vars[member.id] = self.cp.new_bool_var(f"y_{member.id}_{key}_{k}")
            self.cp.add(sum(slot_vars.values()) == runs)
            slots.append(slot_vars)
        self.crew_vars[key] = slots
        return slots

    def _link_members(self, date: dt.date, members: Sequence[StaffMember],
                      slots: list[dict[str, cp_model.IntVar]], chosen: list[Anchor]) -> None:
        """A member on board only with an anchor they can cover; their day and week counted."""
        for member in members:
            board = [s[member.id] for s in slots if member.id in s]
            if not board:
                continue
            self.on_date[(member.id, date)].extend(board)
            if member.max_week_min is not None:  # the shortest lone day, a relaxation
                shortest = min(t.duty_min for _, _, t in chosen)
                self.week_duties[(member.id, week_of(date))].extend(
                    (shortest, var) for var in board)
            fits = [a for a, _, t in chosen if covering_availability(
                member, date, t.depart_min, t.return_min)]
            self.cp.add(sum(board) <= sum(fits))

    def limit_days_and_weeks(self) -> None:
        """One service per vehicle-day, one vehicle-day per person and date, and the
        weekly hours (on the shortest lone days)."""
        for day_vars in self.runs_by_day.values():
            self.cp.add_at_most_one(day_vars)
        for (member_id, _week), duties in self.week_duties.items():
            limit = self.inst.staff[member_id].max_week_min
            assert limit is not None
            if sum(minutes for minutes, _ in duties) > limit:
                self.cp.add(sum(minutes * var for minutes, var in duties) <= limit)
        for board in self.on_date.values():
            self.cp.add(sum(board) <= 1)

    def crews(self, solver: cp_model.CpSolver) -> list[Crewed]:
        """The running vehicle-days of a solution, with their crews and the time
        frame the crew's availability and the vehicle allow."""
        crewed = []
        for key, chosen in self.anchors.items():
            anchor = next(((stop, t) for a, stop, t in chosen if solver.boolean_value(a)), None)
            if anchor is None:
                continue
            vehicle, date = self.inst.vehicles[key[0]], key[1]
            service = self.inst.services[key[2]]
            crew = []
            frames = []
            crew_members: list[StaffMember] = []
            for slot_roles, slot_vars in zip(service.required_roles, self.crew_vars[key]):
                member = self.inst.staff[next(m for m, y in slot_vars.items()
                                              if solver.boolean_value(y))]
                role = slot_role(member, slot_roles)
                assert role is not None
                crew.append(CrewSlot(member.id, role))
                crew_members.append(member)
                frame = covering_availability(member, date, anchor[1].depart_min,
                                              anchor[1].return_min)
                assert frame is not None
                frames.append(frame)
            crewed.append(Crewed(
                vehicle, date, service, tuple(crew),
                earliest_depart=max([vehicle.shift_start_min] + [f.start_min for f in frames]),
                latest_return=min([vehicle.shift_end_min] + [f.end_min for f in frames]),
                max_duty=min([vehicle.max_duty_min] + [m.max_day_min for m in crew_members]),
            ))
        return crewed


def choose_crews(
    inst: Instance, params: SolveParams, pins: Sequence[Pin], budget: Budget
) -> tuple[list[Crewed], dict[str, float]]:
    """Stage 1: which vehicle-days run, which service, which crew."""
    model = _CrewModel(inst, params, pins)
    for vehicle in inst.problem.vehicles:
        for date in inst.problem.dates:
            if not inst.runs(vehicle, date):
                continue
            for service in inst.problem.services:
                if service.id in vehicle.services:
                    model.add(vehicle, date, service)
    model.limit_days_and_weeks()
    stats: dict[str, float] = {"vehicle_days_considered": float(len(model.anchors))}
    if not model.anchors:
        return [], stats
    model.cp.maximize(sum(model.objective))
    solver = make_solver(params, budget)
    status = solve_within(solver, model.cp, budget, "crews")
    stats["crew_cpsat_wall_s"] = round(solver.wall_time, 3)
    stats["crew_cpsat_deterministic_time"] = solver.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return [], stats
    crewed = model.crews(solver)
    stats["vehicle_days_running"] = float(len(crewed))
    return crewed, stats


def slice_of(inst: Instance, service: Service, date: dt.date, visits: int) -> tuple[int, int]:
    """(period, copy) whose date slice holds ``date``: copy ``c`` of a period
    covers its ``c``-th of ``visits`` (the stop's visits per period) equal parts."""
    period = inst.period(service, date)
    start = inst.problem.first_period_day + dt.timedelta(days=7 * service.period_weeks * period)
    offset = (date - start).days
    return period, offset * visits // (7 * service.period_weeks)


@dataclass
class SessionNodes:
    """The nodes both routing engines share, over ``crewed`` (sorted by date,
    vehicle): the bases first (``base_node`` maps a base location to its
    node), then session nodes. A session node may only go to the vehicle-days
    ``allowed[node]`` (indices into ``crewed``), arriving in one of
    ``windows[node]``; each disjunction lists the node variants of one session
    (at most one is visited) with the penalty of leaving it out."""

    nodes: list[_Node]
    base_node: dict[int, int]
    allowed: list[list[int]]
    windows: list[tuple[tuple[int, int], ...]]
    disjunctions: list[tuple[list[int], int]]


def session_nodes(
    inst: Instance, params: SolveParams, crewed: list[Crewed], pins: Sequence[Pin]
) -> SessionNodes:
    """Sort ``crewed`` and build its nodes: one copy per session of each
    (stop, service) target, with one variant per weekday (see the module
    docstring); pinned sessions are nodes restricted to their vehicle-day."""
    problem = inst.problem
    crewed.sort(key=lambda c: (c.date, c.vehicle.id))
    nodes: list[_Node] = []
    base_node: dict[int, int] = {}
    for c in crewed:
        if c.vehicle.base not in base_node:
            base_node[c.vehicle.base] = len(nodes)
            nodes.append(_Node(c.vehicle.base))
    allowed: list[list[int]] = [[] for _ in nodes]
    windows: list[tuple[tuple[int, int], ...]] = [() for _ in nodes]
    disjunctions: list[tuple[list[int], int]] = []

    def add_node(stop: Stop, service: Service, vehicles: list[int]) -> int | None:
        vehicles = [i for i in vehicles if stop.allows(crewed[i].vehicle.id)]
        if not vehicles:
            return None
        nodes.append(_Node(stop.location, stop, service))
        allowed.append(vehicles)
        weekday = crewed[vehicles[0]].date.isoweekday()
        windows.append(inst.intervals(stop, service, weekday))
        return len(nodes) - 1

    pin_weight = pin_penalty(problem, params) if pins else 0
    vehicle_index = {(c.vehicle.id, c.date): i for i, c in enumerate(crewed)}
    taken: set[tuple[str, str, int, int]] = set()
    for pin in pins:
        index = vehicle_index.get((pin.vehicle, pin.date))
        stop, service = inst.stops[pin.stop], inst.services[pin.service]
        if index is None or crewed[index].service != service:
            continue
        node = add_node(stop, service, [index])
        if node is not None:
            disjunctions.append(([node], pin_weight))
            taken.add((stop.id, service.id,
                       *slice_of(inst, service, pin.date, stop.visits_for(service))))

    by_slice: dict[tuple[str, int, int, int, int], list[int]] = defaultdict(list)
    for count in sorted({s.visits_for(v) for s in problem.stops for v in problem.services}):
        for i, c in enumerate(crewed):
            period, copy = slice_of(inst, c.service, c.date, count)
            by_slice[(c.service.id, count, period, copy, c.date.isoweekday())].append(i)
    for stop in problem.stops:
        for service in problem.services:
            if service.id not in stop.services:
                continue
            count = stop.visits_for(service)
            for period in horizon_periods(problem, service):
                for copy in range(count):
                    if (stop.id, service.id, period, copy) in taken:
                        continue
                    variants = [
                        node
                        for weekday in range(1, 8)
                        if (vehicles := by_slice.get((service.id, count, period, copy, weekday)))
                        and inst.intervals(stop, service, weekday)
                        and (node := add_node(stop, service, vehicles)) is not None
                    ]
                    if variants:
                        disjunctions.append((variants, params.demand_weight * stop.demand))
    return SessionNodes(nodes, base_node, allowed, windows, disjunctions)


def _with_continuity(manager: pywrapcp.RoutingIndexManager, nodes: list[_Node],
                     travel: Callable[[int, int], int], travel_weight: int,
                     vehicle_id: str) -> Callable[[int, int], int]:
    """The arc cost of ``vehicle_id``: its travel, plus the continuity cost of the visit
    the leg leads to."""
    def cost(i: int, j: int) -> int:
        stop = nodes[manager.IndexToNode(j)].stop
        return travel_weight * travel(i, j) + (stop.cost_of(vehicle_id) if stop else 0)
    return cost


def _route(
    inst: Instance,
    params: SolveParams,
    crewed: list[Crewed],
    pins: Sequence[Pin],
    budget: Budget,
    report: ProgressCallback | None = None,
    began: float | None = None,
) -> tuple[list[DayRoute], dict[str, float]]:
    """Stage 2: one routing model over all running vehicle-days; ``report`` hears
    of each better plan (times counted from ``began``)."""
    problem = inst.problem
    graph = session_nodes(inst, params, crewed, pins)
    nodes, base_node, allowed, windows = graph.nodes, graph.base_node, graph.allowed, graph.windows
    disjunctions = graph.disjunctions

    starts = [base_node[c.vehicle.base] for c in crewed]
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(crewed), starts, starts)
    routing = pywrapcp.RoutingModel(manager)

    def on_site(node: int) -> int:
        stop, service = nodes[node].stop, nodes[node].service
        return stop.on_site_for(service) if stop is not None and service is not None else 0

    def travel(from_index: int, to_index: int) -> int:
        a, b = manager.IndexToNode(from_index), manager.IndexToNode(to_index)
        return inst.travel(nodes[a].location, nodes[b].location)

    def duration(from_index: int, to_index: int) -> int:
        return travel(from_index, to_index) + on_site(manager.IndexToNode(from_index))

    if any(s.vehicle_costs for s in problem.stops):
        # A visit's continuity cost (Stop.vehicle_costs) is paid on the leg into it.
        evaluators: dict[str, int] = {}
        for v, c in enumerate(crewed):
            if c.vehicle.id not in evaluators:
                evaluators[c.vehicle.id] = routing.RegisterTransitCallback(
                    _with_continuity(manager, nodes, travel, params.travel_weight, c.vehicle.id))
            routing.SetArcCostEvaluatorOfVehicle(evaluators[c.vehicle.id], v)
    else:
        routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(
            lambda i, j: params.travel_weight * travel(i, j)))
    day = problem.day_end_min
    routing.AddDimension(routing.RegisterTransitCallback(duration), day, 2 * day, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    count = routing.RegisterUnaryTransitCallback(
        lambda i: int(nodes[manager.IndexToNode(i)].stop is not None)
    )
    routing.AddDimensionWithVehicleCapacity(
        count, 0, [c.service.max_sessions_per_day for c in crewed], True, "sessions"
    )
    if any(c.vehicle.capacity is not None for c in crewed):
        unlimited = sum(s.load for s in problem.stops)
        load = routing.RegisterUnaryTransitCallback(
            lambda i: stop.load if (stop := nodes[manager.IndexToNode(i)].stop) else 0
        )
        routing.AddDimensionWithVehicleCapacity(
            load, 0,
            [c.vehicle.capacity if c.vehicle.capacity is not None else unlimited for c in crewed],
            True, "load",
        )
    for v, c in enumerate(crewed):
        time_dim.CumulVar(routing.Start(v)).SetRange(c.earliest_depart, c.latest_return)
        time_dim.CumulVar(routing.End(v)).SetRange(c.earliest_depart, c.latest_return)
        time_dim.SetSpanUpperBoundForVehicle(c.max_duty, v)
    for node in range(len(base_node), len(nodes)):
        index = manager.NodeToIndex(node)
        intervals = windows[node]
        cumul = time_dim.CumulVar(index)
        cumul.SetRange(intervals[0][0], intervals[-1][1])
        for (_, end), (start, _) in itertools.pairwise(intervals):
            if start > end + 1:
                cumul.RemoveInterval(end + 1, start - 1)
        routing.VehicleVar(index).SetValues([-1, *allowed[node]])
    for variants, penalty in disjunctions:
        routing.AddDisjunction([manager.NodeToIndex(n) for n in variants], penalty, 1)
    for v in range(len(crewed)):
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))

    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    # Guided local search never ends on its own; with a handful of sessions the
    # few plans are soon all seen, and a plain descent (which ends) finds the best.
    few = len(nodes) - len(base_node) <= FEW_SESSIONS
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT if few
        else routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    wall_s = budget.wall_left_s()
    search.time_limit.FromMilliseconds(int(1000 * wall_s))
    search.solution_limit = budget.routing_solutions(len(nodes), len(crewed))
    started = time.monotonic()
    solutions = [0]
    # The routing cost is travel plus the penalties of sessions left out:
    # all penalties minus it is the demand held minus travel.
    prizes = sum(penalty for _, penalty in disjunctions) - (
        pin_penalty(problem, params) * len(pins) if pins else 0)
    best = [float("-inf")]

    def improved() -> None:
        solutions[0] += 1
        value = float(prizes - routing.CostVar().Max())
        if report is not None and value > best[0]:  # guided local search also visits worse plans
            best[0] = value
            report(Progress("searching", time.monotonic() - (began or started), value))

    routing.AddAtSolutionCallback(improved)
    assignment = routing.SolveWithParameters(search)
    elapsed = time.monotonic() - started
    if solutions[0] < search.solution_limit and (elapsed >= 0.9 * wall_s or budget.past_deadline()):
        budget.hit("routing")
    stats: dict[str, float] = {
        "routing_nodes": float(len(nodes)),
        "routing_vehicles": float(len(crewed)),
        "routing_solutions": float(solutions[0]),
        "routing_wall_s": round(elapsed, 3),
    }
    if assignment is None:
        return [], stats
    days = []
    for v, c in enumerate(crewed):
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        stops: list[Stop] = []
        while not routing.IsEnd(index):
            stop = nodes[manager.IndexToNode(index)].stop
            assert stop is not None
            stops.append(stop)
            index = assignment.Value(routing.NextVar(index))
        route = retimed(inst, c, stops)
        if route is not None:
            days.append(route)
    return days, stats


def retimed(inst: Instance, crewed: Crewed, stops: list[Stop]) -> DayRoute | None:
    """The exact shortest-duty timing of the routed stops that the crew
    covers, dropping stops from the end if the routing's timing was looser."""
    members = [inst.staff[slot.staff] for slot in crewed.crew]
    while stops:
        for timing in bounded_timings(
            inst, crewed.vehicle, crewed.date.isoweekday(), crewed.service, stops,
            [crewed.earliest_depart], [crewed.latest_return],
        ):
            if all(covering_availability(m, crewed.date, timing.depart_min, timing.return_min)
                   for m in members):
                return DayRoute(crewed.vehicle, crewed.date, crewed.service, tuple(stops),
                                timing, crewed.crew)
        stops = stops[:-1]
    return None
