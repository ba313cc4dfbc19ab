"""Property tests on random small instances: every plan is valid, every visit
is inside a window, every (stop, service) short of its target has a reason."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from solution_checker import violations
from solver_instances import MONDAY, bus_service, dropin_service, matrices
from words import french

from outreach.planning.calendar import working_dates
from solver import (
    Availability,
    Method,
    Pin,
    Problem,
    SolveParams,
    StaffMember,
    Stop,
    Vehicle,
    Window,
    solve,
)
from solver.periods import horizon_periods, period_of, stop_service_pairs

ROLES = ("driver", "puericultrice", "doctor", "educatrice", "midwife")


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    dates, _holidays = working_dates(MONDAY, draw(st.integers(1, 3)))
    services = [bus_service(min_spacing_days=draw(st.sampled_from([0, 7, 21])))]
    if draw(st.booleans()):
        services.append(dropin_service(max_sessions_per_day=draw(st.integers(1, 3)),
                                       visits_per_period=draw(st.integers(1, 2))))
    ids = [s.id for s in services]
    n_stops = draw(st.integers(1, 5))
    points = [(0, 0)] + [(draw(st.integers(-40, 40)), draw(st.integers(-40, 40)))
                         for _ in range(n_stops)]
    stops = []
    for i in range(n_stops):
        windows = []
        for weekday in draw(st.sets(st.integers(1, 5), min_size=1, max_size=3)):
            start = draw(st.sampled_from([480, 510, 540, 780]))
            windows.append(Window(weekday, start, start + draw(st.sampled_from([540, 300, 600]))))
        offered = draw(st.sets(st.sampled_from(ids), min_size=1))
        stops.append(Stop(f"s{i}", i + 1, draw(st.integers(0, 30)), frozenset(offered),
                          tuple(windows)))
    vehicles = [
        Vehicle(f"v{k}", f"V{k}", 0, frozenset(draw(st.sets(st.sampled_from(ids), min_size=1))),
                weekdays=frozenset(draw(st.sets(st.integers(1, 5), min_size=1))),
                max_duty_min=draw(st.sampled_from([600, 480, 660])))
        for k in range(draw(st.integers(1, 2)))
    ]
    staff = []
    for k in range(draw(st.integers(3, 6))):
        absent = draw(st.sets(st.sampled_from(dates), max_size=3))
        start = draw(st.sampled_from([480, 420, 540, 780]))
        end = draw(st.sampled_from([1080, 1200, 720]))
        roles = {ROLES[k % len(ROLES)]} | draw(st.sets(st.sampled_from(ROLES), max_size=1))
        staff.append(StaffMember(
            f"p{k}", frozenset(roles),
            tuple(Availability(d, start, max(end, start + 60)) for d in dates if d not in absent),
            max_day_min=draw(st.sampled_from([600, 720, 480])),
        ))
    pins: tuple[Pin, ...] = ()
    if draw(st.booleans()):
        stop = draw(st.sampled_from(stops))
        pins = (Pin(stop.id, draw(st.sampled_from(sorted(stop.services))),
                    draw(st.sampled_from(dates)), draw(st.sampled_from(vehicles)).id),)
    travel, distance = matrices(points)
    return Problem(tuple(dates), tuple(services), tuple(vehicles), tuple(stops), tuple(staff),
                   travel, distance, period_start=MONDAY, pins=pins)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(problem=problems(), method=st.sampled_from(list(Method)))
def test_random_plans_are_valid_and_explained(problem: Problem, method: Method) -> None:
    limit = 1.0 if method is Method.PATTERNS else 0.3
    solution = solve(problem, SolveParams(time_limit_s=120, work_limit_s=limit, method=method))
    assert violations(problem, solution) == []

    stops = {s.id: s for s in problem.stops}
    for route in solution.routes:
        for visit in route.visits:
            assert any(
                w.weekday == route.date.isoweekday()
                and w.start_min <= visit.arrive_min
                and visit.leave_min <= w.end_min
                for w in stops[visit.stop].windows
            )

    unserved = {(u.stop, u.service): u for u in solution.unserved}
    for stop, service in stop_service_pairs(problem):
        per_period = Counter(
            period_of(problem, service, r.date)
            for r in solution.routes for v in r.visits if (v.stop, v.service) == (stop.id, service.id)
        )
        missing = sum(max(0, service.visits_per_period - per_period[k])
                      for k in horizon_periods(problem, service))
        if missing:
            found = unserved[(stop.id, service.id)]
            assert found.missing_visits == missing
            assert found.why.code.startswith("unserved.")
            sentence = french(found.why, problem)
            assert sentence.endswith(".") and len(sentence) > 20
        else:
            assert (stop.id, service.id) not in unserved

