"""Synchronised visits (Problem.syncs): a puéricultrice and a psychologist at one
family's home at the same time, planned by PATTERNS, kept by the repair, checked
independently (issue 13)."""

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
    Sync,
    Vehicle,
    Window,
    check_solution,
    solve,
)
from solver.dayroute import staff_route
from solver.instance import Instance
from solver.repair import PlanState, fill, free_candidates

MONDAY = dt.date(2027, 1, 4)
DATES = tuple(MONDAY + dt.timedelta(days=k) for k in range(5))
HOME = Service("home", "Visite", (("puericultrice",),), session_min=60,
               earliest_start_min=9 * 60, latest_end_min=18 * 60, visits_per_period=1,
               period_weeks=1, min_spacing_days=1, max_sessions_per_day=4, start_grid_min=15)
PSY = dataclasses.replace(HOME, id="psy", required_roles=(("psychologue",),))
PARAMS = SolveParams(time_limit_s=30, work_limit_s=3, demand_weight=100_000)


def _problem(psy_days: tuple[dt.date, ...] = DATES, joint: int = 3) -> Problem:
    """Two nurses (offices 0, 1), one psychologist (office 0), six families on a line
    (locations 2..7): the first ``joint`` also get a weekly joint visit."""
    size = 8
    travel = tuple(tuple(0 if i == j else 7 + 9 * abs(i - j) for j in range(size))
                   for i in range(size))
    distance = tuple(tuple(1000 * t for t in row) for row in travel)
    people = {"anne": "puericultrice", "bea": "puericultrice", "paul": "psychologue"}
    staff = tuple(
        StaffMember(name, frozenset({role}), tuple(
            Availability(d, 9 * 60, 17 * 60) for d in (psy_days if role == "psychologue" else DATES)))
        for name, role in people.items())
    vehicles = (
        Vehicle("v-anne", "anne", base=0, services=frozenset({"home"}), crew=frozenset({"anne"})),
        Vehicle("v-bea", "bea", base=1, services=frozenset({"home"}), crew=frozenset({"bea"})),
        Vehicle("v-paul", "paul", base=0, services=frozenset({"psy"}), crew=frozenset({"paul"})),
    )
    # Each family is seen only in its own narrow slot, different from the others'.
    stops, syncs = [], []
    for k in range(6):
        windows = tuple(Window(d, 9 * 60 + 30 * k, 11 * 60 + 30 * k) for d in range(1, 6))
        nurse = "v-anne" if k % 2 == 0 else "v-bea"
        stops.append(Stop(f"F-{k}", 2 + k, 1, frozenset({"home"}), windows,
                          vehicle_costs=((nurse, 0),)))
        if k < joint:
            stops.append(Stop(f"F-{k}:nurse", 2 + k, 1, frozenset({"home"}), windows,
                              vehicle_costs=((nurse, 0),)))
            stops.append(Stop(f"F-{k}:psy", 2 + k, 1, frozenset({"psy"}), windows))
            syncs.append(Sync(f"F-{k}:nurse", f"F-{k}:psy"))
    return Problem(dates=DATES, services=(HOME, PSY), vehicles=vehicles, stops=tuple(stops),
                   staff=staff, travel_min=travel, distance_m=distance, syncs=tuple(syncs))


def _starts(solution) -> dict[str, list[tuple[dt.date, int, str]]]:
    found: dict[str, list[tuple[dt.date, int, str]]] = {}
    for route in solution.routes:
        for visit in route.visits:
            found.setdefault(visit.stop, []).append((route.date, visit.start_min, route.vehicle))
    return found


def _met(problem: Problem) -> list[tuple[tuple[dt.date, int, str], tuple[dt.date, int, str]]]:
    """``problem`` solved whole and valid: (date, start, vehicle) of each family's nurse
    visit and of its psychologist's."""
    solution = solve(problem, PARAMS)
    assert check_solution(problem, solution) == []
    assert solution.unserved == ()
    starts = _starts(solution)
    pairs = []
    for k in range(3):
        (nurse,) = starts[f"F-{k}:nurse"]
        (psy,) = starts[f"F-{k}:psy"]
        pairs.append((nurse, psy))
    return pairs


def test_joint_visits_meet_at_the_same_time() -> None:
    for nurse, psy in _met(_problem()):
        assert nurse[:2] == psy[:2]  # same date, same minute
        assert psy[2] == "v-paul" and nurse[2] in ("v-anne", "v-bea")


def test_a_joint_visit_the_psychologist_cannot_attend_is_said_so() -> None:
    # The psychologist works on Monday only: one route cannot hold three families whose
    # slots are 30 minutes apart and 60 minutes long.
    problem = _problem(psy_days=(MONDAY,))
    solution = solve(problem, PARAMS)
    assert check_solution(problem, solution) == []
    starts = _starts(solution)
    met = [k for k in range(3) if f"F-{k}:psy" in starts]
    assert 1 <= len(met) < 3
    for k in met:
        assert starts[f"F-{k}:nurse"][0][:2] == starts[f"F-{k}:psy"][0][:2]
    short = {u.stop: u for u in solution.unserved}
    for k in set(range(3)) - set(met):
        assert short[f"F-{k}:nurse"].why.code == "unserved.sync"
        assert short[f"F-{k}:nurse"].why["partner"] == f"F-{k}:psy"


