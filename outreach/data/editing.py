"""Editing a scenario's data one record at a time: services, vehicles, staff, stops, absences.

Each save validates the whole record with the same models as scenario files
(:mod:`outreach.data.scenarios`) and raises :class:`FormInvalid` with one message
per field, so that a form can show each error next to what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from outreach import audit
from outreach.data import roads
from outreach.data.communes import import_communes, normalise_name, search_communes
from outreach.data.places import departement_name
from outreach.data.scenarios import (
    CrossingSpec,
    FixedSiteSpec,
    ServiceSpec,
    StaffSpec,
    StopSpec,
    VehicleSpec,
    other_crossing,
    port_off_base,
    unreachable,
)
from outreach.db import use_case
from outreach.errors import FieldProblem, InvalidInput, Message, OutreachError, msg
from outreach.models import (
    Absence,
    CalendarToken,
    Commune,
    DeletedRecord,
    FixedSite,
    Scenario,
    Service,
    StaffMember,
    Stop,
    User,
    Vehicle,
)
from outreach.wording import ROLE_LABELS, WEEKDAYS

WEEKDAY_NAMES = {
    "lundi": 1, "mardi": 2, "mercredi": 3, "jeudi": 4, "vendredi": 5, "samedi": 6, "dimanche": 7,
    "lun": 1, "mar": 2, "mer": 3, "jeu": 4, "ven": 5, "sam": 6, "dim": 7,
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
    "sunday": 7,
}
ROLE_IDS = {label: role for role, label in ROLE_LABELS.items()}


class FormInvalid(InvalidInput):
    """Validation failed; ``fields`` maps each form field to its message (every field's
    problem at once), ``choices`` a field to the values that would settle it (an
    ambiguous commune: ``[(insee, "Name (Département, INSEE)")]``)."""

    def __init__(self, fields: dict[str, str],
                 choices: dict[str, list[tuple[str, str]]] | None = None) -> None:
        self.fields = fields
        self.choices = choices or {}
        super().__init__("Formulaire incomplet ou invalide :",
                         [f"champ {name} : {message}" for name, message in fields.items()])


PROBLEMS_KEY = "__problems__"  # a form's parse errors (windows, roles), merged into the save's


def _parse_problems(data: dict[str, Any]) -> dict[str, str]:
    """The problems a form's parsing left in ``data`` (removed from it)."""
    return dict(data.pop(PROBLEMS_KEY, None) or {})


STALE = ("cette fiche a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte : "
         "rien n'a été enregistré. Vos saisies sont ci-dessous ; rouvrez la fiche pour voir la "
         "nouvelle version avant de recommencer.")


def _claim(session: Session, row: Any, seen_version: int | None) -> None:
    """Optimistic lock: move the row's version on, in the database, only if it is still
    the version the form was made from (``seen_version``); else refuse the save. The
    conditional update makes the check and the claim one step, so that of two
    simultaneous saves from one version exactly one goes through."""
    if row is None or row.id is None or seen_version is None:
        return
    model = type(row)
    claimed = session.execute(
        update(model).where(model.id == row.id, model.version == seen_version)
        .values(version=seen_version + 1))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise FormInvalid({"version": STALE})
    row.version = seen_version + 1
    session.add(row)


MESSAGES = {
    "string_too_short": msg("obligatoire"),
    "missing": msg("obligatoire"),
    "string_pattern_mismatch": msg("format invalide"),
    "int_parsing": msg("nombre entier attendu"),
    "int_from_float": msg("nombre entier attendu"),
    "float_parsing": msg("nombre attendu"),
    "too_short": msg("au moins une valeur"),
    "date_from_datetime_parsing": msg("date AAAA-MM-JJ attendue"),
    "date_parsing": msg("date AAAA-MM-JJ attendue"),
    "bool_parsing": msg("oui ou non attendu"),
}
BOUNDS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt",
          "less_than_equal": "le"}


def _message(e: Any) -> Message:
    """One pydantic error in French, with the bound it breaks."""
    problem = (e.get("ctx") or {}).get("error")
    if isinstance(problem, FieldProblem):
        return problem.message
    if e["type"] in BOUNDS:
        bound = (e.get("ctx") or {}).get(BOUNDS[e["type"]])
        return (msg("au moins %(bound)s", bound=bound) if e["type"].startswith("greater")
                else msg("au plus %(bound)s", bound=bound))
    return MESSAGES.get(e["type"], msg("valeur refusée (%(detail)s)", detail=e["msg"]))


