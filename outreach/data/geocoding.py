"""Address look-up for families: the national address base (BAN) through geopy.

The look-up needs the network; when it is unreachable the caller falls back on
the offline commune and postcode look-up (outreach.data.communes). Addresses typed
by families are neither stored nor logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from geopy.exc import GeopyError

# A house number then a word, a street word, or a comma: what a commune name
# or a postcode alone never is.
_STREET_WORDS = (r"rue|avenue|av|boulevard|bd|chemin|route|rte|place|allee|allée|impasse|"
                 r"lieu[- ]dit|lotissement|hameau|quai|cours|square|sentier|voie|ruelle|faubourg")
_ADDRESS = re.compile(rf"^\s*\d+\s*(bis|ter)?\s*[a-zà-ÿ]|\b({_STREET_WORDS})\b|,", re.IGNORECASE)
_POSTCODE = re.compile(r"\b(\d{5})\b")


class Geocoder(Protocol):
    def geocode(self, query: str, *args: Any, **kwargs: Any) -> Any: ...


class AddressLookupUnavailable(Exception):
    """The address service could not be reached or did not answer in time."""


@dataclass(frozen=True)
class AddressMatch:
    label: str
    lat: float
    lon: float
    citycode: str | None  # INSEE code of the commune, when the service gives it


def looks_like_address(text: str) -> bool:
    return bool(_ADDRESS.search(text)) and not re.fullmatch(r"\s*\d{5}\s*", text)


def default_geocoder(timeout_s: float = 3.0) -> Geocoder:
    from geopy.geocoders import BANFrance

    return BANFrance(user_agent="outreach-prevention-planner", timeout=timeout_s)


def locate_address(text: str, geocoder: Geocoder) -> AddressMatch | None:
    """The best match for an address, or None if the service knows no such place.

    Raises AddressLookupUnavailable when the service fails (offline, timeout, error).
    """
    try:
        location = geocoder.geocode(text, exactly_one=True)
    except (GeopyError, OSError) as error:
        raise AddressLookupUnavailable(str(error)) from error
    if location is None:
        return None
    raw = getattr(location, "raw", None) or {}
    properties = raw.get("properties", {}) if isinstance(raw, dict) else {}
    return AddressMatch(
        label=str(properties.get("label") or getattr(location, "address", "") or text),
        lat=float(location.latitude), lon=float(location.longitude),
        citycode=properties.get("citycode"),
    )


def commune_hint(text: str) -> str | None:
    """What to try with the offline look-up when an address cannot be located:
    its postcode, else what follows its last comma."""
    postcode = _POSTCODE.search(text)
    if postcode:
        return postcode.group(1)
    if "," in text:
        tail = text.rsplit(",", 1)[1].strip()
        return tail or None
    return None


_COORDINATE = re.compile(r"[-+]?\d{1,3}(?:\.\d+)?")


def parse_point(text: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a point typed as a phone's map application shares it:
    ``43.6108, 3.8767``, ``geo:43.6108,3.8767``, ``43,6108 ; 3,8767`` or ``43.6108 3.8767``;
    ``None`` when the text is not such a pair or is off the globe. The two numbers are
    apart by a semicolon, else by a lone comma (then no decimal comma), else by spaces."""
    text = text.strip().removeprefix("geo:")
    if ";" in text:
        parts = text.split(";")
    elif text.count(",") == 1:
        parts = text.split(",")
    else:
        parts = text.split()
    numbers = [p.strip().replace(",", ".") for p in parts]
    if len(numbers) != 2 or not all(_COORDINATE.fullmatch(n) for n in numbers):
        return None
    lat, lon = (float(n) for n in numbers)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon
