"""PyVRP run directly on a literature instance, for comparison with the product at equal
time: ``pyvrp.solve`` alone with ``MaxRuntime``, on the plain instance.

A VRPTW (Solomon) instance has every customer required with its load and the vehicles'
capacity; a TOPTW instance has optional customers whose prize is ``PRIZE`` per point of
score. Times and distances are in 1/``raw.scale`` of the file's unit, travel as the
product's adapter computes it (:func:`bench.readers.scaled_distance`: exact for truncated
distances, rounded up otherwise), so that PyVRP's plans hold under the evaluator.
"""

from __future__ import annotations

import math

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from bench.readers import RawInstance, scaled_distance

PRIZE = 1000  # PyVRP's prize per point of score (distance in hundredths costs 1)


def pyvrp_direct(raw: RawInstance, seconds: float, seed: int) -> list[list[int]]:
    """Routes (customer numbers as in the file) found by ``pyvrp.solve`` in ``seconds``."""
    scale, nodes = raw.scale, raw.nodes
    vrptw = raw.kind == "vrptw"
    distance = np.array(scaled_distance(raw), dtype=np.int64)
    clients = [
        pyvrp.Client(location=i, delivery=[c.demand if vrptw else 0],
                     service_duration=math.ceil(scale * c.service - 1e-9),
                     tw_early=math.ceil(scale * c.ready - 1e-9),
                     tw_late=math.floor(scale * c.due + 1e-9),
                     prize=0 if vrptw else PRIZE * c.score, required=vrptw)
        for i, c in enumerate(nodes[1:], start=1)
    ]
    data = pyvrp.ProblemData(
        [pyvrp.Location(x=0, y=0) for _ in nodes], clients, [pyvrp.Depot(location=0)],
        [pyvrp.VehicleType(num_available=raw.vehicles,
                           capacity=[raw.capacity or 0] if vrptw else [0], tw_early=0,
                           tw_late=math.floor(scale * nodes[0].due + 1e-9), unit_distance_cost=1)],
        [distance], [distance], [],
    )
    result = pyvrp.solve(data, stop=MaxRuntime(seconds), seed=seed, display=False)
    # Activities name clients by their index among the clients: customer number - 1.
    return [[a.idx + 1 for a in route if a.is_client()] for route in result.best.routes()]
