"""Which land each commune lies on: the communes a road joins to one another.

Mainland France (Paris's land, with the islands bridged to it: Ré, Oléron, Noirmoutier)
is the default; ``seeds/roads/land.csv`` (built by ``seeds/build_roads.py`` from the
shipped boundaries and a short sourced list of bridges and road-less communes) lists
every other commune with its land: Corsica, each overseas département's main island,
Marie-Galante, Belle-Île, Ouessant, the isolated communes of French Guiana... A vehicle
drives only on its base's land: a commune on another land is never served by road.
"""

from __future__ import annotations

import csv
from functools import cache

from outreach import config

MAINLAND = "75056"  # the land of Paris
MAINLAND_NAME = "France continentale"


@cache
def _lands() -> dict[str, tuple[str, str]]:
    path = config.seeds_dir() / "roads" / "land.csv"
    with path.open(encoding="utf-8") as f:
        return {row["insee"]: (row["land"], row["land_name"])
                for row in csv.DictReader(f, delimiter=";")}


def land_of(insee: str) -> str:
    """The land (the INSEE code of its most populous commune) ``insee`` lies on."""
    return _lands().get(insee, (MAINLAND, MAINLAND_NAME))[0]


def land_name(insee: str) -> str:
    return _lands().get(insee, (MAINLAND, MAINLAND_NAME))[1]


def by_road(a: str, b: str) -> bool:
    """Whether a road joins communes ``a`` and ``b``."""
    return land_of(a) == land_of(b)
