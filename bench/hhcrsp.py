"""Home health care with synchronised and precedence visits: Mankowska, Mattfeld
and Kopfer (2014), "The home health care routing and scheduling problem with
interdependent services", set A (ten patients, three carers, six services; three
patients each need two services, started together or within a gap), planned
through the planner's own ``solve()`` and checked from the instance file.

    .venv/bin/python -m bench.hhcrsp [--time-limit 10] [--only A1 A4] [--step 1]

The instances (bench/instances/hhcrsp/, see SOURCE.md there) give, per patient,
the services needed, a start window [e, l], a processing time, and for a patient
needing two services the gap [mind, maxd] between the first's start and the
second's (0/0: together); per carer, the services it may give. The published
objective is (D + T + Tmax) / 3: total distance, total and largest tardiness
(a start after l is allowed there, at a cost). Here every start lies inside
[e, l], so T = Tmax = 0 and the value is D / 3, a value of the published
problem: its gap to the published optimum is how far the planner's plan is from
the best plan of that problem (which may be late somewhere).

Mapping onto the planner's one model: each (patient, service) is a stop that only
the qualified carers may visit (``Stop.vehicle_costs``), open on one date with
the window [e, l + p]; the two services of a patient are a ``Sync`` with gap
[mind, maxd]; each carer is a vehicle with its own crew from the depot, its day
[0, depot's l]. Travel is the instance's Euclidean distance rounded up to whole
units (so a plan valid with whole units is valid with the exact distances;
rounding up may make some plans unreachable). The checker below uses the exact
distances of the file and shares no code with the planner.

Since the planner keeps every window, each row also gives the optimum of the same
instance with every window kept, from an exact CP-SAT model written here for the
purpose (:func:`hard_window_optimum`; "none exists" when no plan keeps every
window: the published optimum is then late somewhere). The gap is to that
optimum, for the plans that give every service.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from dataclasses import dataclass
from pathlib import Path

from ortools.sat.python import cp_model

from solver import (
    Availability,
    Problem,
    Service,
    Solution,
    SolveParams,
    StaffMember,
    Stop,
    Sync,
    Vehicle,
    Window,
    solve,
)

FOLDER = Path(__file__).resolve().parent / "instances" / "hhcrsp"
DATE = dt.date(2027, 1, 4)  # the one working day (a Monday)
# Published optima of set A (Mankowska et al. 2014, objective (D + T + Tmax) / 3),
# as tabulated in the later literature on these instances (see SOURCE.md).
OPTIMUM = {"A1": 218.2, "A2": 246.63, "A3": 305.86, "A4": 186.9, "A5": 189.54,
           "A6": 200.1, "A7": 225.37, "A8": 232.05, "A9": 222.3, "A10": 225.01}
EPS = 1e-6


@dataclass(frozen=True)
class Instance:
    nodes: int  # depot first and last (the same place)
    vehicles: int
    services: int
    needs: tuple[tuple[int, ...], ...]  # node -> services needed (0-based)
    skills: tuple[frozenset[int], ...]  # vehicle -> services it gives
    distance: tuple[tuple[float, ...], ...]
    processing: tuple[tuple[tuple[float, ...], ...], ...]  # node, vehicle, service
    min_gap: tuple[int, ...]
    max_gap: tuple[int, ...]
    early: tuple[int, ...]
    late: tuple[int, ...]

    @property
    def patients(self) -> range:
        return range(1, self.nodes - 1)


def read(path: Path) -> Instance:
    """Parse one instance file: named sections, each followed by its numbers."""
    sections: dict[str, list[str]] = {}
    name = ""
    for line in path.read_text().splitlines():
        words = line.split()
        if not words:
            continue
        if words[0][0].isalpha():
            name = words[0]
            sections[name] = []
        else:
            sections[name].extend(words)

    def ints(key: str) -> list[int]:
        return [int(float(w)) for w in sections[key]]

    def floats(key: str) -> list[float]:
        return [float(w) for w in sections[key]]

    n, m, s = ints("nbNodes")[0], ints("nbVehi")[0], ints("nbServi")[0]
    r = ints("r")
    a = ints("a")
    d = floats("d")
    p = floats("p")
    needs = tuple(tuple(k for k in range(s) if r[i * s + k]) for i in range(n))
    return Instance(
        nodes=n, vehicles=m, services=s, needs=needs,
        skills=tuple(frozenset(k for k in range(s) if a[v * s + k]) for v in range(m)),
        distance=tuple(tuple(d[i * n: (i + 1) * n]) for i in range(n)),
        processing=tuple(tuple(tuple(p[(i * m + v) * s: (i * m + v + 1) * s]) for v in range(m))
                         for i in range(n)),
        min_gap=tuple(ints("mind")), max_gap=tuple(ints("maxd")),
        early=tuple(ints("e")), late=tuple(ints("l")))


def stop_id(node: int, service: int) -> str:
    return f"n{node}-s{service}"


def to_problem(inst: Instance, sync_step: int) -> Problem:
    """The instance on the planner's model (see the module's docstring)."""
    places = inst.nodes - 1  # the closing depot is the opening one
    travel = tuple(tuple(math.ceil(inst.distance[i][j] - EPS) for j in range(places))
                   for i in range(places))
    distance = tuple(tuple(round(1000 * inst.distance[i][j]) for j in range(places))
                     for i in range(places))
    day_end = inst.late[-1]
    care = Service("care", "Soins", (("carer",),), session_min=1, visits_per_period=1,
                   period_weeks=1, max_sessions_per_day=2 * len(inst.patients),
                   latest_end_min=day_end, start_grid_min=1)
    stops, syncs = [], []
    weekday = DATE.isoweekday()
    for node in inst.patients:
        for k in inst.needs[node]:
            lengths = {inst.processing[node][v][k] for v in range(inst.vehicles)
                       if k in inst.skills[v]}
            if len(lengths) != 1 or not float(next(iter(lengths))).is_integer():
                raise ValueError(f"node {node}, service {k}: processing times {sorted(lengths)} "
                                 "differ by carer or are not whole: not on this model")
            length = int(next(iter(lengths)))
            stops.append(Stop(
                stop_id(node, k), node, demand=1, services=frozenset({"care"}),
                windows=(Window(weekday, inst.early[node], inst.late[node] + length),),
                session_min=length,
                vehicle_costs=tuple((f"v{v}", 0) for v in range(inst.vehicles)
                                    if k in inst.skills[v])))
        if len(inst.needs[node]) == 2:
            first, second = inst.needs[node]
            syncs.append(Sync(stop_id(node, first), stop_id(node, second),
                              inst.min_gap[node], inst.max_gap[node]))
    vehicles = tuple(Vehicle(f"v{v}", f"Carer {v + 1}", base=0, services=frozenset({"care"}),
                             weekdays=frozenset({weekday}), max_duty_min=day_end,
                             shift_start_min=0, shift_end_min=day_end,
                             crew=frozenset({f"c{v}"}))
                     for v in range(inst.vehicles))
    staff = tuple(StaffMember(f"c{v}", frozenset({"carer"}),
                              (Availability(DATE, 0, day_end),), max_day_min=day_end)
                  for v in range(inst.vehicles))
    return Problem(dates=(DATE,), services=(care,), vehicles=vehicles, stops=tuple(stops),
                   staff=staff, travel_min=travel, distance_m=distance, syncs=tuple(syncs),
                   sync_step_min=sync_step)


@dataclass(frozen=True)
class Verdict:
    errors: tuple[str, ...]
    distance: float
    tardiness: float
    max_tardiness: float

    @property
    def value(self) -> float:
        return (self.distance + self.tardiness + self.max_tardiness) / 3


def evaluate(inst: Instance, routes: dict[int, list[tuple[int, int, float]]]) -> Verdict:
    """Check carers' routes ((node, service, start) in order, per vehicle) against the
    file alone: each needed service given once by a qualified carer, starts no earlier
    than e, travel and processing respected with the exact distances, the gaps of
    double services; D, T and Tmax as published."""
    errors: list[str] = []
    done: dict[tuple[int, int], float] = {}
    distance = tardiness = worst = 0.0
    for v, visits in routes.items():
        place, free = 0, 0.0
        for node, k, start in visits:
            if k not in inst.skills[v]:
                errors.append(f"carer {v} cannot give service {k} (node {node})")
            if k not in inst.needs[node]:
                errors.append(f"node {node} does not need service {k}")
            if (node, k) in done:
                errors.append(f"node {node} service {k} given twice")
            done[(node, k)] = start
            arrive = free + inst.distance[place][node]
            if start < arrive - EPS:
                errors.append(f"carer {v} starts node {node} at {start}, arrives at {arrive:.2f}")
            if start < inst.early[node] - EPS:
                errors.append(f"node {node} starts at {start} before e = {inst.early[node]}")
            late = max(0.0, start - inst.late[node])
            tardiness += late
            worst = max(worst, late)
            distance += inst.distance[place][node]
            place, free = node, start + inst.processing[node][v][k]
        if visits:
            distance += inst.distance[place][inst.nodes - 1]
    for node in inst.patients:
        for k in inst.needs[node]:
            if (node, k) not in done:
                errors.append(f"node {node} service {k} not given")
        if len(inst.needs[node]) == 2 and all((node, k) in done for k in inst.needs[node]):
            first, second = inst.needs[node]
            gap = done[(node, second)] - done[(node, first)]
            if not inst.min_gap[node] - EPS <= gap <= inst.max_gap[node] + EPS:
                errors.append(f"node {node}: gap {gap} outside "
                              f"[{inst.min_gap[node]}, {inst.max_gap[node]}]")
    return Verdict(tuple(errors), distance, tardiness, worst)


def hard_window_optimum(inst: Instance, limit_s: float) -> tuple[str, float | None]:
    """A reference independent of the planner: the instance solved exactly by a
    CP-SAT model of its own (a circuit per carer over the services it may give, starts
    in [e, l], travel and processing between consecutive visits, the gaps), distances
    in hundredths (rounded for the cost, up for the travel time). Its status and its
    D / 3 (``None`` when no plan keeps every window)."""
    scale = 100
    model = cp_model.CpModel()
    tasks = [(i, k) for i in inst.patients for k in inst.needs[i]]
    start = {t: model.new_int_var(inst.early[t[0]] * scale, inst.late[t[0]] * scale, "")
             for t in tasks}
    last = inst.nodes - 1
    cost = []
    given: dict[tuple[int, int], list[cp_model.IntVar]] = {t: [] for t in tasks}

    def leg(i: int, j: int) -> tuple[int, int]:
        return round(inst.distance[i][j] * scale), math.ceil(inst.distance[i][j] * scale - EPS)

    for v in range(inst.vehicles):
        mine = [t for t in tasks if t[1] in inst.skills[v]]
        index = {t: n + 1 for n, t in enumerate(mine)}
        arcs = []
        for t in mine:
            on = model.new_bool_var("")
            given[t].append(on)
            arcs.append((index[t], index[t], ~on))
            out, back = model.new_bool_var(""), model.new_bool_var("")
            arcs += [(0, index[t], out), (index[t], 0, back)]
            length, travel = leg(0, t[0])
            cost.append(length * out)
            model.add(start[t] >= travel).only_enforce_if(out)
            length, travel = leg(t[0], last)
            cost.append(length * back)
            for u in mine:
                if u != t:
                    arc = model.new_bool_var("")
                    arcs.append((index[t], index[u], arc))
                    length, travel = leg(t[0], u[0])
                    cost.append(length * arc)
                    work = round(inst.processing[t[0]][v][t[1]] * scale)
                    model.add(start[u] >= start[t] + work + travel).only_enforce_if(arc)
        arcs.append((0, 0, model.new_bool_var("")))
        model.add_circuit(arcs)
    for t in tasks:
        model.add_exactly_one(given[t])
    for node in inst.patients:
        if len(inst.needs[node]) == 2:
            first, second = inst.needs[node]
            gap = start[(node, second)] - start[(node, first)]
            model.add(gap >= inst.min_gap[node] * scale)
            model.add(gap <= inst.max_gap[node] * scale)
    model.minimize(sum(cost))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit_s
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(status), None
    return solver.status_name(status), solver.objective_value / scale / 3


def routes_of(solution: Solution) -> dict[int, list[tuple[int, int, float]]]:
    """The plan as the checker reads it: per carer, (node, service, start) in order."""
    found: dict[int, list[tuple[int, int, float]]] = {}
    for route in solution.routes:
        visits = []
        for visit in route.visits:
            node, service = visit.stop[1:].split("-s")
            visits.append((int(node), int(service), float(visit.start_min)))
        found[int(route.vehicle[1:])] = visits
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--step", type=int, default=1,
                        help="grid of synchronised starts (Problem.sync_step_min)")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exact-limit", type=float, default=60.0,
                        help="seconds for the exact reference model (0: not run)")
    args = parser.parse_args()
    names = args.only or sorted(OPTIMUM, key=lambda k: int(k[1:]))
    print("| instance | services placed | value (D/3) | with every window kept: optimum "
          "(exact model) | published optimum (lateness allowed) | gap to the first | seconds | "
          "checker |")
    print("|---|---|---|---|---|---|---|---|")
    gaps = []
    for name in names:
        inst = read(FOLDER / f"{name}.txt")
        status, exact = (hard_window_optimum(inst, args.exact_limit) if args.exact_limit
                         else ("not run", None))
        problem = to_problem(inst, args.step)
        params = SolveParams(time_limit_s=args.time_limit, seed=args.seed,
                             demand_weight=100_000)
        began = time.perf_counter()
        solution = solve(problem, params)
        seconds = time.perf_counter() - began
        verdict = evaluate(inst, routes_of(solution))
        placed = sum(len(r.visits) for r in solution.routes)
        complete = not verdict.errors
        gap = "-"
        if complete and exact is not None:
            gaps.append((verdict.value - exact) / exact)
            gap = f"{100 * gaps[-1]:.1f} %"
        reference = (f"{exact:.2f} ({status.lower()})" if exact is not None
                     else status.lower().replace("infeasible", "none exists"))
        print(f"| {name} | {placed}/{len(problem.stops)} | {verdict.value:.2f} | {reference} | "
              f"{OPTIMUM[name]} | {gap} | {seconds:.1f} | "
              f"{'OK' if complete else f'{len(verdict.errors)} missing or wrong: {verdict.errors[0]}'} |")
    print(f"\ncomplete plans: {len(gaps)} of {len(names)}"
          + (f"; gap to the exact optimum with every window kept: mean "
             f"{100 * sum(gaps) / len(gaps):.1f} %, worst {100 * max(gaps):.1f} %" if gaps else ""))


if __name__ == "__main__":
    main()
