"""One small instance per hard rule: the solver obeys it and check_solution agrees."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

from solution_checker import violations
from solver_instances import (
    DATES_4W,
    available,
    bus_crew,
    bus_service,
    bus_stop,
    dropin_service,
    full_days,
    make_problem,
)
from words import french

from solver import (
    Pin,
    Problem,
    ReasonCode,
    Solution,
    SolveParams,
    StaffMember,
    Stop,
    Vehicle,
    Window,
    solve,
)
from solver.periods import period_of

FAST = SolveParams(time_limit_s=120, work_limit_s=2)
DATES = DATES_4W
ONE_STOP = [(0, 0), (30, 0)]


def solved(problem: Problem, params: SolveParams = FAST) -> Solution:
    solution = solve(problem, params)
    assert violations(problem, solution) == []
    return solution


def test_ok_small_serves_every_village_once(ok_small: Problem) -> None:
    solution = solved(ok_small)
    assert solution.status == "optimal"
    assert sorted(v.stop for r in solution.routes for v in r.visits) == ["a", "b", "c"]
    assert solution.unserved == ()


def test_midwife_fills_the_doctor_or_midwife_slot() -> None:
    staff = (
        StaffMember("sf", frozenset({"midwife"}), available(DATES)),
        StaffMember("puer", frozenset({"puericultrice"}), available(DATES)),
        StaffMember("drv", frozenset({"driver"}), available(DATES)),
    )
    solution = solved(make_problem(ONE_STOP, [bus_stop("a", 1)], staff))
    (route,) = solution.routes
    assert [(c.staff, c.role) for c in route.crew] == [
        ("sf", "midwife"), ("puer", "puericultrice"), ("drv", "driver")]


def test_missing_role_leaves_the_stop_without_crew() -> None:
    staff = tuple(m for m in bus_crew(DATES) if m.id != "puer")
    solution = solved(make_problem(ONE_STOP, [bus_stop("a", 1)], staff))
    assert solution.routes == ()
    assert solution.status == "empty"
    assert solution.unserved[0].reason_code is ReasonCode.NO_CREW


def test_one_person_with_two_roles_fills_one_slot_only() -> None:
    staff = (
        StaffMember("both", frozenset({"doctor", "puericultrice"}), available(DATES)),
        StaffMember("drv", frozenset({"driver"}), available(DATES)),
    )
    solution = solved(make_problem(ONE_STOP, [bus_stop("a", 1)], staff))
    assert solution.routes == ()
    assert solution.unserved[0].reason_code is ReasonCode.NO_CREW


def test_absent_staff_day_is_avoided() -> None:
    tuesdays = [d for d in DATES if d.isoweekday() == 2]
    doctor = StaffMember("dr", frozenset({"doctor"}), available(d for d in DATES if d != tuesdays[0]))
    staff = (doctor, *[m for m in bus_crew(DATES) if m.id != "dr"])
    stop = bus_stop("a", 1, windows=full_days([2]))
    problem = make_problem(ONE_STOP, [stop], staff, pins=())
    solution = solved(problem)
    (route,) = solution.routes
    assert route.date in tuesdays[1:]


def test_availability_must_cover_the_whole_duty() -> None:
    doctor = StaffMember("dr", frozenset({"doctor"}), available(DATES, 480, 720))
    staff = (doctor, *[m for m in bus_crew(DATES) if m.id != "dr"])
    solution = solved(make_problem(ONE_STOP, [bus_stop("a", 1)], staff))
    assert solution.routes == ()
    assert solution.unserved[0].reason_code is ReasonCode.NO_CREW


def test_staff_daily_limit_bounds_the_duty() -> None:
    doctor = StaffMember("dr", frozenset({"doctor"}), available(DATES), max_day_min=7 * 60 + 59)
    staff = (doctor, *[m for m in bus_crew(DATES) if m.id != "dr"])
    solution = solved(make_problem(ONE_STOP, [bus_stop("a", 1)], staff))
    assert solution.routes == ()  # 7 h on site + 2 x 30 min driving = 8 h


def test_half_day_venue_holds_the_whole_stay_in_its_window() -> None:
    service = dropin_service(required_roles=(("driver",),))
    stop = Stop("a", 1, 5, frozenset({"kangourou"}), (Window(1, 510, 750),))
    staff = (StaffMember("drv", frozenset({"driver"}), available(DATES)),)
    solution = solved(make_problem(ONE_STOP, [stop], staff, services=[service]))
    assert len(solution.routes) == 4
    for route in solution.routes:
        (visit,) = route.visits
        assert route.date.isoweekday() == 1
        assert 510 <= visit.arrive_min and visit.leave_min <= 750
        assert visit.start_min - visit.arrive_min == 20 and visit.leave_min - visit.end_min == 20


def test_two_half_days_in_one_route_wait_for_the_afternoon_window() -> None:
    service = dropin_service(required_roles=(("driver",),), period_weeks=4)
    stops = [
        Stop("am", 1, 5, frozenset({"kangourou"}), (Window(1, 540, 780),)),
        Stop("pm", 2, 5, frozenset({"kangourou"}), (Window(1, 840, 1080),)),
    ]
    staff = (StaffMember("drv", frozenset({"driver"}), available(DATES, 480, 1140)),)
    problem = make_problem([(0, 0), (20, 0), (30, 0)], stops, staff, services=[service], weeks=1)
    (route,) = solved(problem).routes
    morning, afternoon = route.visits
    assert (morning.stop, afternoon.stop) == ("am", "pm")
    assert afternoon.arrive_min == 840 and afternoon.travel_min_from_previous == 10
    assert route.depart_min == morning.arrive_min - 20


def test_vehicle_duty_limit_keeps_the_far_village_out() -> None:
    vehicle = Vehicle("bus", "Bus", 0, frozenset({"pmi"}), max_duty_min=8 * 60)
    stops = [bus_stop("near", 1), bus_stop("far", 2)]
    solution = solved(make_problem([(0, 0), (30, 0), (0, 31)], stops, vehicles=[vehicle]))
    assert [v.stop for r in solution.routes for v in r.visits] == ["near"]
    assert all(r.return_min - r.depart_min <= 8 * 60 for r in solution.routes)
    assert solution.unserved[0].reason_code is ReasonCode.TOO_FAR


def test_shift_end_bounds_the_return_to_base() -> None:
    vehicle = Vehicle("bus", "Bus", 0, frozenset({"pmi"}), shift_end_min=990)
    stops = [bus_stop("at_base", 1), bus_stop("away", 2)]
    solution = solved(make_problem([(0, 0), (0, 0), (1, 0)], stops, vehicles=[vehicle]))
    assert [v.stop for r in solution.routes for v in r.visits] == ["at_base"]
    assert solution.routes[0].return_min == 990
    assert solution.unserved[0].reason_code is ReasonCode.TOO_FAR


def test_spacing_keeps_sessions_of_a_stop_apart() -> None:
    service = dropin_service(required_roles=(("driver",),), min_spacing_days=6)
    stop = Stop("a", 1, 5, frozenset({"kangourou"}), full_days([1, 5]))
    staff = (StaffMember("drv", frozenset({"driver"}), available(DATES)),)
    solution = solved(make_problem(ONE_STOP, [stop], staff, services=[service]))
    days = sorted(r.date for r in solution.routes)
    assert len(days) == 4
    assert all((b - a).days >= 6 for a, b in itertools.pairwise(days))


def test_period_cap_allows_one_monthly_session_per_period() -> None:
    service = bus_service(min_spacing_days=0)
    problem = make_problem(ONE_STOP, [bus_stop("a", 1)], services=[service], weeks=8)
    solution = solved(problem)
    periods = Counter(period_of(problem, service, r.date) for r in solution.routes)
    assert periods == {0: 1, 1: 1}
    assert solution.kpis.stop_services_at_target == 1


def test_holidays_are_never_planned() -> None:
    problem = make_problem(ONE_STOP, [bus_stop("a", 1, windows=full_days([1]))],
                           start=dt.date(2027, 3, 29), weeks=1)
    assert dt.date(2027, 3, 29) not in problem.dates
    solution = solved(problem)
    assert solution.routes == ()
    assert solution.unserved[0].reason_code is ReasonCode.VENUE_CLOSED


def test_pinned_session_is_planned_on_its_date() -> None:
    day = dt.date(2027, 3, 18)
    problem = make_problem(ONE_STOP, [bus_stop("a", 1)], pins=(Pin("a", "pmi", day, "bus"),))
    solution = solved(problem)
    assert [(r.date, r.visits[0].stop) for r in solution.routes] == [(day, "a")]
    assert solution.dropped_pins == () and solution.stats.pins_dropped == 0


def test_impossible_pin_is_dropped_and_reported() -> None:
    day = dt.date(2027, 3, 18)  # a Thursday; the venue opens on Mondays only
    stop = bus_stop("a", 1, windows=full_days([1]))
    problem = make_problem(ONE_STOP, [stop], pins=(Pin("a", "pmi", day, "bus"),))
    solution = solved(problem)
    (dropped,) = solution.dropped_pins
    assert dropped.pin.date == day and dropped.why.code == "pin.venue_closed"
    assert "aucun créneau" in french(dropped.why, problem)
    assert solution.stats.pins_dropped == 1
    assert len(solution.routes) == 1  # the stop is still served on a Monday


def test_pins_breaking_the_period_cap_together_keep_one() -> None:
    pins = (Pin("a", "pmi", dt.date(2027, 3, 2), "bus"), Pin("a", "pmi", dt.date(2027, 3, 25), "bus"))
    problem = make_problem(ONE_STOP, [bus_stop("a", 1)], pins=pins)
    solution = solved(problem)
    assert len(solution.routes) == 1
    (dropped,) = solution.dropped_pins
    assert dropped.pin in pins
