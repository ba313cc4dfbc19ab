"""A generated starting scenario for every département of the communes seed file.

    PYTHONPATH=. .venv/bin/python -m bench.generate_all

Generates (in a scratch SQLite database, deleted at the end) the scenario of
``outreach generate-scenario`` for each département, metropolitan and overseas, and
prints one row each: its stops and vehicles, or the clear refusal it gets (Paris, a
single commune). Any other exception is a bug and is counted as such.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from outreach import db
from outreach.data.generate import generate_spec
from outreach.errors import InvalidInput
from outreach.planning.national import all_departements


def main() -> None:
    codes = all_departements()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'generate.db'}"
        db.upgrade(url)
        print("| département | stops | vehicles | answer |")
        print("|---|---|---|---|")
        counts = {"scenario": 0, "refused": 0, "bug": 0}
        start = time.perf_counter()
        for code in codes:
            try:
                with db.unit_of_work(url) as session:
                    spec = generate_spec(session, code)
                counts["scenario"] += 1
                print(f"| {code} | {len(spec.stops)} | {len(spec.vehicles)} | scenario |")
            except InvalidInput as refused:
                counts["refused"] += 1
                print(f"| {code} | 0 | 0 | refused: {refused.message[:80]}… |")
            except Exception as error:  # noqa: BLE001 - counted and shown: a bug to fix
                counts["bug"] += 1
                print(f"| {code} | 0 | 0 | BUG {type(error).__name__}: {str(error)[:60]} |")
        db.get_engine(url).dispose()
    print()
    print(f"{len(codes)} départements: {counts['scenario']} scenarios, {counts['refused']} "
          f"refused with a reason, {counts['bug']} bugs ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
