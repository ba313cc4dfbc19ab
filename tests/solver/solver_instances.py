"""Builders of small named instances, one per modelling rule (after PyVRP's
``ok_small``), and of a product-sized instance for the method comparison.

Locations are points on a grid of minutes: travel time is the Manhattan
distance between them, distance is 1 km per minute. Location 0 is the base.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence

from outreach.planning.calendar import working_dates
from solver import (
    Availability,
    Problem,
    Service,
    StaffMember,
    Stop,
    Vehicle,
    Window,
)

MONDAY = dt.date(2027, 3, 1)  # four weeks without public holidays
DATES_4W = tuple(working_dates(MONDAY, 4)[0])
BUS_ROLES = (("doctor", "midwife"), ("puericultrice",), ("driver",))


def matrices(points: Sequence[tuple[int, int]]) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """(travel_min, distance_m) from grid points in minutes."""
    travel = tuple(
        tuple(abs(ax - bx) + abs(ay - by) for bx, by in points) for ax, ay in points
    )
    distance = tuple(tuple(1000 * t for t in row) for row in travel)
    return travel, distance


def bus_service(**changes: object) -> Service:
    """Full-day PMI consultation: 10:00-16:00, 30 min set-up and pack-up, monthly."""
    fields: dict[str, object] = {
        "id": "pmi", "name": "Bus de la prévention", "required_roles": BUS_ROLES,
        "session_min": 360, "setup_min": 30, "packup_min": 30, "earliest_start_min": 600,
        "latest_end_min": 960, "visits_per_period": 1, "period_weeks": 4,
        "min_spacing_days": 21, "max_sessions_per_day": 1,
    }
    fields.update(changes)
    return Service(**fields)  # type: ignore[arg-type]


def dropin_service(**changes: object) -> Service:
    """Half-day drop-in: 3 h sessions, two a day, weekly."""
    fields: dict[str, object] = {
        "id": "kangourou", "name": "Maison kangourou",
        "required_roles": (("educatrice",), ("driver",)), "session_min": 180, "setup_min": 20,
        "packup_min": 20, "visits_per_period": 1, "period_weeks": 1, "min_spacing_days": 4,
        "max_sessions_per_day": 2,
    }
    fields.update(changes)
    return Service(**fields)  # type: ignore[arg-type]


def full_days(weekdays: Iterable[int] = (1, 2, 3, 4, 5), start: int = 480, end: int = 1080) -> tuple[Window, ...]:
    return tuple(Window(w, start, end) for w in weekdays)


def available(dates: Iterable[dt.date], start: int = 480, end: int = 1080,
              weekdays: Iterable[int] = (1, 2, 3, 4, 5)) -> tuple[Availability, ...]:
    days = set(weekdays)
    return tuple(Availability(d, start, end) for d in dates if d.isoweekday() in days)


def bus_crew(dates: Sequence[dt.date]) -> tuple[StaffMember, ...]:
    """A doctor, a puéricultrice and a driver, free every working day."""
    return (
        StaffMember("dr", frozenset({"doctor"}), available(dates)),
        StaffMember("puer", frozenset({"puericultrice"}), available(dates)),
        StaffMember("drv", frozenset({"driver"}), available(dates)),
    )


def make_problem(
    points: Sequence[tuple[int, int]],
    stops: Sequence[Stop],
    staff: Sequence[StaffMember] | None = None,
    services: Sequence[Service] | None = None,
    vehicles: Sequence[Vehicle] | None = None,
    weeks: int = 4,
    start: dt.date = MONDAY,
    **kwargs: object,
) -> Problem:
    dates, _holidays = working_dates(start, weeks)
    travel, distance = matrices(points)
    services = services or (bus_service(),)
    return Problem(
        dates=tuple(dates),
        services=tuple(services),
        vehicles=tuple(vehicles or (Vehicle("bus", "Bus", 0, frozenset(s.id for s in services)),)),
        stops=tuple(stops),
        staff=tuple(staff if staff is not None else bus_crew(dates)),
        travel_min=travel,
        distance_m=distance,
        period_start=start,
        **kwargs,  # type: ignore[arg-type]
    )


def bus_stop(stop_id: str, location: int, demand: int = 10,
             windows: tuple[Window, ...] | None = None, services: Iterable[str] = ("pmi",)) -> Stop:
    return Stop(stop_id, location, demand, frozenset(services), windows or full_days())


def ok_small() -> Problem:
    """One bus, one crew, three villages 30-60 min away, four weeks."""
    return make_problem(
        [(0, 0), (30, 0), (0, 45), (60, 0)],
        [bus_stop("a", 1, 20), bus_stop("b", 2, 15), bus_stop("c", 3, 5)],
    )


def product_like(seed: int = 0) -> Problem:
    """A département-sized instance: one bus with a monthly full-day PMI
    service over 20 villages, and a van with a weekly half-day drop-in (two
    sessions a day) over 12 villages, four weeks including Easter Monday,
    part-time staff and a week of leave."""
    rng = random.Random(seed)
    start = dt.date(2027, 3, 22)
    dates, _holidays = working_dates(start, 4)
    points = [(0, 0), (5, 60)]  # bus base, van base
    stops = []
    for i in range(20):
        points.append((rng.randint(-50, 50), rng.randint(-50, 50)))
        days = rng.sample([1, 2, 3, 4, 5], rng.choice([1, 2, 2, 3]))
        stops.append(Stop(f"pmi{i:02d}", len(points) - 1, rng.randint(5, 40), frozenset({"pmi"}),
                          full_days(sorted(days), 510, 1050)))
    for i in range(12):
        points.append((5 + rng.randint(-35, 35), 60 + rng.randint(-35, 35)))
        days = sorted(rng.sample([1, 2, 3, 4, 5], 2))
        windows = tuple(Window(d, 540, 780) for d in days) + tuple(Window(d, 810, 1050) for d in days)
        stops.append(Stop(f"kg{i:02d}", len(points) - 1, rng.randint(3, 20),
                          frozenset({"kangourou"}), windows))
    leave = {start + dt.timedelta(days=7 + k) for k in range(5)}
    staff = (
        StaffMember("dr1", frozenset({"doctor"}), available(dates, weekdays=(1, 2, 4))),
        StaffMember("sf1", frozenset({"midwife"}), available(dates, weekdays=(3, 5))),
        StaffMember("dr2", frozenset({"doctor"}), available(dates, weekdays=(5,))),
        StaffMember("pu1", frozenset({"puericultrice"}),
                    tuple(a for a in available(dates) if a.date not in leave)),
        StaffMember("pu2", frozenset({"puericultrice", "educatrice"}), available(dates, weekdays=(2, 4))),
        StaffMember("ch1", frozenset({"driver"}), available(dates)),
        StaffMember("ch2", frozenset({"driver"}), available(dates, weekdays=(1, 2, 3, 4))),
        StaffMember("ed1", frozenset({"educatrice"}), available(dates, 480, 1080, weekdays=(1, 2, 3))),
        StaffMember("ed2", frozenset({"educatrice"}), available(dates, 480, 1080, weekdays=(3, 4, 5))),
    )
    travel, distance = matrices(points)
    return Problem(
        dates=tuple(dates),
        services=(bus_service(), dropin_service()),
        vehicles=(
            Vehicle("bus", "Bus de la prévention", 0, frozenset({"pmi"})),
            Vehicle("van", "Camion kangourou", 1, frozenset({"kangourou"}), max_duty_min=9 * 60),
        ),
        stops=tuple(stops),
        staff=staff,
        travel_min=travel,
        distance_m=distance,
        period_start=start,
    )
