"""How the product words times, dates, roles and the solver's findings, in
French (the default) and English.

The solver reports findings as codes with their figures
(:class:`solver.Finding`); :func:`say` turns one into a sentence for people,
with display names in place of ids when the caller has them (:class:`Names`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from solver import Finding

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

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
ROLE_LABELS_EN = {
    "doctor": "doctor",
    "midwife": "midwife",
    "puericultrice": "paediatric nurse",
    "driver": "driver",
    "auxiliaire_puericulture": "childcare assistant",
    "educatrice_jeunes_enfants": "early-childhood educator",
    "accueillante": "host",
    "nurse": "nurse",
}


def role(role_id: str, lang: str = "fr") -> str:
    """A role in words: ``médecin``; an unknown role id reads with spaces."""
    labels = ROLE_LABELS_EN if lang == "en" else ROLE_LABELS
    return labels.get(role_id, role_id.replace("_", " "))


def crew_roles(required_roles: tuple[tuple[str, ...], ...], lang: str = "fr") -> str:
    """``médecin ou sage-femme, infirmière puéricultrice, chauffeur``."""
    word = " or " if lang == "en" else " ou "
    return ", ".join(word.join(role(r, lang) for r in slot) for slot in required_roles)


def hours(minutes: int, lang: str = "fr") -> str:
    """A duration: ``45 min``, ``6 h``, ``2 h 40``."""
    h, m = divmod(minutes, 60)
    if h == 0:
        return f"{m} min"
    return f"{h} h" if m == 0 else f"{h} h {m:02d}"


def clock(minute: int, lang: str = "fr") -> str:
    """A time of day: ``7 h 00``, ``16 h 30`` (``07:00`` in English)."""
    h, m = divmod(minute, 60)
    return f"{h:02d}:{m:02d}" if lang == "en" else f"{h} h {m:02d}"


MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")


def date_fr(value: str | dt.date) -> str:
    """"mardi 5 janvier 2027"."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS_FR[day.month - 1]} {day.year}"


_ELISIONS = (
    (re.compile(r"\bde Les "), "des "), (re.compile(r"\bde Le "), "du "),
    (re.compile(r"\bà Les "), "aux "), (re.compile(r"\bà Le "), "au "),
    (re.compile(r"\bde (?=[AEIOUYÀÂÉÈÊÎÏÔŒÛaeiouyàâéèêîïôœû])"), "d'"),
    (re.compile(r"\bque (?=[AEIOUYÀÂÉÈÊÎÏÔŒÛaeiouyàâéèêîïôœû])"), "qu'"),
)


def elide(text: str) -> str:
    """French contractions around place names: "près de Le Pin" -> "près du Pin",
    "de Les Sables" -> "des Sables", "à Le Mans" -> "au Mans", "de Amboise" ->
    "d'Amboise" (names starting with H are left alone: aspirated or not, it depends)."""
    for pattern, replacement in _ELISIONS:
        text = pattern.sub(replacement, text)
    return text


def french_date(date: dt.date) -> str:
    """``mardi 06/04/2027``."""
    return f"{WEEKDAYS[date.weekday()]} {date:%d/%m/%Y}"


def week_of_month(date: dt.date) -> int:
    """1 for the first seven days of the month ("le 1er mercredi"), up to 5."""
    return (date.day - 1) // 7 + 1


ORDINALS = {"fr": ("1er", "2e", "3e", "4e", "5e"), "en": ("1st", "2nd", "3rd", "4th", "5th")}


def rhythm_words(weekday: int, week_of_month: int | None, lang: str = "fr") -> str:
    """"chaque mardi" / "le 2e mercredi du mois" (ISO weekday; week 1-5 or None)."""
    if lang == "en":
        name = WEEKDAYS_EN[weekday - 1]
        return (f"the {ORDINALS['en'][week_of_month - 1]} {name} of the month" if week_of_month
                else f"every {name}")
    name = WEEKDAYS[weekday - 1]
    return (f"le {ORDINALS['fr'][week_of_month - 1]} {name} du mois" if week_of_month
            else f"chaque {name}")


def short_date(date: dt.date, lang: str = "fr") -> str:
    """``mardi 06/04/2027`` or ``Tuesday 2027-04-06``."""
    return f"{WEEKDAYS_EN[date.weekday()]} {date.isoformat()}" if lang == "en" else french_date(date)


