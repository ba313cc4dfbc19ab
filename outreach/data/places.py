"""The families' look-up of a place: every commune of France, offline.

The national communes file (seeds/communes) is read once into memory; a query is a
postcode (every commune it serves, then the commune with that INSEE code if any), an
INSEE code, or a name: written with or
without accents, hyphens, apostrophes or capitals, "St"/"Ste" for Saint/Sainte,
optionally followed by a département ("Beaulieu 37", "Beaulieu (Indre-et-Loire)")
or a postcode. Homonyms all come back, each with its département's name, exact
names first, then names that start with the query, then names that hold it, the
most populous first; a long list says how many more there are.
"""

from __future__ import annotations

import bisect
import csv
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property

from outreach import config
from outreach.data.communes import normalise_name, read_seed

DEFAULT_LIMIT = 30  # places listed for one query; the rest are counted


@cache
def departement_names() -> dict[str, str]:
    """Département codes ("37", "2A", "974") to their names ("Indre-et-Loire")."""
    path = config.seeds_dir() / "departements" / "departements.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def departement_name(code: str) -> str:
    return departement_names().get(code, code)


@dataclass(frozen=True)
class Place:
    """A commune of France as the look-up knows it (the fields pages read of a commune)."""

    insee: str
    name: str
    departement: str
    postcodes: str  # space-separated, as in the communes table
    population: int
    lat: float
    lon: float
    search_name: str

    @property
    def departement_name(self) -> str:
        return departement_name(self.departement)

    @property
    def postcode(self) -> str:
        return (self.postcodes.split() or [""])[0]


@dataclass(frozen=True)
class PlaceMatches:
    """The places a query names, best first; ``total`` counts them all when
    ``places`` lists only the first ones."""

    places: tuple[Place, ...] = ()
    total: int = 0
    exact: bool = False  # named by their exact name, postcode or INSEE code

    @property
    def more(self) -> int:
        return self.total - len(self.places)


_POSTCODE = re.compile(r"\d{5}")
_INSEE = re.compile(r"(?:\d{5}|2[ABab]\d{3})")
# "Beaulieu 37", "Beaulieu (37)", "Beaulieu - 2A", "Beaulieu 37600"
_TRAILING_CODE = re.compile(r"^(.*?)[\s,(–-]+\(?\s*(\d{5}|\d{2,3}|2[ABab])\s*\)?\s*$")


@dataclass
class PlaceIndex:
    """Every commune, with look-ups by postcode, INSEE code and name."""

    places: list[Place]
    by_insee: dict[str, Place] = field(init=False)
    by_postcode: dict[str, list[Place]] = field(init=False)
    by_name: dict[str, list[Place]] = field(init=False)
    _blob: str = field(init=False, repr=False)
    _offsets: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.places.sort(key=lambda p: (-p.population, p.name, p.insee))
        # All names in one string (most populous first): a substring search runs in C.
        self._blob = "\n".join(p.search_name for p in self.places)
        self._offsets = []
        at = 0
        for place in self.places:
            self._offsets.append(at)
            at += len(place.search_name) + 1
        self.by_insee = {p.insee: p for p in self.places}
        self.by_postcode = {}
        self.by_name = {}
        for place in self.places:
            for code in place.postcodes.split():
                self.by_postcode.setdefault(code, []).append(place)
            self.by_name.setdefault(place.search_name, []).append(place)

    @cached_property
    def _by_latitude(self) -> tuple[list[float], list[Place]]:
        ordered = sorted(self.places, key=lambda p: p.lat)
        return [p.lat for p in ordered], ordered

    def within(self, lat: float, lon: float, radius_km: float) -> list[Place]:
        """The places in the box of ``radius_km`` around a point (a superset of those
        within that straight-line distance)."""
        lats, ordered = self._by_latitude
        dlat = radius_km / 111.0
        dlon = radius_km / (111.0 * max(0.05, math.cos(math.radians(lat))))
        low, high = bisect.bisect_left(lats, lat - dlat), bisect.bisect_right(lats, lat + dlat)
        return [p for p in ordered[low:high] if abs(p.lon - lon) <= dlon]

    @cached_property
    def _departements_by_name(self) -> dict[str, str]:
        return {normalise_name(name): code for code, name in departement_names().items()}

    def get(self, insee: str) -> Place | None:
        return self.by_insee.get(insee.upper())

    def find(self, query: str, limit: int = DEFAULT_LIMIT) -> PlaceMatches:
        """The places ``query`` names (see the module docstring)."""
        text = " ".join(query.split())
        if not text:
            return PlaceMatches()
        compact = text.replace(" ", "")
        if _POSTCODE.fullmatch(compact):
            found = sorted(self.by_postcode.get(compact, []), key=lambda p: p.name)
            coded = self.by_insee.get(compact)  # an INSEE code, after the postcode's communes
            if coded is not None and coded not in found:
                found.append(coded)
            return PlaceMatches(tuple(found[:limit]), len(found), exact=bool(found))
        if _INSEE.fullmatch(compact) and compact.upper() in self.by_insee:
            return PlaceMatches((self.by_insee[compact.upper()],), 1, exact=True)
        name, where = self._split_where(text)
        key = normalise_name(name)
        if not key:
            return PlaceMatches()
        exact = [p for p in self.by_name.get(key, []) if where(p)]
        if exact:
            return PlaceMatches(tuple(exact[:limit]), len(exact), exact=True)
        starts: list[Place] = []
        inside: list[Place] = []
        for place in self._holding(key):
            if where(place):
                (starts if place.search_name.startswith(key) else inside).append(place)
        found = starts + inside
        return PlaceMatches(tuple(found[:limit]), len(found))

    def _holding(self, key: str) -> list[Place]:
        """The places whose name holds ``key``, most populous first."""
        found: list[int] = []
        at = self._blob.find(key)
        while at >= 0:
            index = bisect.bisect_right(self._offsets, at) - 1
            if not found or found[-1] != index:
                found.append(index)
            at = self._blob.find(key, at + 1)
        return [self.places[i] for i in found]

    def _split_where(self, text: str) -> tuple[str, Callable[[Place], bool]]:
        """The name asked for, and a filter from a trailing département or postcode."""
        match = _TRAILING_CODE.match(text)
        if match and match.group(1).strip():
            code = match.group(2).upper()
            if len(code) == 5:
                return match.group(1), lambda p: code in p.postcodes.split()
            code = code.zfill(2) if code.isdigit() and len(code) < 2 else code
            if code in departement_names():
                return match.group(1), lambda p: p.departement == code
        # "Beaulieu (Indre-et-Loire)" or "Beaulieu, Indre-et-Loire"
        named = re.match(r"^(.*?)\s*[,(]\s*([^,()]+?)\s*\)?\s*$", text)
        if named and named.group(1).strip():
            code = self._departements_by_name.get(normalise_name(named.group(2)))
            if code is not None:
                return named.group(1), lambda p: p.departement == code
        return text, lambda p: True


@cache
def national_index() -> PlaceIndex:
    """The look-up over the national communes file (read once per process)."""
    return PlaceIndex([
        Place(insee=c.insee, name=c.name, departement=c.departement, postcodes=c.postcodes,
              population=c.population, lat=c.lat, lon=c.lon,
              search_name=normalise_name(c.name))
        for c in read_seed()
    ])
