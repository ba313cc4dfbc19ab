"""The literature readers of bench/ build valid planner problems (fast: no solving)."""

from __future__ import annotations

import math

import pytest

from bench.evaluator import evaluate_solomon, evaluate_toptw
from bench.readers import (
    SOLOMON_DIR,
    TOPTW_DIR,
    read_solomon,
    read_toptw,
    scaled_travel,
    to_problem,
)

pytestmark = pytest.mark.skipif(not SOLOMON_DIR.exists(), reason="no shared benchmark data")


def test_solomon_reader_builds_a_valid_problem() -> None:
    path = SOLOMON_DIR / "instances" / "C101.txt"
    raw = read_solomon(path)
    problem = to_problem(raw)
    assert (len(problem.stops), len(problem.vehicles)) == (100, 25)
    assert {v.capacity for v in problem.vehicles} == {200}
    assert sum(s.load for s in problem.stops) == sum(n.demand for n in raw.nodes)
    # Times in thousandths, travel rounded up; a window holds the whole stay.
    first = raw.nodes[1]
    window = problem.stops[0].windows[0]
    assert (window.start_min, window.end_min) == (1000 * first.ready,
                                                  1000 * (first.due + first.service))
    exact = 1000 * math.hypot(first.x - raw.nodes[0].x, first.y - raw.nodes[0].y)
    assert 0 <= problem.travel_min[0][1] - exact < 1
    assert problem.day_end_min == 1000 * raw.nodes[0].due


def test_toptw_reader_reads_the_odd_header_and_truncates_travel() -> None:
    raw = read_toptw(TOPTW_DIR / "solomon_100_type2_montemanni" / "c204.txt", tours=3)
    assert len(raw.nodes) == 101 and raw.vehicles == 3
    problem = to_problem(raw)
    assert len(problem.vehicles) == 3
    assert problem.vehicles[0].shift_end_min == 10 * 3390
    a, b = raw.nodes[0], raw.nodes[1]
    assert scaled_travel(raw, 10)[0][1] == math.floor(10 * math.hypot(a.x - b.x, a.y - b.y))


def test_evaluator_recomputes_value_and_feasibility_from_the_file() -> None:
    path = SOLOMON_DIR / "instances" / "C101.txt"
    short = evaluate_solomon(path, [[1]])
    assert not short.feasible and "customer 2 not served" in short.errors
    toptw = evaluate_toptw(TOPTW_DIR / "solomon_100_righini_salani" / "c101.txt", 1, [[1, 1]])
    assert "customer 1 visited 2 times" in toptw.errors
