"""A problem indexed for solving: look-ups by id and cached facts shared by
the methods, the repair pass and the reasons."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from solver.model import Area, Problem, Service, StaffMember, Stop, Sync, Vehicle
from solver.periods import period_of, pinned_sessions
from solver.timing import Interval, arrival_intervals


@dataclass
class Instance:
    """Read-only views of a :class:`Problem`; caches fill lazily."""

    problem: Problem
    _intervals: dict[tuple[str, str, int], tuple[Interval, ...]] = field(default_factory=dict)
    _sync_starts: dict[tuple[str, int], tuple[int, ...]] = field(default_factory=dict)
    routes_timed: int = 0  # day-routes timed by staff_route: a deterministic count of work

    @cached_property
    def services(self) -> dict[str, Service]:
        return {s.id: s for s in self.problem.services}

    @cached_property
    def stops(self) -> dict[str, Stop]:
        return {s.id: s for s in self.problem.stops}

    @cached_property
    def vehicles(self) -> dict[str, Vehicle]:
        return {v.id: v for v in self.problem.vehicles}

    @cached_property
    def staff(self) -> dict[str, StaffMember]:
        return {m.id: m for m in self.problem.staff}

    @cached_property
    def staff_by_date(self) -> dict[dt.date, tuple[StaffMember, ...]]:
        """Members with at least one availability interval on each date."""
        found: dict[dt.date, list[StaffMember]] = {d: [] for d in self.problem.dates}
        for member in self.problem.staff:
            for day in sorted({a.date for a in member.availability}):
                if day in found:
                    found[day].append(member)
        return {d: tuple(members) for d, members in found.items()}

    @cached_property
    def areas_by_stop(self) -> dict[str, tuple[Area, ...]]:
        """The areas each stop covers (empty without ``Problem.areas``)."""
        found: dict[str, list[Area]] = {s.id: [] for s in self.problem.stops}
        for area in self.problem.areas:
            for stop_id in area.stops:
                found[stop_id].append(area)
        return {k: tuple(v) for k, v in found.items()}

    @cached_property
    def spacing_groups(self) -> dict[str, tuple[Stop, ...]]:
        """The stops of each spacing group of two stops or more (``Stop.spacing_group``)."""
        found: dict[str, list[Stop]] = {}
        for stop in self.problem.stops:
            if stop.spacing_group:
                found.setdefault(stop.spacing_group, []).append(stop)
        return {key: tuple(stops) for key, stops in found.items() if len(stops) > 1}

    def group_spacing(self, group: Sequence[Stop]) -> int:
        """Days at least between two sessions of a spacing group: its largest spacing,
        at least 1 (never two on one date)."""
        return max(1, *(stop.spacing_for(self.services[service_id])
                        for stop in group for service_id in stop.services))

    @cached_property
    def sync_of(self) -> dict[str, Sync]:
        """The pair (:class:`solver.model.Sync`) of each synchronised stop."""
        return {stop_id: sync for sync in self.problem.syncs
                for stop_id in (sync.first, sync.second)}

    @cached_property
    def sync_partner(self) -> dict[str, Stop]:
        """Each synchronised stop's partner."""
        return {stop_id: self.stops[sync.second if stop_id == sync.first else sync.first]
                for stop_id, sync in self.sync_of.items()}

    def service_of(self, stop: Stop) -> Service:
        """The one service of a synchronised stop (checked by the problem)."""
        return self.services[next(iter(stop.services))]

    def sync_starts(self, stop: Stop, weekday: int) -> tuple[int, ...]:
        """Session starts a synchronised stop is tried at on ``weekday``: within its
        arrival intervals, on a grid both partners' services share (at least
        ``Problem.sync_step_min``), so that the two sides can meet."""
        key = (stop.id, weekday)
        if key not in self._sync_starts:
            service = self.service_of(stop)
            partner = self.sync_partner[stop.id]
            step = math.lcm(self.problem.sync_step_min, service.start_grid_min,
                            self.service_of(partner).start_grid_min)
            starts: set[int] = set()
            for low, high in self.intervals(stop, service, weekday):
                first = -(-(low + service.setup_min) // step) * step
                starts.update(range(first, high + service.setup_min + 1, step))
            self._sync_starts[key] = tuple(sorted(starts))
        return self._sync_starts[key]

    @cached_property
    def preferred(self) -> frozenset[tuple[str, str, dt.date]]:
        """(stop, service, date) of the published sessions to keep when possible."""
        return frozenset((p.stop, p.service, p.date) for p in self.problem.preferred)

    @cached_property
    def pinned(self) -> frozenset[tuple[str, str, dt.date]]:
        """(stop, service, date) of the coordinator's pins (:func:`solver.periods.pinned_sessions`)."""
        return pinned_sessions(self.problem)

    def intervals(self, stop: Stop, service: Service, weekday: int) -> tuple[Interval, ...]:
        """Cached :func:`solver.timing.arrival_intervals`."""
        key = (stop.id, service.id, weekday)
        if key not in self._intervals:
            self._intervals[key] = arrival_intervals(stop, service, weekday)
        return self._intervals[key]

    def runs(self, vehicle: Vehicle, date: dt.date) -> bool:
        """Whether ``vehicle`` can be on the road on ``date``."""
        return date.isoweekday() in vehicle.weekdays and date not in vehicle.unavailable_dates

    def period(self, service: Service, date: dt.date) -> int:
        return period_of(self.problem, service, date)

    def travel(self, origin: int, destination: int) -> int:
        return self.problem.travel_min[origin][destination]
