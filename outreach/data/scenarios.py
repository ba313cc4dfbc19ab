"""Scenario files (seeds/scenarios/*.toml): validation and loading.

A scenario is a département's services, vehicles, staff and stops. Loading
is idempotent: rows are matched by their code and updated in place, so
running ``outreach seed-demo`` twice leaves one copy of everything.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Annotated, Any

import tomli_w
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlmodel import Session, col, select

from outreach import audit, config
from outreach.access import DEFAULT_ACCESS_MIN
from outreach.appointments import Appointments, SiteAppointments
from outreach.data import roads
from outreach.data.communes import import_communes
from outreach.data.organisations import ensure_organisation
from outreach.errors import FieldProblem, InvalidInput, Message, UnknownScenario, msg
from outreach.models import (
    Absence,
    Commune,
    DeletedRecord,
    FixedSite,
    Organisation,
    Scenario,
    Service,
    StaffMember,
    Stop,
    Vehicle,
)
from outreach.timefmt import format_hhmm, parse_hhmm

Weekday = Annotated[int, Field(ge=1, le=7)]
Code = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Insee = Annotated[str, Field(pattern=r"^(\d{5}|2[AB]\d{3})$")]


def french_phone(value: str) -> str:
    """A French number written as families dial it ("02 47 31 47 31"), or "" for none."""
    digits = "".join(c for c in value if c not in " .-\u00a0")
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    if not digits:
        return ""
    if len(digits) != 10 or not digits.isdigit() or digits[0] != "0" or digits[1] == "0":
        raise FieldProblem("phone", msg("un numéro français à dix chiffres est attendu (ex. "
                                        "02 47 31 47 31)"))
    return " ".join(digits[i:i + 2] for i in range(0, 10, 2))


PhoneNumber = Annotated[str, AfterValidator(french_phone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _minutes(value: Any, info: Any) -> int:
    if isinstance(value, int):
        return value
    return parse_hhmm(str(value), info.field_name)


class ScenarioHeader(_Strict):
    id: Code
    name: str
    departement: str
    default_start: dt.date | None = None
    default_weeks: int = Field(default=4, ge=1, le=26)
    description: str = ""
    # The name of the département's organisation, made with it if missing (families see it).
    organisation: str = ""


class CrossingSpec(_Strict):
    """A ferry the service takes to reach an island (outreach.access.crossings)."""

    from_insee: Insee  # the commune it sails from, on the land of a vehicle's base
    to_insee: Insee  # the commune it lands at
    minutes: int = Field(ge=5, le=600)  # boarding and waiting included
    sailing_days: list[Weekday] = Field(min_length=1)

    @model_validator(mode="after")
    def _across(self) -> CrossingSpec:
        if roads.by_road(self.from_insee, self.to_insee):
            raise FieldProblem("to_insee", msg(
                "une route relie déjà %(to)s à %(from)s : une traversée joint deux terres "
                "que la mer sépare", to=self.to_insee, **{"from": self.from_insee}))
        self.sailing_days = sorted(set(self.sailing_days))
        return self

    @property
    def land(self) -> str:
        return roads.land_of(self.to_insee)


class ServiceSpec(_Strict):
    id: Code
    name: str
    description: str = ""
    what_to_bring: str = ""
    contact: str = ""
    phone: PhoneNumber = ""
    required_roles: list[list[str]] = Field(min_length=1)
    session_min: int = Field(gt=0, le=720)
    setup_min: int = Field(default=0, ge=0, le=120)
    packup_min: int = Field(default=0, ge=0, le=120)
    earliest_start: int = 0
    latest_end: int = 1440
    visits_per_period: int = Field(default=1, ge=1, le=10)
    period_weeks: int = Field(default=4, ge=1, le=12)
    min_spacing_days: int = Field(default=0, ge=0, le=90)
    max_sessions_per_day: int = Field(default=1, ge=1, le=6)
    max_one_way_min: int | None = Field(default=None, ge=5, le=300)
    access_threshold_min: int = Field(default=DEFAULT_ACCESS_MIN, ge=5, le=120)
    lunch_break_min: int = Field(default=0, ge=0, le=120)
    lunch_start: int = 720
    lunch_end: int = 840
    allow_day_change: bool = False
    appointments: Appointments | None = None
    crossings: list[CrossingSpec] = Field(default_factory=list)

    _times = field_validator("earliest_start", "latest_end", "lunch_start", "lunch_end",
                             mode="before")(_minutes)

    @model_validator(mode="after")
    def _fits(self) -> ServiceSpec:
        if any(not slot for slot in self.required_roles):
            raise FieldProblem("required_roles", msg("chaque poste de l'équipe demande au moins "
                                                     "un rôle"))
        if self.latest_end - self.earliest_start < self.session_min:
            raise FieldProblem("latest_end", msg(
                "une séance de %(minutes)s min ne tient pas entre le début au plus tôt et la fin "
                "au plus tard", minutes=self.session_min))
        if self.lunch_break_min and self.lunch_end - self.lunch_start < self.lunch_break_min:
            raise FieldProblem("lunch_end", msg(
                "une pause de %(minutes)s min ne tient pas entre le début et la fin de la pause "
                "déjeuner", minutes=self.lunch_break_min))
        lands = [c.land for c in self.crossings]
        if twice := sorted({roads.land_name(c.to_insee) for c in self.crossings
                            if lands.count(c.land) > 1}):
            raise FieldProblem("crossings", msg("une seule traversée par île : %(lands)s en a "
                                                "plusieurs", lands=", ".join(twice)))
        return self


class VehicleSpec(_Strict):
    id: Code
    name: str
    base_insee: Insee
    base_name: str = ""
    services: list[str] = Field(min_length=1)
    weekdays: list[Weekday] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    max_duty_min: int = Field(default=600, gt=0, le=1440)
    shift_start: int = 450
    shift_end: int = 1140

    _times = field_validator("shift_start", "shift_end", mode="before")(_minutes)


class AbsenceSpec(_Strict):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> AbsenceSpec:
        if self.end < self.start:
            raise FieldProblem("to", msg("l'absence finit avant de commencer"))
        return self


class StaffSpec(_Strict):
    id: Code
    name: str
    roles: list[str] = Field(min_length=1)
    weekdays: list[Weekday]
    day_start: int = 480
    day_end: int = 1080
    max_day_min: int = Field(default=600, gt=0, le=720)
    max_week_min: int | None = Field(default=None, ge=60, le=3600)
    absences: list[AbsenceSpec] = Field(default_factory=list)

    _times = field_validator("day_start", "day_end", mode="before")(_minutes)


class WindowSpec(_Strict):
    weekday: Weekday
    start: str = Field(alias="from")
    end: str = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> WindowSpec:
        if parse_hhmm(self.end, "to") <= parse_hhmm(self.start, "from"):
            raise FieldProblem("to", msg("le créneau ferme avant d'ouvrir"))
        return self


class StopSpec(_Strict):
    id: Code
    commune_insee: Insee
    venue: str = Field(min_length=1)
    services: list[str] = Field(min_length=1)
    vulnerability: float = Field(default=1.0, ge=0.1, le=5.0)
    windows: list[WindowSpec] = Field(min_length=1)
    lat: float | None = None
    lon: float | None = None


class FixedSiteSpec(_Strict):
    id: Code
    name: str = Field(min_length=1)
    commune_insee: Insee
    lat: float | None = None
    lon: float | None = None
    appointments: SiteAppointments | None = None  # what families may book there


class ScenarioSpec(_Strict):
    scenario: ScenarioHeader
    services: list[ServiceSpec] = Field(min_length=1)
    vehicles: list[VehicleSpec] = Field(min_length=1)
    staff: list[StaffSpec] = Field(min_length=1)
    stops: list[StopSpec] = Field(min_length=1)
    fixed_sites: list[FixedSiteSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> ScenarioSpec:
        service_ids = {s.id for s in self.services}
        for kind, items in (("services", self.services), ("vehicles", self.vehicles),
                            ("staff", self.staff), ("stops", self.stops),
                            ("fixed_sites", self.fixed_sites)):
            ids = [item.id for item in items]
            dups = sorted({i for i in ids if ids.count(i) > 1})
            if dups:
                raise FieldProblem(kind, msg("identifiant(s) en double : %(ids)s",
                                             ids=", ".join(dups)))
        for vehicle in self.vehicles:
            if unknown := set(vehicle.services) - service_ids:
                raise FieldProblem(f"vehicles.{vehicle.id}.services", msg(
                    "service(s) inconnu(s) : %(ids)s", ids=", ".join(sorted(unknown))))
        crossing_of: dict[str, CrossingSpec] = {}
        for service in self.services:
            for k, crossing in enumerate(service.crossings):
                where = f"services.{service.id}.crossings.{k}"
                base_lands = {roads.land_of(v.base_insee) for v in self.vehicles
                              if service.id in v.services}
                if problem := port_off_base(crossing, base_lands):
                    raise FieldProblem(f"{where}.from_insee", problem)
                other = crossing_of.setdefault(crossing.land, crossing)
                if problem := other_crossing(crossing, other):
                    raise FieldProblem(where, problem)
        for stop in self.stops:
            if unknown := set(stop.services) - service_ids:
                raise FieldProblem(f"stops.{stop.id}.services", msg(
                    "service(s) inconnu(s) : %(ids)s", ids=", ".join(sorted(unknown))))
            for service in (s for s in self.services if s.id in stop.services):
                bases = [v.base_insee for v in self.vehicles if service.id in v.services]
                if problem := unreachable(stop.commune_insee, service.id, bases,
                                          [c.land for c in service.crossings]):
                    raise FieldProblem(f"stops.{stop.id}.commune_insee", problem)
        return self


def port_off_base(crossing: CrossingSpec, base_lands: set[str]) -> Message | None:
    """Why ``crossing`` cannot be sailed by vehicles based on ``base_lands``, if so."""
    if roads.land_of(crossing.from_insee) in base_lands:
        return None
    return msg("le port de départ %(insee)s n'est pas sur la terre d'une base des véhicules du "
               "service", insee=crossing.from_insee)


def other_crossing(crossing: CrossingSpec, other: CrossingSpec) -> Message | None:
    """Why ``crossing`` cannot stand beside ``other``, declared in the same scenario by
    another service, if so: one crossing per island (same ports, minutes and days)."""
    if other.land != crossing.land or other == crossing:
        return None
    return msg("deux services déclarent des traversées différentes vers %(land)s : un scénario "
               "a une seule traversée par île (mêmes ports, durée et jours)",
               land=roads.land_name(crossing.to_insee))


def unreachable(insee: str, service: str, bases: list[str],
                crossing_lands: list[str]) -> Message | None:
    """Why a stop in commune ``insee`` cannot be served by ``service``, whose vehicles are
    based in ``bases`` and which crosses to ``crossing_lands``; None when it can (or
    when no vehicle carries the service yet)."""
    if not bases or any(roads.by_road(insee, base) for base in bases) \
            or roads.land_of(insee) in crossing_lands:
        return None
    return msg("aucune route ne relie la commune %(insee)s (%(land)s) à la base d'un véhicule "
               "du service %(service)s, qui ne déclare pas de traversée vers cette île : un "
               "véhicule ne traverse pas la mer. Retirez l'arrêt, basez un véhicule sur cette "
               "île, ou déclarez la traversée du service (port de départ, durée, jours).",
               insee=insee, land=roads.land_name(insee), service=service)


def scenario_dir() -> Path:
    return config.seeds_dir() / "scenarios"


def available_scenarios() -> list[str]:
    return sorted(p.stem for p in scenario_dir().glob("*.toml"))


def read_scenario(path: Path) -> ScenarioSpec:
    """Parse and validate a scenario file; errors name the file and field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path.name}: TOML invalide ({error})") from None
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(f"Scénario {path.name} invalide :",
                           [f"{path.name}, champ {where} : {text}"
                            for where, text in field_problems(error)]) from None