def _problems(spec: type[BaseModel], data: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    """The validated record (or ``None``) and every field's problem, at once."""
    try:
        return spec.model_validate(data), {}
    except ValidationError as error:
        fields: dict[str, str] = {}
        for e in error.errors():
            problem = (e.get("ctx") or {}).get("error")
            if e["loc"]:
                name = str(e["loc"][0])
            elif isinstance(problem, FieldProblem):
                name = problem.field
            else:
                name = "formulaire"
            fields.setdefault(name, _message(e))
        return None, fields


def _role_key(text: str) -> str:
    return normalise_name(text).replace(" ", "_").replace("-", "_")


ROLE_KEYS = {**{_role_key(label): role for role, label in ROLE_LABELS.items()},
             **{_role_key(role): role for role in ROLE_LABELS}}


def parse_roles(text: str) -> list[list[str]]:
    """One crew slot per line, alternatives separated by "|" or " ou "; French labels or
    ids, with or without accents and capitals ("puéricultrice" is the role puericultrice).
    Unknown roles are kept as typed: :func:`unknown_roles` names them."""
    slots = []
    for line in text.splitlines():
        alternatives = [a.strip() for a in re.split(r"\||\bou\b", line) if a.strip()]
        if alternatives:
            slots.append([ROLE_IDS.get(a.lower()) or ROLE_KEYS.get(_role_key(a), a.strip())
                          for a in alternatives])
    return slots


def known_roles(session: Session, scenario_id: str) -> set[str]:
    """The roles a crew slot may ask for: the product's list and any role a member of
    the scenario holds."""
    held = {role for member in session.exec(select(StaffMember).where(
        StaffMember.scenario_id == scenario_id)) for role in member.roles}
    return set(ROLE_LABELS) | held


def unknown_roles(session: Session, scenario_id: str, roles: list[str], field: str) -> dict[str, str]:
    """``{field: message}`` when ``roles`` holds a role nobody could fill, else ``{}``."""
    known = known_roles(session, scenario_id)
    unknown = [r for r in dict.fromkeys(roles) if r not in known]
    if not unknown:
        return {}
    listed = ", ".join(f"{ROLE_LABELS.get(r, r)} ({r})" for r in sorted(known))
    return {field: msg("rôle(s) inconnu(s) : %(unknown)s ; rôles possibles : %(known)s",
                       unknown=", ".join(unknown), known=listed)}


def format_roles(slots: list[list[str]]) -> str:
    return "\n".join(" | ".join(ROLE_LABELS.get(r, r) for r in slot) for slot in slots)


def parse_windows(text: str) -> list[dict[str, Any]]:
    """Lines like "mardi 08:30-12:30" (or "2 08:30-12:30"): one opening window each."""
    windows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"(\w+)\s+(\d{1,2}[:h]\d{2})\s*[-–à]+\s*(\d{1,2}[:h]\d{2})", line, re.IGNORECASE)
        day = match and (WEEKDAY_NAMES.get(match.group(1).lower())
                         or (int(match.group(1)) if match.group(1).isdigit() else None))
        if not match or not day:
            raise FormInvalid({"windows": msg("ligne %(line)s : écrivez par exemple « mardi "
                                              "08:30-12:30 »", line=number)})
        windows.append({"weekday": day, "from": match.group(2).replace("h", ":").zfill(5),
                        "to": match.group(3).replace("h", ":").zfill(5)})
    return windows


def format_windows(windows: list[dict[str, Any]]) -> str:
    return "\n".join(f"{WEEKDAYS[w['weekday'] - 1]} {w['from']}-{w['to']}" for w in windows)


