"""Build the prize-collecting instances of ``bench/instances/prize_collecting``:
team orienteering with time windows, 200 to 400 customers, each with its own
service time, in the KU Leuven TOPTW format, distances truncated to two
decimals (as the Cordeau-based TOPTW sets). Deterministic: the same files at
every run.

    .venv/bin/python -m bench.make_instances

Customers lie in clusters and scattered over a 200 x 200 square (coordinates
with three decimals); service times 1-25, scores 1-100, opening windows of 60
to 400 time units within a 1,000-unit horizon (the depot's). No best known
solution exists for them: they compare the product with PyVRP run directly
(``bench.prize_collecting``).
"""

from __future__ import annotations

import random
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "instances" / "prize_collecting"
SIZES = (200, 288, 400)
HORIZON = 1000

SOURCE = """# Prize-collecting instances built here (bench/make_instances.py)

Team orienteering with time windows in the KU Leuven TOPTW format (see
../../../../shared/bench/toptw/SOURCE.md for the format): first line `k v N t`, second
line `D Q`, then one line per vertex `i x y d S f a O C` (f = a = 0, no list).
Vertex 0 is the depot; its closing time is the tour length limit.

Built deterministically by `python -m bench.make_instances` (seeded random
numbers, no outside data): customers in clusters and scattered, service times
differ per customer (1-25), scores 1-100, time windows 60-400 wide.
Travel time = Euclidean distance, truncated down to two decimals.
No best known solutions: `bench.prize_collecting` compares the product with
PyVRP run directly on the same numbers.
"""


def build(size: int, seed: int) -> str:
    rng = random.Random(seed)
    centres = [(rng.uniform(-80, 80), rng.uniform(-80, 80)) for _ in range(6)]
    lines = [f"1 1 {size} 0", "0 0", f"0 0.000 0.000 0 0 0 0 0 {HORIZON}"]
    for i in range(1, size + 1):
        if rng.random() < 0.6:
            cx, cy = rng.choice(centres)
            x, y = rng.gauss(cx, 12), rng.gauss(cy, 12)
        else:
            x, y = rng.uniform(-100, 100), rng.uniform(-100, 100)
        x, y = max(-100.0, min(100.0, x)), max(-100.0, min(100.0, y))
        service = rng.randint(1, 25)
        score = rng.randint(1, 100)
        width = rng.randint(60, 400)
        opening = rng.randint(0, HORIZON - width)
        lines.append(f"{i} {x:.3f} {y:.3f} {service} {score} 0 0 {opening} {opening + width}")
    return "\n".join(lines) + "\n"


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    (FOLDER / "SOURCE.md").write_text(SOURCE)
    for k, size in enumerate(SIZES):
        for variant in range(2):
            name = f"pc{size}_{variant + 1}.txt"
            (FOLDER / name).write_text(build(size, 1000 * size + variant))
            print(FOLDER / name)


if __name__ == "__main__":
    main()
