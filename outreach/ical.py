"""A small iCalendar (RFC 5545) writer for session feeds.

Only what our feeds need: one VCALENDAR with a Europe/Paris VTIMEZONE and
VEVENTs with local start and end times. Lines end with CRLF and are folded
at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1); text
values are escaped (§3.3.11).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

TZID = "Europe/Paris"
PRODID = "-//Outreach//Tournées de prévention//FR"
MAX_LINE_OCTETS = 75

# Central European Time with the EU summer-time rule (last Sunday of March
# and of October), which holds for every date our plans cover.
_VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "X-LIC-LOCATION:Europe/Paris",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


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
    """A TEXT value: backslash, semicolon, comma and newlines escaped."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Split a content line into 75-octet pieces joined by CRLF and a space."""
    pieces: list[str] = []
    current = ""
    size = 0
    limit = MAX_LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
            limit = MAX_LINE_OCTETS - 1  # continuation lines start with a space
        current += ch
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _local(day: dt.date, minutes: int) -> str:
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    return moment.strftime("%Y%m%dT%H%M%S")


def _utc(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: Iterable[Event], name: str, stamp: dt.datetime,
             description: str = "") -> str:
    """The whole iCalendar document.

    ``stamp`` is the DTSTAMP of every event: pass the publication time so the
    same plan always gives the same bytes.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{TZID}",
    ]
    if description:
        lines.append(f"X-WR-CALDESC:{escape_text(description)}")
    lines += _VTIMEZONE
    dtstamp = _utc(stamp)
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;TZID={TZID}:{_local(event.date, event.start_min)}",
            f"DTEND;TZID={TZID}:{_local(event.date, event.end_min)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.lat is not None and event.lon is not None:
            lines.append(f"GEO:{event.lat:.6f};{event.lon:.6f}")
        lines += ["STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