def weekday_names(weekdays: set[int] | tuple[int, ...], lang: str = "fr") -> str:
    """``lundi, mardi et jeudi`` from ISO weekdays."""
    names = [(WEEKDAYS_EN if lang == "en" else WEEKDAYS)[w - 1] for w in sorted(weekdays)]
    last = " and " if lang == "en" else " et "
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + last + names[-1]


def clock_span(windows: tuple[tuple[int, int], ...], lang: str = "fr") -> str:
    """Opening hours ``9 h 00 – 12 h 00, 14 h 00 – 17 h 00``."""
    return ", ".join(f"{clock(a, lang)} – {clock(b, lang)}" for a, b in windows) or (
        "no opening hours" if lang == "en" else "aucun créneau")


@dataclass(frozen=True)
class Names:
    """Display names by id; an id without a name is shown as it is."""

    services: Mapping[str, str] = field(default_factory=dict)
    vehicles: Mapping[str, str] = field(default_factory=dict)
    staff: Mapping[str, str] = field(default_factory=dict)
    stops: Mapping[str, str] = field(default_factory=dict)


_PLAIN = Names()

_FR = {
    "unserved.no_carrier": "Aucun véhicule n'assure le service « {service} ».",
    "unserved.no_vehicle_running":
        "Aucun véhicule assurant le service « {service} » ne circule aux dates restantes.",
    "unserved.venue_closed_days":
        "La salle n'est ouverte aucun des jours où circule le véhicule ({weekdays}).",
    "unserved.venue_no_slot":
        "La salle n'est ouverte sur aucun créneau assez long pour une séance de {session_dur}"
        "{between} ({on_site_dur} sur place avec l'installation et le rangement).",
    "unserved.over_capacity":
        "Son chargement ({load}) dépasse la capacité de chaque véhicule qui assure le service "
        "(au plus {capacity}).",
    "unserved.lunch_needs_pair":
        "Seule dans la journée, une séance ici ({windows}) ne laisse pas à l'équipe sa pause "
        "déjeuner de {lunch_dur} entre {from_at} et {to_at} ; elle n'est possible qu'avec une "
        "autre séance le même jour, et les journées qui le permettaient sont prises par "
        "d'autres arrêts.",
    "unserved.lunch":
        "Une séance ici ({windows}), seule ou avec une autre le même jour, ne laisse pas à "
        "l'équipe sa pause déjeuner de {lunch_dur} entre {from_at} et {to_at}.",
    "unserved.beyond_one_way":
        "Trop loin : à {one_way_dur} de la base, au-delà du trajet maximal de {limit_dur} fixé "
        "pour ce service.",
    "unserved.too_far":
        "Trop loin : l'aller-retour depuis la base ({round_trip_dur}) et la séance "
        "({on_site_dur} sur place) ne tiennent pas dans la journée du véhicule ({from_at} – "
        "{to_at}, amplitude {duty_dur}).",
    "unserved.no_crew":
        "Aucune équipe complète ({roles}) n'est disponible les jours où la salle est ouverte.",
    "unserved.spacing":
        "Les dates restantes sont trop proches de ses autres séances (espacement minimal "
        "{days} jours).",
    "unserved.rhythm":
        "Ses autres séances gardent le même jour ({rhythm}) ; les dates restantes où une équipe "
        "est libre tombent un autre jour, et ce service ne change pas le jour d'un arrêt.",
    "unserved.week_hours":
        "Les personnes qui pourraient former l'équipe ({roles}) ont déjà atteint leur plafond "
        "d'heures de la semaine aux dates restantes.",
    "unserved.capacity":
        "Les journées où une séance était possible ({dates} dates) sont déjà prises par "
        "d'autres arrêts, ou leurs équipes travaillent ailleurs.",
    "unserved.already_covered":
        "Les familles qu'elle dessert sont déjà couvertes par d'autres séances proches dans la "
        "période : une séance ici n'en toucherait pas davantage.",
    "unserved.not_worth_travel":
        "Sa demande ({demand}) ne compense pas le détour le plus court ({detour_dur}).",
    "unserved.not_worth_travel_weekday":
        "Sa demande ({demand}) ne compense pas le détour le plus court ({detour_dur}) ajouté à "
        "un jour de semaine de plus pour ses séances.",
    "pin.wrong_vehicle": "Le véhicule « {vehicle} » n'assure pas le service « {service} ».",
    "pin.wrong_service": "L'arrêt {stop} ne propose pas le service « {service} ».",
    "pin.vehicle_off": "Le véhicule « {vehicle} » ne circule pas le {date}.",
    "pin.venue_closed":
        "La salle n'a aucun créneau le {date} pour une séance de {session_dur} ({on_site_dur} "
        "sur place).",
    "pin.too_far":
        "Trop loin : la séance du {date} ne tient pas dans la journée du véhicule « {vehicle} ».",
    "pin.no_crew": "Aucune équipe complète n'est disponible le {date} pour cette séance.",
    "pin.jointly_infeasible":
        "Épingle incompatible avec d'autres épingles (même journée du véhicule, espacement "
        "minimal ou fréquence maximale).",
    "route.unknown": "{where} : véhicule ou service inconnu ({service_id!r})",
    "route.not_working_day": "{where} : ce n'est pas un jour ouvré de l'horizon",
    "route.vehicle_off": "{where} : le véhicule ne circule pas ce jour-là",
    "route.wrong_service": "{where} : le véhicule n'assure pas le service {service}",
    "route.crew_size": "{where} : {crew} personnes pour {slots} postes d'équipe",
    "route.crew_twice": "{where} : une même personne occupe deux postes",
    "route.not_vehicle_crew": "{where} : {staff} ne fait pas partie de l'équipe de ce véhicule",
    "route.unknown_staff": "{where} : membre du personnel inconnu ({staff_id!r})",
    "route.unqualified":
        "{where} : {staff} ne peut pas tenir le poste « {slot} » en tant que {role}",
    "route.day_hours":
        "{where} : {staff} travaillerait {duty_dur}, au-delà de son maximum de {limit_dur}",
    "route.unavailable": "{where} : {staff} n'est pas disponible de {from_at} à {to_at}",
    "route.session_count": "{where} : {sessions} séances dans la journée, {limit} au plus",
    "route.early_departure":
        "{where} : départ à {depart_at}, avant le début de service du véhicule ({shift_at})",
    "route.late_return":
        "{where} : retour à {return_at}, après la fin de service du véhicule ({shift_at})",
    "route.duty": "{where} : amplitude de {duty_dur}, au-delà des {limit_dur} du véhicule",
    "route.load": "{where} : chargement de {load}, au-delà de la capacité du véhicule ({capacity})",
    "route.unknown_stop": "{where} : arrêt inconnu ({stop_id!r})",
    "visit.one_way":
        "{at} : à {one_way_dur} de la base, au-delà du trajet maximal de {limit_dur} fixé pour "
        "ce service",
    "visit.wrong_service":
        "{at} : le service {service} n'est pas celui de la tournée ou n'est pas proposé ici",
    "visit.travel": "{at} : trajet annoncé de {stated} min, {expected} min selon la matrice",
    "visit.early_arrival":
        "{at} : arrivée à {arrive_at}, avant l'heure où le véhicule peut y être ({possible_at})",
    "visit.setup": "{at} : l'installation ne dure pas {minutes} min",
    "visit.session": "{at} : la séance ne dure pas {minutes} min",
    "visit.packup": "{at} : le rangement ne dure pas {minutes} min",
    "visit.service_hours":
        "{at} : séance de {start_at} à {end_at}, hors des horaires du service ({from_at} – "
        "{to_at})",
    "visit.off_grid":
        "{at} : séance à {start_at}, hors de la grille des horaires affichés (toutes les "
        "{grid_dur})",
    "visit.wrong_vehicle": "{at} : ce lieu n'est pas visité par ce véhicule (ou cette "
                           "puéricultrice)",
    "visit.closed":
        "{at} : présence de {from_at} à {to_at} en dehors des créneaux d'ouverture du lieu ce "
        "jour-là",
    "route.return_too_early": "{where} : retour annoncé à {return_at}, avant l'heure possible "
                              "({possible_at})",
    "route.travel_total": "{where} : temps de trajet total de {stated} min au lieu de {expected}",
    "route.distance": "{where} : la distance ne correspond pas à la matrice des trajets",
    "route.no_lunch":
        "{where} : l'équipe n'a pas une pause déjeuner de {lunch_dur} entre {from_at} et {to_at}",
    "route.lunch_outside":
        "{where} : pause de {start_at} à {end_at}, alors qu'il faut une pause déjeuner de "
        "{lunch_dur} entre {from_at} et {to_at}",
    "route.lunch_busy":
        "{where} : la pause de {start_at} à {end_at} tombe pendant une séance ou un trajet",
    "staff.week_hours":
        "{staff} travaille {worked_dur} la semaine {week} de {year}, au-delà de son plafond de "
        "{limit_dur}",
    "vehicle.two_routes": "Véhicule {vehicle} : {routes} tournées le {date}",
    "staff.two_routes": "{staff} est dans {routes} tournées le {date}",
    "stop.spacing":
        "{stop} ({service}) : séances le {date} et le {next_date}, à moins de {days} jours "
        "d'écart",
    "stop.period_cap": "{stop} ({service}) : {sessions} séances dans la période {period}, au plus "
                       "{limit}",
    "stop.rhythm": "{stop} ({service}) : les séances du {on_dates} ne tombent pas toutes le même jour, "
                   "alors que ce service garde le jour de chaque arrêt",
    "manual.removed": "Séance retirée à la main par la coordination.",
    "pin.lost": "Séance épinglée {stop} du {date} ({vehicle}) ni tenue ni signalée comme "
                "abandonnée",
    "group.spacing": "{stop} et {other} ({group}) : séances le {date} et le {next_date}, à moins "
                     "de {days} jours d'écart",
    "sync.unpaired": "{stop} : séance commune du {date} à {start_at} sans {partner} à l'heure "
                     "convenue",
    "unserved.sync":
        "C'est une visite à deux ({partner}) : aucun créneau ne réunit les deux professionnels "
        "à la même heure.",
}