def field_problems(error: ValidationError) -> list[tuple[str, str]]:
    """(field path, message) of each problem of a validation error, our own refusals
    (:class:`FieldProblem`) worded as raised."""
    problems = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"])
        problem = (e.get("ctx") or {}).get("error")
        if isinstance(problem, FieldProblem):
            where = ".".join(filter(None, (where, problem.field)))
            text = str(problem.message)
        else:
            text = e["msg"]
        problems.append((where, text))
    return problems


def _upsert(session: Session, model: type, scenario_id: str, code: str, keep_edited: bool = False,
            **values: Any) -> Any:
    """Create or update the row of ``code``; with ``keep_edited``, a row a coordinator
    has saved since (its version moved on) is left as it is, and one they deleted stays
    deleted (``None``)."""
    row = session.exec(
        select(model).where(model.scenario_id == scenario_id, model.code == code)  # type: ignore[attr-defined]
    ).first()
    if row is None and keep_edited and session.exec(select(DeletedRecord).where(
            DeletedRecord.scenario_id == scenario_id,
            DeletedRecord.kind == model.__tablename__,  # type: ignore[attr-defined]
            DeletedRecord.code == code)).first() is not None:
        return None  # a coordinator deleted it: not brought back
    if row is None:
        row = model(scenario_id=scenario_id, code=code, **values)
    elif keep_edited and getattr(row, "version", 1) > 1:
        return row
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.add(row)
    session.flush()
    return row