def parse_crossings(text: str) -> list[dict[str, Any]]:
    """Lines like "97125 97110 45 mardi jeudi": the port it sails from and the port it lands
    at (INSEE codes), the minutes, the sailing days; one crossing each."""
    crossings = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.replace(",", " ").split()
        if not words:
            continue
        days = [WEEKDAY_NAMES.get(w.lower()) or (int(w) if w.isdigit() and len(w) == 1 else None)
                for w in words[3:]]
        if len(words) < 4 or not words[2].isdigit() or not all(days):
            raise FormInvalid({"crossings": msg(
                "ligne %(line)s : écrivez le port de départ et le port d'arrivée (codes INSEE), "
                "la durée en minutes et les jours de traversée, par exemple « 97125 97110 45 "
                "mardi jeudi »", line=number)})
        crossings.append({"from_insee": words[0].upper(), "to_insee": words[1].upper(),
                          "minutes": int(words[2]),
                          "sailing_days": sorted({d for d in days if d is not None})})
    return crossings


def format_crossings(crossings: list[dict[str, Any]]) -> str:
    return "\n".join(f"{c['from_insee']} {c['to_insee']} {c['minutes']} "
                     + " ".join(WEEKDAYS[d - 1] for d in c["sailing_days"]) for c in crossings)


def _crossed(service: Service) -> list[str]:
    """The lands a stored service crosses to."""
    return [roads.land_of(c["to_insee"]) for c in service.crossings or []]


def _crossing_problems(session: Session, scenario_id: str, spec: ServiceSpec) -> dict[str, str]:
    """Why the service's crossings cannot be sailed, or would strand one of its stops."""
    for c in spec.crossings:
        for insee in (c.from_insee, c.to_insee):
            _commune(session, insee, "crossings")
    vehicles = session.exec(select(Vehicle).where(Vehicle.scenario_id == scenario_id)).all()
    bases = [v.base_insee for v in vehicles if spec.id in v.services]
    lands = {roads.land_of(b) for b in bases}
    others = [CrossingSpec.model_validate(theirs) for other in session.exec(select(Service).where(
        Service.scenario_id == scenario_id, Service.code != spec.id)) for theirs in other.crossings]
    for c in spec.crossings:  # no vehicle carries the service yet: any port will do
        problems = [port_off_base(c, lands) if lands else None,
                    *(other_crossing(c, theirs) for theirs in others)]
        if problem := next((p for p in problems if p), None):
            return {"crossings": problem}
    crossed = [c.land for c in spec.crossings]
    for stop in session.exec(select(Stop).where(Stop.scenario_id == scenario_id)
                             .order_by(Stop.code)):
        if spec.id in stop.services and (problem := unreachable(
                stop.commune_insee, spec.name, bases, crossed)):
            return {"crossings": msg("l'arrêt %(stop)s en dépend : %(problem)s", stop=stop.code,
                                     problem=problem)}
    return {}


def _row(session: Session, model: type, scenario_id: str, code: str) -> Any:
    return session.exec(select(model).where(
        model.scenario_id == scenario_id, model.code == code)).first()  # type: ignore[attr-defined]


def _commune(session: Session, insee: str, field: str) -> Commune:
    commune = session.get(Commune, insee)
    if commune is None and re.fullmatch(r"(\d{5}|2[AB]\d{3})", insee):
        try:
            import_communes(session, insee[:3] if insee.startswith("97") else insee[:2])
        except OutreachError:  # unknown département: reported below as an unknown commune
            pass
        commune = session.get(Commune, insee)
    if commune is None:
        raise FormInvalid({field: msg("commune « %(insee)s » inconnue (code INSEE à 5 caractères)",
                                      insee=insee)})
    return commune


def _code_taken(session: Session, model: type, scenario_id: str, code: str,
                existing: Any) -> dict[str, str]:
    if existing is None and _row(session, model, scenario_id, code) is not None:
        return {"id": msg("l'identifiant « %(code)s » est déjà utilisé", code=code)}
    return {}


def _check_new_code(session: Session, model: type, scenario_id: str, code: str,
                    existing: Any) -> None:
    if taken := _code_taken(session, model, scenario_id, code, existing):
        raise FormInvalid(taken)
    if existing is None:  # made again by hand: the demo may update it again
        session.execute(delete(DeletedRecord).where(
            col(DeletedRecord.scenario_id) == scenario_id,
            col(DeletedRecord.kind) == model.__tablename__,  # type: ignore[attr-defined]
            col(DeletedRecord.code) == code))


def _unknown_services(session: Session, scenario_id: str, codes: list[str]) -> dict[str, str]:
    known = {s.code for s in session.exec(select(Service).where(Service.scenario_id == scenario_id))}
    unknown = set(codes) - known
    if unknown:
        return {"services": msg("services inconnus : %(codes)s ; services du scénario : %(known)s",
                                codes=", ".join(sorted(unknown)), known=", ".join(sorted(known)))}
    return {}


