"""Coverage by area (issue 5, part 3): a commune counts once per period when any
held session within its threshold covers it, and a farther stop may serve it."""

from __future__ import annotations

import dataclasses

import pytest
from solution_checker import violations
from solver_instances import DATES_4W, available, dropin_service, make_problem
from words import french

from solver import (
    Area,
    Method,
    Problem,
    ReasonCode,
    SolveParams,
    StaffMember,
    Stop,
    Vehicle,
    Window,
    solve,
)

WEEKDAYS = tuple(Window(d, 480, 1080) for d in (1, 2))


def overlap(areas: bool = True, a_open: bool = True) -> Problem:
    """``overlap``: two days of one van (Monday, Tuesday), one session a day.
    Stops a and b, 2 min apart, both reach the big commune X (50 children); c
    alone reaches Y (20). Each stop's own demand is what a nearest-stop
    assignment would guess (a 50, b 45, c 20)."""
    service = dropin_service(required_roles=(("driver",),), max_sessions_per_day=1,
                             min_spacing_days=0)
    stops = [Stop("a", 1, 50, frozenset({"kangourou"}), WEEKDAYS if a_open else (Window(6, 480, 1080),)),
             Stop("b", 2, 45, frozenset({"kangourou"}), WEEKDAYS),
             Stop("c", 3, 20, frozenset({"kangourou"}), WEEKDAYS)]
    zones = (Area("X", (("a", 50), ("b", 50))), Area("Y", (("c", 20),)))
    staff = (StaffMember("drv", frozenset({"driver"}), available(DATES_4W)),)
    vehicles = (Vehicle("van", "Van", 0, frozenset({"kangourou"}), frozenset({1, 2})),)
    return make_problem([(0, 0), (10, 0), (12, 0), (0, 10)], stops, staff, services=[service],
                        vehicles=vehicles, weeks=1, areas=zones if areas else ())


def held(solution) -> set[str]:
    return {v.stop for r in solution.routes for v in r.visits}


def test_a_commune_counts_once_so_the_second_day_goes_elsewhere() -> None:
    problem = overlap()
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    assert violations(problem, solution) == []
    assert "c" in held(solution) and len(held(solution) & {"a", "b"}) == 1
    assert (solution.kpis.demand_served, solution.kpis.demand_total) == (70, 70)


@pytest.mark.parametrize("method", [Method.ROUTING, Method.LOCAL_SEARCH])
def test_other_methods_count_by_area_but_search_on_the_stops_own_demand(method: Method) -> None:
    # Their routing engines take each stop's own demand as its prize: with the
    # double-counting guesses above they hold a and b; the KPIs still count X once.
    problem = overlap()
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2, method=method))
    assert violations(problem, solution) == []
    assert solution.kpis.demand_served == (70 if "c" in held(solution) else 50)


def test_by_stop_the_same_instance_double_counts() -> None:
    solution = solve(overlap(areas=False), SolveParams(time_limit_s=120, work_limit_s=2))
    assert held(solution) == {"a", "b"}
    assert solution.kpis.demand_served == 95


def test_a_farther_stop_serves_a_commune_whose_nearest_is_closed() -> None:
    problem = overlap(a_open=False)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    assert held(solution) == {"b", "c"}
    assert solution.kpis.demand_served == 70
    assert solution.status == "optimal" and solution.bound == solution.objective


def test_an_uncovered_extra_session_is_explained() -> None:
    # Three days: after a (or b) and c, the third stop would reach nobody new.
    problem = overlap()
    three = Problem(**{**problem.__dict__, "vehicles": (
        Vehicle("van", "Van", 0, frozenset({"kangourou"}), frozenset({1, 2, 3})),),
        "stops": tuple(Stop(s.id, s.location, s.demand, s.services,
                            s.windows + (Window(3, 480, 1080),)) for s in problem.stops)})
    solution = solve(three, SolveParams(time_limit_s=120, work_limit_s=2))
    (left,) = solution.unserved
    assert left.stop in {"a", "b"} and left.reason_code is ReasonCode.NOT_WORTH_TRAVEL
    assert "déjà couvertes" in french(left.why, three)


def test_areas_must_name_known_stops() -> None:
    problem = overlap()
    with pytest.raises(ValueError, match="unknown stop"):
        Problem(**{**problem.__dict__, "areas": (Area("Z", (("nowhere", 5),)),)})


def test_two_sessions_a_period_count_the_two_best() -> None:
    # Twice a week: X earns its two best sessions (a and b, 50 each), more than
    # a with c (50 + 20) or c twice (20 + 20).
    problem = overlap()
    twice = Problem(**{**problem.__dict__, "services": tuple(
        dataclasses.replace(s, visits_per_period=2) for s in problem.services)})
    solution = solve(twice, SolveParams(time_limit_s=120, work_limit_s=2))
    assert violations(twice, solution) == []
    assert held(solution) == {"a", "b"}
    assert (solution.kpis.demand_served, solution.kpis.demand_total) == (100, 140)
    assert solution.status == "optimal"
