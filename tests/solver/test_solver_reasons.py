"""Each unserved reason, constructed on purpose and named."""

from __future__ import annotations

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

from solver import Problem, ReasonCode, SolveParams, StaffMember, Stop, Unserved, Vehicle, solve

FAST = SolveParams(time_limit_s=120, work_limit_s=2)


def reason_of(problem: Problem, stop: str) -> Unserved:
    solution = solve(problem, FAST)
    (found,) = [u for u in solution.unserved if u.stop == stop]
    return found


def said(problem: Problem, stop: str) -> str:
    """The reason for ``stop`` as the coordinator reads it."""
    return french(reason_of(problem, stop).why, problem)


def test_no_vehicle_carries_the_service() -> None:
    stop = Stop("a", 1, 10, frozenset({"kangourou"}), full_days())
    problem = make_problem([(0, 0), (10, 0)], [stop], services=[bus_service(), dropin_service()],
                           vehicles=[Vehicle("bus", "Bus", 0, frozenset({"pmi"}))])
    found = reason_of(problem, "a")
    assert found.reason_code is ReasonCode.NO_VEHICLE
    assert found.why.code == "unserved.no_carrier" and found.why["service"] == "kangourou"
    assert french(found.why, problem) == "Aucun véhicule n'assure le service « Maison kangourou »."
    assert found.missing_visits == 4


def test_venue_closed_when_no_window_holds_a_full_day() -> None:
    stop = bus_stop("a", 1, windows=full_days(start=540, end=900))
    found = reason_of(make_problem([(0, 0), (10, 0)], [stop]), "a")
    assert found.reason_code is ReasonCode.VENUE_CLOSED
    assert found.why["session_dur"] == 360 and found.why["on_site_dur"] == 420
    assert "séance de 6 h entre 10 h 00 et 16 h 00 (7 h sur place" in said(
        make_problem([(0, 0), (10, 0)], [stop]), "a")


def test_too_far_when_the_round_trip_breaks_the_duty() -> None:
    problem = make_problem([(0, 0), (100, 0)], [bus_stop("a", 1)])
    found = reason_of(problem, "a")
    assert found.reason_code is ReasonCode.TOO_FAR
    assert found.why["round_trip_dur"] == 200
    sentence = french(found.why, problem)
    assert "aller-retour depuis la base (3 h 20)" in sentence
    assert "amplitude 10 h" in sentence


def test_no_crew_when_nobody_can_be_the_puericultrice() -> None:
    staff = [m for m in bus_crew(DATES_4W) if m.id != "puer"]
    problem = make_problem([(0, 0), (10, 0)], [bus_stop("a", 1)], staff)
    found = reason_of(problem, "a")
    assert found.reason_code is ReasonCode.NO_CREW
    assert "(médecin ou sage-femme, infirmière puéricultrice, chauffeur)" in french(found.why, problem)


def test_spacing_when_remaining_dates_are_too_close() -> None:
    service = dropin_service(required_roles=(("driver",),), min_spacing_days=10)
    stop = Stop("a", 1, 5, frozenset({"kangourou"}), full_days())
    staff = (StaffMember("drv", frozenset({"driver"}), available(DATES_4W)),)
    problem = make_problem([(0, 0), (10, 0)], [stop], staff, services=[service])
    found = reason_of(problem, "a")
    assert found.reason_code is ReasonCode.SPACING
    assert found.missing_visits == 1
    assert "espacement minimal 10 jours" in french(found.why, problem)


def test_capacity_when_the_only_day_went_to_a_busier_stop() -> None:
    stops = [bus_stop("busy", 1, 30, full_days([1])), bus_stop("quiet", 2, 5, full_days([1]))]
    problem = make_problem([(0, 0), (10, 0), (0, 10)], stops, weeks=1)
    assert reason_of(problem, "quiet").reason_code is ReasonCode.CAPACITY


def test_not_worth_travel_when_demand_is_nil() -> None:
    stops = [bus_stop("a", 1, 10), bus_stop("empty", 2, 0)]
    problem = make_problem([(0, 0), (10, 0), (0, 10)], stops)
    found = reason_of(problem, "empty")
    assert found.reason_code is ReasonCode.NOT_WORTH_TRAVEL
    assert found.why.args == (("demand", 0), ("detour_dur", 20))
    assert french(found.why, problem) == "Sa demande (0) ne compense pas le détour le plus court (20 min)."