def _checked(session: Session, scenario_id: str, spec_type: type[BaseModel], model: type,
             data: dict[str, Any], existing: Any,
             more: Callable[[Any], dict[str, str]] = lambda _spec: {}) -> Any:
    """The record ``data`` validated by ``spec_type`` with every problem at once: the
    form's parse errors, a commune typed by name or postcode (:func:`resolve_commune`,
    whose candidates come back as choices), the fields', unknown services, a code
    already taken, and ``more`` of the valid spec."""
    data = dict(data)
    problems = _parse_problems(data)
    choices: dict[str, list[tuple[str, str]]] = {}
    if "commune_insee" in spec_type.model_fields and data.get("commune_insee"):
        scenario = session.get(Scenario, scenario_id)
        try:
            data["commune_insee"] = resolve_commune(
                session, str(data["commune_insee"]), "commune_insee",
                scenario.departement if scenario else None)
        except FormInvalid as error:
            problems.update(error.fields)
            choices = error.choices
    spec, fields = _problems(spec_type, data)
    problems = {**fields, **problems}
    if "services" in spec_type.model_fields and isinstance(data.get("services"), list):
        problems.update({k: v for k, v in _unknown_services(
            session, scenario_id, data["services"]).items() if k not in problems})
    if spec is not None:
        problems.update(_code_taken(session, model, scenario_id, spec.id, existing))
        problems.update(more(spec))
    if problems or spec is None:
        raise FormInvalid(problems or {"formulaire": msg("formulaire invalide")}, choices)
    return spec


@use_case
def save_service(session: Session, scenario_id: str, data: dict[str, Any],
                 existing: Service | None = None, seen_version: int | None = None) -> Service:
    spec = _checked(session, scenario_id, ServiceSpec, Service, data, existing,
                    lambda spec: {**unknown_roles(session, scenario_id,
                                                  [r for slot in spec.required_roles for r in slot],
                                                  "required_roles"),
                                  **(_crossing_problems(session, scenario_id, spec)
                                     if "crossings" in data else {})})
    _check_new_code(session, Service, scenario_id, spec.id, existing)
    _claim(session, existing, seen_version)
    row = existing or Service(scenario_id=scenario_id, code=spec.id, name="", session_min=1)
    row.code, row.name, row.description = spec.id, spec.name, spec.description
    row.what_to_bring, row.required_roles = spec.what_to_bring, spec.required_roles
    row.contact, row.phone, row.allow_day_change = spec.contact, spec.phone, spec.allow_day_change
    row.session_min, row.setup_min, row.packup_min = spec.session_min, spec.setup_min, spec.packup_min
    row.earliest_start_min, row.latest_end_min = spec.earliest_start, spec.latest_end
    row.visits_per_period, row.period_weeks = spec.visits_per_period, spec.period_weeks
    row.min_spacing_days, row.max_sessions_per_day = spec.min_spacing_days, spec.max_sessions_per_day
    row.access_threshold_min = spec.access_threshold_min
    row.max_one_way_min = spec.max_one_way_min
    row.lunch_break_min = spec.lunch_break_min
    row.lunch_start_min, row.lunch_end_min = spec.lunch_start, spec.lunch_end
    if "crossings" in data:  # a form without the field keeps them
        row.crossings = [c.model_dump() for c in spec.crossings]
    session.add(row)
    session.flush()
    audit.record(session, "service.save", f"service {row.code}", scenario=scenario_id,
                 created=existing is None)
    return row


