"""Immutable input and output types of the planner's optimiser.

Everything is an integer inside the solver: times are minutes after midnight,
durations are minutes, distances are metres. A problem may count time in a
finer unit and a longer day (``Problem.day_end_min``, e.g. benchmarks with
times in thousandths of their unit); the product keeps minutes and 1440. Locations are indices into the
travel matrices. Input types validate themselves at construction and raise
``ValueError`` naming the offending field; solving never raises for an
infeasible or partial outcome, it reports it in the :class:`Solution`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar, TypeAlias

MINUTES_PER_DAY = 24 * 60
SYNC_STEP_MIN = 60  # default grid of synchronised starts (Problem.sync_step_min)


def _check_minute(name: str, value: int) -> None:
    """A time of day: a non-negative integer. Its upper limit is the
    problem's ``day_end_min``, checked by :class:`Problem`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a minute of the day (a non-negative integer), got {value!r}")


def _check_positive(name: str, value: int, *, zero_ok: bool = False) -> None:
    if not isinstance(value, int) or value < 0 or (value == 0 and not zero_ok):
        expected = "a non-negative" if zero_ok else "a positive"
        raise ValueError(f"{name} must be {expected} integer, got {value!r}")


def _check_weekday(name: str, value: int) -> None:
    if not isinstance(value, int) or not 1 <= value <= 7:
        raise ValueError(f"{name} must be an ISO weekday 1 (Monday)..7 (Sunday), got {value!r}")


@dataclass(frozen=True)
class Window:
    """A weekly opening window of a stop: ``weekday`` 1 = Monday."""

    weekday: int
    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        _check_weekday("Window.weekday", self.weekday)
        _check_minute("Window.start_min", self.start_min)
        _check_minute("Window.end_min", self.end_min)
        if self.end_min <= self.start_min:
            raise ValueError(
                f"Window.end_min ({self.end_min}) must be after start_min ({self.start_min})"
            )


