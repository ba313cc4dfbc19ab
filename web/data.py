"""Coordinators manage the data a plan needs: services, vehicles, staff (with absences),
stops, and real counts of young children. Every form validates and keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlmodel import col, select

from outreach.data import editing
from outreach.data.communes import CHILDREN_0_6_SHARE, import_children_csv
from outreach.errors import InvalidInput
from outreach.models import (
    Absence,
    Commune,
    FixedSite,
    Scenario,
    Service,
    StaffMember,
    Stop,
    Vehicle,
)
from outreach.timefmt import format_hhmm
from outreach.wording import ROLE_LABELS, WEEKDAYS
from web.auth import require_role, require_scenario

bp = Blueprint("data", __name__, url_prefix="/coordination/donnees")


@bp.before_request
def _coordinators_only() -> None:
    require_role("coordinator")
    scenario_id = (request.view_args or {}).get("scenario_id")
    if scenario_id is not None:
        require_scenario(scenario_id)  # every page of a scenario: its organisation only


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, number, time, weekdays, checkboxes
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    required: bool = True


@dataclass(frozen=True)
class Resource:
    model: type
    title: str
    singular: str
    fields: tuple[Field, ...]
    to_form: Callable[[Any], dict[str, Any]]
    from_form: Callable[[dict[str, Any]], dict[str, Any]]
    save: Callable[..., Any]
    columns: tuple[tuple[str, Callable[[Any], str]], ...] = field(default=())


WEEKDAY_OPTIONS = tuple((str(i + 1), label) for i, label in enumerate(WEEKDAYS))


def _weekdays(form: dict[str, Any]) -> list[str]:
    return list(form.get("weekdays") or [])


def _service_form(row: Service) -> dict[str, Any]:
    return {"id": row.code, "name": row.name, "description": row.description,
            "what_to_bring": row.what_to_bring, "contact": row.contact, "phone": row.phone,
            "allow_day_change": ["1"] if row.allow_day_change else [],
            "required_roles": editing.format_roles(row.required_roles),
            "session_min": row.session_min, "setup_min": row.setup_min, "packup_min": row.packup_min,
            "earliest_start": format_hhmm(row.earliest_start_min),
            "latest_end": format_hhmm(row.latest_end_min),
            "visits_per_period": row.visits_per_period, "period_weeks": row.period_weeks,
            "min_spacing_days": row.min_spacing_days, "max_sessions_per_day": row.max_sessions_per_day,
            "max_one_way_min": row.max_one_way_min if row.max_one_way_min is not None else "",
            "access_threshold_min": row.access_threshold_min,
            "lunch_break_min": row.lunch_break_min, "lunch_start": format_hhmm(row.lunch_start_min),
            "lunch_end": format_hhmm(row.lunch_end_min),
            "crossings": editing.format_crossings(row.crossings or [])}


def _service_data(form: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in form.items() if v != ""}
    data["required_roles"] = editing.parse_roles(form.get("required_roles", ""))
    data["allow_day_change"] = "1" in (form.get("allow_day_change") or [])
    try:
        data["crossings"] = editing.parse_crossings(form.get("crossings") or "")
    except editing.FormInvalid as error:  # reported with every other field's problem
        data[editing.PROBLEMS_KEY] = error.fields
    return data


def _vehicle_form(row: Vehicle) -> dict[str, Any]:
    return {"id": row.code, "name": row.name, "base_insee": row.base_insee, "base_name": row.base_name,
            "services": " ".join(row.services), "weekdays": [str(d) for d in row.weekdays],
            "max_duty_min": row.max_duty_min, "shift_start": format_hhmm(row.shift_start_min),
            "shift_end": format_hhmm(row.shift_end_min)}


def _vehicle_data(form: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in form.items() if v not in ("", [])}
    data["services"] = form.get("services", "").replace(",", " ").split()
    data["weekdays"] = _weekdays(form)
    return data


def _staff_form(row: StaffMember) -> dict[str, Any]:
    return {"id": row.code, "name": row.name, "roles": list(row.roles),
            "weekdays": [str(d) for d in row.weekdays], "day_start": format_hhmm(row.day_start_min),
            "day_end": format_hhmm(row.day_end_min), "max_day_min": row.max_day_min,
            "max_week_min": row.max_week_min if row.max_week_min is not None else ""}


def _staff_data(form: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in form.items() if v not in ("", [])}
    data["roles"] = list(form.get("roles") or [])
    data["weekdays"] = _weekdays(form)
    return data


def _stop_form(row: Stop) -> dict[str, Any]:
    return {"id": row.code, "commune_insee": row.commune_insee, "venue": row.venue,
            "services": " ".join(row.services), "vulnerability": row.vulnerability,
            "windows": editing.format_windows(row.windows)}


def _stop_data(form: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in form.items() if v not in ("", [])}
    data["services"] = form.get("services", "").replace(",", " ").split()
    try:
        data["windows"] = editing.parse_windows(form.get("windows", ""))
    except editing.FormInvalid as error:  # reported with every other field's problem
        data.pop("windows", None)
        data[editing.PROBLEMS_KEY] = error.fields
    return data


DAY_CHANGE_LABEL = ("Autoriser un arrêt à changer de jour quand cela sert plus de familles (sinon "
                    "chaque arrêt garde son jour, et pour un service mensuel sa semaine du mois)")
CODE_HELP = "Lettres minuscules, chiffres et tirets ; sert d'identifiant."
ROLE_OPTIONS = tuple((role, label) for role, label in ROLE_LABELS.items())

RESOURCES: dict[str, Resource] = {
    "services": Resource(
        Service, "Services", "service",
        (Field("id", "Identifiant", help=CODE_HELP), Field("name", "Nom affiché aux familles"),
         Field("description", "Description", "textarea", required=False),
         Field("what_to_bring", "À apporter", required=False),
         Field("contact", "Renseignements pour les familles", required=False,
               help="Un service ou un lieu ; jamais le nom d'une personne."),
         Field("phone", "Téléphone pour les familles", required=False,
               help="Le numéro du service, affiché aux familles pour les renseignements et les "
                    "rendez-vous (ex. 02 47 31 47 31)."),
         Field("required_roles", "Équipe requise", "textarea",
               "Un poste par ligne ; alternatives séparées par « | » (ex. médecin | sage-femme)."),
         Field("session_min", "Durée de la séance (min)", "number"),
         Field("setup_min", "Installation (min)", "number"),
         Field("packup_min", "Rangement (min)", "number"),
         Field("earliest_start", "Début au plus tôt", "time"),
         Field("latest_end", "Fin au plus tard", "time"),
         Field("visits_per_period", "Séances par période", "number"),
         Field("period_weeks", "Période (semaines)", "number", "1 = hebdomadaire, 2 = quinzaine, 4 = mensuel"),
         Field("min_spacing_days", "Espacement minimal (jours)", "number"),
         Field("max_sessions_per_day", "Séances par jour et véhicule", "number"),
         Field("access_threshold_min", "Seuil d'accès (min)", "number"),
         Field("max_one_way_min", "Trajet maximal depuis la base (min)", "number", required=False),
         Field("lunch_break_min", "Pause déjeuner de l'équipe (min)", "number", required=False,
               help="0 si l'équipe n'en prend pas pendant la tournée (ex. 45)."),
         Field("lunch_start", "Pause déjeuner, au plus tôt", "time", required=False),
         Field("lunch_end", "Pause déjeuner, fin au plus tard", "time", required=False),
         Field("allow_day_change", "Jour des passages", "checkboxes", required=False,
               options=(("1", DAY_CHANGE_LABEL),)),
         Field("crossings", "Traversées vers les îles", "textarea", required=False,
               help="Une par ligne : port de départ et port d'arrivée (codes INSEE), durée en "
                    "minutes, jours de traversée (ex. 97125 97110 45 mardi jeudi). Sans "
                    "traversée, un véhicule ne dessert que la terre de sa base.")),
        _service_form, _service_data, editing.save_service,
        (("Nom", lambda r: r.name), ("Séance", lambda r: f"{r.session_min} min"),
         ("Fréquence", lambda r: f"{r.visits_per_period} / {r.period_weeks} sem."))),
    "vehicles": Resource(
        Vehicle, "Véhicules", "véhicule",
        (Field("id", "Identifiant", help=CODE_HELP), Field("name", "Nom"),
         Field("base_insee", "Code INSEE de la base", help="ex. 37132 pour Loches"),
         Field("base_name", "Nom de la base", required=False),
         Field("services", "Services transportés", help="Identifiants séparés par des espaces"),
         Field("weekdays", "Jours de circulation", "weekdays", options=WEEKDAY_OPTIONS),
         Field("max_duty_min", "Amplitude maximale (min)", "number"),
         Field("shift_start", "Départ au plus tôt", "time"),
         Field("shift_end", "Retour au plus tard", "time")),
        _vehicle_form, _vehicle_data, editing.save_vehicle,
        (("Nom", lambda r: r.name), ("Base", lambda r: r.base_name),
         ("Services", lambda r: ", ".join(r.services)))),
    "staff": Resource(
        StaffMember, "Personnel", "membre du personnel",
        (Field("id", "Identifiant", help=CODE_HELP), Field("name", "Nom"),
         Field("roles", "Rôles", "checkboxes", options=ROLE_OPTIONS),
         Field("weekdays", "Jours travaillés", "weekdays", options=WEEKDAY_OPTIONS),
         Field("day_start", "Début de journée", "time"), Field("day_end", "Fin de journée", "time"),
         Field("max_day_min", "Durée maximale par jour (min)", "number"),
         Field("max_week_min", "Durée maximale par semaine (min)", "number", required=False,
               help="Vide si aucune limite ; ex. 1680 pour 28 h.")),
        _staff_form, _staff_data, editing.save_staff,
        (("Nom", lambda r: r.name), ("Rôles", lambda r: ", ".join(ROLE_LABELS.get(x, x) for x in r.roles)),
         ("Jours", lambda r: ", ".join(WEEKDAYS[d - 1] for d in r.weekdays)))),
    "fixed-sites": Resource(
        FixedSite, "Sites fixes", "site fixe",
        (Field("id", "Identifiant", help=CODE_HELP),
         Field("name", "Nom", help="ex. Centre de PMI de Parthenay"),
         Field("commune_insee", "Commune", help="Nom, code postal ou code INSEE (ex. Descartes, 37290 ou 37091)")),
        lambda r: {"id": r.code, "name": r.name, "commune_insee": r.commune_insee},
        lambda form: {k: v for k, v in form.items() if v != ""},
        editing.save_fixed_site,
        (("Nom", lambda r: r.name), ("Commune", lambda r: r.commune_insee))),
    "stops": Resource(
        Stop, "Arrêts", "arrêt",
        (Field("id", "Identifiant", help=CODE_HELP),
         Field("commune_insee", "Commune", help="Nom, code postal ou code INSEE (ex. Descartes, 37290 ou 37091)"),
         Field("venue", "Lieu", help="ex. Salle des fêtes"),
         Field("services", "Services accueillis", help="Identifiants séparés par des espaces"),
         Field("vulnerability", "Poids de vulnérabilité", "number", "1 par défaut ; plus pour une commune fragile"),
         Field("windows", "Créneaux d'ouverture", "textarea", "Un par ligne : « mardi 08:30-12:30 »")),
        _stop_form, _stop_data, editing.save_stop,
        (("Lieu", lambda r: r.venue), ("Commune", lambda r: r.commune_insee),
         ("Créneaux", lambda r: editing.format_windows(r.windows).replace("\n", " ; ")))),
}


def _scenario(scenario_id: str) -> Scenario:
    scenario = g.db.get(Scenario, scenario_id)
    if scenario is None:
        abort(404)
    require_scenario(scenario_id)
    return scenario


def _resource(kind: str) -> Resource:
    if kind not in RESOURCES:
        abort(404)
    return RESOURCES[kind]


def _rows(resource: Resource, scenario_id: str) -> list[Any]:
    model = resource.model
    return list(g.db.exec(select(model).where(model.scenario_id == scenario_id)  # type: ignore[attr-defined]
                          .order_by(model.code)).all())  # type: ignore[attr-defined]


def _find(resource: Resource, scenario_id: str, code: str) -> Any:
    model = resource.model
    row = g.db.exec(select(model).where(model.scenario_id == scenario_id,  # type: ignore[attr-defined]
                                        model.code == code)).first()  # type: ignore[attr-defined]
    if row is None:
        abort(404)
    return row


def _typed(resource: Resource) -> dict[str, Any]:
    """What was typed; a choice the form offered (``choice__<field>``, an ambiguous
    commune settled by a button) replaces the field's text."""
    values: dict[str, Any] = {}
    for f in resource.fields:
        if f.kind in ("weekdays", "checkboxes"):
            values[f.name] = request.form.getlist(f.name)
        else:
            values[f.name] = (request.form.get(f"choice__{f.name}")
                              or request.form.get(f.name, "")).strip()
    return values


