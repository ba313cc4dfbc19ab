"""Home visits (issue 13): the Hérault demo programme planned on the solver's one model.

    .venv/bin/python -m bench.home_visits [--time-limit 10] [--four-weeks-limit 60]

Prints, for the demo week, four weeks, the options for a new family referred (one in each
commune of the planned territories, timed) and a re-plan after one puéricultrice falls ill
from Wednesday: wall time, visits placed against visits wanted and against the proven
maximum (the relaxation's bound on visits, from the first solve), who made them
(referent, second referent, another puéricultrice), driving minutes, the objective's
bound and gap when one is proven, and the independent checker's verdict on the export
(tests/home_plan_checker.py). Each row is one run; compare rows as ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlmodel import col, select

from outreach import db, privacy
from outreach.homevisits import FamilyRecord, planning, referral
from outreach.homevisits.demo import seed_programme
from outreach.models import Commune, HomeTerritory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from home_plan_checker import check

PROGRAMME = "herault-appui-parental"
MONDAY = dt.date(2027, 1, 4)


def _row(name: str, outcome: planning.HomeOutcome, wall: float, peak_mb: float) -> dict[str, Any]:
    summary = planning.summary(outcome)
    exported = planning.export(outcome)
    errors = check(exported)
    solution = outcome.solution
    gap = (None if solution.bound is None or solution.bound <= 0
           else (solution.bound - solution.objective) / solution.bound)
    return {"run": name, "wall_s": round(wall, 2), "peak_rss_MB": round(peak_mb),
            "wanted": summary["visits_wanted"], "placed": summary["visits_planned"],
            "proven_max": summary["visits_bound"], "referent": summary["by"]["referent"],
            "second": summary["by"]["second"], "other": summary["by"]["other"],
            "joint": f"{summary['joint_planned']}/{summary['joint_wanted']}",
            "driving_min": summary["driving_min"],
            "gap": "-" if gap is None else f"{100 * gap:.2f} %",
            "checker": "OK" if not errors else f"{len(errors)} errors: {errors[0]}",
            **_stability(outcome.visits)}


def _stability(visits: list[planning.PlannedVisit]) -> dict[str, Any]:
    """Of the visits after the first week: how many fall on the weekday the family was seen
    on a week before, and how many at the same hour too."""
    if not visits:
        return {}
    at = {(v.family, v.date): v.start_min for v in visits}
    later = [v for v in visits if v.date >= visits[0].date + dt.timedelta(days=7)]
    if not later:
        return {}
    week = dt.timedelta(days=7)
    return {"later_visits": len(later),
            "same_weekday_as_week_before": sum((v.family, v.date - week) in at for v in later),
            "same_hour_too": sum(at.get((v.family, v.date - week)) == v.start_min for v in later)}


def _timed(function: Any) -> tuple[Any, float, float]:
    """The result, the wall time and the process's peak resident memory so far (MB)."""
    began = time.monotonic()
    result = function()
    wall = time.monotonic() - began
    return result, wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--four-weeks-limit", type=float, default=60.0)
    parser.add_argument("--replan-limit", type=float, default=5.0)
    args = parser.parse_args()
    os.environ.setdefault(privacy.ENV, Fernet.generate_key().decode())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/home.db"
        db.upgrade(url)
        with db.unit_of_work(url) as s:
            seed_programme(s)
        for weeks, limit in ((1, args.time_limit), (4, args.four_weeks_limit)):
            with db.unit_of_work(url) as s:
                build = functools.partial(planning.build_week, s, PROGRAMME, MONDAY, weeks,
                                          time_limit_s=limit)
                outcome, wall, peak = _timed(lambda b=build, s=s: planning.with_usual_hours(
                    s, planning.solve_week(b(), b)))
                rows.append(_row(f"{weeks} week(s), {limit:g} s", outcome, wall, peak))
                if weeks == 1:
                    plan = planning.store_plan(s, outcome, "bench")
                    plan_id = plan.id
        with db.unit_of_work(url) as s:
            # New families referred, one in each commune of the planned territories (their
            # centres): the options for each, timed.
            windows = [{"weekday": d, "from": f, "to": t} for d in range(1, 6)
                       for f, t in (("09:00", "12:30"), ("13:30", "17:30"))]
            times, counts, moving = [], [], []
            areas = s.exec(select(HomeTerritory).where(col(HomeTerritory.active).is_(True))).all()
            for area in areas:
                for insee in area.communes:
                    commune = s.get(Commune, insee)
                    assert commune is not None
                    record = FamilyRecord(code="F-9999", territory=area.code, referent="",
                                          lat=commune.lat, lon=commune.lon, visits_per_week=2,
                                          min_spacing_days=2, visit_min=60, windows=windows)
                    began = time.perf_counter()
                    options = referral.referral_options(s, plan_id, record)
                    times.append(time.perf_counter() - began)
                    counts.append(len(options))
                    moving.append(sum(1 for o in options if o.moved))
            rows.append({"run": f"referral options, {len(times)} new families (one per commune)",
                         "max_s": round(max(times), 2),
                         "mean_s": round(sum(times) / len(times), 2),
                         "with_an_option": sum(1 for c in counts if c),
                         "only_by_moving_a_visit": sum(1 for c, m in zip(counts, moving, strict=True)
                                                       if c and c == m),
                         "options_mean": round(sum(counts) / len(counts), 1)})
        with db.unit_of_work(url) as s:
            plan = s.get(planning.HomePlan, plan_id)
            assert plan is not None
            busiest = max({v["nurse"] for v in plan.visits},
                          key=lambda n: (sum(v["nurse"] == n for v in plan.visits), n))
            wednesday = MONDAY + dt.timedelta(days=2)
            before = list(plan.visits)
            result, wall, peak = _timed(lambda: planning.replan_absence(
                s, plan_id, busiest, wednesday, time_limit_s=args.replan_limit))
            hers = {(v["family"], v["date"]) for v in before
                    if v["nurse"] == busiest and v["date"] >= wednesday.isoformat()}
            others_moved = sum(
                1 for c in result.changed
                if (c["was"]["family"], c["was"]["date"]) not in hers
                and (c["now"] is None or c["now"]["date"] != c["was"]["date"]
                     or c["now"]["nurse"] != c["was"]["nurse"]))
            retimed = sum(1 for c in result.changed
                          if (c["was"]["family"], c["was"]["date"]) not in hers
                          and c["now"] is not None and c["now"]["date"] == c["was"]["date"]
                          and c["now"]["nurse"] == c["was"]["nurse"])
            placed = sum(1 for c in result.changed if (c["was"]["family"], c["was"]["date"]) in hers
                         and c["now"] is not None)
            rows.append({"run": f"re-plan: {busiest} ill from Wednesday, {args.replan_limit:g} s",
                         "wall_s": round(wall, 2), "peak_rss_MB": round(peak),
                         "her_visits": len(hers), "re_placed": placed,
                         "other_visits_moved": others_moved, "other_visits_retimed": retimed,
                         "families_to_call": len({c["family"] for c in result.changed})})
    for row in rows:
        print(" | ".join(f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
