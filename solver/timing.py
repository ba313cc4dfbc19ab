"""Exact timing of one vehicle-day: base, stops in a given order, base.

A visit's set-up starts when the vehicle arrives; when it would be early, it
leaves the previous place later (waiting happens there, never between arrival
and set-up). Every stay lies in one opening window of the stop, the session in
the service's [earliest_start_min, latest_end_min]. Among the feasible
timings, the one with the shortest duty is kept (ties: the earliest return),
once per combination of windows, so that callers can pick the timing that fits
their crew.

Sessions start on the service's grid (``start_grid_min``, a quarter-hour for the
product's services): a set-up starts at a time ≡ -setup_min modulo the grid, so
the waiting a grid costs is part of the timing, not a rounding made afterwards.

Lunch break (a service with ``lunch_min`` > 0): the crew needs ``lunch_min``
free minutes inside the service's lunch window. They are free before the
departure and after the return; otherwise the break is taken on duty between
two pieces of work: after a pack-up (or at the base) before driving on, or on
arrival at the next stop before its set-up (a picnic before an afternoon that
opens at 13:30); it counts in the duty. A timing records when the break starts
(``lunch_start_min``); the checkers accept it anywhere in the stretch between
two pieces of work that leaves room for the leg driven in that stretch.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from solver.model import Service, Stop, Visit

Interval = tuple[int, int]
Grid = tuple[int, int]  # (step, residue): allowed times t have t % step == residue
ANY_MINUTE: Grid = (1, 0)


def up(t: int, grid: Grid) -> int:
    """The first time on ``grid`` at or after ``t``."""
    step, residue = grid
    return t + (residue - t) % step


def down(t: int, grid: Grid) -> int:
    """The last time on ``grid`` at or before ``t``."""
    step, residue = grid
    return t - (t - residue) % step


def setup_grid(service: Service) -> Grid:
    """The set-up start times that put the session on the service's grid."""
    return service.start_grid_min, -service.setup_min % service.start_grid_min


@dataclass(frozen=True)
class Timing:
    """Departure from base, arrival (set-up start) at each stop, return to base."""

    depart_min: int
    arrive_min: tuple[int, ...]
    return_min: int
    lunch_start_min: int | None = None  # a break taken during the duty

    @property
    def duty_min(self) -> int:
        return self.return_min - self.depart_min


def arrival_intervals(stop: Stop, service: Service, weekday: int) -> tuple[Interval, ...]:
    """Allowed set-up start times at ``stop`` on ``weekday``, one interval per
    window that can hold the whole stay, sorted and without duplicates. Bounds
    lie on the service's grid (:func:`setup_grid`)."""
    found: set[Interval] = set()
    grid = setup_grid(service)
    for window in stop.windows:
        if window.weekday != weekday:
            continue
        lo = up(max(window.start_min, service.earliest_start_min - service.setup_min), grid)
        hi = down(min(
            window.end_min - stop.on_site_for(service),
            service.latest_end_min - stop.session_for(service) - service.setup_min,
        ), grid)
        if lo <= hi:
            found.add((lo, hi))
    return tuple(sorted(found))


def _one_combination(
    legs: Sequence[int],
    intervals: Sequence[Interval],
    on_site: Sequence[int],
    earliest_depart: int,
    latest_return: int,
    max_duty: int,
    grids: Sequence[Grid],
) -> tuple[int, list[int], int] | None:
    """Shortest-duty (departure, arrivals, return) with item ``i`` starting
    inside ``intervals[i]`` on ``grids[i]`` and lasting ``on_site[i]``.

    ``legs[i]`` is the travel time into item ``i``; ``legs[-1]`` the way back.
    Forward pass from the earliest departure gives the earliest return R;
    the duty R(t) - t of departing at t shrinks as t grows, so we depart as late
    as still returns at R (waiting then only where a window forces it).
    """
    arrive = earliest_depart
    leave = earliest_depart
    for leg, (lo, hi), stay, grid in zip(legs, intervals, on_site, grids):
        arrive = up(max(lo, leave + leg), grid)
        if arrive > hi:
            return None
        leave = arrive + stay
    earliest_return = leave + legs[-1]
    if earliest_return > latest_return:
        return None
    # Latest departure that still returns at earliest_return.
    latest = earliest_return - legs[-1]
    for index in range(len(intervals) - 1, -1, -1):
        latest = down(min(intervals[index][1], latest - on_site[index]), grids[index])
        latest -= legs[index]
    no_wait_depart = earliest_return - sum(legs) - sum(on_site)
    depart = min(latest, no_wait_depart)
    if earliest_return - depart > max_duty:
        return None
    arrivals: list[int] = []
    leave = depart
    for leg, (lo, _hi), stay, grid in zip(legs, intervals, on_site, grids):
        arrivals.append(up(max(lo, leave + leg), grid))
        leave = arrivals[-1] + stay
    return depart, arrivals, leave + legs[-1]


