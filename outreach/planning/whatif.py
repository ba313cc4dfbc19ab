"""What-if: a scenario copied into a variant with some changes, both planned alike, and
the two plans compared.

A variant is a scenario of its own (``Scenario.variant_of`` names the one it was copied
from): its plans are drafts that can never be published, so a variant never touches the
published plan or the families' pages. Changes (:class:`Change`):

- ``add-stop INSEE``: a stop at the commune's town hall, for every service the vehicles
  run, open on the days and hours of the nearest existing stop;
- ``remove-stop CODE``;
- ``add-vehicle BASE_INSEE``: a vehicle like the scenario's first one, based in that
  commune, with a crew of its own (one new staff member per role its services need, on
  the vehicle's days);
- ``remove-vehicle CODE``;
- ``add-staff ROLE`` (a new member with that role, Monday to Friday), ``remove-staff CODE``;
- ``add-weekday N`` / ``remove-weekday N`` (1 = Monday): every vehicle, and every staff
  member, goes out on that day too (or no longer does);
- ``add-fixed-site INSEE``, ``remove-fixed-site CODE``;
- ``threshold MINUTES``: every service's access threshold.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from outreach import audit
from outreach.access.travel import GeodesicTravelModel
from outreach.data.communes import normalise_name
from outreach.data.scenarios import ScenarioSpec, load_scenario, scenario_spec
from outreach.db import use_case
from outreach.errors import InvalidInput, UnknownScenario, msg
from outreach.models import Commune, Scenario
from outreach.planning.access_map import Access
from outreach.planning.diagnosis import Diagnosis
from outreach.planning.plan import PlanVersion

KINDS = ("add-stop", "remove-stop", "add-vehicle", "remove-vehicle", "add-staff",
         "remove-staff", "add-weekday", "remove-weekday", "add-fixed-site",
         "remove-fixed-site", "threshold")
COMMUNE_KINDS = ("add-stop", "add-vehicle", "add-fixed-site")  # their value names a commune


@dataclass(frozen=True)
class Change:
    kind: str
    value: str
    # How the user named the change, for messages: the web form's label; by default the
    # command line's option (``--add-stop``).
    label: str | None = field(default=None, compare=False)

    def describe(self) -> str:
        """The change in French, for the variant's name and description."""
        words = {
            "add-stop": "arrêt ajouté à %s", "remove-stop": "arrêt %s retiré",
            "add-vehicle": "véhicule ajouté, basé à %s", "remove-vehicle": "véhicule %s retiré",
            "add-staff": "personne ajoutée (%s)", "remove-staff": "personne %s retirée",
            "add-weekday": "jour ajouté : %s", "remove-weekday": "jour retiré : %s",
            "add-fixed-site": "site fixe ajouté à %s", "remove-fixed-site": "site fixe %s retiré",
            "threshold": "seuil d'accès %s min",
        }
        return words[self.kind] % self.value


def _field(change: Change) -> str:
    return change.label or f"--{change.kind}"


def _codes(items: Iterable[dict[str, Any]]) -> set[str]:
    return {item["id"] for item in items}


def _new_code(taken: set[str], stem: str) -> str:
    stem = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-") or "variante"
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _weekday(change: Change) -> int:
    if not change.value.isdigit() or not 1 <= int(change.value) <= 7:
        raise InvalidInput(msg("%(field)s : un jour de 1 (lundi) à 7 (dimanche), pas %(value)s.",
                               field=_field(change), value=change.value))
    return int(change.value)


def _commune(session: Session, change: Change, departement: str) -> Commune:
    """The commune a change names: its INSEE code, or its exact name in ``departement``."""
    text = change.value.strip()
    found = session.get(Commune, text.upper())
    if found is None and text:
        named = session.exec(select(Commune).where(
            Commune.departement == departement,
            Commune.search_name == normalise_name(text))).all()
        found = named[0] if len(named) == 1 else None
    if found is None:
        raise InvalidInput(msg("%(field)s : commune « %(value)s » introuvable dans le département "
                               "%(departement)s ; donnez son nom exact ou son code INSEE "
                               "(ex. 37261 pour Tours).", field=_field(change), value=text,
                               departement=departement))
    return found


def _remove(items: list[dict[str, Any]], change: Change) -> list[dict[str, Any]]:
    if change.value not in _codes(items):
        raise InvalidInput(msg("%(field)s : %(value)s n'existe pas dans ce scénario (codes : "
                               "%(codes)s).", field=_field(change), value=change.value,
                               codes=", ".join(sorted(_codes(items)))))
    return [item for item in items if item["id"] != change.value]


