"""Bad inputs raise ValueError with a precise message at construction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from solver_instances import bus_service, ok_small

from solver import Availability, Pin, Service, SolveParams, StaffMember, Stop, Vehicle, Window

DAY = dt.date(2027, 3, 1)


def _problem_with(**changes: Any) -> object:
    return dataclasses.replace(ok_small(), **changes)


BAD_INPUTS: list[tuple[str, Callable[[], object], str]] = [
    ("window weekday", lambda: Window(0, 480, 600), "ISO weekday"),
    ("window order", lambda: Window(1, 600, 600), "must be after start_min"),
    ("window minute", lambda: Window(1, -5, 600), "minute of the day"),
    ("service roles", lambda: Service("s", "S", (), 60), "at least one slot"),
    ("service empty slot", lambda: Service("s", "S", ((),), 60), "at least one slot"),
    ("service too long", lambda: bus_service(latest_end_min=900), "cannot fit"),
    ("service spacing", lambda: bus_service(min_spacing_days=-1), "min_spacing_days"),
    ("vehicle services", lambda: Vehicle("v", "V", 0, frozenset()), "at least one service"),
    ("vehicle shift", lambda: Vehicle("v", "V", 0, frozenset({"pmi"}), shift_start_min=900,
                                      shift_end_min=800), "shift_end_min"),
    ("availability", lambda: Availability(DAY, 600, 500), "end_min must be after"),
    ("staff roles", lambda: StaffMember("x", frozenset(), ()), "roles must not be empty"),
    ("stop demand", lambda: Stop("s", 1, -1, frozenset({"pmi"}), ()), "demand"),
    ("dates order", lambda: _problem_with(dates=(DAY + dt.timedelta(1), DAY)), "strictly increasing"),
    ("no dates", lambda: _problem_with(dates=()), "at least one working date"),
    ("matrix shape", lambda: _problem_with(travel_min=((0,),)), "square matrix"),
    ("negative travel", lambda: _problem_with(
        travel_min=tuple(tuple(-1 for _ in r) for r in ok_small().travel_min)), "negative"),
    ("duplicate stop", lambda: _problem_with(stops=ok_small().stops * 2), "duplicate stop"),
    ("stop location", lambda: _problem_with(
        stops=(Stop("z", 99, 1, frozenset({"pmi"}), ()),)), "not a location index"),
    ("stop service", lambda: _problem_with(
        stops=(Stop("z", 1, 1, frozenset({"nope"}), ()),)), "unknown service"),
    ("pin stop", lambda: _problem_with(pins=(Pin("nope", "pmi", DAY, "bus"),)), "unknown stop"),
    ("pin date", lambda: _problem_with(pins=(Pin("a", "pmi", dt.date(2030, 1, 1), "bus"),)),
     "not a working date"),
    ("time limit", lambda: SolveParams(time_limit_s=0), "time_limit_s"),
    ("work limit", lambda: SolveParams(work_limit_s=0), "work_limit_s"),
    ("workers", lambda: SolveParams(num_workers=0), "num_workers"),
]


@pytest.mark.parametrize(("case", "build", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_raises_value_error(case: str, build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()

