"""The iCalendar writer (RFC 5545): CRLF lines, folding, escaping, time zone."""

import datetime as dt

import pytest

from outreach.publishing import ical

STAMP = dt.datetime(2027, 1, 2, 9, 30, tzinfo=dt.UTC)


def _event(**changes):
    values = {"uid": "a@outreach", "date": dt.date(2027, 1, 4), "start_min": 600, "end_min": 960,
                  "summary": "Bus de la prévention — Yzeures-sur-Creuse",
                  "location": "Salle polyvalente, Yzeures-sur-Creuse"}
    values.update(changes)
    return ical.Event(**values)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_every_line_ends_with_crlf_and_no_bare_lf():
    text = ical.calendar([_event()], "Test", STAMP)
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_long_lines_are_folded_at_75_octets_without_splitting_characters():
    long_text = "Carnet de santé de l'enfant, é à è ù — " * 10
    text = ical.calendar([_event(description=long_text)], "Test", STAMP)
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    raw = text.encode("utf-8")
    raw.decode("utf-8")  # no character was cut in two
    description = next(line for line in unfold(text) if line.startswith("DESCRIPTION:"))
    assert description == "DESCRIPTION:" + ical.escape_text(long_text)


def test_text_values_are_escaped():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_dtstart_and_dtend_are_local_paris_times_with_a_vtimezone():
    lines = unfold(ical.calendar([_event()], "Test", STAMP))
    assert "DTSTART;TZID=Europe/Paris:20270104T100000" in lines
    assert "DTEND;TZID=Europe/Paris:20270104T160000" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Paris" in lines
    assert "DTSTAMP:20270102T093000Z" in lines


def test_required_calendar_and_event_properties_are_present():
    lines = unfold(ical.calendar([_event(), _event(uid="b@outreach")], "Test", STAMP))
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert any(line.startswith("PRODID:") for line in lines)
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    assert {line for line in lines if line.startswith("UID:")} == {"UID:a@outreach",
                                                                  "UID:b@outreach"}


def test_same_input_gives_the_same_bytes():
    assert ical.calendar([_event()], "Test", STAMP) == ical.calendar([_event()], "Test", STAMP)


@pytest.mark.parametrize("changes, message", [
    ({"uid": ""}, "uid"),
    ({"uid": "a\nb"}, "uid"),
    ({"start_min": 960, "end_min": 600}, "start_min"),
    ({"end_min": 1500}, "start_min"),
])
def test_bad_events_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        _event(**changes)


def test_a_calendar_reads_back_with_summer_and_winter_offsets():
    import icalendar

    text = ical.calendar([_event(), _event(uid="s@outreach", date=dt.date(2027, 7, 5))], "Test",
                         STAMP)
    events = {e["UID"]: e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}
    winter = events["a@outreach"].decoded("DTSTART")
    summer = events["s@outreach"].decoded("DTSTART")
    assert winter.astimezone(dt.UTC).hour == 9 and summer.astimezone(dt.UTC).hour == 8
    assert str(events["a@outreach"]["SUMMARY"]) == "Bus de la prévention — Yzeures-sur-Creuse"
