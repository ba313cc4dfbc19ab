"""Crossings: the ferries a service declares to reach an island no road joins.

A crossing goes from a port on one land (the commune it sails from, on the land of a
vehicle's base) to a port on another (the commune it lands at), takes ``minutes``
(boarding and waiting included) and sails on ``sailing_days`` (ISO weekdays). The vehicle
crosses with its crew and equipment; the sea is not driven, so a crossing adds minutes to
a leg and no metres.

A leg between two places on different lands is the fastest chain: drive to a port, cross,
drive on (and again, from island to island through the mainland); each drive is one trip
of the travel model (its overhead included). A pair no chain joins keeps the travel
model's figure, which no plan uses: a stop is served across the sea only by a service
that declares a crossing to its land (``outreach.data.scenarios``), by the vehicles that
reach it, and only on its sailing days (:func:`across_the_sea`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import solver as sm
from outreach.access.travel import LatLon, TravelMatrix, TravelModel


@dataclass(frozen=True)
class Crossing:
    from_land: str  # the land it sails from (outreach.data.roads.land_of)
    land: str  # the land it reaches
    from_point: LatLon
    to_point: LatLon
    minutes: int
    sailing_days: frozenset[int]


_NONE = (1 << 40, 0)  # no chain


def across(travel: TravelModel, points: Sequence[LatLon], lands: Sequence[str],
           crossings: Sequence[Crossing]) -> TravelMatrix:
    """The travel model's matrix over ``points`` (on ``lands``), with every pair on two
    lands that crossings join timed through its fastest chain of crossings."""
    matrix = travel.matrix(points)
    ports = sorted({(c.from_point, c.from_land) for c in crossings}
                   | {(c.to_point, c.land) for c in crossings})
    if not ports or len(set(lands)) < 2:
        return matrix
    # Fastest (minutes, metres) between ports: a drive on one land, a crossing between two.
    size = len(ports)
    best = [[(0, 0) if p == q else _NONE for q in range(size)] for p in range(size)]
    for p, (a, land_a) in enumerate(ports):
        for q, (b, land_b) in enumerate(ports):
            if p != q and land_a == land_b:
                best[p][q] = travel.trip(a, b)
    index = {port: k for k, port in enumerate(ports)}
    for c in crossings:
        p, q = index[(c.from_point, c.from_land)], index[(c.to_point, c.land)]
        best[p][q] = best[q][p] = min(best[p][q], (c.minutes, 0))
    for k in range(size):
        for p in range(size):
            for q in range(size):
                via = (best[p][k][0] + best[k][q][0], best[p][k][1] + best[k][q][1])
                best[p][q] = min(best[p][q], via)
    to_port = [[travel.trip(point, port) if land == port_land else None
                for port, port_land in ports] for point, land in zip(points, lands, strict=True)]
    minutes = [list(row) for row in matrix.travel_min]
    metres = [list(row) for row in matrix.distance_m]
    for i in range(len(points)):
        for j in range(len(points)):
            if lands[i] == lands[j]:
                continue
            chain = _NONE
            for p, leave in enumerate(to_port[i]):
                if leave is None:
                    continue
                for q, arrive in enumerate(to_port[j]):
                    if arrive is None or best[p][q] == _NONE:
                        continue
                    # a trip is the same both ways: port q to point j is point j to port q
                    total = (leave[0] + best[p][q][0] + arrive[0],
                             leave[1] + best[p][q][1] + arrive[1])
                    chain = min(chain, total)
            if chain != _NONE:
                minutes[i][j], metres[i][j] = chain
    return TravelMatrix(travel_min=tuple(tuple(r) for r in minutes),
                        distance_m=tuple(tuple(r) for r in metres))


def across_the_sea(stop: sm.Stop, land: str, vehicles: Sequence[sm.Vehicle],
                   base_land: Mapping[str, str],
                   crossings: Mapping[str, Mapping[str, Crossing]]) -> sm.Stop:
    """``stop`` (on ``land``) as the sea leaves it: only the vehicles that reach it may
    visit (based on its land, or each service they share with it crossing to it), and,
    when one of them crosses, only on the days every crossing it needs sails. Unchanged
    for a stop every vehicle of its services reaches by road."""
    carrying = [v for v in vehicles if v.services & stop.services]
    allowed = [v for v in carrying if base_land[v.id] == land
               or all(land in crossings.get(s, {}) for s in v.services & stop.services)]
    needed = [crossings[s][land] for v in allowed if base_land[v.id] != land
              for s in sorted(v.services & stop.services)]
    windows = stop.windows
    if needed:
        days = frozenset.intersection(*(c.sailing_days for c in needed))
        windows = tuple(w for w in windows if w.weekday in days)
    if len(allowed) == len(carrying):
        return dataclasses.replace(stop, windows=windows) if windows != stop.windows else stop
    if not allowed:  # no vehicle of its services reaches it: it is never open to them
        return dataclasses.replace(stop, windows=())
    costs = dict(stop.vehicle_costs)
    return dataclasses.replace(stop, windows=windows, vehicle_costs=tuple(
        (v.id, costs.get(v.id, 0)) for v in allowed
        if not stop.vehicle_costs or v.id in costs))