def _stranded_by(session: Session, scenario_id: str, spec: VehicleSpec,
                 existing: Vehicle | None) -> Message | None:
    """Why saving the vehicle would leave a stop no vehicle of its service can reach (its
    base moved to another land, or a service dropped), if it would."""
    others = [v for v in session.exec(select(Vehicle).where(Vehicle.scenario_id == scenario_id))
              if existing is None or v.id != existing.id]
    services = {s.code: s for s in session.exec(select(Service).where(
        Service.scenario_id == scenario_id))}
    for stop in session.exec(select(Stop).where(Stop.scenario_id == scenario_id)
                             .order_by(Stop.code)):
        for code in stop.services:
            if code not in services:
                continue
            lands = _crossed(services[code])
            before = [v.base_insee for v in [*others, *([existing] if existing else [])]
                      if code in v.services]
            after = [v.base_insee for v in others if code in v.services] \
                + ([spec.base_insee] if code in spec.services else [])
            if unreachable(stop.commune_insee, services[code].name, before, lands) is None \
                    and (problem := unreachable(stop.commune_insee, services[code].name, after,
                                                lands)):
                return msg("l'arrêt %(stop)s ne serait plus desservi : %(problem)s",
                           stop=stop.code, problem=problem)
    return None


@use_case
def save_vehicle(session: Session, scenario_id: str, data: dict[str, Any],
                 existing: Vehicle | None = None, seen_version: int | None = None) -> Vehicle:
    def more(spec: Any) -> dict[str, str]:
        if spec.shift_end <= spec.shift_start:
            return {"shift_end": msg("le retour au plus tard doit suivre le départ au plus tôt")}
        return {}

    spec = _checked(session, scenario_id, VehicleSpec, Vehicle, data, existing, more)
    _check_new_code(session, Vehicle, scenario_id, spec.id, existing)
    _claim(session, existing, seen_version)
    base = _commune(session, spec.base_insee, "base_insee")
    if stranded := _stranded_by(session, scenario_id, spec, existing):
        raise FormInvalid({"base_insee": stranded})
    row = existing or Vehicle(scenario_id=scenario_id, code=spec.id, name="", base_insee=base.insee,
                              base_lat=base.lat, base_lon=base.lon)
    row.code, row.name, row.base_insee = spec.id, spec.name, base.insee
    row.base_name = spec.base_name or base.name
    row.base_lat, row.base_lon = base.lat, base.lon
    row.services, row.weekdays = list(spec.services), sorted(spec.weekdays)
    row.max_duty_min, row.shift_start_min, row.shift_end_min = (
        spec.max_duty_min, spec.shift_start, spec.shift_end)
    session.add(row)
    session.flush()
    audit.record(session, "vehicle.save", f"vehicle {row.code}", scenario=scenario_id,
                 created=existing is None)
    return row


@use_case
def save_staff(session: Session, scenario_id: str, data: dict[str, Any],
               existing: StaffMember | None = None, seen_version: int | None = None) -> StaffMember:
    def more(spec: Any) -> dict[str, str]:
        found: dict[str, str] = {}
        unknown = [r for r in spec.roles if r not in ROLE_LABELS]
        if unknown:
            found["roles"] = msg("rôle(s) inconnu(s) : %(roles)s", roles=", ".join(unknown))
        if spec.day_end <= spec.day_start:
            found["day_end"] = msg("la fin de journée doit suivre le début")
        return found

    spec = _checked(session, scenario_id, StaffSpec, StaffMember, data, existing, more)
    _check_new_code(session, StaffMember, scenario_id, spec.id, existing)
    _claim(session, existing, seen_version)
    row = existing or StaffMember(scenario_id=scenario_id, code=spec.id, name="")
    row.code, row.name, row.roles = spec.id, spec.name, list(spec.roles)
    row.weekdays, row.day_start_min, row.day_end_min = sorted(spec.weekdays), spec.day_start, spec.day_end
    row.max_day_min, row.max_week_min = spec.max_day_min, spec.max_week_min
    session.add(row)
    session.flush()
    audit.record(session, "staff.save", f"staff {row.code}", scenario=scenario_id,
                 created=existing is None)
    return row


