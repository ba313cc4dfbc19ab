"""Conversions between "HH:MM" strings and minutes after midnight."""


def parse_hhmm(text: str, field: str = "time") -> int:
    """Parse "HH:MM" into minutes after midnight, naming ``field`` on error."""
    try:
        hours_text, minutes_text = text.strip().split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except (AttributeError, ValueError):
        raise ValueError(f"{field}: expected a time as HH:MM (e.g. 09:30), got {text!r}") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise ValueError(f"{field}: {text!r} is not a time of day between 00:00 and 24:00")
    return hours * 60 + minutes


def format_hhmm(minutes: int) -> str:
    """Format minutes after midnight as "HH:MM"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_duration_fr(minutes: int) -> str:
    """A duration in French style: "2 h 05", "45 min"."""
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"
