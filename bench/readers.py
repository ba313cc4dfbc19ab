"""Readers of literature instances (Solomon VRPTW, KU Leuven TOPTW format), and
their mapping to the product's own :class:`solver.model.Problem`.

A reader returns a plain :class:`RawInstance` (the file's numbers, nothing
derived); :func:`to_problem` builds the planner's problem from it, so that a
benchmark runs the same ``solve()`` as a real plan:

- one working date; each tour is a vehicle based at the depot (location 0)
  with a one-person crew (a driver free all day), its shift the depot's
  window, its duty limit the whole shift, its ``capacity`` the instance's;
- each customer is a stop offering the one service, its ``demand`` the prize
  (1 for the VRPTW, where every customer must be served, the score for the
  TOPTW), its ``load`` the customer's demand;
- customers' service times may differ: each session lasts one time unit and
  the rest of customer ``i``'s service time is added to every leg leaving
  ``i`` (``travel_min[i][j] = travel(i, j) + service_i - 1``), so a session
  starting at ``t`` reaches the next place at ``t + service_i + travel``, as
  the literature counts; the stop's window is the customer's window on the
  *start* of service, plus that one unit. ``distance_m`` keeps the plain
  distances;
- times are integers in 1/``scale`` of the instance's unit, and the problem's
  ``day_end_min`` is the end of the horizon in that unit. The distance
  convention is the instance's (:attr:`RawInstance.decimals`): truncated to
  ``decimals`` decimals, exact at scale ``10**decimals``, or double precision
  (``None``), rounded *up* at scale 1000 so that a plan feasible here is
  feasible with exact distances.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

from solver import (
    Availability,
    Problem,
    Service,
    SolveParams,
    StaffMember,
    Stop,
    Vehicle,
    Window,
)

BENCH_DIR = Path(__file__).resolve().parents[2] / "shared" / "bench"
SOLOMON_DIR = BENCH_DIR / "solomon_vrptw"
TOPTW_DIR = BENCH_DIR / "toptw"
TOPTW_SETS = ("solomon_100_righini_salani", "solomon_100_type2_montemanni")
DATE = dt.date(2027, 1, 4)  # any Monday
SERVICE = "visit"

DOUBLE_PRECISION_SCALE = 1000  # times in thousandths: rounding travel up costs < 0.001 per arc
MAX_DEMAND_WEIGHT = 10**7  # beyond it PyVRP's penalty arithmetic slows the search tenfold


@dataclass(frozen=True)
class Node:
    """One row of an instance file; node 0 is the depot."""

    x: float
    y: float
    demand: int  # load taken (VRPTW); 0 for the TOPTW
    score: int  # prize (TOPTW); 0 for the VRPTW
    ready: float  # earliest start of service
    due: float  # latest start of service (depot: latest return)
    service: float  # service time


@dataclass(frozen=True)
class RawInstance:
    name: str
    kind: str  # "vrptw" (serve all, minimise distance) or "toptw" (maximise score)
    nodes: tuple[Node, ...]
    vehicles: int
    capacity: int | None
    decimals: int | None = None  # distances truncated to this many decimals; None: exact

    @property
    def scale(self) -> int:
        """Time units per instance unit: exact for truncated distances."""
        return DOUBLE_PRECISION_SCALE if self.decimals is None else 10**self.decimals


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
                ready=_number(fields[4]), due=_number(fields[5]), service=_number(fields[6]),
            ))
    if vehicles is None or capacity is None or len(nodes) < 2:
        raise ValueError(f"{path}: not a Solomon VRPTW file")
    return RawInstance(name, "vrptw", tuple(nodes), vehicles, capacity)


def read_toptw(path: Path, tours: int, decimals: int = 1) -> RawInstance:
    """A TOPTW file (KU Leuven format) solved with ``tours`` tours, distances
    truncated to ``decimals`` decimals (the set's documented convention). The
    header is the first 6 tokens (one file breaks its header lines
    differently); each following line is a vertex ``i x y d S f a list O C``."""
    if decimals < 0:
        raise ValueError(f"decimals must be 0 or more, got {decimals}")
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
            ready=_number(fields[-2]), due=_number(fields[-1]), service=_number(fields[3]),
        ))
    if len(nodes) < 2:
        raise ValueError(f"{path}: not a TOPTW file")
    if tours < 1:
        raise ValueError(f"tours must be at least 1, got {tours}")
    return RawInstance(f"{path.stem}", "toptw", tuple(nodes), tours, None, decimals)


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


def solomon_truncated_optima() -> dict[str, float]:
    """Distance-only optima with every arc truncated to one decimal (the DIMACS
    convention, ``bks`` of bks_distance_only.csv): lower bounds on the
    double-precision optima, since truncating only shortens arcs."""
    with (SOLOMON_DIR / "bks_distance_only.csv").open() as handle:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(handle)}


def toptw_bks() -> dict[tuple[str, str, int], int | None]:
    """Best known score by (set, instance, tours); ``None`` where none is public."""
    with (TOPTW_DIR / "bks.csv").open() as handle:
        return {(row["set"], row["instance"], int(row["vehicles"])):
                (int(float(row["bks"])) if row["bks"] else None)
                for row in csv.DictReader(handle)}


def documented_decimals(set_dir: Path) -> int:
    """The distance truncation a TOPTW set's documentation states ("truncated
    down to one decimal"), read from the SOURCE.md beside or above it."""
    words = {"zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4}
    for folder in (set_dir, *set_dir.parents[:2]):
        source = folder / "SOURCE.md"
        if source.exists():
            found = re.search(r"truncated (?:down )?to (\w+) decimals?", source.read_text())
            if found and found.group(1).lower() in words:
                return words[found.group(1).lower()]
    raise ValueError(f"{set_dir}: no SOURCE.md states how distances are truncated")


def scaled_distance(raw: RawInstance) -> list[list[int]]:
    """Distances between nodes in 1/``raw.scale`` units: exact for a truncated
    convention (computed exactly on integer coordinates), rounded up for
    double precision."""
    scale = raw.scale
    rows = []
    for a in raw.nodes:
        row = []
        for b in raw.nodes:
            dx, dy = a.x - b.x, a.y - b.y
            if dx == int(dx) and dy == int(dy):
                squared = int(dx) ** 2 + int(dy) ** 2
                floor = math.isqrt(squared * scale * scale)
                exact = floor * floor == squared * scale * scale
                row.append(floor if raw.decimals is not None or exact else floor + 1)
            elif raw.decimals is not None:
                # Truncation of a float: a hair up, so that a value the rule puts
                # exactly on a step is never taken one unit short (conservative).
                row.append(math.floor(scale * math.hypot(dx, dy) + 1e-7))
            else:
                row.append(math.ceil(scale * math.hypot(dx, dy)))
        rows.append(row)
    return rows


def _scaled(value: float, scale: int, up: bool) -> int:
    """``value`` in 1/``scale`` units, rounded to the safe side when not exact."""
    scaled = value * scale
    nearest = round(scaled)
    if abs(scaled - nearest) < 1e-6:
        return int(nearest)
    return math.ceil(scaled) if up else math.floor(scaled)


def to_problem(raw: RawInstance) -> Problem:
    """The planner's problem for ``raw`` (see the module docstring)."""
    scale = raw.scale
    depot, customers = raw.nodes[0], raw.nodes[1:]
    services = [_scaled(c.service, scale, up=True) for c in customers]
    ready = [_scaled(c.ready, scale, up=True) for c in customers]
    due = [_scaled(c.due, scale, up=False) for c in customers]
    shift = (_scaled(depot.ready, scale, up=True), _scaled(depot.due, scale, up=False))
    day_end = max([shift[1]] + [d + 1 for d in due])
    service = Service(
        SERVICE, "visit", ((("driver",),)), session_min=1,
        earliest_start_min=0, latest_end_min=day_end,
        visits_per_period=1, period_weeks=1, max_sessions_per_day=len(customers),
    )
    vehicles = tuple(
        Vehicle(f"tour{k + 1}", f"tour {k + 1}", 0, frozenset({SERVICE}),
                weekdays=frozenset({DATE.isoweekday()}), max_duty_min=max(1, shift[1] - shift[0]),
                shift_start_min=shift[0], shift_end_min=max(shift[0] + 1, shift[1]),
                capacity=raw.capacity)
        for k in range(raw.vehicles)
    )
    staff = tuple(
        StaffMember(f"driver{k + 1}", frozenset({"driver"}),
                    (Availability(DATE, 0, day_end),), max_day_min=day_end)
        for k in range(raw.vehicles)
    )
    stops = tuple(
        Stop(str(i), i, c.score if raw.kind == "toptw" else 1, frozenset({SERVICE}),
             (Window(DATE.isoweekday(), ready[i - 1], due[i - 1] + 1),)
             if due[i - 1] >= ready[i - 1] else (),
             load=c.demand)
        for i, c in enumerate(customers, start=1)
    )
    distance = scaled_distance(raw)
    travel = [
        [leg if i == 0 or i == j else max(0, leg + services[i - 1] - 1)
         for j, leg in enumerate(row)]
        for i, row in enumerate(distance)
    ]
    return Problem(
        dates=(DATE,), services=(service,), vehicles=vehicles, stops=stops, staff=staff,
        travel_min=tuple(tuple(row) for row in travel),
        distance_m=tuple(tuple(row) for row in distance), day_end_min=day_end,
    )


def objective_weights(problem: Problem) -> dict[str, int]:
    """SolveParams weights for which serving a customer (VRPTW) or one more
    point of score (TOPTW) beats any travel saving, up to
    ``MAX_DEMAND_WEIGHT`` (beyond it PyVRP's search slows down tenfold; on the
    largest instances a travel saving may then outweigh a point of score)."""
    longest = max(max(row) for row in problem.travel_min)
    worst_travel = 2 * longest * len(problem.travel_min)
    return {"demand_weight": min(MAX_DEMAND_WEIGHT, 10 ** len(str(worst_travel))),
            "travel_weight": 1, "weekday_change_weight": 0, "month_week_change_weight": 0}


def solve_params(problem: Problem, **changes: object) -> SolveParams:
    """The weights of :func:`objective_weights` for ``problem`` (built by
    :func:`to_problem`), with ``changes``."""
    return SolveParams(**(objective_weights(problem) | changes))  # type: ignore[arg-type]
