"""Catchments: which communes' families a session at each stop serves.

A session at a stop also serves the families of nearby communes within the
service's access threshold (by the scenario's access policy). Each commune of the
scenario's départements goes to its nearest stop within that threshold (ties
by stop code), so no child counts twice; a stop always keeps its own commune.
Children of a commune within the threshold of a fixed site (PMI centre,
antenne) already have a service: they weigh :data:`FIXED_SITE_FACTOR`.

Families come less from farther away: a session serves a commune's children
in full at its own stop, and down to ``1 - DISTANCE_DECAY`` of them at the
threshold (linear in the travel time between).

The nearest-stop assignment gives each stop its own demand (what a session
there is worth alone, used by the heuristics and shown to coordinators). The
optimiser counts coverage itself: each commune is an area reached by every stop
within the threshold (``reach``, with what a session there serves), counted
once per period, so a farther stop can serve a commune whose nearest stop is
not visited, and two neighbouring stops do not count it twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from outreach.access import AccessPolicy
from outreach.access.travel import LatLon
from outreach.models import Commune, FixedSite, Stop

FIXED_SITE_FACTOR = 0.2
DISTANCE_DECAY = 0.5


class Located(Protocol):
    """Anything at a point: a fixed site's row, or a plan's record of one."""

    @property
    def lat(self) -> float: ...

    @property
    def lon(self) -> float: ...


SiteT = TypeVar("SiteT", bound=Located)


def fixed_site_within(here: LatLon, fixed_sites: Sequence[SiteT], access: AccessPolicy
                      ) -> SiteT | None:
    """The first of ``fixed_sites`` within the policy's threshold of ``here``, if any: a
    commune there already has a service (its children weigh :data:`FIXED_SITE_FACTOR`)."""
    return next((f for f in fixed_sites if access.reaches(here, (f.lat, f.lon))), None)


@dataclass(frozen=True)
class Catchments:
    communes: dict[str, tuple[str, ...]]  # stop code -> INSEE codes it serves
    demand: dict[str, int]  # stop code -> vulnerability-weighted young children
    near_fixed_site: dict[str, FixedSite | None]  # stop code -> fixed site serving its commune
    reach: dict[str, tuple[tuple[str, int], ...]]  # INSEE code -> (stop, children it serves)


def catchments(communes: Sequence[Commune], stops: Mapping[str, Stop],
               fixed_sites: Sequence[FixedSite], access: AccessPolicy,
               threshold_min: Mapping[str, int] | None = None) -> Catchments:
    """Assign each commune to its nearest stop within the stop's threshold
    (``threshold_min`` by stop code, else the policy's); weigh each stop's communes by
    the stop's vulnerability and by the fixed-site factor (a fixed site within the
    policy's threshold)."""
    threshold_min = {code: (threshold_min or {}).get(code, access.threshold_min)
                     for code in stops}
    assigned: dict[str, list[Commune]] = {code: [] for code in stops}
    reach: dict[str, tuple[tuple[str, int], ...]] = {}
    credit_at_nearest: dict[str, int] = {}
    own = {stop.commune_insee: code for code, stop in sorted(stops.items(), reverse=True)}
    site_of: dict[str, FixedSite | None] = {}
    for commune in communes:
        here = (commune.lat, commune.lon)
        site_of[commune.insee] = fixed_site_within(here, fixed_sites, access)
        candidates = [
            (minutes, code) for code, stop in stops.items()
            if (minutes := access.minutes_within(here, (stop.lat, stop.lon), threshold_min[code]))
            is not None
        ]
        if commune.insee in own:
            candidates.append((-1, own[commune.insee]))  # a stop always serves its own commune
        if candidates:
            nearest = min(candidates)[1]
            assigned[nearest].append(commune)
            weight = (commune.children_0_6 * stops[nearest].vulnerability
                      * (FIXED_SITE_FACTOR if site_of[commune.insee] else 1.0))
            minutes_to: dict[str, int] = {}
            for minutes, code in candidates:
                minutes_to[code] = min(minutes_to.get(code, minutes), max(0, minutes))
            credits = {code: round(weight * (1 - DISTANCE_DECAY * minutes / threshold_min[code]))
                       for code, minutes in minutes_to.items()}
            reach[commune.insee] = tuple(sorted(credits.items(), key=lambda kv: (-kv[1], kv[0])))
            credit_at_nearest[commune.insee] = credits[nearest]
    demand = {code: sum(credit_at_nearest[c.insee] for c in served)
              for code, served in assigned.items()}
    return Catchments(
        communes={code: tuple(sorted(c.insee for c in served)) for code, served in assigned.items()},
        demand=demand,
        near_fixed_site={code: site_of.get(stop.commune_insee) for code, stop in stops.items()},
        reach=reach,
    )
