"""LOCAL_SEARCH method: crews by CP-SAT, then PyVRP's iterated local search.

Stage 1 is the ROUTING method's (:func:`solver.routing.choose_crews`, with one
CP-SAT worker): which vehicle-days run which service with which crew, and the
time frame that crew allows. Stage 2 hands the same session nodes
(:func:`solver.routing.session_nodes`) to PyVRP instead of OR-Tools routing:

- one vehicle per running vehicle-day: its base as start and end depot, the
  crew's time frame as the shift window, the vehicle's and crew's duty limit
  as the maximum shift duration, ``max_sessions_per_day`` and the vehicle's
  ``capacity`` (when any vehicle has one) as load dimensions; vehicle-days
  alike in all of these share one vehicle type;
- one optional client per (node, arrival interval), arriving inside the
  interval, staying ``on_site_min``, its prize the demand it serves; the
  variants of one session form a mutually exclusive client group;
- a node allowed to only some vehicle-days is made unreachable for the others
  by an edge duration longer than any day in their routing profile
  (vehicle-days allowed the same nodes share one profile);
- penalties for lateness and excess load may grow beyond the largest prize
  (the demand weight makes prizes far larger than travel; with PyVRP's
  default ceiling the search settles on infeasible plans);
- when every session is a lone client worth any detour and serving all is not
  plainly impossible, the search first looks among plans serving every
  session (much faster); without a feasible one after
  ``REQUIRED_TRIAL_SHARE`` of the budget, it searches the optional model.

Routes are then re-timed exactly and checked against the crew's availability
(:func:`solver.routing.retimed`); the common repair pass fixes any spacing.
``PORTFOLIO`` independent searches (seeds ``seed``, ``seed + 1``) run side by
side in threads, one per core (PyVRP's local search releases the GIL for most
of its work), and the best plan is kept: an iterated local search often stays
in one basin for its whole budget, and another start escapes it. Each search
stops after a number of iterations drawn from the work budget
(:mod:`solver.budget`), or ``NO_IMPROVEMENT`` iterations without a better
plan: the same seed gives the same plan whatever the load, unless the
wall-clock cap stops a search first. PyVRP sees the demand weight capped at
``PRIZE_PER_LEG`` times the longest leg's cost: a prize far larger than any
travel cost makes its penalty arithmetic slow (ten times fewer iterations)
and its search poor; the common repair pass then adds any session the full
weight would have paid for.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyvrp
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.Result import Result
from pyvrp.stop import MaxIterations, MultipleCriteria, NoImprovement, StoppingCriterion

from solver.budget import Budget
from solver.dayroute import DayRoute, MethodOutcome
from solver.instance import Instance
from solver.model import Pin, SolveParams, Stop
from solver.progress import Progress, ProgressCallback
from solver.routing import CREW_SHARE, Crewed, SessionNodes, choose_crews, retimed, session_nodes

NO_IMPROVEMENT = 20_000  # iterations without a better plan before the search stops
PORTFOLIO = 2  # independent searches run side by side (one per core), each with the whole budget
REQUIRED_TRIAL_SHARE = 0.3  # of the budget, to find a plan serving every session
INFEASIBLE_COST = np.iinfo(np.int64).max  # PyVRP's cost of an infeasible solution


PRIZE_PER_LEG = 20  # cap of the demand weight PyVRP sees, in longest legs' travel cost


class _NoFeasibleAfter:
    """Stops a search that found no feasible plan within ``iterations``."""

    def __init__(self, iterations: int) -> None:
        self._left = iterations

    def __call__(self, best_cost: float) -> bool:
        self._left -= 1
        return best_cost >= INFEASIBLE_COST and self._left < 0


class _WallCap:
    """The budget's safety cap: stops the search at the wall-clock deadline and
    records it."""

    def __init__(self, budget: Budget) -> None:
        self._budget = budget

    def __call__(self, best_cost: float) -> bool:
        if self._budget.past_deadline():
            self._budget.hit("pyvrp")
            return True
        return False


class _Reporter:
    """Never stops the search; tells ``report`` of each better plan (at most
    every ``every_s`` seconds), as prizes collected minus costs. Shared by the
    searches of a portfolio: a plan is reported only when better than every
    plan reported before."""

    def __init__(self, report: ProgressCallback, started: float, prizes: int,
                 every_s: float = 0.25) -> None:
        self._report, self._started, self._prizes, self._every = report, started, prizes, every_s
        self._best: float = INFEASIBLE_COST
        self._last = -every_s
        self._lock = threading.Lock()

    def __call__(self, best_cost: float) -> bool:
        now = time.monotonic() - self._started
        if best_cost < self._best and best_cost < INFEASIBLE_COST and now - self._last >= self._every:
            with self._lock:
                if best_cost < self._best:
                    self._best, self._last = best_cost, now
                    self._report(Progress("searching", now, float(self._prizes - best_cost)))
        return False


class _PrizePenalties(PenaltyParams):
    """PyVRP's penalty parameters with a ceiling scaled to the prizes, the penalties
    starting where PyVRP's defaults start them (midway between its default floor
    and ceiling) rather than midway up the raised ceiling."""

    def midpoint_penalties(self, data: pyvrp.ProblemData) -> tuple[list[float], float, float]:
        return PenaltyParams().midpoint_penalties(data)


def _search(data: pyvrp.ProblemData, stop: StoppingCriterion, seed: int) -> Result:
    """PyVRP's iterated local search (:func:`pyvrp.solve`) with a penalty ceiling
    scaled to the prizes: the planner's demand weight makes prizes far larger than
    travel, and a unit of lateness or excess load must be able to cost more than a
    prize gains, or the search settles on infeasible plans. Penalties start at
    PyVRP's default (starting them at the largest prize made the search too rigid
    on the demo scenarios)."""
    prize = max((c.prize for c in data.clients()), default=0)
    ceiling = max(PenaltyParams().max_penalty, 1000.0 * (prize + 1))
    params = pyvrp.SolveParams(penalty=_PrizePenalties(max_penalty=ceiling))
    return pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False, params=params)


def _portfolio(data: pyvrp.ProblemData, seed: int, budget: Budget, reporter: _Reporter | None,
               criteria: Callable[[], list[StoppingCriterion]]) -> Result:
    """``PORTFOLIO`` independent searches (seeds ``seed``, ``seed + 1``...), each in its
    own thread (PyVRP's local search releases the GIL for most of its work), each
    stopped by its own ``criteria()`` and the budget's wall-clock cap; the best result
    (feasible first, then cheapest, then the lowest seed). Deterministic when no search
    hits the cap: each stops on its own counts."""
    def stop() -> StoppingCriterion:
        listeners: list[StoppingCriterion] = [reporter] if reporter is not None else []  # type: ignore[list-item]
        return MultipleCriteria([*criteria(), _WallCap(budget), *listeners])

    results: list[Result | None] = [None] * PORTFOLIO
    errors: list[BaseException] = []

    def run(k: int, criterion: StoppingCriterion) -> None:
        try:
            results[k] = _search(data, criterion, seed + k)
        except BaseException as error:  # noqa: BLE001 (raised again below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k, stop()), name=f"pyvrp-{k}")
               for k in range(PORTFOLIO)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    done = [r for r in results if r is not None]
    return min(done, key=lambda r: (not r.best.is_feasible(), r.cost() if r.best.is_feasible() else 0))


def _serving_always_pays(data: pyvrp.ProblemData, params: SolveParams) -> bool:
    """Whether each session is a lone client (no variants) whose prize exceeds
    any detour it can cause (twice the longest leg): then the best plan serves
    every session it can."""
    if data.num_groups or not data.num_clients:
        return False
    longest = max(int(m.max()) for m in data.distance_matrices())
    if min(c.prize for c in data.clients()) <= 2 * params.travel_weight * longest:
        return False
    # Serving all must not be plainly impossible: the time it takes at least
    # (service plus the shortest way in) within the vehicles' time.
    duration: Any = data.duration_matrices()[0].astype(float)
    np.fill_diagonal(duration, np.inf)
    shortest_in = duration.min(axis=0)
    needed = sum(c.service_duration + shortest_in[c.location] for c in data.clients())
    available = sum(
        t.num_available * min(t.tw_late - t.tw_early, t.shift_duration) for t in data.vehicle_types()
    )
    return bool(needed <= available)


def search_weight(inst: Instance, params: SolveParams) -> int:
    """The demand weight PyVRP sees: the planner's, capped at ``PRIZE_PER_LEG``
    times the cost of the longest leg (see the module docstring)."""
    longest = max((max(row) for row in inst.problem.travel_min), default=0)
    return max(1, min(params.demand_weight, PRIZE_PER_LEG * params.travel_weight * max(1, longest)))


def solve_local_search(
    inst: Instance, params: SolveParams, pins: Sequence[Pin], budget: Budget,
    report: ProgressCallback | None = None,
) -> MethodOutcome:
    """Stage 1 then stage 2 within ``budget``; ``report`` hears of better plans
    during the search (objective as PyVRP sees it: prizes of the sessions held
    minus travel costs)."""
    began = time.monotonic()
    # One worker: deterministic without interleaved batches, which would run
    # to their full slice after the (usually quick) optimum.
    crew_params = dataclasses.replace(params, num_workers=1)
    crewed, stats = choose_crews(inst, crew_params, pins, budget.share(CREW_SHARE))
    if not crewed:
        return MethodOutcome([], "feasible", None, stats)
    params = dataclasses.replace(params, demand_weight=search_weight(inst, params))
    stats["pyvrp_demand_weight"] = float(params.demand_weight)
    graph = session_nodes(inst, params, crewed, pins)
    data, client_node, type_days = _problem_data(inst, params, crewed, graph)
    stats |= {
        "pyvrp_clients": float(data.num_clients),
        "pyvrp_vehicle_types": float(data.num_vehicle_types),
        "pyvrp_profiles": float(data.num_profiles),
    }
    if data.num_clients == 0:
        return MethodOutcome([], "feasible", None, stats)
    started = time.monotonic()
    result = None
    rest = budget.after_cpsat(stats.get("crew_cpsat_deterministic_time", 0.0))
    iterations = rest.pyvrp_iterations(data.num_clients)
    stats["pyvrp_iteration_limit"] = float(iterations)

    reporter = None if report is None else _Reporter(
        report, began, sum(c.prize for c in data.clients()))

    if _serving_always_pays(data, params):
        # Every session is worth its detour: search among plans serving all
        # (much faster), unless no such plan shows up early.
        required = data.replace(clients=[
            pyvrp.Client(location=c.location, delivery=c.delivery, service_duration=c.service_duration,
                         tw_early=c.tw_early, tw_late=c.tw_late, prize=0, required=True)
            for c in data.clients()
        ])
        result = _portfolio(required, params.seed, budget, reporter, lambda: [
            NoImprovement(NO_IMPROVEMENT), MaxIterations(iterations),
            _NoFeasibleAfter(int(REQUIRED_TRIAL_SHARE * iterations))])
        stats["pyvrp_all_required"] = float(result.best.is_feasible())
        if not result.best.is_feasible():
            result = None
    if result is None:
        result = _portfolio(data, params.seed, budget, reporter, lambda: [
            NoImprovement(NO_IMPROVEMENT), MaxIterations(iterations)])
    stats |= {
        "pyvrp_wall_s": round(time.monotonic() - started, 3),
        "pyvrp_iterations": float(result.num_iterations),
        "pyvrp_searches": float(PORTFOLIO),
        "pyvrp_feasible": float(result.best.is_feasible()),
    }
    days: list[DayRoute] = []
    unused = [list(reversed(vehicle_days)) for vehicle_days in type_days]
    for route in result.best.routes():
        c = crewed[unused[route.vehicle_type()].pop()]
        visited: list[Stop] = []
        for activity in route:
            if activity.is_client():
                stop_visited = graph.nodes[client_node[activity.idx]].stop
                assert stop_visited is not None
                visited.append(stop_visited)
        day = retimed(inst, c, visited)
        if day is not None:
            days.append(day)
    return MethodOutcome(days, "feasible", None, stats)


def _problem_data(
    inst: Instance, params: SolveParams, crewed: list[Crewed], graph: SessionNodes
) -> tuple[pyvrp.ProblemData, list[int], list[list[int]]]:
    """PyVRP's problem (see the module docstring), the node of each client and
    the vehicle-days (indices into ``crewed``) of each vehicle type: running
    vehicle-days alike for PyVRP share one type."""
    nodes = graph.nodes
    size = len(nodes)
    locations = [pyvrp.Location(x=0, y=0) for _ in nodes]
    depots = {node: pyvrp.Depot(location=node) for node in graph.base_node.values()}
    depot_index = {node: i for i, node in enumerate(depots)}

    count_sessions = any(c.service.max_sessions_per_day < len(graph.disjunctions) for c in crewed)
    count_load = any(c.vehicle.capacity is not None for c in crewed)
    unlimited = sum(s.load for s in inst.problem.stops) + 1

    def demand(stop: Stop) -> list[int]:
        return [1] * count_sessions + [stop.load] * count_load

    clients: list[pyvrp.Client] = []
    client_node: list[int] = []
    groups: list[pyvrp.ClientGroup] = []
    for variants, penalty in graph.disjunctions:
        members = [(node, interval) for node in variants for interval in graph.windows[node]]
        group = None
        if len(members) > 1:
            group = len(groups)
            groups.append(pyvrp.ClientGroup(
                clients=list(range(len(clients), len(clients) + len(members))), required=False
            ))
        for node, (early, late) in members:
            stop, service = nodes[node].stop, nodes[node].service
            assert stop is not None and service is not None
            clients.append(pyvrp.Client(
                location=node, delivery=demand(stop), service_duration=stop.on_site_for(service),
                tw_early=early, tw_late=late, prize=penalty, required=False, group=group,
            ))
            client_node.append(node)

    travel = np.array(
        [[inst.travel(a.location, b.location) for b in nodes] for a in nodes], dtype=np.int64
    )
    unreachable = 4 * inst.problem.day_end_min + int(travel.max()) + 1
    # Vehicle-days alike (the same nodes allowed, the same continuity costs) share a
    # profile; a visit's continuity cost (Stop.vehicle_costs) is added to the legs into it.
    by_reach: dict[tuple[frozenset[int], tuple[int, ...]], list[int]] = defaultdict(list)
    for v, c in enumerate(crewed):
        reach = frozenset(n for n in range(len(depots), size) if v in graph.allowed[n])
        costs = tuple(
            stop.cost_of(c.vehicle.id) // max(1, params.travel_weight)
            if (stop := nodes[n].stop) is not None else 0 for n in range(size))
        by_reach[(reach, costs)].append(v)
    profile_of: dict[int, int] = {}
    durations: list[Any] = []
    distances: list[Any] = []
    for profile, ((reach, costs), vehicle_days) in enumerate(by_reach.items()):
        distance = travel + np.array(costs, dtype=np.int64)[None, :] if any(costs) else travel
        np.fill_diagonal(distance, 0)
        distances.append(distance)
        duration = travel.copy()
        closed = [n for n in range(len(depots), size) if n not in reach]
        duration[closed, :] = unreachable
        duration[:, closed] = unreachable
        np.fill_diagonal(duration, 0)
        durations.append(duration)
        for v in vehicle_days:
            profile_of[v] = profile

    alike: dict[tuple[tuple[int, ...], int, int, int, int, int], list[int]] = defaultdict(list)
    for v, c in enumerate(crewed):
        capacity = [c.service.max_sessions_per_day] * count_sessions
        if count_load:
            capacity.append(c.vehicle.capacity if c.vehicle.capacity is not None else unlimited)
        depot = depot_index[graph.base_node[c.vehicle.base]]
        alike[(tuple(capacity), depot, c.earliest_depart, c.latest_return, c.max_duty,
               profile_of[v])].append(v)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(vehicle_days), capacity=list(capacity), start_depot=depot,
            end_depot=depot, tw_early=early, tw_late=late, shift_duration=duty,
            unit_distance_cost=params.travel_weight, profile=profile,
        )
        for (capacity, depot, early, late, duty, profile), vehicle_days in alike.items()
    ]
    data = pyvrp.ProblemData(
        locations, clients, list(depots.values()), vehicle_types,
        distances, durations, groups,
    )
    return data, client_node, list(alike.values())