def _render_form(scenario: Any, kind: str, resource: Resource, existing: Any, *,
                 values: dict[str, Any], errors: dict[str, str], version: str,
                 choices: dict[str, list[tuple[str, str]]] | None = None,
                 absence: dict[str, Any] | None = None,
                 absence_errors: dict[str, str] | None = None) -> tuple[str, int]:
    absences = []
    if kind == "staff" and existing is not None:
        absences = list(g.db.exec(select(Absence).where(Absence.staff_id == existing.id)
                                  .order_by(col(Absence.start_date))).all())
    status = 422 if errors or absence_errors else 200
    labels = {f.name: f.label for f in resource.fields}
    return render_template("data/form.html", scenario=scenario, kind=kind, resource=resource,
                           values=values, errors=errors, existing=existing, version=version,
                           absences=absences, choices=choices or {}, labels=labels,
                           absence=absence or {}, absence_errors=absence_errors or {}), status


@bp.get("/<scenario_id>")
def overview(scenario_id: str):  # type: ignore[no-untyped-def]
    scenario = _scenario(scenario_id)
    counts = {kind: len(_rows(r, scenario_id)) for kind, r in RESOURCES.items()}
    return render_template("data/overview.html", scenario=scenario, counts=counts,
                           resources=RESOURCES)


