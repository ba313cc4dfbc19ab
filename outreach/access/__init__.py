"""Access: how far families travel to a session or a fixed site, and what counts as in reach.

One :class:`AccessPolicy` (the travel model that times a family's trip, and the
threshold in minutes) serves every place that asks "is this within reach?":
the catchments that weigh each stop (:mod:`outreach.access.catchment`), the coverage
figures of a plan (:mod:`outreach.access.coverage`), the families' search
(:mod:`outreach.publishing.public`) and the maps. Swapping the travel model (a road engine
for the geodesic default) therefore changes the routes and the coverage alike.

A service may set its own threshold (``Service.access_threshold_min``); a
session of that service is within reach when the trip takes at most that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from outreach.access.travel import GeodesicTravelModel, LatLon, TravelModel

DEFAULT_ACCESS_MIN = 30  # minutes by car: the Seine-Maritime commitment (DESIGN.md)


@dataclass(frozen=True)
class AccessPolicy:
    """The travel model families' trips are timed with, and the default threshold."""

    travel: TravelModel = field(default_factory=GeodesicTravelModel)
    threshold_min: int = DEFAULT_ACCESS_MIN

    def __post_init__(self) -> None:
        if not isinstance(self.threshold_min, int) or not 1 <= self.threshold_min <= 240:
            raise ValueError(f"threshold_min must be 1 to 240 minutes, got {self.threshold_min!r}")

    @classmethod
    def for_services(cls, thresholds: Iterable[int], travel: TravelModel | None = None
                     ) -> AccessPolicy:
        """The policy of a scenario: its services' smallest threshold (the strictest
        promise), or the default when it has none."""
        return cls(travel or GeodesicTravelModel(), min(thresholds, default=DEFAULT_ACCESS_MIN))

    def with_threshold(self, minutes: int) -> AccessPolicy:
        return replace(self, threshold_min=minutes)

    def trip(self, a: LatLon, b: LatLon) -> tuple[int, int]:
        """(minutes, metres) of the trip from ``a`` to ``b``."""
        return self.travel.trip(a, b)

    def minutes_within(self, a: LatLon, b: LatLon, threshold_min: int | None = None) -> int | None:
        """Trip minutes from ``a`` to ``b`` when within the threshold (this policy's,
        or ``threshold_min``), else ``None``."""
        return self.travel.minutes_within(a, b, threshold_min or self.threshold_min)

    def reaches(self, a: LatLon, b: LatLon, threshold_min: int | None = None) -> bool:
        return self.minutes_within(a, b, threshold_min) is not None

    def describe(self) -> dict[str, object]:
        return {"threshold_min": self.threshold_min, "travel": self.travel.describe()}
