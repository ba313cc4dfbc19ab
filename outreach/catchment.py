"""Catchments: which communes' families a session at each stop serves.

A session at a stop also serves the families of nearby communes within the
service's access threshold (30 minutes by default). Each commune of the
scenario's départements goes to its nearest stop within that threshold (ties
by stop code), so no child counts twice; a stop always keeps its own commune.
Children of a commune within the threshold of a fixed site (PMI centre,
antenne) already have a service: they weigh :data:`FIXED_SITE_FACTOR`.

This is a fixed assignment made before solving: if a commune's nearest stop
is not visited, the commune is not counted as served through a farther one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from outreach.models import Commune, FixedSite, Stop
from outreach.travel import GeodesicTravelModel

FIXED_SITE_FACTOR = 0.2


@dataclass(frozen=True)
class Catchments:
    communes: dict[str, tuple[str, ...]]  # stop code -> INSEE codes it serves
    demand: dict[str, int]  # stop code -> vulnerability-weighted young children
    near_fixed_site: dict[str, FixedSite | None]  # stop code -> fixed site serving its commune


def catchments(communes: Sequence[Commune], stops: Mapping[str, Stop],
               fixed_sites: Sequence[FixedSite], threshold_min: Mapping[str, int],
               travel: GeodesicTravelModel | None = None,
               fixed_site_threshold_min: int = 30) -> Catchments:
    """Assign each commune to its nearest stop within the stop's threshold; weigh each
    stop's communes by the stop's vulnerability and by the fixed-site factor."""
    travel = travel or GeodesicTravelModel()
    assigned: dict[str, list[Commune]] = {code: [] for code in stops}
    own = {stop.commune_insee: code for code, stop in sorted(stops.items(), reverse=True)}
    site_of: dict[str, FixedSite | None] = {}
    for commune in communes:
        here = (commune.lat, commune.lon)
        site_of[commune.insee] = next(
            (f for f in fixed_sites
             if travel.minutes_within(here, (f.lat, f.lon), fixed_site_threshold_min) is not None), None)
        candidates = [
            (minutes, code) for code, stop in stops.items()
            if (minutes := travel.minutes_within(here, (stop.lat, stop.lon), threshold_min[code]))
            is not None
        ]
        if commune.insee in own:
            candidates.append((-1, own[commune.insee]))  # a stop always serves its own commune
        if candidates:
            assigned[min(candidates)[1]].append(commune)
    demand = {}
    for code, served in assigned.items():
        weight = stops[code].vulnerability
        demand[code] = round(sum(
            c.children_0_6 * weight * (FIXED_SITE_FACTOR if site_of[c.insee] else 1.0)
            for c in served))
    return Catchments(
        communes={code: tuple(sorted(c.insee for c in served)) for code, served in assigned.items()},
        demand=demand,
        near_fixed_site={code: site_of.get(stop.commune_insee) for code, stop in stops.items()},
    )
