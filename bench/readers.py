"""Readers of the literature instances in ../shared/bench, and their mapping to
the product's own :class:`solver.model.Problem`.

A reader returns a plain :class:`RawInstance` (the file's numbers, nothing
derived); :func:`to_problem` builds the planner's problem from it, so that a
benchmark runs the same ``solve()`` as a real plan:

- one working date; each tour is a vehicle based at the depot (location 0)
  with a one-person crew (a driver free all day), its shift the depot's
  window, its duty limit the whole shift, its ``capacity`` the instance's;
- each customer is a stop offering the one service, its ``demand`` the prize
  (1 for the VRPTW, where every customer must be served, the score for the
  TOPTW), its ``load`` the customer's demand, its window the customer's
  window on the *start* of service extended by the service time (a stop's
  window holds the whole stay);
- times are integers in 1/``scale`` of the instance's unit, and the problem's
  ``day_end_min`` is the end of the horizon in that unit. Travel is scaled
  and rounded *up* (Solomon, double precision: a plan feasible here is
  feasible with exact distances) or is exact (TOPTW, whose convention
  truncates distances to one decimal: scale 10).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

from solver import Problem, Service, SolveParams, StaffMember, Stop, Vehicle, Window
from solver.model import Availability

BENCH_DIR = Path(__file__).resolve().parents[2] / "shared" / "bench"
SOLOMON_DIR = BENCH_DIR / "solomon_vrptw"
TOPTW_DIR = BENCH_DIR / "toptw"
TOPTW_SETS = ("solomon_100_righini_salani", "solomon_100_type2_montemanni")
DATE = dt.date(2027, 1, 4)  # any Monday
SERVICE = "visit"

SOLOMON_SCALE = 1000  # times in thousandths: rounding travel up costs < 0.001 per arc
TOPTW_SCALE = 10  # distances truncated to one decimal: exact in tenths


@dataclass(frozen=True)
class Node:
    """One row of an instance file; node 0 is the depot."""

    x: float
    y: float
    demand: int  # load taken (VRPTW); 0 for the TOPTW
    score: int  # prize (TOPTW); 0 for the VRPTW
    ready: int  # earliest start of service
    due: int  # latest start of service (depot: latest return)
    service: int  # service time


@dataclass(frozen=True)
class RawInstance:
    name: str
    kind: str  # "vrptw" (serve all, minimise distance) or "toptw" (maximise score)
    nodes: tuple[Node, ...]
    vehicles: int
    capacity: int | None


def _number(token: str) -> float:
    return float(token)


def _integer(token: str, what: str) -> int:
    value = float(token)
    if value != int(value):
        raise ValueError(f"{what} must be an integer, got {token}")
    return int(value)


def read_solomon(path: Path) -> RawInstance:
    """A Solomon VRPTW file (original text format)."""
    lines = path.read_text().splitlines()
    name = lines[0].strip()
    vehicles = capacity = None
    nodes: list[Node] = []
    for index, line in enumerate(lines):
        if line.strip().startswith("NUMBER"):
            vehicles, capacity = (int(t) for t in lines[index + 1].split())
        fields = line.split()
        if len(fields) == 7 and all(t.replace(".", "", 1).isdigit() for t in fields):
            if int(fields[0]) != len(nodes):
                raise ValueError(f"{path}: node {fields[0]} out of order")
            nodes.append(Node(
                x=_number(fields[1]), y=_number(fields[2]),
                demand=_integer(fields[3], "demand"), score=0,
                ready=_integer(fields[4], "ready time"), due=_integer(fields[5], "due date"),
                service=_integer(fields[6], "service time"),
            ))
    if vehicles is None or capacity is None or len(nodes) < 2:
        raise ValueError(f"{path}: not a Solomon VRPTW file")
    return RawInstance(name, "vrptw", tuple(nodes), vehicles, capacity)


def read_toptw(path: Path, tours: int) -> RawInstance:
    """A TOPTW file (KU Leuven format) solved with ``tours`` tours. The
    header is the first 6 tokens (one file breaks its header lines
    differently); each following line is a vertex ``i x y d S f a list O C``."""
    header = 0
    nodes: list[Node] = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if header < 6:
            header += len(fields)
            continue
        if not fields:
            continue
        if int(fields[0]) != len(nodes):
            raise ValueError(f"{path}: vertex {fields[0]} out of order")
        nodes.append(Node(
            x=_number(fields[1]), y=_number(fields[2]), demand=0,
            score=_integer(fields[4], "score"),
            ready=_integer(fields[-2], "opening"), due=_integer(fields[-1], "closing"),
            service=_integer(fields[3], "visiting time"),
        ))
    if len(nodes) < 2:
        raise ValueError(f"{path}: not a TOPTW file")
    return RawInstance(f"{path.stem}", "toptw", tuple(nodes), tours, None)


def solomon_paths() -> list[Path]:
    order = {"C1": 0, "C2": 1, "R1": 2, "R2": 3, "RC1": 4, "RC2": 5}
    paths = sorted((SOLOMON_DIR / "instances").glob("*.txt"))
    return sorted(paths, key=lambda p: (order[p.stem[:-2]], p.stem))


def toptw_paths(set_name: str) -> list[Path]:
    order = {"c1": 0, "c2": 0, "r1": 1, "r2": 1, "rc1": 2, "rc2": 2}
    paths = sorted((TOPTW_DIR / set_name).glob("*.txt"))
    return sorted(paths, key=lambda p: (order[p.stem[:-2]], p.stem))


def solomon_bks() -> dict[str, tuple[float, str]]:
    """Distance-only BKS in double precision (``alt_bks_double``) and its note."""
    with (SOLOMON_DIR / "bks_distance_only.csv").open() as handle:
        return {row["instance"]: (float(row["alt_bks_double"]), row["note"])
                for row in csv.DictReader(handle)}


def toptw_bks() -> dict[tuple[str, str, int], int | None]:
    """Best known score by (set, instance, tours); ``None`` where none is public."""
    with (TOPTW_DIR / "bks.csv").open() as handle:
        return {(row["set"], row["instance"], int(row["vehicles"])):
                (int(float(row["bks"])) if row["bks"] else None)
                for row in csv.DictReader(handle)}


def scaled_travel(raw: RawInstance, scale: int) -> list[list[int]]:
    """Travel between nodes in 1/``scale`` units: rounded up for the VRPTW,
    truncated for the TOPTW (its convention), computed exactly on integer
    coordinates."""
    rows = []
    for a in raw.nodes:
        row = []
        for b in raw.nodes:
            dx, dy = a.x - b.x, a.y - b.y
            if dx == int(dx) and dy == int(dy):
                squared = int(dx) ** 2 + int(dy) ** 2
                floor = math.isqrt(squared * scale * scale)
                exact = floor * floor == squared * scale * scale
                row.append(floor if raw.kind == "toptw" or exact else floor + 1)
            else:
                value = scale * math.hypot(dx, dy)
                row.append(math.floor(value) if raw.kind == "toptw" else math.ceil(value))
        rows.append(row)
    return rows


def scale_of(raw: RawInstance) -> int:
    return TOPTW_SCALE if raw.kind == "toptw" else SOLOMON_SCALE


def to_problem(raw: RawInstance) -> Problem:
    """The planner's problem for ``raw`` (see the module docstring)."""
    scale = scale_of(raw)
    depot, customers = raw.nodes[0], raw.nodes[1:]
    durations = {c.service for c in customers}
    if len(durations) != 1:
        raise ValueError(f"{raw.name}: customers' service times differ ({sorted(durations)}); "
                         "one service per instance is supported")
    service_time = scale * durations.pop()
    day_end = scale * max([depot.due] + [c.due + c.service for c in customers])
    service = Service(
        SERVICE, "visit", ((("driver",),)), session_min=max(1, service_time),
        earliest_start_min=0, latest_end_min=day_end,
        visits_per_period=1, period_weeks=1, max_sessions_per_day=len(customers),
    )
    shift = (scale * depot.ready, scale * depot.due)
    vehicles = tuple(
        Vehicle(f"tour{k + 1}", f"tour {k + 1}", 0, frozenset({SERVICE}),
                weekdays=frozenset({DATE.isoweekday()}), max_duty_min=shift[1] - shift[0],
                shift_start_min=shift[0], shift_end_min=shift[1], capacity=raw.capacity)
        for k in range(raw.vehicles)
    )
    staff = tuple(
        StaffMember(f"driver{k + 1}", frozenset({"driver"}),
                    (Availability(DATE, 0, day_end),), max_day_min=day_end)
        for k in range(raw.vehicles)
    )
    stops = tuple(
        Stop(str(i), i, c.score if raw.kind == "toptw" else 1, frozenset({SERVICE}),
             (Window(DATE.isoweekday(), scale * c.ready, scale * (c.due + c.service)),),
             load=c.demand)
        for i, c in enumerate(customers, start=1)
    )
    travel = tuple(tuple(row) for row in scaled_travel(raw, scale))
    return Problem(
        dates=(DATE,), services=(service,), vehicles=vehicles, stops=stops, staff=staff,
        travel_min=travel, distance_m=travel, day_end_min=day_end,
    )


def objective_weights(raw: RawInstance) -> dict[str, int]:
    """SolveParams weights for which serving a customer (VRPTW) or one more
    point of score (TOPTW) always beats any travel saving: then the planner's
    objective orders solutions as the literature's does."""
    problem_travel = scaled_travel(raw, scale_of(raw))
    longest = max(max(row) for row in problem_travel)
    worst_travel = 2 * longest * len(raw.nodes)
    return {"demand_weight": 10 ** len(str(worst_travel)), "travel_weight": 1,
            "weekday_change_weight": 0, "month_week_change_weight": 0}


def solve_params(raw: RawInstance, **changes: object) -> SolveParams:
    return SolveParams(**(objective_weights(raw) | changes))  # type: ignore[arg-type]