@dataclass(frozen=True)
class Service:
    """A programme run from a vehicle (prevention bus, drop-in space...).

    ``required_roles`` lists crew slots; each slot is a tuple of alternative
    roles, e.g. ``(("doctor", "midwife"), ("puericultrice",), ("driver",))``.
    The session open to families lasts ``session_min`` and starts no earlier
    than ``earliest_start_min``; it ends no later than ``latest_end_min``.
    Set-up happens before the session and pack-up after it, on site.
    A stop should get ``visits_per_period`` sessions in every period of
    ``period_weeks`` weeks, two sessions at one stop at least
    ``min_spacing_days`` apart. ``max_sessions_per_day`` bounds the sessions one
    vehicle-day of this service may hold. When ``lunch_min`` > 0, the crew
    gets that many free minutes between ``lunch_start_min`` and
    ``lunch_end_min`` (before leaving, after returning, or between two stops).
    Sessions start on a multiple of ``start_grid_min`` minutes after midnight
    (15: a quarter-hour grid a town hall can post; 1: any minute). With
    ``keep_rhythm``, the sessions of one stop that no pin placed all fall on one
    weekday, and for monthly services in one week of the month ("le 2e
    mercredi"): a hard rule, see :func:`solver.periods.rhythm_key`; without it
    the rhythm is only preferred (``SolveParams.weekday_change_weight``).
    """

    id: str
    name: str
    required_roles: tuple[tuple[str, ...], ...]
    session_min: int
    setup_min: int = 0
    packup_min: int = 0
    earliest_start_min: int = 0
    latest_end_min: int = MINUTES_PER_DAY
    visits_per_period: int = 1
    period_weeks: int = 4
    min_spacing_days: int = 0
    max_sessions_per_day: int = 1
    max_one_way_min: int | None = None  # longest drive from the base to one of its stops
    lunch_min: int = 0  # the crew's lunch break on duty, 0 when the service sets none
    lunch_start_min: int = 12 * 60  # the break lies inside [lunch_start_min, lunch_end_min]
    lunch_end_min: int = 14 * 60
    start_grid_min: int = 1  # sessions start on this grid of minutes after midnight
    keep_rhythm: bool = False  # a stop's unpinned sessions keep one weekday (solver.periods)

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Service.id must not be empty")
        if not self.required_roles or any(not slot for slot in self.required_roles):
            raise ValueError(
                f"Service {self.id}: required_roles must list at least one slot, "
                "each with at least one role"
            )
        _check_positive(f"Service {self.id}: session_min", self.session_min)
        _check_positive(f"Service {self.id}: setup_min", self.setup_min, zero_ok=True)
        _check_positive(f"Service {self.id}: packup_min", self.packup_min, zero_ok=True)
        _check_minute(f"Service {self.id}: earliest_start_min", self.earliest_start_min)
        _check_minute(f"Service {self.id}: latest_end_min", self.latest_end_min)
        if self.latest_end_min - self.earliest_start_min < self.session_min:
            raise ValueError(
                f"Service {self.id}: a {self.session_min}-minute session cannot fit between "
                f"earliest_start_min {self.earliest_start_min} and latest_end_min "
                f"{self.latest_end_min}"
            )
        _check_positive(f"Service {self.id}: visits_per_period", self.visits_per_period)
        _check_positive(f"Service {self.id}: period_weeks", self.period_weeks)
        _check_positive(f"Service {self.id}: min_spacing_days", self.min_spacing_days, zero_ok=True)
        _check_positive(f"Service {self.id}: max_sessions_per_day", self.max_sessions_per_day)
        if self.max_one_way_min is not None:
            _check_positive(f"Service {self.id}: max_one_way_min", self.max_one_way_min)
        _check_positive(f"Service {self.id}: lunch_min", self.lunch_min, zero_ok=True)
        _check_positive(f"Service {self.id}: start_grid_min", self.start_grid_min)
        if MINUTES_PER_DAY % self.start_grid_min:
            raise ValueError(
                f"Service {self.id}: start_grid_min {self.start_grid_min} must divide a day "
                "(1, 5, 10, 15, 30, 60...)"
            )
        first = -(-self.earliest_start_min // self.start_grid_min) * self.start_grid_min
        if first + self.session_min > self.latest_end_min:
            raise ValueError(
                f"Service {self.id}: no {self.session_min}-minute session starting on the "
                f"{self.start_grid_min}-minute grid fits between earliest_start_min "
                f"{self.earliest_start_min} and latest_end_min {self.latest_end_min}"
            )
        if self.lunch_min:
            _check_minute(f"Service {self.id}: lunch_start_min", self.lunch_start_min)
            _check_minute(f"Service {self.id}: lunch_end_min", self.lunch_end_min)
            if self.lunch_end_min - self.lunch_start_min < self.lunch_min:
                raise ValueError(
                    f"Service {self.id}: a {self.lunch_min}-minute lunch break cannot fit between "
                    f"lunch_start_min {self.lunch_start_min} and lunch_end_min {self.lunch_end_min}"
                )

    def on_grid(self, start_min: int) -> bool:
        """Whether a session may start at ``start_min`` (see ``start_grid_min``)."""
        return start_min % self.start_grid_min == 0

    @property
    def on_site_min(self) -> int:
        """Minutes the vehicle spends at a stop for one session."""
        return self.setup_min + self.session_min + self.packup_min


@dataclass(frozen=True)
class Vehicle:
    """A vehicle with its crew's working day: leaves ``base`` no earlier than
    ``shift_start_min``, returns no later than ``shift_end_min``, and is on duty
    (departure to return) at most ``max_duty_min``."""

    id: str
    name: str
    base: int
    services: frozenset[str]
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    max_duty_min: int = 10 * 60
    shift_start_min: int = 7 * 60
    shift_end_min: int = 20 * 60
    unavailable_dates: frozenset[dt.date] = frozenset()
    capacity: int | None = None
    # Only these staff members may crew it (a home-visit nurse is her own "vehicle");
    # ``None``: anyone qualified.
    crew: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Vehicle.id must not be empty")
        if self.crew is not None and not self.crew:
            raise ValueError(f"Vehicle {self.id}: crew, when given, must name at least one "
                             "staff member")
        if self.capacity is not None:
            _check_positive(f"Vehicle {self.id}: capacity", self.capacity, zero_ok=True)
        if not self.services:
            raise ValueError(f"Vehicle {self.id}: services must name at least one service")
        for day in self.weekdays:
            _check_weekday(f"Vehicle {self.id}: weekdays", day)
        _check_positive(f"Vehicle {self.id}: max_duty_min", self.max_duty_min)
        _check_minute(f"Vehicle {self.id}: shift_start_min", self.shift_start_min)
        _check_minute(f"Vehicle {self.id}: shift_end_min", self.shift_end_min)
        if self.shift_end_min <= self.shift_start_min:
            raise ValueError(f"Vehicle {self.id}: shift_end_min must be after shift_start_min")

    def may_carry(self, member_id: str) -> bool:
        """Whether ``member_id`` may be on board (see ``crew``)."""
        return self.crew is None or member_id in self.crew


@dataclass(frozen=True)
class Availability:
    """One dated interval in which a staff member can work."""

    date: dt.date
    start_min: int
    end_min: int

    def __post_init__(self) -> None:
        _check_minute("Availability.start_min", self.start_min)
        _check_minute("Availability.end_min", self.end_min)
        if self.end_min <= self.start_min:
            raise ValueError(
                f"Availability on {self.date}: end_min must be after start_min"
            )


@dataclass(frozen=True)
class StaffMember:
    """A person who can fill a crew slot of any of ``roles``. A crew member is
    on board for the whole vehicle-day, from departure to return: at most
    ``max_day_min`` a day and, when set, ``max_week_min`` in a calendar week
    (Monday to Sunday)."""

    id: str
    roles: frozenset[str]
    availability: tuple[Availability, ...]
    max_day_min: int = 10 * 60
    max_week_min: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("StaffMember.id must not be empty")
        if not self.roles:
            raise ValueError(f"StaffMember {self.id}: roles must not be empty")
        _check_positive(f"StaffMember {self.id}: max_day_min", self.max_day_min)
        if self.max_week_min is not None:
            _check_positive(f"StaffMember {self.id}: max_week_min", self.max_week_min)


@dataclass(frozen=True)
class Stop:
    """A place where sessions can be held (a venue in a commune), or a family
    visited at home.

    ``demand`` is the (vulnerability-weighted) number of young children a
    session there serves; ``windows`` are the weekly half-days or days the
    venue is open. The vehicle's whole stay (set-up to pack-up) must lie in
    one window. ``load`` is what a visit takes of its vehicle's ``capacity``
    (equipment, supplies; 0 by default, so capacity never binds).

    A stop may override its services' ``visits_per_period``,
    ``min_spacing_days`` and ``session_min`` (a family visited three times a
    week, for 90 minutes): ``None`` keeps the service's. ``vehicle_costs``,
    when not empty, lists the only vehicles that may visit it, each with what a
    visit by it costs in objective points (continuity of care: the family's
    referent nurse 0, her second referent a little, another nurse more).
    """

    id: str
    location: int
    demand: int
    services: frozenset[str]
    windows: tuple[Window, ...]
    load: int = 0
    visits_per_period: int | None = None
    min_spacing_days: int | None = None
    session_min: int | None = None
    vehicle_costs: tuple[tuple[str, int], ...] = ()
    # Stops of one spacing group (a family's usual and joint visits) are spaced as one:
    # any two of their sessions at least the group's largest spacing apart, and never on
    # one date ("": alone; see Instance.group_spacing).
    spacing_group: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Stop.id must not be empty")
        _check_positive(f"Stop {self.id}: demand", self.demand, zero_ok=True)
        _check_positive(f"Stop {self.id}: load", self.load, zero_ok=True)
        if not self.services:
            raise ValueError(f"Stop {self.id}: services must name at least one service")
        if self.visits_per_period is not None:
            _check_positive(f"Stop {self.id}: visits_per_period", self.visits_per_period)
        if self.min_spacing_days is not None:
            _check_positive(f"Stop {self.id}: min_spacing_days", self.min_spacing_days,
                            zero_ok=True)
        if self.session_min is not None:
            _check_positive(f"Stop {self.id}: session_min", self.session_min)
        for vehicle_id, cost in self.vehicle_costs:
            _check_positive(f"Stop {self.id}: cost of vehicle {vehicle_id}", cost, zero_ok=True)
        if len({v for v, _ in self.vehicle_costs}) != len(self.vehicle_costs):
            raise ValueError(f"Stop {self.id}: a vehicle appears twice in vehicle_costs")

    def visits_for(self, service: Service) -> int:
        """Sessions wanted per period of ``service`` (the stop's own figure first)."""
        return self.visits_per_period if self.visits_per_period is not None else service.visits_per_period

    def spacing_for(self, service: Service) -> int:
        """Days at least between two sessions of ``service`` here."""
        return self.min_spacing_days if self.min_spacing_days is not None else service.min_spacing_days

    def session_for(self, service: Service) -> int:
        """Minutes a session of ``service`` lasts here."""
        return self.session_min if self.session_min is not None else service.session_min

    def on_site_for(self, service: Service) -> int:
        """Minutes the vehicle stays here for one session (set-up to pack-up)."""
        return service.setup_min + self.session_for(service) + service.packup_min

    def allows(self, vehicle_id: str) -> bool:
        """Whether ``vehicle_id`` may visit (see ``vehicle_costs``)."""
        return not self.vehicle_costs or any(v == vehicle_id for v, _ in self.vehicle_costs)

    def cost_of(self, vehicle_id: str) -> int:
        """Objective points a visit by ``vehicle_id`` costs (0 when none is set)."""
        return next((cost for v, cost in self.vehicle_costs if v == vehicle_id), 0)


@dataclass(frozen=True)
class Area:
    """Families (a commune) that sessions at the stops of ``reach`` serve:
    ``reach`` pairs each stop within the access threshold with the demand a
    session there serves (vulnerability-weighted young children, less for a
    farther stop). In each period of a service the area earns, for each of up
    to ``visits_per_period`` sessions held at its stops, that stop's demand,
    best first: a commune counts once per period however many stops reach it."""

    id: str
    reach: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Area.id must not be empty")
        if not self.reach:
            raise ValueError(f"Area {self.id}: reach must name at least one stop")
        for stop_id, demand in self.reach:
            _check_positive(f"Area {self.id}: demand at {stop_id}", demand, zero_ok=True)
        if len({stop_id for stop_id, _ in self.reach}) != len(self.reach):
            raise ValueError(f"Area {self.id}: a stop appears twice in reach")

    @property
    def stops(self) -> frozenset[str]:
        return frozenset(stop_id for stop_id, _ in self.reach)

    @property
    def demand(self) -> int:
        """Its demand served from its best stop."""
        return max(demand for _, demand in self.reach)


@dataclass(frozen=True)
class Sync:
    """Two stops visited together: every session of ``first`` has a session of
    ``second`` on the same date starting between ``min_gap_min`` and
    ``max_gap_min`` minutes after it, and every session of ``second`` one of
    ``first`` that many minutes before it. The default gap (0, 0) is a joint
    visit: the same date and minute (a puéricultrice and a psychologist at one
    family's home); a range is a precedence (a second carer within the hour
    after the first). Each stop offers one service and belongs to at most one
    pair. Only :attr:`Method.PATTERNS` plans them; the other methods leave them
    out (the repair drops any session left without its partner)."""

    first: str
    second: str
    min_gap_min: int = 0
    max_gap_min: int = 0

    def __post_init__(self) -> None:
        if not self.first or not self.second:
            raise ValueError("Sync: first and second must name stops")
        if self.first == self.second:
            raise ValueError(f"Sync: a stop ({self.first}) cannot be synchronised with itself")
        if self.min_gap_min > self.max_gap_min:
            raise ValueError(f"Sync {self.first}/{self.second}: min_gap_min ({self.min_gap_min}) "
                             f"must not exceed max_gap_min ({self.max_gap_min})")

    def meets(self, first_start: int, second_start: int) -> bool:
        """Whether sessions of ``first`` and ``second`` starting at these minutes of
        one date are together."""
        return self.min_gap_min <= second_start - first_start <= self.max_gap_min

    def partner_starts(self, stop_id: str, start: int) -> range:
        """The starts of the partner's session that meet ``stop_id``'s at ``start``."""
        if stop_id == self.first:
            return range(start + self.min_gap_min, start + self.max_gap_min + 1)
        return range(start - self.max_gap_min, start - self.min_gap_min + 1)


@dataclass(frozen=True)
class Pin:
    """A session the coordinator fixed: it must appear as given."""

    stop: str
    service: str
    date: dt.date
    vehicle: str


@dataclass(frozen=True)
class Problem:
    """A planning horizon and everything needed to plan it.

    ``dates`` are the working dates (public holidays already removed) in
    increasing order; ``period_start`` is the first day of period 0, so that
    period ``k`` covers ``period_weeks`` weeks from ``period_start + 7*k*period_weeks``
    days. ``travel_min[i][j]`` and ``distance_m[i][j]`` are square matrices
    over locations. ``day_end_min`` is the last time of a day in the problem's
    time unit: every time of day given must lie in ``0..day_end_min``
    (minutes and 1440 for the product; benchmarks use finer units).
    Demand: without ``areas``, a session earns its stop's ``demand`` (up to
    ``visits_per_period`` sessions a period). With ``areas``, the plan earns
    what each area's held sessions serve (see :class:`Area`): a commune served
    by two nearby stops counts once, and a farther stop may serve it. Stops'
    own ``demand`` then only guides heuristics.
    ``preferred`` lists the sessions of the published plan: each one held again
    (same stop, service and date, any vehicle) earns ``SolveParams.move_threshold``
    units of demand, so a published session moves only when the plan gains more.
    """

    dates: tuple[dt.date, ...]
    services: tuple[Service, ...]
    vehicles: tuple[Vehicle, ...]
    stops: tuple[Stop, ...]
    staff: tuple[StaffMember, ...]
    travel_min: tuple[tuple[int, ...], ...]
    distance_m: tuple[tuple[int, ...], ...]
    period_start: dt.date | None = None
    pins: tuple[Pin, ...] = ()
    day_end_min: int = MINUTES_PER_DAY
    preferred: tuple[Pin, ...] = ()  # published sessions, kept unless moving gains enough
    areas: tuple[Area, ...] = ()  # when given, demand is counted by area coverage
    syncs: tuple[Sync, ...] = ()  # stops visited together, at the same time (see Sync)
    # Synchronised sessions are tried at starts on this grid (minutes after midnight) or
    # coarser (Instance.sync_starts): a finer grid finds more meetings, at more work.
    sync_step_min: int = SYNC_STEP_MIN

    def __post_init__(self) -> None:
        _check_positive("Problem.day_end_min", self.day_end_min)
        _check_positive("Problem.sync_step_min", self.sync_step_min)
        self._check_times()
        if not self.dates:
            raise ValueError("Problem.dates must contain at least one working date")
        if list(self.dates) != sorted(set(self.dates)):
            raise ValueError("Problem.dates must be strictly increasing")
        if self.period_start is not None and self.period_start > self.dates[0]:
            raise ValueError("Problem.period_start must not be after the first date")
        size = len(self.travel_min)
        for name, matrix in (("travel_min", self.travel_min), ("distance_m", self.distance_m)):
            if len(matrix) != size or any(len(row) != size for row in matrix):
                raise ValueError(f"Problem.{name} must be a square matrix of size {size}")
            if any(v < 0 for row in matrix for v in row):
                raise ValueError(f"Problem.{name} must not contain negative values")
        for kind, items in (
            ("service", self.services),
            ("vehicle", self.vehicles),
            ("stop", self.stops),
            ("staff", self.staff),
        ):
            ids = [item.id for item in items]
            dup = {i for i in ids if ids.count(i) > 1}
            if dup:
                raise ValueError(f"Problem: duplicate {kind} id(s): {sorted(dup)}")
        service_ids = {s.id for s in self.services}
        for vehicle in self.vehicles:
            if not 0 <= vehicle.base < size:
                raise ValueError(f"Vehicle {vehicle.id}: base {vehicle.base} is not a location index")
            unknown = vehicle.services - service_ids
            if unknown:
                raise ValueError(f"Vehicle {vehicle.id}: unknown service(s) {sorted(unknown)}")
        for stop in self.stops:
            if not 0 <= stop.location < size:
                raise ValueError(f"Stop {stop.id}: location {stop.location} is not a location index")
            unknown = stop.services - service_ids
            if unknown:
                raise ValueError(f"Stop {stop.id}: unknown service(s) {sorted(unknown)}")
            strangers = sorted({v for v, _ in stop.vehicle_costs} - {v.id for v in self.vehicles})
            if strangers:
                raise ValueError(f"Stop {stop.id}: vehicle_costs names unknown vehicle(s) {strangers}")
            if self.areas and stop.visits_per_period is not None:
                raise ValueError(f"Stop {stop.id}: visits_per_period cannot be set per stop when "
                                 "demand is counted by area (Problem.areas)")
        staff_ids = {m.id for m in self.staff}
        for vehicle in self.vehicles:
            if vehicle.crew is not None and not vehicle.crew <= staff_ids:
                raise ValueError(f"Vehicle {vehicle.id}: crew names unknown staff "
                                 f"{sorted(vehicle.crew - staff_ids)}")
        stop_ids = {s.id for s in self.stops}
        vehicle_ids = {v.id for v in self.vehicles}
        area_ids = [a.id for a in self.areas]
        if len(set(area_ids)) != len(area_ids):
            raise ValueError("Problem: duplicate area id(s)")
        for area in self.areas:
            unknown_stops = area.stops - stop_ids
            if unknown_stops:
                raise ValueError(f"Area {area.id}: unknown stop(s) {sorted(unknown_stops)}")
        self._check_syncs()
        for pin in self.pins + self.preferred:
            if pin.stop not in stop_ids:
                raise ValueError(f"Pin: unknown stop {pin.stop!r}")
            if pin.service not in service_ids:
                raise ValueError(f"Pin: unknown service {pin.service!r}")
            if pin.vehicle not in vehicle_ids:
                raise ValueError(f"Pin: unknown vehicle {pin.vehicle!r}")
            if pin.date not in self.dates:
                raise ValueError(f"Pin: {pin.date} is not a working date of the horizon")

    def _check_syncs(self) -> None:
        stops = {s.id: s for s in self.stops}
        seen: set[str] = set()
        for sync in self.syncs:
            for stop_id in (sync.first, sync.second):
                stop = stops.get(stop_id)
                if stop is None:
                    raise ValueError(f"Sync: unknown stop {stop_id!r}")
                if len(stop.services) != 1:
                    raise ValueError(f"Sync: stop {stop_id} must offer exactly one service "
                                     f"to be synchronised, it offers {sorted(stop.services)}")
                if stop_id in seen:
                    raise ValueError(f"Sync: stop {stop_id} appears in two pairs; a stop is "
                                     "synchronised with one other at most")
                seen.add(stop_id)

    def _check_times(self) -> None:
        """Every time of day lies in ``0..day_end_min``."""
        limit = self.day_end_min
        times: list[tuple[str, int]] = []
        for service in self.services:
            times += [(f"Service {service.id}: earliest_start_min", service.earliest_start_min)]
            if service.latest_end_min != MINUTES_PER_DAY:  # the default means "end of day"
                times += [(f"Service {service.id}: latest_end_min", service.latest_end_min)]
        for vehicle in self.vehicles:
            times += [(f"Vehicle {vehicle.id}: shift_start_min", vehicle.shift_start_min),
                      (f"Vehicle {vehicle.id}: shift_end_min", vehicle.shift_end_min)]
        for stop in self.stops:
            times += [(f"Stop {stop.id}: window end_min", w.end_min) for w in stop.windows]
        for member in self.staff:
            times += [(f"StaffMember {member.id}: availability end_min", a.end_min)
                      for a in member.availability]
        for name, value in times:
            if value > limit:
                raise ValueError(f"{name} must be a minute of the day in 0..{limit}, got {value}")

    @property
    def first_period_day(self) -> dt.date:
        return self.period_start or self.dates[0]


class Method(str, Enum):
    """Which decomposition solves the problem."""

    PATTERNS = "patterns"  # enumerate feasible day-routes, choose them with CP-SAT
    ROUTING = "routing"  # crews by CP-SAT, then OR-Tools routing over vehicle-days
    LOCAL_SEARCH = "local_search"  # crews by CP-SAT, then PyVRP iterated local search


@dataclass(frozen=True)
class SolveParams:
    """Knobs of a solve. Defaults work for a 4-week département plan."""

    WORK_SHARE: ClassVar[float] = 0.8  # default work budget, as a share of the time limit

    time_limit_s: float = 30.0  # wall-clock cap of the whole solve, finishing included
    seed: int = 0
    method: Method = Method.PATTERNS
    num_workers: int = 2
    demand_weight: int = 1000  # objective points per unit of demand served
    travel_weight: int = 1  # objective points lost per minute driven
    weekday_change_weight: int = 50  # lost when a stop's sessions use one more weekday
    month_week_change_weight: int = 20  # lost when a monthly stop's sessions use one more
    # week of the month ("the 2nd Wednesday"), for services with periods of 4 weeks or more
    move_threshold: int = 10  # demand a published session must gain to move (Problem.preferred)
    # Deterministic work budget in reference seconds (see solver.budget): the
    # searches stop on it, so that the same seed gives the same plan under any
    # load; the time limit is a safety cap. Default: WORK_SHARE of the time limit.
    work_limit_s: float | None = None

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValueError("SolveParams.time_limit_s must be positive")
        if self.work_limit_s is not None and self.work_limit_s <= 0:
            raise ValueError("SolveParams.work_limit_s must be positive")
        if self.num_workers < 1:
            raise ValueError("SolveParams.num_workers must be at least 1")
        if self.move_threshold < 0:
            raise ValueError("SolveParams.move_threshold must not be negative")

    @property
    def work_s(self) -> float:
        """The deterministic work budget in reference seconds."""
        if self.work_limit_s is not None:
            return self.work_limit_s
        return self.WORK_SHARE * self.time_limit_s


Arg: TypeAlias = int | str | dt.date | tuple["Arg", ...]


@dataclass(frozen=True)
class Finding:
    """A fact the solver reports to people, in no language: a stable ``code``
    (listed in :data:`FINDING_CODES`) and the values it needs, ``args``, as
    (name, value) pairs. Names follow one convention so that callers can word
    them: ``*_at`` a time of day, ``*_dur`` a duration (both in minutes),
    ``date`` a date, ``service``/``vehicle``/``stop``/``staff`` ids. Wording
    (French, English) is the caller's business."""

    code: str
    args: tuple[tuple[str, Arg], ...] = ()

    @classmethod
    def of(cls, code: str, **args: Arg) -> Finding:
        if code not in FINDING_CODES:
            raise ValueError(f"unknown finding code {code!r}")
        return cls(code, tuple(args.items()))

    def __getitem__(self, name: str) -> Arg:
        for key, value in self.args:
            if key == name:
                return value
        raise KeyError(name)

    def get(self, name: str, default: Arg | None = None) -> Arg | None:
        try:
            return self[name]
        except KeyError:
            return default

    def __str__(self) -> str:
        """``route.duty(vehicle=bus, date=2027-01-05, duty_dur=600, limit_dur=540)``, for logs."""
        return f"{self.code}({', '.join(f'{k}={v}' for k, v in self.args)})"


FINDING_CODES = frozenset({
    # Why a (stop, service) is below target (Unserved.why); see solver.reasons.
    "unserved.no_carrier", "unserved.no_vehicle_running", "unserved.venue_closed_days",
    "unserved.venue_no_slot", "unserved.over_capacity", "unserved.lunch_needs_pair",
    "unserved.lunch", "unserved.beyond_one_way", "unserved.too_far", "unserved.no_crew",
    "unserved.spacing", "unserved.rhythm", "unserved.week_hours", "unserved.capacity", "unserved.already_covered",
    "unserved.not_worth_travel", "unserved.not_worth_travel_weekday",
    # Why a pin was dropped (DroppedPin.why); see solver.pins.
    "pin.wrong_vehicle", "pin.wrong_service", "pin.vehicle_off", "pin.venue_closed",
    "pin.too_far", "pin.no_crew", "pin.jointly_infeasible",
    # Broken hard rules (check_solution); route findings carry ``vehicle`` and
    # ``date``, visit findings also ``stop``; see solver.check.
    "route.unknown", "route.not_working_day", "route.vehicle_off", "route.wrong_service",
    "route.crew_size", "route.crew_twice", "route.unknown_staff", "route.unqualified",
    "route.day_hours", "route.unavailable", "route.session_count", "route.early_departure",
    "route.late_return", "route.duty", "route.load", "route.unknown_stop",
    "visit.one_way", "visit.wrong_service", "visit.travel", "visit.early_arrival",
    "visit.setup", "visit.session", "visit.packup", "visit.service_hours", "visit.closed",
    "visit.off_grid", "visit.wrong_vehicle", "route.not_vehicle_crew",
    "route.return_too_early", "route.travel_total", "route.distance",
    "route.no_lunch", "route.lunch_outside", "route.lunch_busy",
    "staff.week_hours", "vehicle.two_routes", "staff.two_routes", "stop.spacing",
    "stop.period_cap", "stop.rhythm", "pin.lost", "sync.unpaired", "group.spacing",
    # A stop visited together with another (Problem.syncs) whose partner could not be
    # visited at the same time.
    "unserved.sync",
})


class ReasonCode(str, Enum):
    """Why a (stop, service) got fewer sessions than its target."""

    NO_VEHICLE = "no_vehicle"  # no vehicle carries the service
    VENUE_CLOSED = "venue_closed"  # no opening window fits a session on any date
    OVER_CAPACITY = "over_capacity"  # its load exceeds every carrying vehicle's capacity
    TOO_FAR = "too_far"  # even alone in a day, the trip breaks the duty time or shift
    NO_LUNCH_BREAK = "no_lunch_break"  # alone in a day, a visit leaves the crew no lunch break
    NO_CREW = "no_crew"  # on every date it could be visited, no full crew is free
    WEEK_HOURS = "week_hours"  # the crews that could go have used up their weekly hours
    SPACING = "spacing"  # the remaining dates are too close to its other sessions
    RHYTHM = "rhythm"  # the remaining dates are not on the day its other sessions keep
    CAPACITY = "capacity"  # possible, but vehicle-days went to stops with more demand
    NOT_WORTH_TRAVEL = "not_worth_travel"  # its demand does not pay for the travel
    SYNC = "sync"  # it needs its partner visit (Problem.syncs) at the same time: none fits


@dataclass(frozen=True)
class Visit:
    """One session in a route. ``arrive_min`` to ``start_min`` is set-up,
    ``end_min`` to ``leave_min`` is pack-up."""

    stop: str
    service: str
    arrive_min: int
    start_min: int
    end_min: int
    leave_min: int
    travel_min_from_previous: int


@dataclass(frozen=True)
class CrewSlot:
    staff: str
    role: str


@dataclass(frozen=True)
class Route:
    """One vehicle-day: base, visits in order, base."""

    vehicle: str
    date: dt.date
    service: str
    crew: tuple[CrewSlot, ...]
    depart_min: int
    return_min: int
    distance_m: int
    travel_min: int
    visits: tuple[Visit, ...]
    lunch_start_min: int | None = None  # the crew's break, when taken on duty


@dataclass(frozen=True)
class Unserved:
    """A (stop, service) that got fewer sessions than its target, and why."""

    stop: str
    service: str
    missing_visits: int
    reason_code: ReasonCode
    why: Finding  # the precise reason, with its figures (``unserved.*``)


@dataclass(frozen=True)
class Kpis:
    demand_total: int  # sum over (stop or area, service, period) of demand x visits_per_period
    demand_served: int  # the same, counting only sessions held (capped at target)
    stop_services_total: int
    stop_services_at_target: int  # (stop, service) pairs with target met in every period
    sessions: int
    distance_km: float
    driving_min: int
    staff_min: int  # sum over crew members of duty minutes
    continuity_cost: int = 0  # what the visits cost for who made them (Stop.vehicle_costs)


@dataclass(frozen=True)
class DroppedPin:
    """A pin the solver could not honour, and why (a ``pin.*`` finding)."""

    pin: Pin
    why: Finding


class Status(str, Enum):
    """What a solve proved: ``OPTIMAL`` only when its bound equals its objective."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    EMPTY = "empty"  # nothing could be planned


@dataclass(frozen=True)
class SolveStats:
    """How a solve went. The fields every solve reports; ``details`` holds the
    chosen method's own counters (CP-SAT, enumeration, OR-Tools or PyVRP figures,
    named in its module), for diagnosis only.

    ``wall_clock_cap_hit``: a search stopped on ``SolveParams.time_limit_s`` before
    its deterministic work was done (``wall_clock_stopped`` names which), so the
    plan may differ between runs. ``demand_bound``: a proven upper bound on the
    demand any plan serves (``None``: nothing proven).
    """

    work_limit_s: float = 0.0
    solve_wall_s: float = 0.0
    finishing_s: float = 0.0  # repair and reasons after the search (wall clock)
    wall_clock_cap_hit: bool = False
    wall_clock_stopped: tuple[str, ...] = ()
    method_bound: int | None = None
    relaxation_bound: int | None = None
    relaxation_optimal: bool = False
    bound_below_plan: bool = False  # a bound under the plan itself: a bug; nothing claimed
    demand_bound: int | None = None
    routes_invalid_dropped: int = 0
    repair_sessions_dropped: int = 0
    repair_sessions_added: int = 0
    pins_dropped: int = 0
    details: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Solution:
    status: Status
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    kpis: Kpis
    objective: int
    bound: int | None  # proven upper bound on the objective, when the method gives one
    elapsed_s: float = field(compare=False)
    method: Method = Method.PATTERNS
    stats: SolveStats = field(default_factory=SolveStats, compare=False)
    dropped_pins: tuple[DroppedPin, ...] = ()  # pins left out: infeasible alone or together