def resolve_commune(session: Session, text: str, field: str, departement: str | None = None) -> str:
    """The INSEE code meant by ``text``: an INSEE code (read first: 37160 is both Morand's code
    and a postcode), a postcode of one commune, or a name matching one commune exactly (in
    the scenario's ``departement`` first). Anything else is a question, never a guess: a
    :class:`FormInvalid` whose ``choices`` list the candidates with their départements."""
    text = text.strip()
    if re.fullmatch(r"(\d{5}|2[AB]\d{3})", text.upper()) and session.get(Commune, text.upper()):
        return text.upper()
    found = search_communes(session, text, limit=12)
    if not found:
        raise FormInvalid({field: msg(
            "aucune commune ne correspond à « %(text)s » (nom, code postal ou code INSEE d'une "
            "commune dont le département est chargé)", text=text[:80])})
    if re.fullmatch(r"\d{5}", text):
        if len(found) == 1:
            return found[0].insee
        question = msg("le code postal %(text)s dessert plusieurs communes : choisissez-la",
                       text=text)
    else:
        exact = [c for c in found if c.search_name == normalise_name(text)]
        local = [c for c in exact if c.departement == departement]
        if len(local) == 1:
            return local[0].insee
        if len(exact) == 1 and not local and not any(c.departement == departement for c in found):
            return exact[0].insee
        question = msg("« %(text)s » peut désigner plusieurs communes : choisissez-la",
                       text=text[:80])
        # The scenario's département first, then the exact names elsewhere.
        found = sorted(found, key=lambda c: (c.departement != departement,
                                             c.search_name != normalise_name(text), c.name))
    choices = [(c.insee, f"{c.name} ({departement_name(c.departement)}, {c.insee})")
               for c in found]
    raise FormInvalid({field: question}, {field: choices})


@use_case
def save_stop(session: Session, scenario_id: str, data: dict[str, Any],
              existing: Stop | None = None, seen_version: int | None = None) -> Stop:
    spec = _checked(session, scenario_id, StopSpec, Stop, data, existing)
    _check_new_code(session, Stop, scenario_id, spec.id, existing)
    _claim(session, existing, seen_version)
    commune = _commune(session, spec.commune_insee, "commune_insee")
    vehicles = list(session.exec(select(Vehicle).where(Vehicle.scenario_id == scenario_id)))
    for service in session.exec(select(Service).where(
            Service.scenario_id == scenario_id, col(Service.code).in_(spec.services))):
        bases = [v.base_insee for v in vehicles if service.code in v.services]
        if problem := unreachable(commune.insee, service.name, bases, _crossed(service)):
            raise FormInvalid({"commune_insee": problem})
    row = existing or Stop(scenario_id=scenario_id, code=spec.id, commune_insee=commune.insee,
                           venue="", lat=commune.lat, lon=commune.lon)
    moved_commune = row.commune_insee != commune.insee
    row.code, row.commune_insee, row.venue = spec.id, commune.insee, spec.venue
    if spec.lat is not None and spec.lon is not None:
        row.lat, row.lon = spec.lat, spec.lon
    elif existing is None or moved_commune:
        row.lat, row.lon = commune.lat, commune.lon
    row.services, row.vulnerability = list(spec.services), spec.vulnerability
    row.windows = [{"weekday": w.weekday, "from": w.start, "to": w.end} for w in spec.windows]
    session.add(row)
    session.flush()
    audit.record(session, "stop.save", f"stop {row.code}", scenario=scenario_id,
                 created=existing is None)
    return row


@use_case
def save_fixed_site(session: Session, scenario_id: str, data: dict[str, Any],
                    existing: FixedSite | None = None, seen_version: int | None = None) -> FixedSite:
    """A fixed site (PMI centre, antenne) placed at its commune's town hall."""
    spec = _checked(session, scenario_id, FixedSiteSpec, FixedSite, data, existing)
    _check_new_code(session, FixedSite, scenario_id, spec.id, existing)
    _claim(session, existing, seen_version)
    commune = _commune(session, spec.commune_insee, "commune_insee")
    row = existing or FixedSite(scenario_id=scenario_id, code=spec.id, name="",
                                commune_insee=commune.insee, lat=commune.lat, lon=commune.lon)
    row.code, row.name, row.commune_insee = spec.id, spec.name, commune.insee
    row.lat, row.lon = commune.lat, commune.lon
    session.add(row)
    session.flush()
    audit.record(session, "fixed_site.save", f"fixed_site {row.code}", scenario=scenario_id,
                 created=existing is None)
    return row


LONG_ABSENCE_DAYS = 365  # longer needs the coordinator's confirmation


def planning_years(session: Session, scenario_id: str, today: dt.date | None = None) -> range:
    """The years a scenario's dates may fall in: from the year before its default
    start (or today) to three years after; a date outside is a typing slip."""
    scenario = session.get(Scenario, scenario_id)
    base = (scenario.default_start if scenario and scenario.default_start
            else today or dt.date.today()).year
    return range(base - 1, base + 4)