def nearest_code(points: Iterable[tuple[str, float, float]], lat: float, lon: float
                 ) -> str | None:
    """The code of the nearest of ``points`` (code, lat, lon) by the straight line (ties:
    the smallest code): the stop whose days and hours a new stop copies."""
    straight = GeodesicTravelModel(circuity=1.0)
    return min(((straight.road_m((lat, lon), (p_lat, p_lon)), code)
                for code, p_lat, p_lon in points), default=(0, None))[1]


def apply_changes(session: Session, spec: dict[str, Any], changes: Sequence[Change]
                  ) -> dict[str, Any]:
    """The scenario data ``spec`` with ``changes`` made (a copy; checked field by field)."""
    data = copy.deepcopy(spec)
    for change in changes:
        if change.kind not in KINDS:
            raise InvalidInput(msg("Changement inconnu : %(kind)s (possibles : %(kinds)s).",
                                   kind=change.kind, kinds=", ".join(KINDS)))
        if change.kind == "add-stop":
            commune = _commune(session, change, data["scenario"]["departement"])
            stops = data["stops"]
            if not stops:
                raise InvalidInput(msg("%(field)s : le scénario n'a aucun arrêt dont copier les "
                                       "horaires.", field=_field(change)))
            code = nearest_code([(s["id"], s["lat"], s["lon"]) for s in stops],
                                commune.lat, commune.lon)
            nearest = next(s for s in stops if s["id"] == code)
            services = sorted({s for v in data["vehicles"] for s in v["services"]})
            data["stops"].append({
                "id": _new_code(_codes(stops), f"{commune.insee}-variante"),
                "commune_insee": commune.insee, "venue": "Mairie", "services": services,
                "windows": copy.deepcopy(nearest["windows"]), "vulnerability": 1.0,
                "lat": commune.lat, "lon": commune.lon})
        elif change.kind == "remove-stop":
            data["stops"] = _remove(data["stops"], change)
        elif change.kind == "add-vehicle":
            commune = _commune(session, change, data["scenario"]["departement"])
            if not data["vehicles"]:
                raise InvalidInput(msg("%(field)s : le scénario n'a aucun véhicule à copier.",
                                       field=_field(change)))
            model = data["vehicles"][0]
            code = _new_code(_codes(data["vehicles"]), "vehicule-variante")
            data["vehicles"].append({**copy.deepcopy(model), "id": code,
                                     "name": f"Véhicule ajouté ({commune.name})",
                                     "base_insee": commune.insee, "base_name": commune.name})
            by_id = {s["id"]: s for s in data["services"]}
            roles = sorted({slot[0] for service in model["services"]
                            for slot in by_id[service]["required_roles"]})
            for role in roles:
                data["staff"].append({
                    "id": _new_code(_codes(data["staff"]), f"{code}-{role}"),
                    "name": f"{role} ({code})", "roles": [role],
                    "weekdays": list(model["weekdays"]), "day_start": "07:30",
                    "day_end": "18:30", "absences": []})
        elif change.kind == "remove-vehicle":
            data["vehicles"] = _remove(data["vehicles"], change)
        elif change.kind == "add-staff":
            role = change.value
            known = {r for s in data["services"] for slot in s["required_roles"] for r in slot}
            if role not in known:
                raise InvalidInput(msg("%(field)s : rôle %(value)s inconnu de ce scénario (rôles : "
                                       "%(roles)s).", field=_field(change), value=role,
                                       roles=", ".join(sorted(known))))
            data["staff"].append({"id": _new_code(_codes(data["staff"]), f"variante-{role}"),
                                  "name": f"{role} (variante)", "roles": [role],
                                  "weekdays": [1, 2, 3, 4, 5], "day_start": "07:30",
                                  "day_end": "18:30", "absences": []})
        elif change.kind == "remove-staff":
            data["staff"] = _remove(data["staff"], change)
        elif change.kind in ("add-weekday", "remove-weekday"):
            day = _weekday(change)
            for item in data["vehicles"] + data["staff"]:
                days = set(item["weekdays"])
                days = days | {day} if change.kind == "add-weekday" else days - {day}
                item["weekdays"] = sorted(days)
        elif change.kind == "add-fixed-site":
            commune = _commune(session, change, data["scenario"]["departement"])
            data["fixed_sites"].append({
                "id": _new_code(_codes(data["fixed_sites"]), f"site-{commune.insee}"),
                "name": f"Site fixe ({commune.name})", "commune_insee": commune.insee,
                "lat": commune.lat, "lon": commune.lon})
        elif change.kind == "remove-fixed-site":
            data["fixed_sites"] = _remove(data["fixed_sites"], change)
        elif change.kind == "threshold":
            if not change.value.isdigit() or not 5 <= int(change.value) <= 120:
                raise InvalidInput(msg("%(field)s : un nombre de minutes de 5 à 120, pas "
                                       "%(value)s.", field=_field(change), value=change.value))
            for service in data["services"]:
                service["access_threshold_min"] = int(change.value)
    return data


