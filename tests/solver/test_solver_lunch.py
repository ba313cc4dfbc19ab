"""The crew's lunch break (issue 5, part 5): named small instances where it bites."""

from __future__ import annotations

import dataclasses

import pytest
from solution_checker import violations
from solver_instances import (
    DATES_4W,
    available,
    bus_service,
    bus_stop,
    dropin_service,
    make_problem,
)
from words import french

from solver import (
    Method,
    ReasonCode,
    Service,
    SolveParams,
    StaffMember,
    Stop,
    Window,
    check_solution,
    solve,
)
from solver.timing import Lunch, day_timings

LUNCH = {"lunch_min": 45, "lunch_start_min": 720, "lunch_end_min": 840}  # 45 min in 12:00-14:00


def drop_in(**changes: object) -> Service:
    """Two 2 h 30 sessions a day, one crew (an éducatrice and a driver)."""
    fields: dict[str, object] = {"required_roles": (("educatrice",), ("driver",)),
                                 "session_min": 150, "earliest_start_min": 540,
                                 "latest_end_min": 1020, **LUNCH}
    fields.update(changes)
    return dropin_service(**fields)


def crew() -> tuple[StaffMember, ...]:
    return (StaffMember("edu", frozenset({"educatrice"}), available(DATES_4W)),
            StaffMember("drv", frozenset({"driver"}), available(DATES_4W)))


def monday(start: int, end: int) -> tuple[Window, ...]:
    return (Window(1, start, end),)


def two_half_days(morning: tuple[int, int], afternoon: tuple[int, int], **service: object):
    """``lunch_pair``: one Monday a week, stop a (10 min from the base) open in
    the morning and b (5 min from the base, 15 from a) in the afternoon; the
    same vehicle-day can hold both only if the crew still gets its break."""
    stops = [Stop("a", 1, 10, frozenset({"kangourou"}), monday(*morning)),
             Stop("b", 2, 10, frozenset({"kangourou"}), monday(*afternoon))]
    return make_problem([(0, 0), (10, 0), (0, 5)], stops, crew(), services=[drop_in(**service)],
                        weeks=1)


def test_the_break_fits_between_the_two_sessions_and_is_reported() -> None:
    # a: 9:00-12:30 (stay 3 h 10), b: 13:20-17:00 -> lunch after a's pack-up.
    problem = two_half_days((540, 750), (800, 1020))
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    assert violations(problem, solution) == []
    (route,) = solution.routes
    assert [v.stop for v in route.visits] == ["a", "b"]
    first, second = route.visits
    assert route.lunch_start_min is not None
    assert 720 <= route.lunch_start_min and route.lunch_start_min + 45 <= 840
    assert first.leave_min <= route.lunch_start_min
    assert route.lunch_start_min + 45 + second.travel_min_from_previous <= second.arrive_min


@pytest.mark.parametrize("method", list(Method))
def test_back_to_back_half_days_cannot_share_a_day(method: Method) -> None:
    # a: 9:00-12:40, b: 12:50-16:00 (stays of 3 h 10, 15 min apart): no 45 free
    # minutes between them in 12:00-14:00; b alone leaves lunch before departure.
    with_lunch = two_half_days((540, 760), (770, 960))
    without = two_half_days((540, 760), (770, 960), lunch_min=0)
    assert len(solve(without, SolveParams(time_limit_s=120, work_limit_s=2, method=method)).routes[0].visits) == 2
    solution = solve(with_lunch, SolveParams(time_limit_s=120, work_limit_s=2, method=method))
    assert violations(with_lunch, solution) == []
    assert [len(r.visits) for r in solution.routes] == [1]
    (missed,) = solution.unserved
    assert missed.reason_code is ReasonCode.CAPACITY


def test_a_session_across_the_whole_window_has_its_reason() -> None:
    # A full-day session 10:00-16:00 leaves no break when the service asks for one.
    problem = make_problem([(0, 0), (10, 0)], [bus_stop("a", 1)], services=[bus_service(**LUNCH)])
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    assert solution.routes == ()
    (missed,) = solution.unserved
    assert missed.reason_code is ReasonCode.NO_LUNCH_BREAK
    assert "pause déjeuner de 45 min entre 12 h 00 et 14 h 00" in french(missed.why, problem)


def test_an_afternoon_stop_leaves_lunch_before_departure() -> None:
    # Legs of 60 min: a session from 14:00 would have the crew leave at 12:40;
    # they leave at 12:45 instead, after lunch, and nothing is on duty.
    legs, window = [60, 60], [[(760, 900)]]
    lunch = Lunch(45, 720, 840)
    (plain,) = day_timings(legs, window, [200] * len(window), 420, 1200, 600)
    (timing,) = day_timings(legs, window, [200] * len(window), 420, 1200, 600, lunch)
    assert plain.depart_min == 700
    assert timing.depart_min == 765 and timing.lunch_start_min is None
    assert lunch.free_outside(timing.depart_min, timing.return_min)


def test_the_checker_rejects_a_missing_or_misplaced_break() -> None:
    problem = two_half_days((540, 750), (800, 1020))
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    (route,) = solution.routes
    for lunch_start, expected in ((None, "route.no_lunch"),
                                  (max(720, route.visits[0].leave_min - 10), "route.lunch_busy"),
                                  (690, "route.lunch_outside")):
        broken = dataclasses.replace(solution, routes=(dataclasses.replace(route, lunch_start_min=lunch_start),))
        assert expected in {e.code for e in check_solution(problem, broken)}, lunch_start


def test_lunch_window_must_hold_the_break() -> None:
    with pytest.raises(ValueError, match="lunch break cannot fit"):
        bus_service(lunch_min=90, lunch_start_min=720, lunch_end_min=780)


def test_a_far_afternoon_stop_is_reached_with_lunch_on_arrival() -> None:
    # ``lunch_far_afternoon``: b is 70 min from the base and open 13:30-17:00; lunch
    # at the base (12:00-12:45) would bring the crew at 13:55, too late for a 2 h 30
    # session ending by 17:00 with its pack-up; the crew drives first and eats on
    # arrival, before the set-up (the L'Île-Bouchard case of issue 11).
    stops = [Stop("b", 2, 10, frozenset({"kangourou"}), monday(810, 1020))]
    problem = make_problem([(0, 0), (60, 0), (70, 0)], stops, crew(),
                           services=[drop_in(start_grid_min=15)], weeks=1)
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=2))
    assert violations(problem, solution) == []
    (route,) = solution.routes
    (visit,) = route.visits
    assert route.lunch_start_min is not None
    assert route.depart_min + 70 <= route.lunch_start_min
    assert route.lunch_start_min + 45 <= visit.arrive_min and visit.start_min % 15 == 0
    # Without the break on arrival, the only way left would end after the service's hours.
    late = dataclasses.replace(route, lunch_start_min=route.depart_min - 45)
    assert "route.lunch_outside" in {f.code for f in check_solution(
        problem, dataclasses.replace(solution, routes=(late,)))}