@dataclass(frozen=True)
class Lunch:
    """The crew's break: ``minutes`` inside [``start_min``, ``end_min``]."""

    minutes: int
    start_min: int
    end_min: int

    @staticmethod
    def of(service: Service) -> Lunch | None:
        if service.lunch_min <= 0:
            return None
        return Lunch(service.lunch_min, service.lunch_start_min, service.lunch_end_min)

    def free_outside(self, depart_min: int, return_min: int) -> bool:
        """Whether the break fits before the departure or after the return."""
        return (
            min(self.end_min, depart_min) - self.start_min >= self.minutes
            or self.end_min - max(self.start_min, return_min) >= self.minutes
        )

    @staticmethod
    def duty_gaps(depart_min: int, return_min: int, visits: Sequence[Visit],
                  back_min: int) -> list[tuple[int, int]]:
        """The stretches of a day on duty where nobody works or drives: between
        the departure (or a visit's pack-up end) and the next set-up (or the
        return), the leg driven in that stretch comes either first or last, so
        each stretch gives two gaps: before the leg, and after it."""
        free_from = [depart_min, *(v.leave_min for v in visits)]
        busy_from = [*(v.arrive_min for v in visits), return_min]
        legs = [*(v.travel_min_from_previous for v in visits), back_min]
        gaps = []
        for start, end, leg in zip(free_from, busy_from, legs):
            gaps += [(start, end - leg), (start + leg, end)]
        return gaps

    def inside_window(self, start_min: int) -> bool:
        return self.start_min <= start_min and start_min + self.minutes <= self.end_min

    def fits(self, start_min: int, gaps: Sequence[tuple[int, int]]) -> bool:
        """Whether a break from ``start_min`` lies in its window and in one of ``gaps``."""
        end = start_min + self.minutes
        return self.inside_window(start_min) and any(a <= start_min and end <= b for a, b in gaps)

    def earliest(self, gaps: Sequence[tuple[int, int]]) -> int | None:
        """The earliest start of a break that :meth:`fits`, or ``None``."""
        for a, b in gaps:
            start = max(a, self.start_min)
            if min(b, self.end_min) - start >= self.minutes:
                return start
        return None


def _timed_with_lunch(
    legs: Sequence[int],
    combination: Sequence[Interval],
    on_site: Sequence[int],
    earliest_depart: int,
    latest_return: int,
    max_duty: int,
    lunch: Lunch | None,
    grid: Grid,
) -> Timing | None:
    """The shortest-duty timing of one window combination that leaves the
    crew its lunch break (ties: earliest departure)."""
    stays = list(on_site)
    grids = [grid] * len(combination)
    plain = _one_combination(legs, combination, stays, earliest_depart, latest_return, max_duty,
                             grids)
    if lunch is None or plain is None:
        return None if plain is None else Timing(plain[0], tuple(plain[1]), plain[2])
    if lunch.free_outside(plain[0], plain[2]):
        return Timing(plain[0], tuple(plain[1]), plain[2])
    found: list[Timing] = []
    # Lunch before leaving or after coming back: the day starts or ends later/earlier.
    for low, high in (
        (max(earliest_depart, lunch.start_min + lunch.minutes), latest_return),
        (earliest_depart, min(latest_return, lunch.end_min - lunch.minutes)),
    ):
        timed = _one_combination(legs, combination, stays, low, high, max_duty, grids)
        if timed is not None and lunch.free_outside(timed[0], timed[2]):
            found.append(Timing(timed[0], tuple(timed[1]), timed[2]))
    # Lunch on duty, after the pack-up of stop k - 1 (at the base when k = 0) before
    # driving on, or after driving, on arrival at stop k before its set-up.
    window = (lunch.start_min, lunch.end_min - lunch.minutes)
    for k in range(len(combination) + 1):
        placements = [[*legs[:k], 0, *legs[k:]]]
        if k < len(combination):
            placements.append([*legs[:k], legs[k], 0, *legs[k + 1:]])
        for placed in placements:
            timed = _one_combination(
                placed,
                [*combination[:k], window, *combination[k:]],
                [*stays[:k], lunch.minutes, *stays[k:]],
                earliest_depart, latest_return, max_duty,
                [*grids[:k], ANY_MINUTE, *grids[k:]],
            )
            if timed is not None:
                depart, arrivals, back = timed
                found.append(Timing(depart, tuple(arrivals[:k] + arrivals[k + 1:]), back,
                                    arrivals[k]))
    return min(found, key=lambda t: (t.duty_min, t.depart_min), default=None)


def day_timings(
    legs: Sequence[int],
    intervals: Sequence[Sequence[Interval]],
    on_site: Sequence[int],
    earliest_depart: int,
    latest_return: int,
    max_duty: int,
    lunch: Lunch | None = None,
    grid: Grid = ANY_MINUTE,
) -> tuple[Timing, ...]:
    """All distinct shortest-duty timings of a day-route, one per window
    combination, sorted by (duty, departure). Empty when the route is infeasible.

    ``legs`` has one more entry than ``intervals`` (the way back to base);
    ``intervals[i]`` lists the allowed arrival intervals at stop ``i``, where the
    vehicle stays ``on_site[i]`` minutes;
    ``lunch``, when given, is the crew's break to leave (see the module doc);
    every arrival lies on ``grid`` (:func:`setup_grid`).
    """
    found: set[Timing] = set()
    for combination in itertools.product(*intervals):
        timing = _timed_with_lunch(
            legs, combination, on_site, earliest_depart, latest_return, max_duty, lunch, grid
        )
        if timing is not None:
            found.add(timing)
    return tuple(sorted(found, key=lambda t: (t.duty_min, t.depart_min, t.arrive_min)))


def route_legs(travel_min: Sequence[Sequence[int]], base: int, locations: Sequence[int]) -> list[int]:
    """Travel minutes of each leg base -> stops -> base."""
    path = [base, *locations, base]
    return [travel_min[a][b] for a, b in itertools.pairwise(path)]
