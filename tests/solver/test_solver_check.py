"""check_solution catches each kind of violation (so it is not vacuous)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from solver import CrewSlot, Problem, Route, Solution, SolveParams, check_solution, solve


def tampered(solution: Solution, change: Callable[[Route], Route]) -> Solution:
    first, *rest = solution.routes
    return dataclasses.replace(solution, routes=(change(first), *rest))


def shift_visit(route: Route, minutes: int) -> Route:
    (visit,) = route.visits
    moved = dataclasses.replace(
        visit, arrive_min=visit.arrive_min + minutes, start_min=visit.start_min + minutes,
        end_min=visit.end_min + minutes, leave_min=visit.leave_min + minutes)
    return dataclasses.replace(route, visits=(moved,))


CASES: list[tuple[str, Callable[[Route], Route], str]] = [
    ("late session", lambda r: shift_visit(r, 60), "visit.service_hours"),
    ("early arrival", lambda r: dataclasses.replace(r, depart_min=r.depart_min + 30),
     "visit.early_arrival"),
    ("short session", lambda r: dataclasses.replace(
        r, visits=(dataclasses.replace(r.visits[0], end_min=r.visits[0].end_min - 1),)),
     "visit.session"),
    ("same person twice", lambda r: dataclasses.replace(r, crew=(r.crew[0], r.crew[0], r.crew[2])),
     "route.crew_twice"),
    ("wrong role", lambda r: dataclasses.replace(
        r, crew=(CrewSlot(r.crew[1].staff, "doctor"), r.crew[0], r.crew[2])), "route.unqualified"),
    ("long duty", lambda r: dataclasses.replace(r, depart_min=r.depart_min - 200), "route.duty"),
    ("wrong travel", lambda r: dataclasses.replace(r, travel_min=r.travel_min + 1), "route.travel_total"),
]


@pytest.mark.parametrize(("case", "change", "message"), CASES, ids=[c[0] for c in CASES])
def test_check_reports_a_tampered_route(
    ok_small: Problem, case: str, change: Callable[[Route], Route], message: str
) -> None:
    solution = solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=2))
    errors = check_solution(ok_small, tampered(solution, change))
    assert message in {e.code for e in errors}, errors
    assert all(e["vehicle"] == solution.routes[0].vehicle for e in errors if e.code == message)


def test_check_reports_sessions_closer_than_the_spacing(ok_small: Problem) -> None:
    solution = solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=2))
    first = solution.routes[0]
    dates = ok_small.dates
    i = dates.index(first.date)
    twin = dataclasses.replace(first, date=dates[i + 1] if i + 1 < len(dates) else dates[i - 1])
    errors = check_solution(ok_small, dataclasses.replace(solution, routes=(*solution.routes, twin)))
    (spacing,) = [e for e in errors if e.code == "stop.spacing"]
    assert spacing["days"] == ok_small.services[0].min_spacing_days or spacing["days"] > 0
