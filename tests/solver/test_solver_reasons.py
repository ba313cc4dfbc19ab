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

from solver import Problem, ReasonCode, SolveParams, StaffMember, Stop, Unserved, Vehicle, solve

FAST = SolveParams(time_limit_s=120, work_limit_s=2)


def reason_of(problem: Problem, stop: str) -> Unserved:
    solution = solve(problem, FAST)
    (found,) = [u for u in solution.unserved if u.stop == stop]
    return found


def test_no_vehicle_carries_the_service() -> None:
    stop = Stop("a", 1, 10, frozenset({"kangourou"}), full_days())
    problem = make_problem([(0, 0), (10, 0)], [stop], services=[bus_service(), dropin_service()],
                           vehicles=[Vehicle("bus", "Bus", 0, frozenset({"pmi"}))])
    found = reason_of(problem, "a")
    assert found.reason_code is ReasonCode.NO_VEHICLE
    assert found.reason == "Aucun véhicule n'assure le service « Maison kangourou »."
    assert found.missing_visits == 4


def test_venue_closed_when_no_window_holds_a_full_day() -> None:
    stop = bus_stop("a", 1, windows=full_days(start=540, end=900))
    found = reason_of(make_problem([(0, 0), (10, 0)], [stop]), "a")
    assert found.reason_code is ReasonCode.VENUE_CLOSED
    assert "séance de 6 h entre 10 h 00 et 16 h 00 (7 h sur place" in found.reason


def test_too_far_when_the_round_trip_breaks_the_duty() -> None:
    found = reason_of(make_problem([(0, 0), (100, 0)], [bus_stop("a", 1)]), "a")
    assert found.reason_code is ReasonCode.TOO_FAR
    assert "aller-retour depuis la base (3 h 20)" in found.reason
    assert "amplitude 10 h" in found.reason


def test_no_crew_when_nobody_can_be_the_puericultrice() -> None:
    staff = [m for m in bus_crew(DATES_4W) if m.id != "puer"]
    found = reason_of(make_problem([(0, 0), (10, 0)], [bus_stop("a", 1)], staff), "a")
    assert found.reason_code is ReasonCode.NO_CREW
    assert "(médecin ou sage-femme, infirmière puéricultrice, chauffeur)" in found.reason


def test_spacing_when_remaining_dates_are_too_close() -> None:
    service = dropin_service(required_roles=(("driver",),), min_spacing_days=10)
    stop = Stop("a", 1, 5, frozenset({"kangourou"}), full_days())
    staff = (StaffMember("drv", frozenset({"driver"}), available(DATES_4W)),)
    found = reason_of(make_problem([(0, 0), (10, 0)], [stop], staff, services=[service]), "a")
    assert found.reason_code is ReasonCode.SPACING
    assert found.missing_visits == 1
    assert "espacement minimal 10 jours" in found.reason


def test_capacity_when_the_only_day_went_to_a_busier_stop() -> None:
    stops = [bus_stop("busy", 1, 30, full_days([1])), bus_stop("quiet", 2, 5, full_days([1]))]
    problem = make_problem([(0, 0), (10, 0), (0, 10)], stops, weeks=1)
    assert reason_of(problem, "quiet").reason_code is ReasonCode.CAPACITY


def test_not_worth_travel_when_demand_is_nil() -> None:
    stops = [bus_stop("a", 1, 10), bus_stop("empty", 2, 0)]
    found = reason_of(make_problem([(0, 0), (10, 0), (0, 10)], stops), "empty")
    assert found.reason_code is ReasonCode.NOT_WORTH_TRAVEL
    assert found.reason == "Sa demande (0) ne compense pas le détour le plus court (20 min)."
