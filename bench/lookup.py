"""The families' look-up (outreach.data.places) on queries built from the national
communes file: how often the commune meant is offered, and how long a query takes.

    .venv/bin/python -m bench.lookup [--communes 2000] [--seed 1]

Query kinds, for communes drawn at random (seeded): the exact name; the name in lower
case without accents, hyphens or apostrophes; "St"/"Ste" for Saint/Sainte; the
postcode; the INSEE code; the name followed by the département's code. A query
succeeds when the commune is among the places offered (all of them, not only the
first page). Times are in-process, one query at a time, after the index is loaded.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import unicodedata

from outreach.data.communes import read_seed
from outreach.data.places import national_index


def plain(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.replace("œ", "oe").replace("Œ", "Oe"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(text.replace("-", " ").replace("'", " ").split())


def queries(communes: list, count: int, seed: int) -> list[tuple[str, str, str]]:
    """(kind, query, INSEE code meant)."""
    rng = random.Random(seed)
    chosen = rng.sample(communes, count)
    found = []
    for c in chosen:
        found.append(("exact name", c.name, c.insee))
        found.append(("plain lower case", plain(c.name), c.insee))
        if c.name.startswith(("Saint-", "Sainte-")):
            found.append(("St-/Ste- form", c.name.replace("Sainte-", "Ste-").replace("Saint-", "St-"),
                          c.insee))
        if c.postcodes:
            found.append(("postcode", c.postcodes.split()[0], c.insee))
        found.append(("INSEE code", c.insee, c.insee))
        found.append(("name and département", f"{plain(c.name)} {c.departement}", c.insee))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    index = national_index()
    loaded = time.perf_counter() - began
    communes = list(read_seed())
    results: dict[str, list[tuple[bool, float]]] = {}
    for kind, query, insee in queries(communes, args.communes, args.seed):
        start = time.perf_counter()
        found = index.find(query, limit=100_000)
        took = (time.perf_counter() - start) * 1000
        results.setdefault(kind, []).append((insee in {p.insee for p in found.places}, took))
    print(f"look-up over {len(index.places)} communes (index loaded in {loaded:.2f} s), "
          f"{args.communes} communes drawn with seed {args.seed}")
    print()
    print("| query kind | queries | offered % | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|")
    everything = []
    for kind, rows in results.items():
        everything += rows
        times = sorted(t for _, t in rows)
        print(f"| {kind} | {len(rows)} | {100 * sum(ok for ok, _ in rows) / len(rows):.1f} | "
              f"{statistics.median(times):.2f} | {times[int(0.95 * (len(times) - 1))]:.2f} | "
              f"{times[-1]:.2f} |")
    times = sorted(t for _, t in everything)
    print(f"| **all** | {len(everything)} | "
          f"{100 * sum(ok for ok, _ in everything) / len(everything):.1f} | "
          f"{statistics.median(times):.2f} | {times[int(0.95 * (len(times) - 1))]:.2f} | "
          f"{times[-1]:.2f} |")


if __name__ == "__main__":
    main()