@bp.get("/<scenario_id>/<kind>")
def listing(scenario_id: str, kind: str):  # type: ignore[no-untyped-def]
    scenario, resource = _scenario(scenario_id), _resource(kind)
    return render_template("data/list.html", scenario=scenario, kind=kind, resource=resource,
                           rows=_rows(resource, scenario_id))


@bp.route("/<scenario_id>/<kind>/nouveau", methods=["GET", "POST"])
def create(scenario_id: str, kind: str):  # type: ignore[no-untyped-def]
    return _edit(scenario_id, kind, None)


@bp.route("/<scenario_id>/<kind>/<code>", methods=["GET", "POST"])
def edit(scenario_id: str, kind: str, code: str):  # type: ignore[no-untyped-def]
    return _edit(scenario_id, kind, code)


def _edit(scenario_id: str, kind: str, code: str | None):  # type: ignore[no-untyped-def]
    scenario, resource = _scenario(scenario_id), _resource(kind)
    existing = _find(resource, scenario_id, code) if code else None
    errors: dict[str, str] = {}
    values = resource.to_form(existing) if existing else {}
    # The version the form was made from travels with it, so that a save over someone
    # else's newer edit is refused (outreach.data.editing._claim) instead of erasing it.
    version = request.form.get("version", "") if request.method == "POST" else (
        str(existing.version) if existing else "")
    if request.method == "POST":
        values = _typed(resource)
        try:
            saved = resource.save(g.db, scenario_id, resource.from_form(values), existing,
                                  int(version) if version.isdigit() else None)
            flash(_("Enregistré : %(name)s.", name=getattr(saved, "name", None) or saved.venue))
            return redirect(url_for("data.listing", scenario_id=scenario_id, kind=kind))
        except editing.FormInvalid as error:
            errors, choices = error.fields, error.choices
            return _render_form(scenario, kind, resource, existing, values=values, errors=errors,
                                version=version, choices=choices)
    return _render_form(scenario, kind, resource, existing, values=values, errors=errors,
                        version=version)


