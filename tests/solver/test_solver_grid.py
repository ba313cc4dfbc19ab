"""Sessions on the quarter-hour (issue 11): the solver plans posted times a
town hall can print, rather than rounding times afterwards."""

from __future__ import annotations

import dataclasses

import pytest
from solution_checker import violations
from solver_instances import DATES_4W, available, dropin_service, make_problem
from words import french

from solver import Method, SolveParams, StaffMember, Stop, Window, check_solution, solve
from solver.timing import Lunch, day_timings, down, up

GRID = {"start_grid_min": 15}


def odd_problem(**service: object):
    """Two drop-in stops 7 and 19 minutes from the base, 13 minutes apart, open
    from 8:07: nothing lines up on its own."""
    stops = [Stop("a", 1, 10, frozenset({"kangourou"}), (Window(1, 487, 1080),)),
             Stop("b", 2, 12, frozenset({"kangourou"}), (Window(1, 487, 1080),))]
    crew = (StaffMember("edu", frozenset({"educatrice"}), available(DATES_4W)),
            StaffMember("drv", frozenset({"driver"}), available(DATES_4W)))
    fields: dict[str, object] = {"session_min": 150, "setup_min": 20, "packup_min": 20,
                                 "earliest_start_min": 487, "latest_end_min": 1080}
    fields.update(service)
    return make_problem([(0, 0), (7, 0), (7, 13)], stops, crew,
                        services=[dropin_service(**fields)], weeks=1)


def test_grid_rounding_helpers() -> None:
    assert up(487, (15, 10)) == 490 and down(487, (15, 10)) == 475
    assert up(490, (15, 10)) == 490 == down(490, (15, 10))


def test_day_timings_wait_for_the_grid_and_keep_the_shortest_duty() -> None:
    # Set-up 20 min on a 15-minute grid: set-ups start at :10, :25, :40, :55.
    legs, window = [7, 13, 19], [[(480, 900)], [(480, 900)]]
    (timing,) = day_timings(legs, window, [190] * len(window), 420, 1200, 720, None, (15, 10))
    assert [(a + 20) % 15 for a in timing.arrive_min] == [0, 0]
    free = day_timings(legs, window, [190] * len(window), 420, 1200, 720)[0]
    assert timing.duty_min >= free.duty_min
    # The wait the grid costs is at most one grid step per stop.
    assert timing.duty_min <= free.duty_min + 2 * 14


def test_lunch_item_is_not_gridded() -> None:
    lunch = Lunch(45, 720, 840)
    timings = day_timings([7, 13, 19], [[(480, 640)], [(760, 900)]], [190, 190], 420, 1200, 720,
                          lunch, (15, 10))
    assert timings and all((a + 20) % 15 == 0 for t in timings for a in t.arrive_min)


@pytest.mark.parametrize("method", list(Method))
def test_every_session_starts_on_the_quarter_hour(method: Method) -> None:
    problem = odd_problem(**GRID)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2, method=method))
    assert violations(problem, solution) == []
    starts = [v.start_min for r in solution.routes for v in r.visits]
    assert starts and all(s % 15 == 0 for s in starts)


def test_without_a_grid_times_fall_anywhere() -> None:
    # The control: the same instance on a one-minute grid has a session off the quarter-hour,
    # so the test above is about the grid, not about a lucky instance.
    problem = odd_problem()
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    assert any(v.start_min % 15 for r in solution.routes for v in r.visits)


def test_the_checker_refuses_an_off_grid_session() -> None:
    problem = odd_problem(**GRID)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    route = solution.routes[0]
    visit = route.visits[-1]
    moved = dataclasses.replace(visit, arrive_min=visit.arrive_min + 1, start_min=visit.start_min + 1,
                                end_min=visit.end_min + 1, leave_min=visit.leave_min + 1)
    broken = dataclasses.replace(route, visits=(*route.visits[:-1], moved),
                                 return_min=route.return_min + 1)
    findings = check_solution(problem, dataclasses.replace(solution, routes=(broken,)))
    (off,) = [f for f in findings if f.code == "visit.off_grid"]
    assert "hors de la grille des horaires affichés (toutes les 15 min)" in french(off, problem)


def test_a_grid_that_leaves_no_session_is_refused() -> None:
    with pytest.raises(ValueError, match="start_grid_min"):
        dropin_service(start_grid_min=7)
    with pytest.raises(ValueError, match="grid"):
        dropin_service(session_min=150, earliest_start_min=541, latest_end_min=700,
                       start_grid_min=15)