@use_case
def make_variant(session: Session, scenario_id: str, changes: Sequence[Change]) -> Scenario:
    """A new scenario copied from ``scenario_id`` with ``changes``: all of it or nothing."""
    base = session.get(Scenario, scenario_id)
    if base is None:
        raise UnknownScenario(f"Scénario inconnu : {scenario_id!r}.")
    if not changes:
        raise InvalidInput(msg("Une variante change au moins une chose (un arrêt, un véhicule, "
                               "une personne, un jour, un site fixe ou le seuil)."))
    root = base.variant_of or base.id
    taken = set(session.exec(select(Scenario.id).where(
        col(Scenario.id).startswith(f"{root}-variante-"))).all())
    data = apply_changes(session, scenario_spec(session, scenario_id), changes)
    code = _new_code(taken, f"{root}-variante")
    departement = data["scenario"]["departement"]
    what = " ; ".join(Change(c.kind, _commune(session, c, departement).name).describe()
                      if c.kind in COMMUNE_KINDS else c.describe() for c in changes)
    data["scenario"] = {**data["scenario"], "id": code,
                        "name": f"{base.name} — variante {code.rsplit('-', 1)[1]}",
                        "description": f"Variante de « {base.name} » : {what}."}
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValueError as error:
        raise InvalidInput(msg("La variante n'est pas un scénario valide : %(error)s",
                               error=str(error)[:300])) from None
    variant = load_scenario(session, spec)
    variant.variant_of = base.variant_of or base.id
    variant.organisation_id = base.organisation_id
    session.add(variant)
    session.flush()
    audit.record(session, "scenario.variant", f"scenario {variant.id}",
                 organisation_id=base.organisation_id, base=scenario_id,
                 changes=what)
    return variant


@dataclass(frozen=True)
class Side:
    """One plan's figures in a comparison."""

    plan_id: int | None
    scenario_id: str
    children: int
    children_within: int  # of a session or a fixed site
    share_pct: float
    demand_served: int
    demand_total: int
    sessions: int
    distance_km: float
    staff_hours: float

    @classmethod
    def of(cls, version: PlanVersion, found: Diagnosis) -> Side:
        kpis = version.kpis
        return cls(plan_id=version.plan_id, scenario_id=version.scenario_id,
                   children=found.children,
                   children_within=found.children_with(Access.SESSION, Access.FIXED_SITE),
                   share_pct=found.share_pct(Access.SESSION, Access.FIXED_SITE),
                   demand_served=kpis.demand_served, demand_total=kpis.demand_total,
                   sessions=kpis.sessions, distance_km=round(kpis.distance_km, 1),
                   staff_hours=kpis.staff_hours)


@dataclass(frozen=True)
class Comparison:
    before: Side
    after: Side
    gained: tuple[str, ...]  # INSEE codes out of reach before, within after
    lost: tuple[str, ...]  # within before, out of reach after
    names: dict[str, str]
    children: dict[str, int]

    @property
    def children_gained(self) -> int:
        return sum(self.children[i] for i in self.gained)

    @property
    def children_lost(self) -> int:
        return sum(self.children[i] for i in self.lost)


def compare(before: PlanVersion, before_found: Diagnosis, after: PlanVersion,
            after_found: Diagnosis) -> Comparison:
    """Two plans side by side, and the communes that gain or lose access between them."""
    was = {c.insee: c.within for c in before_found.communes}
    now = {c.insee: c.within for c in after_found.communes}
    communes = {c.insee: c for c in (*before_found.communes, *after_found.communes)}
    gained = tuple(sorted(i for i in now if now[i] and not was.get(i, False)))
    lost = tuple(sorted(i for i in was if was[i] and not now.get(i, False)))
    return Comparison(before=Side.of(before, before_found), after=Side.of(after, after_found),
                      gained=gained, lost=lost,
                      names={i: c.name for i, c in communes.items()},
                      children={i: c.children_0_6 for i, c in communes.items()})


