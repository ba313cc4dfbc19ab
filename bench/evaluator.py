"""Independent evaluator of literature solutions: value and feasibility
recomputed from the instance file alone.

It shares no code with the solver nor with :mod:`bench.readers` (its own
parser, its own distances), so a modelling error there cannot hide here.
A solution is a list of routes, each the customer numbers in visiting
order (the depot, 0, left implicit at both ends).

- VRPTW (Solomon): every customer exactly once, at most the fleet size of
  routes, load within capacity, service starting in [ready, due] with
  double-precision Euclidean travel (waiting allowed), return by the depot's
  due date. Value: total distance (double precision).
- TOPTW: every customer at most once, at most ``tours`` routes, service
  starting in [opening, closing], return by the depot's closing time, with
  distances truncated to the number of decimals the instance set's
  documentation states (the caller passes it; nothing here assumes one).
  Value: total score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

EPSILON = 1e-6


@dataclass(frozen=True)
class Evaluation:
    value: float
    feasible: bool
    errors: tuple[str, ...]
    routes: int


def _solomon_rows(path: Path) -> tuple[list[list[float]], int, int]:
    """(rows of x, y, demand, ready, due, service), fleet size, capacity."""
    lines = [line.split() for line in path.read_text().splitlines()]
    fleet_line = next(i for i, f in enumerate(lines) if f and f[0] == "NUMBER") + 1
    fleet, capacity = int(lines[fleet_line][0]), int(lines[fleet_line][1])
    rows = [[float(t) for t in f[1:]] for f in lines[fleet_line + 1:]
            if len(f) == 7 and f[0].isdigit()]
    return rows, fleet, capacity


def _toptw_rows(path: Path) -> list[list[float]]:
    """Rows of x, y, service, score, opening, closing (vertex 0 first)."""
    tokens_seen = 0
    rows = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if tokens_seen < 6:
            tokens_seen += len(fields)
        elif fields:
            rows.append([float(fields[1]), float(fields[2]), float(fields[3]), float(fields[4]),
                         float(fields[-2]), float(fields[-1])])
    return rows


def _schedule(routes: list[list[int]], xy: list[tuple[float, float]],
              windows: list[tuple[float, float, float]], horizon: float,
              distance) -> tuple[float, list[str]]:  # type: ignore[no-untyped-def]
    """Total distance and time violations; ``windows[i]`` = (ready, due, service)."""
    total = 0.0
    errors: list[str] = []
    for number, route in enumerate(routes, start=1):
        place, clock = 0, windows[0][0]
        for customer in route:
            leg = distance(xy[place], xy[customer])
            total += leg
            ready, due, service = windows[customer]
            start = max(clock + leg, ready)
            if start > due + EPSILON:
                errors.append(f"route {number}: customer {customer} starts at {start:.3f} > {due}")
            place, clock = customer, start + service
        leg = distance(xy[place], xy[0])
        total += leg
        if clock + leg > horizon + EPSILON:
            errors.append(f"route {number}: returns at {clock + leg:.3f} > {horizon}")
    return total, errors


def _visits(routes: list[list[int]], customers: int) -> tuple[dict[int, int], list[str]]:
    seen: dict[int, int] = {}
    errors = []
    for route in routes:
        for customer in route:
            if not 1 <= customer <= customers:
                errors.append(f"unknown customer {customer}")
            seen[customer] = seen.get(customer, 0) + 1
    errors += [f"customer {c} visited {n} times" for c, n in sorted(seen.items()) if n > 1]
    return seen, errors


def evaluate_solomon(path: Path, routes: list[list[int]]) -> Evaluation:
    rows, fleet, capacity = _solomon_rows(path)
    xy = [(r[0], r[1]) for r in rows]
    routes = [r for r in routes if r]
    seen, errors = _visits(routes, len(rows) - 1)
    errors += [f"customer {c} not served" for c in range(1, len(rows)) if c not in seen]
    if len(routes) > fleet:
        errors.append(f"{len(routes)} routes, fleet is {fleet}")
    for number, route in enumerate(routes, start=1):
        load = sum(rows[c][2] for c in route if 1 <= c < len(rows))
        if load > capacity:
            errors.append(f"route {number}: load {load} > capacity {capacity}")
    windows = [(r[3], r[4], r[5]) for r in rows]
    total, timing = _schedule(routes, xy, windows, rows[0][4],
                              lambda a, b: math.hypot(a[0] - b[0], a[1] - b[1]))
    errors += timing
    return Evaluation(total, not errors, tuple(errors), len(routes))


def evaluate_toptw(path: Path, tours: int, routes: list[list[int]], decimals: int) -> Evaluation:
    rows = _toptw_rows(path)
    xy = [(r[0], r[1]) for r in rows]
    routes = [r for r in routes if r]
    seen, errors = _visits(routes, len(rows) - 1)
    if len(routes) > tours:
        errors.append(f"{len(routes)} routes, {tours} allowed")
    windows = [(r[4], r[5], r[2]) for r in rows]

    def truncated(a: tuple[float, float], b: tuple[float, float]) -> float:
        unit = 10**decimals
        return math.floor(unit * math.hypot(a[0] - b[0], a[1] - b[1]) + 1e-9) / unit

    _total, timing = _schedule(routes, xy, windows, rows[0][5], truncated)
    errors += timing
    score = sum(rows[c][3] for c in seen if 1 <= c < len(rows))
    return Evaluation(score, not errors, tuple(errors), len(routes))
