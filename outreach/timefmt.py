"""Conversions between "HH:MM" strings and minutes after midnight."""


from outreach.messages import FieldProblem, msg


def parse_hhmm(text: str, field: str = "time") -> int:
    """Parse "HH:MM" into minutes after midnight, naming ``field`` on error."""
    try:
        hours_text, minutes_text = text.strip().split(":")
        hours, minutes = int(hours_text), int(minutes_text)
    except (AttributeError, ValueError):
        raise FieldProblem(field, msg("heure attendue au format HH:MM (ex. 09:30), pas « %(text)s »",
                                      text=str(text)[:20])) from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise FieldProblem(field, msg("« %(text)s » n'est pas une heure entre 00:00 et 24:00",
                                      text=str(text)[:20]))
    return hours * 60 + minutes


def format_hhmm(minutes: int) -> str:
    """Format minutes after midnight as "HH:MM"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_duration_fr(minutes: int) -> str:
    """A duration in French style: "2 h 05", "45 min"."""
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d}"