def _departement_of(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


def _communes(session: Session, codes: set[str]) -> dict[str, Commune]:
    rows = session.exec(select(Commune).where(col(Commune.insee).in_(sorted(codes)))).all()
    return {c.insee: c for c in rows}


def load_scenario(session: Session, spec: ScenarioSpec, keep_edited: bool = False,
                  unowned: bool = False) -> Scenario:
    """Write a validated scenario (and its département's communes) to the database; with
    ``keep_edited``, records a coordinator has edited since are kept as they are. With
    ``unowned``, the scenario belongs to no organisation (the national report's: only
    administrators see it) and no organisation is made for its département."""
    keep = {"keep_edited": keep_edited}
    header = spec.scenario
    if session.exec(select(Commune).where(Commune.departement == header.departement)).first() is None:
        import_communes(session, header.departement)
    references = [(f"vehicles.{v.id}.base_insee", v.base_insee) for v in spec.vehicles]
    references += [(f"stops.{s.id}.commune_insee", s.commune_insee) for s in spec.stops]
    references += [(f"services.{s.id}.crossings.{k}.{end}", getattr(c, end))
                   for s in spec.services for k, c in enumerate(s.crossings)
                   for end in ("from_insee", "to_insee")]
    references += [(f"fixed_sites.{f.id}.commune_insee", f.commune_insee) for f in spec.fixed_sites]
    wanted = {insee for _, insee in references}
    communes = _communes(session, wanted)
    # A base or stop may lie in a neighbouring département: load it too.
    for departement in sorted({_departement_of(insee) for insee in wanted - set(communes)}):
        import_communes(session, departement)
    communes = _communes(session, wanted)
    problems = [
        f"champ {field} : commune {insee} inconnue" for field, insee in references
        if insee not in communes
    ]
    if problems:
        raise InvalidInput(f"Scénario {header.id} invalide :", problems)

    scenario = session.get(Scenario, header.id) or Scenario(id=header.id, name=header.name,
                                                             departement=header.departement)
    if unowned:
        scenario.organisation_id = None
    elif scenario.organisation_id is None:  # an administrator may have moved it since: kept
        scenario.organisation_id = ensure_organisation(
            session, header.departement, header.organisation or None).id
    scenario.name = header.name
    scenario.departement = header.departement
    scenario.description = header.description
    scenario.default_start = header.default_start
    scenario.default_weeks = header.default_weeks
    session.add(scenario)
    session.flush()

    for s in spec.services:
        _upsert(session, Service, header.id, s.id, **keep, name=s.name, description=s.description,
                what_to_bring=s.what_to_bring, contact=s.contact, phone=s.phone,
                allow_day_change=s.allow_day_change, required_roles=s.required_roles,
                session_min=s.session_min, setup_min=s.setup_min, packup_min=s.packup_min,
                earliest_start_min=s.earliest_start, latest_end_min=s.latest_end,
                visits_per_period=s.visits_per_period, period_weeks=s.period_weeks,
                min_spacing_days=s.min_spacing_days, max_sessions_per_day=s.max_sessions_per_day,
                max_one_way_min=s.max_one_way_min, access_threshold_min=s.access_threshold_min,
                lunch_break_min=s.lunch_break_min, lunch_start_min=s.lunch_start,
                lunch_end_min=s.lunch_end,
                appointments=s.appointments.model_dump(exclude_none=True) if s.appointments else None,
                crossings=[c.model_dump() for c in s.crossings])
    for v in spec.vehicles:
        base = communes[v.base_insee]
        _upsert(session, Vehicle, header.id, v.id, **keep, name=v.name, base_insee=v.base_insee,
                base_name=v.base_name or base.name, base_lat=base.lat, base_lon=base.lon,
                services=v.services, weekdays=sorted(v.weekdays), max_duty_min=v.max_duty_min,
                shift_start_min=v.shift_start, shift_end_min=v.shift_end)
    for p in spec.staff:
        member = _upsert(session, StaffMember, header.id, p.id, **keep, name=p.name, roles=p.roles,
                         weekdays=sorted(p.weekdays), day_start_min=p.day_start,
                         day_end_min=p.day_end, max_day_min=p.max_day_min,
                         max_week_min=p.max_week_min)
        if member is None or (keep_edited and member.version > 1):
            continue  # their absences are the coordinator's too
        for old in session.exec(select(Absence).where(Absence.staff_id == member.id)).all():
            session.delete(old)
        for a in p.absences:
            session.add(Absence(staff_id=member.id, start_date=a.start, end_date=a.end,
                                reason=a.reason))
    for stop in spec.stops:
        commune = communes[stop.commune_insee]
        _upsert(session, Stop, header.id, stop.id, **keep, commune_insee=stop.commune_insee, venue=stop.venue,
                lat=stop.lat if stop.lat is not None else commune.lat,
                lon=stop.lon if stop.lon is not None else commune.lon,
                services=stop.services, vulnerability=stop.vulnerability,
                windows=[{"weekday": w.weekday, "from": w.start, "to": w.end} for w in stop.windows])
    for site in spec.fixed_sites:
        commune = communes[site.commune_insee]
        _upsert(session, FixedSite, header.id, site.id, **keep, name=site.name,
                commune_insee=site.commune_insee,
                lat=site.lat if site.lat is not None else commune.lat,
                lon=site.lon if site.lon is not None else commune.lon,
                appointments=site.appointments.model_dump(exclude_none=True)
                if site.appointments else None)
    session.flush()
    return scenario


def seed_demo(session: Session, names: list[str] | None = None) -> list[Scenario]:
    """Load the demo scenarios shipped in seeds/scenarios (all of them by default); what a
    coordinator has edited since is kept, never reverted."""
    chosen = names or available_scenarios()
    loaded = []
    for name in chosen:
        path = scenario_dir() / f"{name}.toml"
        if not path.exists():
            raise UnknownScenario(
                f"Scénario inconnu : {name!r}. Disponibles : {', '.join(available_scenarios())}."
            )
        loaded.append(load_scenario(session, read_scenario(path), keep_edited=True))
    return loaded


def scenario_spec(session: Session, scenario_id: str) -> dict[str, Any]:
    """A scenario as the data of a scenario file (``ScenarioSpec``), from the database."""
    scenario = session.get(Scenario, scenario_id)
    if scenario is None:
        raise UnknownScenario(f"Scénario inconnu : {scenario_id!r}.")
    hhmm = format_hhmm

    def rows(model: type) -> list[Any]:
        return list(session.exec(select(model).where(model.scenario_id == scenario_id)  # type: ignore[attr-defined]
                                 .order_by(model.code)))  # type: ignore[attr-defined]

    header: dict[str, Any] = {"id": scenario.id, "name": scenario.name,
                              "departement": scenario.departement,
                              "default_weeks": scenario.default_weeks,
                              "description": scenario.description}
    if scenario.default_start:
        header["default_start"] = scenario.default_start
    organisation = session.get(Organisation, scenario.organisation_id) \
        if scenario.organisation_id else None
    if organisation is not None:
        header["organisation"] = organisation.name
    staff = []
    for p in rows(StaffMember):
        member: dict[str, Any] = {
            "id": p.code, "name": p.name, "roles": list(p.roles), "weekdays": list(p.weekdays),
            "day_start": hhmm(p.day_start_min), "day_end": hhmm(p.day_end_min),
            "max_day_min": p.max_day_min,
            "absences": [{"from": a.start_date, "to": a.end_date, "reason": a.reason}
                         for a in session.exec(select(Absence).where(Absence.staff_id == p.id)
                                               .order_by(col(Absence.start_date)))]}
        if p.max_week_min is not None:
            member["max_week_min"] = p.max_week_min
        staff.append(member)
    services = []
    for s in rows(Service):
        service: dict[str, Any] = {
            "id": s.code, "name": s.name, "description": s.description,
            "what_to_bring": s.what_to_bring, "contact": s.contact, "phone": s.phone,
            "allow_day_change": s.allow_day_change,
            "required_roles": [list(slot) for slot in s.required_roles],
            "session_min": s.session_min, "setup_min": s.setup_min, "packup_min": s.packup_min,
            "earliest_start": hhmm(s.earliest_start_min), "latest_end": hhmm(s.latest_end_min),
            "visits_per_period": s.visits_per_period, "period_weeks": s.period_weeks,
            "min_spacing_days": s.min_spacing_days, "max_sessions_per_day": s.max_sessions_per_day,
            "access_threshold_min": s.access_threshold_min,
            "lunch_break_min": s.lunch_break_min, "lunch_start": hhmm(s.lunch_start_min),
            "lunch_end": hhmm(s.lunch_end_min)}
        if s.appointments:
            service["appointments"] = s.appointments
        if s.crossings:
            service["crossings"] = [dict(c) for c in s.crossings]
        if s.max_one_way_min is not None:
            service["max_one_way_min"] = s.max_one_way_min
        services.append(service)
    return {
        "scenario": header,
        "services": services,
        "vehicles": [{"id": v.code, "name": v.name, "base_insee": v.base_insee,
                      "base_name": v.base_name, "services": list(v.services),
                      "weekdays": list(v.weekdays), "max_duty_min": v.max_duty_min,
                      "shift_start": hhmm(v.shift_start_min), "shift_end": hhmm(v.shift_end_min)}
                     for v in rows(Vehicle)],
        "staff": staff,
        "stops": [{"id": s.code, "commune_insee": s.commune_insee, "venue": s.venue,
                   "services": list(s.services), "vulnerability": s.vulnerability,
                   "windows": [dict(w) for w in s.windows], "lat": s.lat, "lon": s.lon}
                  for s in rows(Stop)],
        "fixed_sites": [{"id": f.code, "name": f.name, "commune_insee": f.commune_insee,
                         "lat": f.lat, "lon": f.lon,
                         **({"appointments": f.appointments} if f.appointments else {})}
                        for f in rows(FixedSite)],
    }


def export_scenario(session: Session, scenario_id: str) -> str:
    """The scenario as a scenario file (TOML, the format of seeds/scenarios): it reads back
    with :func:`import_scenario` into the same data."""
    data = scenario_spec(session, scenario_id)
    ScenarioSpec.model_validate(data)  # what is written always reads back
    head = (f"# Scénario « {data['scenario']['name']} », exporté par Outreach.\n"
            "# Format : seeds/scenarios/*.toml (outreach import-scenario pour le recharger).\n\n")
    return head + tomli_w.dumps(data)


def import_scenario(session: Session, path: Path) -> Scenario:
    """Load a scenario file: all of it (validated first) or nothing."""
    loaded = load_scenario(session, read_scenario(path))
    audit.record(session, "scenario.import", f"scenario {loaded.id}", file=path.name)
    return loaded
