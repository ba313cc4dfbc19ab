"""Claimed bounds hold: on hundreds of small random problems the bound a solve
reports is never below the exact optimum, and "optimal" means the exact optimum.

The exact optimum comes from an exhaustive search written here, sharing no code
with the solver: every ordered subset of stops per vehicle-day, timed by a
forward pass (earliest feasible start in a window, waiting allowed), and every
way of giving the stops to vehicle-days and the staff to vehicle-days. The
problems: one week, one service with a one-person crew, 2 to 5 stops with one
or two windows, 1 or 2 vehicles, 1 or 2 dates, partial staff availability,
up to 4 sessions a day, travel times sometimes without the triangle
inequality. Duty limits are left loose (the forward pass does not minimise duty).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass

import pytest

from solver import (
    Availability,
    Method,
    Problem,
    Service,
    SolveParams,
    StaffMember,
    Stop,
    Vehicle,
    Window,
    solve,
)

MONDAY = dt.date(2027, 3, 1)
DEMAND_WEIGHT = 1000
INSTANCES = 320


@dataclass(frozen=True)
class Exact:
    objective: int  # best demand_weight x demand - travel
    demand: int  # best demand alone


def random_problem(seed: int) -> Problem:
    rng = random.Random(seed)
    n_stops = rng.randint(2, 5)
    dates = (MONDAY,) if rng.random() < 0.5 else (MONDAY, MONDAY + dt.timedelta(days=rng.randint(1, 4)))
    n_vehicles = rng.randint(1, 2)
    locations = n_stops + n_vehicles
    if rng.random() < 0.3:  # any matrix: no triangle inequality
        travel = [[0 if i == j else rng.randint(5, 90) for j in range(locations)]
                  for i in range(locations)]
    else:
        points = [(rng.randint(0, 60), rng.randint(0, 60)) for _ in range(locations)]
        travel = [[abs(a[0] - b[0]) + abs(a[1] - b[1]) + (0 if a is b else 5) for b in points]
                  for a in points]
    service = Service(
        "s", "service", (("nurse",),), session_min=rng.choice([30, 60, 90, 120]),
        setup_min=rng.choice([0, 10]), packup_min=rng.choice([0, 10]),
        earliest_start_min=rng.choice([0, 480]), latest_end_min=rng.choice([1440, 1080]),
        visits_per_period=1, period_weeks=1, max_sessions_per_day=rng.randint(1, 4),
    )
    stops = []
    for k in range(n_stops):
        windows = []
        for weekday in sorted({d.isoweekday() for d in dates}):
            if rng.random() < 0.15:
                continue  # closed that weekday
            start = rng.randint(480, 780)
            windows.append(Window(weekday, start, min(1400, start + rng.randint(120, 400))))
            if rng.random() < 0.3:
                later = min(1380, windows[-1].end_min + rng.randint(10, 60))
                windows.append(Window(weekday, later, min(1439, later + rng.randint(60, 200))))
        stops.append(Stop(f"p{k}", n_vehicles + k, rng.randint(0, 40), frozenset({"s"}),
                          tuple(windows)))
    vehicles = tuple(
        Vehicle(f"v{k}", f"v{k}", k, frozenset({"s"}), max_duty_min=1440,
                shift_start_min=rng.choice([420, 480]), shift_end_min=rng.choice([1080, 1200]))
        for k in range(n_vehicles)
    )
    staff = []
    for k in range(rng.randint(1, n_vehicles)):
        availability = []
        for date in dates:
            if rng.random() < 0.2:
                continue
            start = rng.choice([420, 480, 720])
            availability.append(Availability(date, start, min(1440, start + rng.choice([240, 480, 720]))))
        staff.append(StaffMember(f"n{k}", frozenset({"nurse"}), tuple(availability),
                                 max_day_min=1440))
    matrix = tuple(tuple(row) for row in travel)
    return Problem(dates, (service,), vehicles, tuple(stops), tuple(staff), matrix,
                   tuple(tuple(1000 * t for t in row) for row in matrix), period_start=MONDAY)


def _day_return(problem: Problem, vehicle: Vehicle, date: dt.date, member: StaffMember,
                order: tuple[Stop, ...]) -> int | None:
    """Travel of the day-route, or ``None`` when no timing fits (forward pass)."""
    service = problem.services[0]
    frames = [a for a in member.availability if a.date == date]
    if not frames:
        return None
    frame = frames[0]
    clock = max(vehicle.shift_start_min, frame.start_min)
    end_limit = min(vehicle.shift_end_min, frame.end_min)
    place, travel = vehicle.base, 0
    stay = service.setup_min + service.session_min + service.packup_min
    for stop in order:
        leg = problem.travel_min[place][stop.location]
        travel += leg
        reach = clock + leg
        best = None
        for window in stop.windows:
            if window.weekday != date.isoweekday():
                continue
            arrive = max(reach, window.start_min, service.earliest_start_min - service.setup_min)
            if arrive + stay <= window.end_min and \
                    arrive + service.setup_min + service.session_min <= service.latest_end_min:
                best = arrive if best is None else min(best, arrive)
        if best is None:
            return None
        clock, place = best + stay, stop.location
    leg = problem.travel_min[place][vehicle.base]
    if clock + leg > end_limit:
        return None
    return travel + leg


def exact_optimum(problem: Problem) -> Exact:
    """Exhaustive search over every plan (see the module docstring)."""
    service = problem.services[0]
    stops = problem.stops
    n = len(stops)
    vehicle_days = [(v, d) for d in problem.dates for v in problem.vehicles]
    # best[(vehicle-day, member)][mask] = least travel of a day-route visiting exactly mask
    best: dict[tuple[int, int], dict[int, int]] = {}
    for i, (vehicle, date) in enumerate(vehicle_days):
        for j, member in enumerate(problem.staff):
            table: dict[int, int] = {0: 0}
            for size in range(1, min(n, service.max_sessions_per_day) + 1):
                for order in itertools.permutations(range(n), size):
                    travel = _day_return(problem, vehicle, date, member,
                                         tuple(stops[k] for k in order))
                    if travel is None:
                        continue
                    mask = sum(1 << k for k in order)
                    if travel < table.get(mask, 1 << 60):
                        table[mask] = travel
            best[(i, j)] = table
    top_objective, top_demand = 0, 0
    members = list(range(len(problem.staff)))
    # Each vehicle-day gets a member (distinct on one date) or stays home.
    choices = [[None, *members] for _ in vehicle_days]
    for crews in itertools.product(*choices):
        used = [(vehicle_days[i][1], m) for i, m in enumerate(crews) if m is not None]
        if len(used) != len(set(used)):
            continue
        running = [i for i, m in enumerate(crews) if m is not None]
        # Give each stop to one running vehicle-day or to none.
        for owners in itertools.product([None, *running], repeat=n):
            travel, demand, ok = 0, 0, True
            for i in running:
                mask = sum(1 << k for k in range(n) if owners[k] == i)
                table = best[(i, crews[i])]
                if mask not in table:
                    ok = False
                    break
                travel += table[mask]
            if not ok:
                continue
            demand = sum(stops[k].demand for k in range(n) if owners[k] is not None)
            top_objective = max(top_objective, DEMAND_WEIGHT * demand - travel)
            top_demand = max(top_demand, demand)
    return Exact(top_objective, top_demand)


METHODS = [Method.PATTERNS, Method.PATTERNS, Method.LOCAL_SEARCH, Method.ROUTING]


@pytest.mark.parametrize("block", range(8))
def test_claimed_bounds_never_cut_off_the_exact_optimum(block: int) -> None:
    """40 random problems per block, 320 in all."""
    for seed in range(block * INSTANCES // 8, (block + 1) * INSTANCES // 8):
        problem = random_problem(seed)
        exact = exact_optimum(problem)
        method = METHODS[seed % len(METHODS)]
        solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=0.2, seed=seed,
                                              method=method, demand_weight=DEMAND_WEIGHT))
        where = f"seed {seed}, {method.value}"
        assert solution.objective <= exact.objective, where  # the plan is a real plan
        if solution.bound is not None:
            assert solution.bound >= exact.objective, where
        if solution.status == "optimal":
            assert solution.objective == exact.objective, where
        demand_bound = solution.stats.demand_bound
        if demand_bound is not None:
            assert demand_bound >= exact.demand, where


def test_small_product_problems_are_proven_optimal_often() -> None:
    """The exhaustive day-routes of the default method prove most of these optimal
    (at most two sessions a day): the claim is made, and made where true."""
    proven = 0
    tried = 0
    for seed in range(60):
        problem = random_problem(10_000 + seed)
        if problem.services[0].max_sessions_per_day > 2:
            continue
        tried += 1
        solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=0.5, seed=seed,
                                              demand_weight=DEMAND_WEIGHT))
        exact = exact_optimum(problem)
        if solution.status == "optimal" or (solution.status == "empty" and solution.bound == 0):
            proven += 1
            assert solution.objective == exact.objective
    assert tried >= 20 and proven >= 0.9 * tried