@bp.post("/<scenario_id>/<kind>/<code>/supprimer")
def delete(scenario_id: str, kind: str, code: str):  # type: ignore[no-untyped-def]
    resource = _resource(kind)
    row = _find(resource, scenario_id, code)
    try:
        editing.delete_record(g.db, row)
        flash(_("Supprimé : %(code)s.", code=code))
    except InvalidInput as error:
        flash(str(error))
    return redirect(url_for("data.listing", scenario_id=scenario_id, kind=kind))


@bp.post("/<scenario_id>/staff/<code>/absences")
def add_absence(scenario_id: str, code: str):  # type: ignore[no-untyped-def]
    member = _find(RESOURCES["staff"], scenario_id, code)
    typed = {k: request.form.get(k, "").strip() for k in ("from", "to", "reason", "confirm_long")}
    try:
        editing.add_absence(g.db, member, typed["from"], typed["to"], typed["reason"],
                            confirm_long=typed["confirm_long"] == "1")
    except editing.FormInvalid as error:  # the form again, with what was typed
        resource = RESOURCES["staff"]
        return _render_form(_scenario(scenario_id), "staff", resource, member,
                            values=resource.to_form(member), errors={},
                            version=str(member.version), absence=typed,
                            absence_errors=error.fields)
    flash(_("Absence enregistrée. Relancez le calcul pour en tenir compte."))
    return redirect(url_for("data.edit", scenario_id=scenario_id, kind="staff", code=code))


