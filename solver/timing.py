"""Exact timing of one vehicle-day: base, stops in a given order, base.

A visit's set-up starts when the vehicle arrives; when it would be early, it
leaves the previous place later (waiting happens there, never between arrival
and set-up). Every stay lies in one opening window of the stop, the session in
the service's [earliest_start_min, latest_end_min]. Among the feasible
timings, the one with the shortest duty is kept (ties: the earliest return),
once per combination of windows, so that callers can pick the timing that fits
their crew.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from solver.model import Service, Stop

Interval = tuple[int, int]


@dataclass(frozen=True)
class Timing:
    """Departure from base, arrival (set-up start) at each stop, return to base."""

    depart_min: int
    arrive_min: tuple[int, ...]
    return_min: int

    @property
    def duty_min(self) -> int:
        return self.return_min - self.depart_min


def arrival_intervals(stop: Stop, service: Service, weekday: int) -> tuple[Interval, ...]:
    """Allowed set-up start times at ``stop`` on ``weekday``, one interval per
    window that can hold the whole stay, sorted and without duplicates."""
    found: set[Interval] = set()
    for window in stop.windows:
        if window.weekday != weekday:
            continue
        lo = max(window.start_min, service.earliest_start_min - service.setup_min)
        hi = min(
            window.end_min - service.on_site_min,
            service.latest_end_min - service.session_min - service.setup_min,
        )
        if lo <= hi:
            found.add((lo, hi))
    return tuple(sorted(found))


def _one_combination(
    legs: Sequence[int],
    intervals: Sequence[Interval],
    on_site_min: int,
    earliest_depart: int,
    latest_return: int,
    max_duty: int,
) -> Timing | None:
    """Shortest-duty timing with stop ``i`` arriving inside ``intervals[i]``.

    ``legs[i]`` is the travel time into stop ``i``; ``legs[-1]`` the way back.
    Forward pass from the earliest departure gives the earliest return R;
    the duty R(t) - t of departing at t shrinks as t grows, so we depart as late
    as still returns at R (waiting then only where a window forces it).
    """
    arrive = earliest_depart
    leave = earliest_depart
    for leg, (lo, hi) in zip(legs, intervals):
        arrive = max(lo, leave + leg)
        if arrive > hi:
            return None
        leave = arrive + on_site_min
    earliest_return = leave + legs[-1]
    if earliest_return > latest_return:
        return None
    # Latest departure that still returns at earliest_return.
    latest = earliest_return - legs[-1]
    for index in range(len(intervals) - 1, -1, -1):
        latest = min(intervals[index][1], latest - on_site_min)
        latest -= legs[index]
    no_wait_depart = earliest_return - sum(legs) - on_site_min * len(intervals)
    depart = min(latest, no_wait_depart)
    if earliest_return - depart > max_duty:
        return None
    arrivals: list[int] = []
    leave = depart
    for leg, (lo, _hi) in zip(legs, intervals):
        arrivals.append(max(lo, leave + leg))
        leave = arrivals[-1] + on_site_min
    return Timing(depart, tuple(arrivals), leave + legs[-1])


def day_timings(
    legs: Sequence[int],
    intervals: Sequence[Sequence[Interval]],
    on_site_min: int,
    earliest_depart: int,
    latest_return: int,
    max_duty: int,
) -> tuple[Timing, ...]:
    """All distinct shortest-duty timings of a day-route, one per window
    combination, sorted by (duty, departure). Empty when the route is infeasible.

    ``legs`` has one more entry than ``intervals`` (the way back to base);
    ``intervals[i]`` lists the allowed arrival intervals at stop ``i``.
    """
    found: set[Timing] = set()
    for combination in itertools.product(*intervals):
        timing = _one_combination(
            legs, combination, on_site_min, earliest_depart, latest_return, max_duty
        )
        if timing is not None:
            found.add(timing)
    return tuple(sorted(found, key=lambda t: (t.duty_min, t.depart_min, t.arrive_min)))


def route_legs(travel_min: Sequence[Sequence[int]], base: int, locations: Sequence[int]) -> list[int]:
    """Travel minutes of each leg base -> stops -> base."""
    path = [base, *locations, base]
    return [travel_min[a][b] for a, b in itertools.pairwise(path)]