@use_case
def add_absence(session: Session, member: StaffMember, start: str, end: str,
                reason: str, confirm_long: bool = False, today: dt.date | None = None) -> Absence:
    """One absence of ``member``; dates must lie in the scenario's planning years, and
    an absence of more than a year needs ``confirm_long``."""
    fields: dict[str, str] = {}
    years = planning_years(session, member.scenario_id, today)
    dates: dict[str, dt.date] = {}
    for field, text in (("from", start), ("to", end or start)):
        try:
            dates[field] = dt.date.fromisoformat(text.strip())
        except ValueError:
            fields[field] = msg("date AAAA-MM-JJ attendue")
            continue
        if dates[field].year not in years:
            fields[field] = msg("%(date)s n'est pas dans les années de planification (%(first)s à "
                                "%(last)s) : vérifiez l'année", date=dates[field].isoformat(),
                                first=years[0], last=years[-1])
    if not fields and dates["to"] < dates["from"]:
        fields["to"] = msg("l'absence finit avant de commencer")
    if not fields and (dates["to"] - dates["from"]).days + 1 > LONG_ABSENCE_DAYS and not confirm_long:
        fields["confirm_long"] = msg(
            "une absence de %(days)s jours dépasse un an : cochez la confirmation pour "
            "l'enregistrer", days=(dates["to"] - dates["from"]).days + 1)
    if fields:
        raise FormInvalid(fields)
    start_date, end_date = dates["from"], dates["to"]
    assert member.id is not None
    absence = Absence(staff_id=member.id, start_date=start_date, end_date=end_date,
                      reason=reason.strip()[:200])
    session.add(absence)
    _touch(session, member)
    session.flush()
    audit.record(session, "absence.add", f"staff {member.code}", scenario=member.scenario_id,
                 start=start_date.isoformat(), end=end_date.isoformat())
    return absence


def _touch(session: Session, row: Any) -> None:
    """Move a row's version on after a change made outside its form (an absence):
    forms opened before are refused, and seed-demo leaves the row alone."""
    session.execute(update(type(row)).where(type(row).id == row.id)
                    .values(version=type(row).version + 1))
    session.refresh(row)


@use_case
def delete_absence(session: Session, member: StaffMember, absence_id: int) -> bool:
    """Remove one of ``member``'s absences; ``False`` when it is not theirs or gone."""
    absence = session.get(Absence, absence_id)
    if absence is None or absence.staff_id != member.id:
        return False
    session.delete(absence)
    _touch(session, member)
    audit.record(session, "absence.delete", f"staff {member.code}", scenario=member.scenario_id,
                 start=absence.start_date.isoformat(), end=absence.end_date.isoformat())
    return True


@use_case
def delete_record(session: Session, row: Any) -> None:
    """Delete a service, vehicle, staff member or stop unless something still needs it."""
    if isinstance(row, Service):
        users = [v.code for v in session.exec(select(Vehicle).where(Vehicle.scenario_id == row.scenario_id))
                 if row.code in v.services]
        users += [s.code for s in session.exec(select(Stop).where(Stop.scenario_id == row.scenario_id))
                  if row.code in s.services]
        if users:
            raise InvalidInput(
                f"Le service {row.code} est encore utilisé par : {', '.join(sorted(users))}. "
                "Retirez-le d'abord de ces véhicules et arrêts.")
    if isinstance(row, StaffMember):
        for absence in session.exec(select(Absence).where(Absence.staff_id == row.id)):
            session.delete(absence)
        for token in session.exec(select(CalendarToken).where(CalendarToken.staff_id == row.id)):
            session.delete(token)
        for user in session.exec(select(User).where(User.staff_id == row.id)):
            user.staff_id, user.active = None, False
            session.add(user)
    session.delete(row)
    kind = type(row).__tablename__
    if session.exec(select(DeletedRecord).where(
            DeletedRecord.scenario_id == row.scenario_id, DeletedRecord.kind == kind,
            DeletedRecord.code == row.code)).first() is None:
        session.add(DeletedRecord(scenario_id=row.scenario_id, kind=kind, code=row.code,
                                  deleted_at=dt.datetime.now(dt.UTC)))
    session.flush()
    audit.record(session, f"{kind}.delete", f"{row.code}", scenario=row.scenario_id)