@pytest.mark.parametrize("method", [Method.ROUTING, Method.LOCAL_SEARCH])
def test_methods_that_do_not_plan_them_leave_no_lone_half(method: Method) -> None:
    problem = _problem()
    solution = solve(problem, dataclasses.replace(PARAMS, method=method))
    assert check_solution(problem, solution) == []  # sync.unpaired would be listed
    starts = _starts(solution)
    for k in range(3):
        assert (f"F-{k}:nurse" in starts) == (f"F-{k}:psy" in starts)


def test_the_check_finds_a_lone_half() -> None:
    problem = _problem()
    solution = solve(problem, PARAMS)
    route = next(r for r in solution.routes if r.vehicle == "v-paul")
    visit = route.visits[0]
    moved = dataclasses.replace(visit, start_min=visit.start_min + 15,
                                end_min=visit.end_min + 15, arrive_min=visit.arrive_min + 15,
                                leave_min=visit.leave_min + 15)
    broken = dataclasses.replace(solution, routes=tuple(
        dataclasses.replace(r, visits=(moved, *r.visits[1:])) if r is route else r
        for r in solution.routes))
    codes = {f.code for f in check_solution(problem, broken)}
    assert "sync.unpaired" in codes


def test_a_bad_sync_names_the_field() -> None:
    problem = _problem()
    with pytest.raises(ValueError, match="unknown stop 'nope'"):
        dataclasses.replace(problem, syncs=(Sync("F-0", "nope"),))
    with pytest.raises(ValueError, match="two pairs"):
        dataclasses.replace(problem, syncs=(*problem.syncs, Sync("F-0:nurse", "F-5")))


def test_a_familys_usual_and_joint_visits_are_spaced_as_one() -> None:
    grouped = _problem()
    stops = tuple(dataclasses.replace(s, spacing_group=s.id.split(":")[0],
                                      min_spacing_days=2 if s.id == "F-0" else None)
                  if not s.id.endswith(":psy") else s for s in grouped.stops)
    problem = dataclasses.replace(grouped, stops=stops)
    solution = solve(problem, PARAMS)
    assert check_solution(problem, solution) == []
    starts = _starts(solution)
    for k in range(3):
        days = sorted(d for key in (f"F-{k}", f"F-{k}:nurse") for d, _, _ in starts[key])
        assert len(days) == 2 and (days[1] - days[0]).days >= (2 if k == 0 else 1)
    # The check catches two visits of one family on one date.
    route = next(r for r in solution.routes if any(v.stop == "F-1" for v in r.visits))
    other = next(r for r in solution.routes if any(v.stop == "F-1:nurse" for v in r.visits))
    moved = dataclasses.replace(other, date=route.date)
    broken = dataclasses.replace(solution, routes=tuple(
        moved if r is other else r for r in solution.routes))
    assert "group.spacing" in {f.code for f in check_solution(problem, broken)}


def test_the_repair_moves_a_visit_to_make_room_for_a_joint_one() -> None:
    """Anne makes one visit a day at most; the psychologist works on Monday only. With
    F-1's usual visit already on Anne's Monday, the joint visit of F-0 fits only if that
    visit moves to another day: the repair does it, and keeps every rule."""
    one_a_day = dataclasses.replace(HOME, max_sessions_per_day=1)
    base = _problem(psy_days=(MONDAY,), joint=1)
    stops = tuple(dataclasses.replace(s, vehicle_costs=(("v-anne", 0),))
                  if s.id in ("F-0:nurse", "F-1") else s for s in base.stops
                  if s.id in ("F-0:nurse", "F-0:psy", "F-1"))
    problem = dataclasses.replace(base, services=(one_a_day, PSY), stops=stops)
    inst = Instance(problem)
    state = PlanState(inst, PARAMS)
    busy = staff_route(inst, inst.vehicles["v-anne"], MONDAY, one_a_day, [inst.stops["F-1"]],
                       free_candidates(state, MONDAY, None))
    assert busy is not None
    state.put(busy)
    fill(state)
    routes = {key: [s.id for s in day.stops] for key, day in state.days.items()}
    assert routes[("v-anne", MONDAY)] == ["F-0:nurse"]
    assert routes[("v-paul", MONDAY)] == ["F-0:psy"]
    assert any(stops == ["F-1"] and date != MONDAY for (_v, date), stops in routes.items())


def _with_gap(low: int, high: int) -> Problem:
    """The week of :func:`_problem`, the psychologist coming ``low``..``high`` minutes
    after the puéricultrice (a precedence, not a joint visit)."""
    problem = _problem()
    return dataclasses.replace(problem, sync_step_min=15, syncs=tuple(
        dataclasses.replace(s, min_gap_min=low, max_gap_min=high) for s in problem.syncs))


def test_a_precedence_gap_is_kept() -> None:
    for nurse, psy in _met(_with_gap(30, 60)):
        assert nurse[0] == psy[0]
        assert 30 <= psy[1] - nurse[1] <= 60


def test_the_check_finds_a_gap_not_kept() -> None:
    problem = _with_gap(30, 60)
    solution = solve(problem, PARAMS)
    assert check_solution(problem, solution) == []
    # The same plan judged as joint visits: every pair is 30 to 60 minutes apart.
    joint = dataclasses.replace(problem, syncs=_problem().syncs)
    codes = [f.code for f in check_solution(joint, solution)]
    assert codes.count("sync.unpaired") == 6  # both halves of each of the three pairs


def test_a_gap_the_wrong_way_round_names_the_fields() -> None:
    with pytest.raises(ValueError, match="min_gap_min .30. must not exceed max_gap_min .10."):
        Sync("a", "b", 30, 10)
