"""French wording of durations, clock times and dates for coordinators."""

from __future__ import annotations

import datetime as dt

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

ROLE_LABELS = {
    "doctor": "médecin",
    "midwife": "sage-femme",
    "puericultrice": "infirmière puéricultrice",
    "driver": "chauffeur",
    "auxiliaire_puericulture": "auxiliaire de puériculture",
    "educatrice_jeunes_enfants": "éducatrice de jeunes enfants",
    "accueillante": "accueillante",
    "nurse": "infirmière",
}


def role(role_id: str) -> str:
    """A role in French: ``médecin``; an unknown role id reads with spaces."""
    return ROLE_LABELS.get(role_id, role_id.replace("_", " "))


def crew_roles(required_roles: tuple[tuple[str, ...], ...]) -> str:
    """``médecin ou sage-femme, infirmière puéricultrice, chauffeur``."""
    return ", ".join(" ou ".join(role(r) for r in slot) for slot in required_roles)


def hours(minutes: int) -> str:
    """A duration: ``45 min``, ``6 h``, ``2 h 40``."""
    h, m = divmod(minutes, 60)
    if h == 0:
        return f"{m} min"
    return f"{h} h" if m == 0 else f"{h} h {m:02d}"


def clock(minute: int) -> str:
    """A time of day: ``7 h 00``, ``16 h 30``."""
    h, m = divmod(minute, 60)
    return f"{h} h {m:02d}"


def french_date(date: dt.date) -> str:
    """``mardi 06/04/2027``."""
    return f"{WEEKDAYS[date.weekday()]} {date:%d/%m/%Y}"


def weekday_names(weekdays: set[int]) -> str:
    """``lundi, mardi et jeudi`` from ISO weekdays."""
    names = [WEEKDAYS[w - 1] for w in sorted(weekdays)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]