@bp.post("/<scenario_id>/staff/<code>/absences/<int:absence_id>/supprimer")
def delete_absence(scenario_id: str, code: str, absence_id: int):  # type: ignore[no-untyped-def]
    member = _find(RESOURCES["staff"], scenario_id, code)
    if not editing.delete_absence(g.db, member, absence_id):
        abort(404)
    flash(_("Absence supprimée."))
    return redirect(url_for("data.edit", scenario_id=scenario_id, kind="staff", code=code))


@bp.route("/<scenario_id>/enfants", methods=["GET", "POST"])
def children(scenario_id: str):  # type: ignore[no-untyped-def]
    scenario = _scenario(scenario_id)
    problems: list[str] = []
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            count = import_children_csv(g.db, upload.read() if upload else b"")
            flash(_("%(count)s communes mises à jour avec des chiffres réels.", count=count))
            return redirect(url_for("data.children", scenario_id=scenario_id))
        except InvalidInput as error:
            problems = error.problems or [error.message]
    stops = _rows(RESOURCES["stops"], scenario_id)
    communes = {c.insee: c for c in g.db.exec(select(Commune).where(
        Commune.insee.in_([s.commune_insee for s in stops])))}  # type: ignore[attr-defined]
    return render_template("data/children.html", scenario=scenario, problems=problems,
                           communes=sorted(communes.values(), key=lambda c: c.name),
                           children_share=CHILDREN_0_6_SHARE), (
        422 if problems else 200)