_EN = {
    "unserved.no_carrier": "No vehicle runs the service “{service}”.",
    "unserved.no_vehicle_running":
        "No vehicle running the service “{service}” is out on the remaining dates.",
    "unserved.venue_closed_days":
        "The venue is closed on every day the vehicle runs ({weekdays}).",
    "unserved.venue_no_slot":
        "The venue has no opening long enough for a {session_dur} session{between} "
        "({on_site_dur} on site with set-up and pack-up).",
    "unserved.over_capacity":
        "Its load ({load}) exceeds the capacity of every vehicle running the service (at most "
        "{capacity}).",
    "unserved.lunch_needs_pair":
        "Alone in a day, a session here ({windows}) leaves the crew no {lunch_dur} lunch break "
        "between {from_at} and {to_at}; it is only possible with another session the same day, "
        "and the days that allowed one went to other stops.",
    "unserved.lunch":
        "A session here ({windows}), alone or with another the same day, leaves the crew no "
        "{lunch_dur} lunch break between {from_at} and {to_at}.",
    "unserved.beyond_one_way":
        "Too far: {one_way_dur} from the base, beyond the {limit_dur} one-way limit set for this "
        "service.",
    "unserved.too_far":
        "Too far: the round trip from the base ({round_trip_dur}) and the session ({on_site_dur} "
        "on site) do not fit in the vehicle's day ({from_at} – {to_at}, at most {duty_dur}).",
    "unserved.no_crew": "No full crew ({roles}) is free on the days the venue is open.",
    "unserved.spacing":
        "The remaining dates are too close to its other sessions (at least {days} days apart).",
    "unserved.rhythm":
        "Its other sessions keep one day ({rhythm}); the remaining dates with a free crew fall "
        "on another day, and this service does not change a stop's day.",
    "unserved.week_hours":
        "The people who could form the crew ({roles}) have used up their weekly hours on the "
        "remaining dates.",
    "unserved.capacity":
        "The days when a session was possible ({dates} dates) went to other stops, or their "
        "crews work elsewhere.",
    "unserved.already_covered":
        "The families it serves are already covered by other nearby sessions in the period: a "
        "session here would reach no more of them.",
    "unserved.not_worth_travel":
        "Its demand ({demand}) does not make up for the shortest detour ({detour_dur}).",
    "unserved.not_worth_travel_weekday":
        "Its demand ({demand}) does not make up for the shortest detour ({detour_dur}) plus one "
        "more weekday for its sessions.",
    "pin.wrong_vehicle": "The vehicle “{vehicle}” does not run the service “{service}”.",
    "pin.wrong_service": "The stop {stop} does not offer the service “{service}”.",
    "pin.vehicle_off": "The vehicle “{vehicle}” is not out on {date}.",
    "pin.venue_closed":
        "The venue has no opening on {date} for a {session_dur} session ({on_site_dur} on site).",
    "pin.too_far": "Too far: the session of {date} does not fit in the day of “{vehicle}”.",
    "pin.no_crew": "No full crew is free on {date} for this session.",
    "pin.jointly_infeasible":
        "Pin incompatible with other pins (same vehicle-day, minimum spacing or maximum "
        "frequency).",
    "route.unknown": "{where}: unknown vehicle or service ({service_id!r})",
    "route.not_working_day": "{where}: not a working day of the horizon",
    "route.vehicle_off": "{where}: the vehicle is not out that day",
    "route.wrong_service": "{where}: the vehicle does not run the service {service}",
    "route.crew_size": "{where}: {crew} people for {slots} crew posts",
    "route.crew_twice": "{where}: one person holds two posts",
    "route.not_vehicle_crew": "{where}: {staff} is not of this vehicle's crew",
    "route.unknown_staff": "{where}: unknown staff member ({staff_id!r})",
    "route.unqualified": "{where}: {staff} cannot hold the post “{slot}” as {role}",
    "route.day_hours": "{where}: {staff} would work {duty_dur}, beyond their {limit_dur} maximum",
    "route.unavailable": "{where}: {staff} is not available from {from_at} to {to_at}",
    "route.session_count": "{where}: {sessions} sessions in the day, at most {limit}",
    "route.early_departure":
        "{where}: leaves at {depart_at}, before the vehicle's shift starts ({shift_at})",
    "route.late_return": "{where}: back at {return_at}, after the vehicle's shift ends ({shift_at})",
    "route.duty": "{where}: a {duty_dur} day, beyond the vehicle's {limit_dur}",
    "route.load": "{where}: load of {load}, beyond the vehicle's capacity ({capacity})",
    "route.unknown_stop": "{where}: unknown stop ({stop_id!r})",
    "visit.one_way": "{at}: {one_way_dur} from the base, beyond the {limit_dur} one-way limit "
                     "set for this service",
    "visit.wrong_service": "{at}: the service {service} is not the route's or not offered here",
    "visit.travel": "{at}: a stated leg of {stated} min, {expected} min in the matrix",
    "visit.early_arrival":
        "{at}: arrives at {arrive_at}, before the vehicle can be there ({possible_at})",
    "visit.setup": "{at}: set-up does not last {minutes} min",
    "visit.session": "{at}: the session does not last {minutes} min",
    "visit.packup": "{at}: pack-up does not last {minutes} min",
    "visit.service_hours":
        "{at}: session from {start_at} to {end_at}, outside the service's hours ({from_at} – "
        "{to_at})",
    "visit.off_grid": "{at}: session at {start_at}, off the grid of posted times (every "
                      "{grid_dur})",
    "visit.wrong_vehicle": "{at}: this place is not visited by this vehicle (or nurse)",
    "visit.closed": "{at}: on site from {from_at} to {to_at}, outside the venue's opening hours "
                    "that day",
    "route.return_too_early": "{where}: stated return at {return_at}, before it can be "
                              "({possible_at})",
    "route.travel_total": "{where}: total driving of {stated} min instead of {expected}",
    "route.distance": "{where}: the distance does not match the travel matrix",
    "route.no_lunch": "{where}: the crew has no {lunch_dur} lunch break between {from_at} and "
                      "{to_at}",
    "route.lunch_outside":
        "{where}: break from {start_at} to {end_at}, where a {lunch_dur} lunch break between "
        "{from_at} and {to_at} is needed",
    "route.lunch_busy": "{where}: the break from {start_at} to {end_at} falls during a session "
                        "or a drive",
    "staff.week_hours": "{staff} works {worked_dur} in week {week} of {year}, beyond their "
                        "{limit_dur} limit",
    "vehicle.two_routes": "Vehicle {vehicle}: {routes} routes on {date}",
    "staff.two_routes": "{staff} is in {routes} routes on {date}",
    "stop.spacing": "{stop} ({service}): sessions on {date} and {next_date}, less than {days} "
                    "days apart",
    "stop.period_cap": "{stop} ({service}): {sessions} sessions in period {period}, at most "
                       "{limit}",
    "stop.rhythm": "{stop} ({service}): the sessions of {on_dates} do not all fall on the same day, "
                   "though this service keeps each stop's day",
    "manual.removed": "Session removed by hand by the coordinators.",
    "pin.lost": "Pinned session {stop} of {date} ({vehicle}) neither held nor reported dropped",
    "group.spacing": "{stop} and {other} ({group}): sessions on {date} and {next_date}, less "
                     "than {days} days apart",
    "sync.unpaired": "{stop}: joint session of {date} at {start_at} without {partner} at the agreed "
                     "time",
    "unserved.sync":
        "It is a joint visit ({partner}): no slot brings both professionals together at the "
        "same time.",
}

