"""What the coverage diagnosis finds in a generated département plan.

    PYTHONPATH=. .venv/bin/python -m bench.coverage_gaps            # Seine-Maritime
    PYTHONPATH=. .venv/bin/python -m bench.coverage_gaps --departement 23 --watch 23096

Generates the département's starting scenario (``outreach generate-scenario``) in a
scratch SQLite database, plans it with a fixed amount of search work and seed (the same
plan on any machine load), then diagnoses the plan at several thresholds and prints, for
each, the children out of reach, the gaps, and which of the watched communes fall in a
gap. The default watch list is the Seine-Maritime's named gaps: the Pays de Bray
(Forges-les-Eaux, Gournay-en-Bray, Neufchâtel-en-Bray, La Feuillie) and the coast around
Fécamp (Fécamp, Yport, Saint-Pierre-en-Port, Valmont).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from outreach import db, planning
from outreach.data import scenarios
from outreach.data.generate import generate_spec
from outreach.planning import diagnosis as diag
from outreach.planning.access_map import Access
from solver import SolveParams

SEINE_MARITIME_WATCH = {
    "76276": "Forges-les-Eaux", "76312": "Gournay-en-Bray", "76462": "Neufchâtel-en-Bray",
    "76263": "La Feuillie", "76259": "Fécamp", "76754": "Yport", "76637": "Saint-Pierre-en-Port",
    "76719": "Valmont",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--departement", default="76")
    parser.add_argument("--watch", nargs="*", help="INSEE codes to report (default: 76's)")
    parser.add_argument("--work-limit", type=float, default=10.0)
    parser.add_argument("--thresholds", type=int, nargs="*", default=[30, 25, 20, 15])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'coverage.db'}"
        db.upgrade(url)
        with db.unit_of_work(url) as session:
            spec = generate_spec(session, args.departement)
            scenario = scenarios.load_scenario(session, spec)
        params = SolveParams(time_limit_s=20 * args.work_limit, work_limit_s=args.work_limit,
                             seed=0)
        started = time.perf_counter()
        with db.unit_of_work(url) as session:
            plan = planning.create_plan(session, scenario.id, spec.scenario.default_start,
                                        spec.scenario.default_weeks, params)
            version = planning.read_version(session, plan.id)  # type: ignore[arg-type]
            places = diag.load_places(session, [args.departement.upper()])
        solve_s = time.perf_counter() - started
        db.get_engine(url).dispose()
    names = {p.insee: p.name for p in places}
    watch = ({code: names.get(code, code) for code in args.watch} if args.watch
             else SEINE_MARITIME_WATCH if args.departement == "76" else {})
    held = {v.stop for r in version.routes for v in r.visits}
    print(f"Département {args.departement}: {len(spec.stops)} candidate stops, {len(held)} held, "
          f"{len(spec.vehicles)} vehicles, {version.kpis.sessions} sessions over "
          f"{spec.scenario.default_weeks} weeks (plan solved in {solve_s:.0f} s, "
          f"work limit {args.work_limit} s, seed 0)")
    print()
    print("| threshold (min) | children out of reach | communes out | gaps | largest gaps "
          "(children) | watched communes in a gap |")
    print("|---|---|---|---|---|---|")
    for threshold in args.thresholds:
        found = diag.diagnose(version, places, threshold)
        numbers = diag.gap_numbers(found)
        largest = "; ".join(f"{n}. {g.name} +{g.size - 1} ({g.children_0_6})"
                            for n, g in enumerate(found.gaps[:5], start=1)) or "none"
        inside = ", ".join(f"{name} (gap {numbers[code]})" for code, name in watch.items()
                           if code in numbers) or "none"
        print(f"| {threshold} | {found.children_out} of {found.children} "
              f"({100 - found.share_pct(Access.SESSION, Access.FIXED_SITE):.1f} %) | "
              f"{found.communes_out} of {len(found.communes)} | {len(found.gaps)} | {largest} | "
              f"{inside} |")
    if watch:
        print()
        found = diag.diagnose(version, places)
        print("Watched communes at the plan's own threshold:")
        for code, name in watch.items():
            commune = found.commune(code)
            print(f"  {name}: nearest session {commune.session_min} min "
                  f"({commune.session_place}), {commune.access.value}")


if __name__ == "__main__":
    main()
