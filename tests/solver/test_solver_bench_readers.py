"""The literature readers of bench/ build valid planner problems, with each
set's own distance convention and per-customer service times."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.evaluator import evaluate_solomon, evaluate_toptw
from bench.readers import (
    SOLOMON_DIR,
    TOPTW_DIR,
    documented_decimals,
    read_solomon,
    read_toptw,
    scaled_distance,
    to_problem,
)
from bench.solve_file import main as solve_file_main

pytestmark = pytest.mark.skipif(not SOLOMON_DIR.exists(), reason="no shared benchmark data")

PRIZE_COLLECTING = Path(__file__).resolve().parents[2] / "bench" / "instances" / "prize_collecting"


def test_solomon_reader_builds_a_valid_problem() -> None:
    path = SOLOMON_DIR / "instances" / "C101.txt"
    raw = read_solomon(path)
    problem = to_problem(raw)
    assert (len(problem.stops), len(problem.vehicles)) == (100, 25)
    assert {v.capacity for v in problem.vehicles} == {200}
    assert sum(s.load for s in problem.stops) == sum(n.demand for n in raw.nodes)
    # Times in thousandths; a one-unit session starts in the customer's window.
    first = raw.nodes[1]
    window = problem.stops[0].windows[0]
    assert (window.start_min, window.end_min) == (1000 * first.ready, 1000 * first.due + 1)
    exact = 1000 * math.hypot(first.x - raw.nodes[0].x, first.y - raw.nodes[0].y)
    assert 0 <= problem.distance_m[0][1] - exact < 1
    # Leaving customer 1 costs its service time (less the one-unit session) on top.
    assert problem.travel_min[1][2] == problem.distance_m[1][2] + 1000 * first.service - 1
    assert problem.day_end_min == 1000 * raw.nodes[0].due


def test_toptw_reader_reads_the_odd_header_and_truncates_travel() -> None:
    path = TOPTW_DIR / "solomon_100_type2_montemanni" / "c204.txt"
    raw = read_toptw(path, tours=3, decimals=documented_decimals(path.parent))
    assert len(raw.nodes) == 101 and raw.vehicles == 3 and raw.decimals == 1
    problem = to_problem(raw)
    assert len(problem.vehicles) == 3
    assert problem.vehicles[0].shift_end_min == 10 * 3390
    a, b = raw.nodes[0], raw.nodes[1]
    assert scaled_distance(raw)[0][1] == math.floor(10 * math.hypot(a.x - b.x, a.y - b.y))


def test_two_decimal_convention_is_exact_in_hundredths(tmp_path: Path) -> None:
    path = PRIZE_COLLECTING / "pc200_1.txt"
    assert documented_decimals(PRIZE_COLLECTING) == 2
    raw = read_toptw(path, tours=1, decimals=2)
    a, b = raw.nodes[1], raw.nodes[2]
    assert scaled_distance(raw)[1][2] == math.floor(100 * math.hypot(a.x - b.x, a.y - b.y) + 1e-7)
    services = {n.service for n in raw.nodes[1:]}
    assert len(services) > 1  # customers' service times differ, and that is accepted
    to_problem(raw)


def test_evaluator_recomputes_value_and_feasibility_from_the_file() -> None:
    path = SOLOMON_DIR / "instances" / "C101.txt"
    short = evaluate_solomon(path, [[1]])
    assert not short.feasible and "customer 2 not served" in short.errors
    toptw = evaluate_toptw(TOPTW_DIR / "solomon_100_righini_salani" / "c101.txt", 1, [[1, 1]], 1)
    assert "customer 1 visited 2 times" in toptw.errors


def test_evaluator_takes_the_truncation_it_is_given(tmp_path: Path) -> None:
    """A route feasible with one-decimal distances can be late with two."""
    instance = tmp_path / "tiny.txt"
    # Depot at 0,0 closing at 10; customer 1 at distance 3.33..: one decimal 3.3,
    # two decimals 3.33. Service 3.4 must start by 3.3, back by 10.
    instance.write_text("1 1 1 0\n0 0\n0 0 0 0 0 0 0 0 10\n1 3.333333 0 3 5 0 0 0 3.3\n")
    assert evaluate_toptw(instance, 1, [[1]], 1).feasible
    assert not evaluate_toptw(instance, 1, [[1]], 2).feasible


def test_solve_file_prints_routes_the_independent_evaluator_accepts(capsys) -> None:
    path = PRIZE_COLLECTING / "pc200_2.txt"
    code = solve_file_main([str(path), "--format", "toptw", "--tours", "2", "--decimals", "2",
                            "--time-limit", "60", "--work-limit", "0.5"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    evaluation = evaluate_toptw(path, 2, result["routes"], 2)
    assert evaluation.feasible, evaluation.errors[:3]
    assert result["objective"] == evaluation.value > 0
    assert result["bound"] is None or result["bound"] >= result["objective"]
    assert result["status"] in ("optimal", "feasible")
