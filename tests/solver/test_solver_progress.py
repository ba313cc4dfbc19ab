"""A solve reports its progress: phases in order, improving plans with a bound."""

from __future__ import annotations

from solver import Problem, SolveParams, solve
from solver.progress import Progress


def test_progress_is_reported_in_order_and_does_not_change_the_plan(ok_small: Problem) -> None:
    seen: list[Progress] = []
    with_progress = solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=2), seen.append)
    assert seen[0].phase == "enumerating" and seen[-1].phase == "finishing"
    searching = [p for p in seen if p.phase == "searching"]
    assert searching, "CP-SAT found at least one plan"
    assert all(p.objective is not None and p.bound is not None for p in searching)
    assert [p.objective for p in searching] == sorted(p.objective for p in searching)
    assert searching[-1].gap_pct is not None and searching[-1].gap_pct >= 0
    assert with_progress == solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=2))


def test_gap_is_unknown_without_a_bound() -> None:
    assert Progress("searching", 1.0, objective=10.0).gap_pct is None
    assert Progress("searching", 1.0, objective=90.0, bound=100.0).gap_pct == 10.0


def test_local_search_reports_its_better_plans(ok_small: Problem) -> None:
    from solver import Method

    seen: list[Progress] = []
    solution = solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=3, method=Method.LOCAL_SEARCH), seen.append)
    searching = [p for p in seen if p.phase == "searching"]
    assert searching, "PyVRP found at least one plan"
    assert all(p.objective is not None and p.bound is None for p in searching)
    assert [p.objective for p in searching] == sorted(p.objective for p in searching)
    # PyVRP's value (prizes held minus travel) is the plan's before repair and crews.
    assert abs(searching[-1].objective - solution.objective) <= 0.05 * abs(solution.objective)
    assert seen[-1].phase == "finishing"


def test_routing_reports_its_better_plans(ok_small: Problem) -> None:
    from solver import Method

    seen: list[Progress] = []
    solution = solve(ok_small, SolveParams(time_limit_s=120, work_limit_s=3, method=Method.ROUTING), seen.append)
    searching = [p for p in seen if p.phase == "searching"]
    assert searching, "OR-Tools routing found at least one plan"
    assert [p.objective for p in searching] == sorted(p.objective for p in searching)
    assert abs(searching[-1].objective - solution.objective) <= 0.05 * abs(solution.objective)
