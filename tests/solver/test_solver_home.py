"""Home visits on the one model: nurses as vehicles with their own crew, families as
stops with their own frequency, spacing, visit length and allowed nurses (issue 13)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from solver import (
    Availability,
    Method,
    Problem,
    Service,
    SolveParams,
    StaffMember,
    Stop,
    Vehicle,
    Window,
    check_solution,
    solve,
)

MONDAY = dt.date(2027, 1, 4)
DATES = tuple(MONDAY + dt.timedelta(days=k) for k in range(5))
HOME = Service("home", "Visite à domicile", (("puericultrice",),), session_min=60,
               earliest_start_min=9 * 60, latest_end_min=18 * 60, visits_per_period=2,
               period_weeks=1, min_spacing_days=1, max_sessions_per_day=4, start_grid_min=15)


def _problem(absent: dict[str, set[dt.date]] | None = None) -> Problem:
    absent = absent or {}
    # Locations: 0 and 1 are the two offices, 2..9 the families (a line, 10 min apart).
    size = 10
    travel = tuple(tuple(0 if i == j else 5 + 10 * abs(i - j) for j in range(size))
                   for i in range(size))
    distance = tuple(tuple(1000 * t for t in row) for row in travel)
    nurses = ("anne", "bea")
    staff = tuple(
        StaffMember(n, frozenset({"puericultrice"}), tuple(
            Availability(d, 9 * 60, 17 * 60 + 30) for d in DATES if d not in absent.get(n, set())))
        for n in nurses)
    vehicles = tuple(Vehicle(f"v-{n}", n, base=k, services=frozenset({"home"}),
                             shift_start_min=8 * 60 + 30, shift_end_min=18 * 60,
                             crew=frozenset({n}))
                     for k, n in enumerate(nurses))
    windows = tuple(Window(d, 9 * 60, 12 * 60) for d in range(1, 6)) + tuple(
        Window(d, 14 * 60, 17 * 60 + 30) for d in range(1, 6))
    stops = []
    for k in range(8):
        referent, second = ("v-anne", "v-bea") if k < 4 else ("v-bea", "v-anne")
        stops.append(Stop(
            f"F-{k}", location=2 + k, demand=1, services=frozenset({"home"}), windows=windows,
            visits_per_period=3 if k == 0 else None, min_spacing_days=2 if k == 1 else None,
            session_min=90 if k == 2 else None,
            vehicle_costs=((referent, 0), (second, 400))))
    return Problem(dates=DATES, services=(HOME,), vehicles=vehicles, stops=tuple(stops),
                   staff=staff, travel_min=travel, distance_m=distance)


PARAMS = SolveParams(time_limit_s=20, work_limit_s=3, demand_weight=100_000)


@pytest.mark.parametrize("method", list(Method))
def test_every_family_gets_its_visits_from_its_referent(method: Method) -> None:
    problem = _problem()
    solution = solve(problem, dataclasses.replace(PARAMS, method=method))
    assert check_solution(problem, solution) == []
    by_family: dict[str, list[tuple[dt.date, str, int]]] = {}
    for route in solution.routes:
        assert [c.staff for c in route.crew] == [route.vehicle.removeprefix("v-")]
        for visit in route.visits:
            by_family.setdefault(visit.stop, []).append(
                (route.date, route.vehicle, visit.end_min - visit.start_min))
    assert solution.unserved == ()
    assert len(by_family["F-0"]) == 3  # its own frequency
    assert all(len(by_family[f"F-{k}"]) == 2 for k in range(1, 8))
    days = sorted(d for d, _, _ in by_family["F-1"])
    assert (days[1] - days[0]).days >= 2  # its own spacing
    assert {length for _, _, length in by_family["F-2"]} == {90}  # its own visit length
    assert {length for k in range(3, 8) for _, _, length in by_family[f"F-{k}"]} == {60}
    # Continuity: each nurse has room for her families, so the exact method gives every
    # visit to the referent; the heuristics' searches at most two of the 17.
    strangers = sum(v != ("v-anne" if k < 4 else "v-bea")
                    for k in range(8) for _, v, _ in by_family[f"F-{k}"])
    assert strangers <= (0 if method is Method.PATTERNS else 2)
    assert solution.kpis.continuity_cost == 400 * strangers


def test_the_second_referent_steps_in_when_the_referent_is_away() -> None:
    problem = _problem(absent={"anne": set(DATES)})
    solution = solve(problem, PARAMS)
    assert check_solution(problem, solution) == []
    assert not any(r.vehicle == "v-anne" for r in solution.routes)
    visited = {v.stop for r in solution.routes for v in r.visits}
    assert {"F-0", "F-1"} <= visited  # Béa takes Anne's families...
    assert solution.kpis.continuity_cost == 400 * sum(
        1 for r in solution.routes for v in r.visits if v.stop in {"F-0", "F-1", "F-2", "F-3"})


def test_the_checker_refuses_a_stranger_nurse_and_a_stranger_crew() -> None:
    problem = _problem()
    solution = solve(problem, PARAMS)
    route = solution.routes[0]
    other = "v-bea" if route.vehicle == "v-anne" else "v-anne"
    # Only the listed vehicles may visit; a vehicle's crew only its own staff.
    closed = dataclasses.replace(problem, stops=tuple(
        dataclasses.replace(s, vehicle_costs=((other, 0),)) if s.id == route.visits[0].stop else s
        for s in problem.stops))
    codes = {f.code for f in check_solution(closed, solution)}
    assert "visit.wrong_vehicle" in codes
    swapped = dataclasses.replace(solution, routes=(
        dataclasses.replace(route, crew=(dataclasses.replace(route.crew[0], staff=other[2:]),)),
        *solution.routes[1:]))
    assert "route.not_vehicle_crew" in {f.code for f in check_solution(problem, swapped)}


def test_stop_overrides_are_validated() -> None:
    with pytest.raises(ValueError, match="visits_per_period"):
        Stop("F", 0, 1, frozenset({"home"}), (), visits_per_period=0)
    with pytest.raises(ValueError, match="vehicle_costs"):
        dataclasses.replace(_problem(), stops=(Stop("F", 2, 1, frozenset({"home"}), (),
                                                    vehicle_costs=(("v-zoe", 0),)),))
    with pytest.raises(ValueError, match="crew"):
        Vehicle("v", "v", 0, frozenset({"home"}), crew=frozenset())