TEMPLATES = {"fr": _FR, "en": _EN}


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _tuples(value: Any) -> Any:
    """Lists (from a JSON document) back to tuples, all the way down."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def say(finding: Finding | Mapping[str, Any], lang: str = "fr", names: Names = _PLAIN) -> str:
    """One sentence for ``finding`` (a :class:`solver.Finding` or its export form
    ``{"code": ..., "args": {...}}``) in ``lang``, with ``names`` for ids."""
    if isinstance(finding, Finding):
        code, args = finding.code, dict(finding.args)
    else:
        code, args = finding["code"], dict(finding.get("args", {}))
    lang = lang if lang in TEMPLATES else "fr"
    words: dict[str, str] = {}
    for key, value in args.items():
        value = _tuples(value)
        if key.endswith("_at"):
            words[key] = clock(value, lang)
        elif key.endswith("_dur"):
            words[key] = hours(value, lang)
        elif key in ("date", "next_date"):
            words[key] = short_date(_date(value), lang)
        elif key == "on_dates":
            words[key] = ", ".join(short_date(_date(d), lang) for d in value)
        elif key == "weekdays":
            words[key] = weekday_names(value, lang)
        elif key == "windows":
            words[key] = clock_span(value, lang)
        elif key == "roles":
            words[key] = crew_roles(value, lang)
        elif key == "slot":
            words[key] = (" or " if lang == "en" else " ou ").join(role(r, lang) for r in value)
        elif key == "role":
            words[key] = role(value, lang)
        else:
            words[key] = str(value)
    for key, table in (("service", names.services), ("vehicle", names.vehicles),
                       ("staff", names.staff), ("stop", names.stops)):
        if key in args:
            words[f"{key}_id"] = str(args[key])
            words[key] = table.get(str(args[key]), str(args[key]))
    if "vehicle" in args and "date" in args:
        day = short_date(_date(args["date"]), lang)
        words["where"] = (f"Route of “{words['vehicle']}” on {day}" if lang == "en"
                          else f"Tournée « {words['vehicle']} » du {day}")
        if "stop" in args:
            words["at"] = words["where"] + (f", at {words['stop']}" if lang == "en"
                                            else f", à {words['stop']}")
    if "monthly" in args and "date" in args:
        held_on = _date(args["date"])
        words["rhythm"] = rhythm_words(held_on.isoweekday(),
                                       week_of_month(held_on) if args["monthly"] else None, lang)
    bounded = "from_at" in words and code == "unserved.venue_no_slot"
    words["between"] = ((f" between {words['from_at']} and {words['to_at']}" if lang == "en"
                         else f" entre {words['from_at']} et {words['to_at']}") if bounded else "")
    return TEMPLATES[lang][code].format(**words)


def finding_json(finding: Finding) -> dict[str, Any]:
    """The export form of a finding: ``{"code": ..., "args": {...}}`` with dates in ISO."""
    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        return value
    return {"code": finding.code, "args": {k: plain(v) for k, v in finding.args}}