def comparison_fr(result: Comparison, listed: int = 15) -> str:
    """The comparison as a French table, then the communes that gain or lose access."""
    a, b = result.before, result.after
    rows = [
        ("Plan", str(a.plan_id), str(b.plan_id)),
        ("Scénario", a.scenario_id, b.scenario_id),
        ("Enfants à portée (séance ou site fixe)", f"{a.children_within} ({a.share_pct} %)",
         f"{b.children_within} ({b.share_pct} %)"),
        ("Demande servie (points)", f"{a.demand_served} / {a.demand_total}",
         f"{b.demand_served} / {b.demand_total}"),
        ("Séances", str(a.sessions), str(b.sessions)),
        ("Kilomètres", f"{a.distance_km:.0f}", f"{b.distance_km:.0f}"),
        ("Heures d'équipe", f"{a.staff_hours:.0f}", f"{b.staff_hours:.0f}"),
    ]
    width = max(len(r[0]) for r in rows)
    cell = max(len(v) for r in rows for v in r[1:])
    lines = [f"{'':{width}}  {'Avant':>{cell}}  {'Variante':>{cell}}"]
    lines += [f"{label:{width}}  {x:>{cell}}  {y:>{cell}}" for label, x, y in rows]
    for title, codes, total in (("gagnent l'accès", result.gained, result.children_gained),
                                ("perdent l'accès", result.lost, result.children_lost)):
        shown = sorted(codes, key=lambda i: (-result.children[i], i))[:listed]
        names = ", ".join(f"{result.names[i]} ({result.children[i]})" for i in shown)
        more = f" et {len(codes) - listed} autres" if len(codes) > listed else ""
        lines.append(f"{len(codes)} communes {title} ({total} enfants)"
                     + (f" : {names}{more}" if codes else ""))
    return "\n".join(lines) + "\n"


@use_case
def delete_variant(session: Session, scenario_id: str) -> int:
    """Remove a variant and everything of its own: its plans, their jobs, its stops,
    vehicles, staff and sites. Only a variant: a scenario families may see is never
    deleted here. Returns how many plans went with it."""
    from sqlalchemy import delete

    from outreach.models import (
        Absence,
        Adjustment,
        Booking,
        CalendarToken,
        DeletedRecord,
        FixedSite,
        Plan,
        PlanCrew,
        PlanReach,
        PlanRhythm,
        PlanService,
        PlanSession,
        Publication,
        Service,
        SolveJob,
        StaffMember,
        Stop,
        User,
        Vehicle,
    )

    scenario = session.get(Scenario, scenario_id)
    if scenario is None:
        raise UnknownScenario(f"Scénario inconnu : {scenario_id!r}.")
    if not scenario.variant_of:
        raise InvalidInput(msg("%(id)s n'est pas une variante : seules les variantes se "
                               "suppriment ainsi, un scénario et ses plans publiés restent.",
                               id=scenario_id))
    taken = [session.exec(select(model.id).where(model.scenario_id == scenario_id)).first()
             for model in (Publication, Booking)]
    if any(found is not None for found in taken):  # a variant is never published: a guard
        raise InvalidInput(msg("La variante %(id)s a été publiée : elle ne se supprime pas.",
                               id=scenario_id))
    plans = list(session.exec(select(Plan.id).where(Plan.scenario_id == scenario_id)).all())
    staff = list(session.exec(select(StaffMember.id).where(
        StaffMember.scenario_id == scenario_id)).all())
    sites = list(session.exec(select(FixedSite.id).where(
        FixedSite.scenario_id == scenario_id)).all())
    for user in session.exec(select(User).where(
            col(User.staff_id).in_(staff) | col(User.site_id).in_(sites))).all():
        user.staff_id = None if user.staff_id in staff else user.staff_id
        user.site_id = None if user.site_id in sites else user.site_id
        session.add(user)
    session.flush()
    per_plan: tuple[Any, ...] = (PlanReach, PlanSession, PlanCrew, PlanService, PlanRhythm)
    for model in per_plan:
        session.exec(delete(model).where(col(model.plan_id).in_(plans)))
    session.exec(delete(SolveJob).where(  # type: ignore[call-overload]
        (col(SolveJob.scenario_id) == scenario_id) | col(SolveJob.plan_id).in_(plans)))
    session.exec(delete(Absence).where(col(Absence.staff_id).in_(staff)))  # type: ignore[call-overload]
    session.exec(delete(CalendarToken).where(col(CalendarToken.staff_id).in_(staff)))  # type: ignore[call-overload]
    own: tuple[Any, ...] = (Plan, Adjustment, DeletedRecord, Stop, FixedSite, StaffMember,
                            Vehicle, Service)
    for owned in own:
        session.exec(delete(owned).where(col(owned.scenario_id) == scenario_id))
    session.delete(scenario)
    session.flush()
    audit.record(session, "scenario.variant.delete", f"scenario {scenario_id}",
                 organisation_id=scenario.organisation_id, plans=len(plans))
    return len(plans)
