"""Travel times between places.

The embedded default, :class:`GeodesicTravelModel`, multiplies the geodesic
distance (geopy, WGS-84 ellipsoid) by a road circuity factor and drives it at a
rural average speed, plus a fixed overhead per trip (parking, getting out of
the village). Anything with the same ``matrix`` method (a road engine such as
OSRM or Valhalla) can replace it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from geopy.distance import geodesic

LatLon = tuple[float, float]


@dataclass(frozen=True)
class TravelMatrix:
    """Square matrices over the points given, in whole minutes and metres."""

    travel_min: tuple[tuple[int, ...], ...]
    distance_m: tuple[tuple[int, ...], ...]


class TravelModel(Protocol):
    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix: ...

    def trip(self, a: LatLon, b: LatLon) -> tuple[int, int]:
        """(minutes, metres) from ``a`` to ``b``."""
        ...

    def minutes_within(self, a: LatLon, b: LatLon, threshold_min: int) -> int | None:
        """Minutes from ``a`` to ``b`` when at most ``threshold_min``, else ``None``."""
        ...

    def reach_km(self, minutes: int) -> float:
        """A straight-line distance no trip of at most ``minutes`` goes beyond."""
        ...

    def describe(self) -> dict[str, object]:
        """The model's parameters, echoed in every plan export."""
        ...


@functools.lru_cache(maxsize=1 << 17)  # at most about 20 MB
def _geodesic_m(a: LatLon, b: LatLon) -> float:
    """Metres between two points on the WGS-84 ellipsoid, remembered: a plan solved
    again (a second solve, a re-plan, a new family's options) measures the same pairs."""
    return float(geodesic(a, b).meters)


@dataclass(frozen=True)
class GeodesicTravelModel:
    """Geodesic distance x circuity at ``speed_kmh``, plus ``overhead_min`` per trip.

    Defaults: circuity 1.3 (typical ratio of road to straight-line distance
    in rural France), 55 km/h (rural average between 50 and 60), 5 minutes of
    overhead. Times are rounded up to the minute so that a plan is never
    optimistic about the road.
    """

    circuity: float = 1.3
    speed_kmh: float = 55.0
    overhead_min: int = 5

    def __post_init__(self) -> None:
        if not 1.0 <= self.circuity <= 3.0:
            raise ValueError(f"circuity must be between 1.0 and 3.0, got {self.circuity}")
        if not 5.0 <= self.speed_kmh <= 130.0:
            raise ValueError(f"speed_kmh must be between 5 and 130, got {self.speed_kmh}")
        if not 0 <= self.overhead_min <= 60:
            raise ValueError(f"overhead_min must be between 0 and 60, got {self.overhead_min}")

    def road_m(self, a: LatLon, b: LatLon) -> int:
        """Estimated road distance in metres between two points."""
        return round(_geodesic_m(a, b) * self.circuity)

    def minutes_for(self, road_m: int) -> int:
        """Driving minutes for ``road_m`` metres, overhead included (0 for no trip)."""
        if road_m == 0:
            return 0
        return math.ceil(road_m / 1000 / self.speed_kmh * 60) + self.overhead_min

    def trip(self, a: LatLon, b: LatLon) -> tuple[int, int]:
        """(minutes, metres) from ``a`` to ``b``, overhead included."""
        road_m = self.road_m(a, b)
        return self.minutes_for(road_m), road_m

    def minutes_within(self, a: LatLon, b: LatLon, threshold_min: int) -> int | None:
        """Travel minutes from ``a`` to ``b`` when at most ``threshold_min``, else None
        (points too far apart by a flat-earth measure, off by far less than 2 % over tens
        of km, are rejected before any geodesic)."""
        reach_m = max(0, threshold_min - self.overhead_min) / 60 * self.speed_kmh * 1000
        shrink = math.cos(math.radians((a[0] + b[0]) / 2))
        flat_m = math.hypot(a[0] - b[0], (a[1] - b[1]) * shrink) * 111_320  # 1° ≈ 111 km
        if flat_m * self.circuity > reach_m * 1.02 + 1000:
            return None
        minutes = self.minutes_for(self.road_m(a, b))
        return minutes if minutes <= threshold_min else None

    def reach_km(self, minutes: int) -> float:
        """Driving at ``speed_kmh`` after the overhead, a road ``circuity`` times the
        straight line (plus 1 km for rounding)."""
        return max(0, minutes - self.overhead_min) / 60 * self.speed_kmh / self.circuity + 1.0

    def matrix(self, points: Sequence[LatLon]) -> TravelMatrix:
        size = len(points)
        distance = [[0] * size for _ in range(size)]
        for i in range(size):
            for j in range(i + 1, size):
                distance[i][j] = distance[j][i] = self.road_m(points[i], points[j])
        return TravelMatrix(
            travel_min=tuple(tuple(self.minutes_for(d) for d in row) for row in distance),
            distance_m=tuple(tuple(row) for row in distance),
        )

    def describe(self) -> dict[str, object]:
        return {
            "kind": "geodesic",
            "circuity": self.circuity,
            "speed_kmh": self.speed_kmh,
            "overhead_min": self.overhead_min,
        }


def travel_model_from(description: dict[str, object]) -> TravelModel:
    """The travel model a plan export describes (its ``travel_model`` block)."""
    if description.get("kind") != "geodesic":
        raise ValueError(f"travel_model.kind: unknown travel model {description.get('kind')!r}")
    return GeodesicTravelModel(circuity=float(description["circuity"]),  # type: ignore[arg-type]
                               speed_kmh=float(description["speed_kmh"]),  # type: ignore[arg-type]
                               overhead_min=int(description["overhead_min"]))  # type: ignore[call-overload]
