"""Session feeds as iCalendar (RFC 5545), written with the ``icalendar`` package.

One VCALENDAR with a compact Europe/Paris VTIMEZONE (the EU summer-time rule)
and VEVENTs in local time; the package folds lines, escapes text and ends
lines with CRLF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar

TZID = "Europe/Paris"
PRODID = "-//Outreach//Tournées de prévention//FR"
_PARIS = ZoneInfo(TZID)


def _vtimezone() -> icalendar.Timezone:
    """Central European Time with the EU summer-time rule (last Sunday of March and
    of October), which holds for every date our plans cover."""
    zone = icalendar.Timezone()
    zone.add("tzid", TZID)
    zone.add("x-lic-location", TZID)
    for kind, name, offsets, start, month in (
            (icalendar.TimezoneDaylight, "CEST", (1, 2), dt.datetime(1970, 3, 29, 2), 3),
            (icalendar.TimezoneStandard, "CET", (2, 1), dt.datetime(1970, 10, 25, 3), 10)):
        part = kind()
        part.add("tzoffsetfrom", dt.timedelta(hours=offsets[0]))
        part.add("tzoffsetto", dt.timedelta(hours=offsets[1]))
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


@dataclass(frozen=True)
class Event:
    """One calendar event in Paris local time."""

    uid: str
    date: dt.date
    start_min: int  # minutes after midnight, local time
    end_min: int
    summary: str
    location: str = ""
    description: str = ""
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        if not self.uid or any(ch in self.uid for ch in "\r\n"):
            raise ValueError("uid: a non-empty single-line identifier is required")
        if not 0 <= self.start_min < self.end_min <= 24 * 60:
            raise ValueError(
                f"start_min/end_min: {self.start_min}-{self.end_min} is not a time range within a day"
            )


def escape_text(value: str) -> str:
    """A TEXT value as the package writes it: backslash, semicolon, comma and newlines escaped."""
    return icalendar.vText(value).to_ical().decode("utf-8")


def calendar(events: Iterable[Event], name: str, stamp: dt.datetime,
             description: str = "") -> str:
    """The whole iCalendar document.

    ``stamp`` is the DTSTAMP of every event: pass the publication time so the
    same plan always gives the same bytes.
    """
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    if description:
        cal.add("x-wr-caldesc", description)
    cal.add_component(_vtimezone())
    dtstamp = stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)
    for event in events:
        entry = icalendar.Event()
        entry.add("uid", event.uid)
        entry.add("dtstamp", dtstamp)
        midnight = dt.datetime.combine(event.date, dt.time())
        entry.add("dtstart", (midnight + dt.timedelta(minutes=event.start_min)).replace(tzinfo=_PARIS))
        entry.add("dtend", (midnight + dt.timedelta(minutes=event.end_min)).replace(tzinfo=_PARIS))
        entry.add("summary", event.summary)
        if event.location:
            entry.add("location", event.location)
        if event.description:
            entry.add("description", event.description)
        if event.lat is not None and event.lon is not None:
            entry.add("geo", (round(event.lat, 6), round(event.lon, 6)))
        entry.add("status", "CONFIRMED")
        entry.add("transp", "OPAQUE")
        cal.add_component(entry)
    return cal.to_ical().decode("utf-8")
