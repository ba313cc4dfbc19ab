"""Coverage diagnosis pages of a plan: each commune's access, the gaps, a map, and the
CSV and GeoJSON exports (coordinators of the plan's organisation only)."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from outreach.data.boundaries import BoundariesMissing, departement_boundaries
from outreach.data.scenarios import scenario_spec
from outreach.errors import InvalidInput, msg
from outreach.models import Scenario
from outreach.planning import diagnosis as diag
from outreach.planning import jobs, nextstop, whatif
from outreach.planning.access_map import Access, AccessMap, plan_departements, shaded_land
from outreach.planning.plan import PlanVersion
from outreach.planning.whatif import Change
from outreach.publishing.export import role_fr
from web.auth import require_scenario
from web.coordination import _coordinators_only, _job, _parse_solve_form, _start_job, _version
from web.i18n import tr
from web.mapsvg import difference_svg, plan_svg

bp = Blueprint("coverage", __name__, url_prefix="/coordination")
bp.before_request(_coordinators_only)

THRESHOLD_RANGE = (5, 120)
SORTS = {
    # Out of reach first, most young children first: where to act.
    "hors-portee": lambda c: (c.access is not Access.NONE, -c.children_0_6, c.name),
    "enfants": lambda c: (-c.children_0_6, c.name),
    "nom": lambda c: (c.name, c.insee),
    "seance": lambda c: (-(c.session_min if c.session_min is not None else 10**6), c.name),
}


def _threshold() -> tuple[int | None, str | None, str]:
    """(threshold, error, what was typed) from ``?seuil=``: empty means each service's own."""
    typed = request.args.get("seuil", "").strip()
    if not typed:
        return None, None, typed
    low, high = THRESHOLD_RANGE
    try:
        value = int(typed)
    except ValueError:
        value = 0
    if not low <= value <= high:
        return None, _("Seuil : un nombre entier de minutes de %(low)s à %(high)s (par exemple "
                       "30), ou vide pour le seuil de chaque service.", low=low, high=high), typed
    return value, None, typed


def _diagnosis(plan_id: int, strict: bool = True) -> tuple[PlanVersion, diag.Diagnosis, str | None, str]:
    version = _version(plan_id)
    threshold, error, typed = _threshold()
    if error and strict:
        abort(400, error)
    return version, diag.diagnose_plan(g.db, version, threshold), error, typed


def _land(version: PlanVersion, found: diag.Diagnosis) -> AccessMap | None:
    try:
        return shaded_land(plan_departements(version), {c.insee: c.access for c in found.communes},
                           min(found.thresholds))
    except BoundariesMissing as error:
        current_app.logger.warning("coverage map of plan %s without communes: %s",
                                   version.plan_id, error)
        return None


def _query() -> dict[str, Any]:
    return {"seuil": request.args["seuil"]} if request.args.get("seuil") else {}


@bp.get("/plans/<int:plan_id>/couverture")
def coverage(plan_id: int):  # type: ignore[no-untyped-def]
    version, found, error, typed = _diagnosis(plan_id, strict=False)
    order = request.args.get("tri", "hors-portee")
    if order not in SORTS:
        order = "hors-portee"
    rows = sorted(found.communes, key=SORTS[order])
    names = {c.insee: c.name for c in found.communes}
    return render_template(
        "coordination/coverage.html", plan=version, found=found, rows=rows, order=order,
        sorts=list(SORTS), error=error, typed=typed, query=_query() if not error else {},
        numbers=diag.gap_numbers(found), names=names, Access=Access,
        stops=version.inputs.stops, services=version.inputs.service_rules,
    ), (400 if error else 200)


@bp.get("/plans/<int:plan_id>/couverture.svg")
def coverage_svg(plan_id: int):  # type: ignore[no-untyped-def]
    version, found, _error, _typed = _diagnosis(plan_id)
    places = {c.insee: (c.lat, c.lon) for c in found.communes}
    gaps = [(n, gap.name, places[gap.insee]) for n, gap in enumerate(found.gaps, start=1)]
    return Response(plan_svg(version, None, _land(version, found), routes_drawn=False, gaps=gaps),
                    mimetype="image/svg+xml")


@bp.get("/plans/<int:plan_id>/couverture.csv")
def coverage_csv(plan_id: int):  # type: ignore[no-untyped-def]
    _plan, found, _error, _typed = _diagnosis(plan_id)
    return Response(diag.to_csv(found), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=couverture-plan-{plan_id}.csv"})


@bp.get("/plans/<int:plan_id>/couverture.geojson")
def coverage_geojson(plan_id: int):  # type: ignore[no-untyped-def]
    version, found, _error, _typed = _diagnosis(plan_id)
    document = diag.to_geojson(found, plan_departements(version))
    return Response(json.dumps(document, ensure_ascii=False), mimetype="application/geo+json",
                    headers={"Content-Disposition":
                             f"attachment; filename=couverture-plan-{plan_id}.geojson"})


@bp.get("/plans/<int:plan_id>/prochain-arret")
def next_stop(plan_id: int):  # type: ignore[no-untyped-def]
    """Where the next stop should go: candidates ranked from the plan and its idle days,
    each with a button that checks it by a what-if re-plan."""
    version = _version(plan_id)
    threshold, error, typed = _threshold()
    found, ranking = nextstop.rank_plan(g.db, version, threshold)
    names = {c.insee: c.name for c in found.communes}
    return render_template(
        "coordination/next_stop.html", plan=version, found=found, ranking=ranking,
        error=error, typed=typed, names=names, query=_query() if not error else {},
        services={code: version.inputs.service_name(code) for code in version.inputs.services},
        vehicles={v.id: version.inputs.vehicle_name(v.id) for v in version.inputs.problem.vehicles},
        start=version.inputs.start.isoformat(), weeks=version.weeks,
    ), (400 if error else 200)


WEEKDAY_NAMES = {1: "lundi", 2: "mardi", 3: "mercredi", 4: "jeudi", 5: "vendredi", 6: "samedi",
                 7: "dimanche"}
# The variant form's fields, each the change it makes, with its label
# (web/templates/coordination/variant.html): messages name the field as the form does.
CHANGE_LABELS = {
    "add_stop": msg("Ajouter un arrêt dans la commune (nom ou code INSEE)"),
    "remove_stop": msg("Retirer un arrêt"),
    "add_vehicle": msg("Ajouter un véhicule et son équipe, basé dans la commune"),
    "remove_vehicle": msg("Retirer un véhicule"),
    "add_staff": msg("Ajouter une personne (du lundi au vendredi)"),
    "remove_staff": msg("Retirer une personne"),
    "add_weekday": msg("Un jour de plus pour chaque véhicule et chaque personne"),
    "remove_weekday": msg("Un jour de moins"),
    "add_fixed_site": msg("Ajouter un site fixe dans la commune"),
    "remove_fixed_site": msg("Retirer un site fixe"),
    "threshold": msg("Seuil d'accès de chaque service (minutes)"),
}
CHANGE_FIELDS = tuple(CHANGE_LABELS)


def _variant_page(scenario_id: str, form: dict[str, str], error: str | None, status: int):  # type: ignore[no-untyped-def]
    require_scenario(scenario_id)
    scenario = g.db.get(Scenario, scenario_id)
    if scenario is None:
        abort(404)
    spec = scenario_spec(g.db, scenario_id)
    roles = sorted({r for s in spec["services"] for slot in s["required_roles"] for r in slot})
    weekdays = [(n, _(name)) for n, name in WEEKDAY_NAMES.items()]
    # Each list field of the form: (value, what it shows).
    choices = {
        "remove_stop": [(s["id"], f"{s['id']} ({s['venue']})") for s in spec["stops"]],
        "remove_vehicle": [(v["id"], v["name"]) for v in spec["vehicles"]],
        "add_staff": [(r, _(role_fr(r))) for r in roles],
        "remove_staff": [(p["id"], p["name"]) for p in spec["staff"]],
        "add_weekday": weekdays, "remove_weekday": weekdays,
        "remove_fixed_site": [(f["id"], f["name"]) for f in spec["fixed_sites"]],
    }
    return render_template("coordination/variant.html", scenario=scenario, choices=choices,
                           form=form, error=error), status


@bp.get("/scenarios/<scenario_id>/variante")
def new_variant(scenario_id: str):  # type: ignore[no-untyped-def]
    scenario = g.db.get(Scenario, scenario_id)
    start = scenario.default_start if scenario and scenario.default_start else None
    form = {"start": start.isoformat() if start else "", "weeks": "4", "time_limit": "30"}
    return _variant_page(scenario_id, form, None, 200)


@bp.post("/scenarios/<scenario_id>/variante")
def create_variant(scenario_id: str):  # type: ignore[no-untyped-def]
    require_scenario(scenario_id)
    form = {k: request.form.get(k, "").strip()
            for k in (*CHANGE_FIELDS, "start", "weeks", "time_limit")}
    changes = [Change(field.replace("_", "-"), form[field], label=CHANGE_LABELS[field])
               for field in CHANGE_FIELDS if form[field]]
    solve_form = {"scenario": scenario_id, "start": form["start"], "weeks": form["weeks"],
                  "time_limit": form["time_limit"]}
    values, errors = _parse_solve_form(solve_form)
    if errors:
        return _variant_page(scenario_id, form, " ".join(errors.values()), 422)
    try:
        variant = whatif.make_variant(g.db, scenario_id, changes)
    except InvalidInput as error:
        return _variant_page(scenario_id, form, " ".join(
            str(tr(text)) for text in [error.message, *error.problems]), 422)
    try:
        # The same horizon, work limit and seed for both: the comparison is reproducible.
        before = _start_job(scenario_id, values["start"], values["weeks"], values["time_limit"],
                            by_work=True)
        after = _start_job(variant.id, values["start"], values["weeks"], values["time_limit"],
                           by_work=True)
    except jobs.QueueUnavailable as error:
        return _variant_page(scenario_id, form, _(str(error)), 503)
    return redirect(url_for("coverage.compare_jobs", before=before.id, after=after.id))


@bp.get("/comparer/calculs/<int:before>/<int:after>")
def compare_jobs(before: int, after: int):  # type: ignore[no-untyped-def]
    """Waits for the two solves of a what-if, then shows their comparison."""
    first, second = _job(before), _job(after)
    if first.plan_id and second.plan_id:
        return redirect(url_for("coverage.compare", before=first.plan_id, after=second.plan_id))
    return render_template("coordination/compare_wait.html", jobs=(first, second),
                           percents=[round(100 * jobs.progress(j)) for j in (first, second)])


def _difference(before: diag.Diagnosis, after: diag.Diagnosis) -> dict[str, str]:
    was = {c.insee: c.within for c in before.communes}
    return {c.insee: ("kept" if c.within and was.get(c.insee) else "gained" if c.within else
                      "lost" if was.get(c.insee) else "none") for c in after.communes}


def _pair(before: int, after: int) -> tuple[PlanVersion, diag.Diagnosis, PlanVersion, diag.Diagnosis]:
    first, second = _version(before), _version(after)
    return (first, diag.diagnose_plan(g.db, first), second, diag.diagnose_plan(g.db, second))


@bp.get("/comparer/<int:before>/<int:after>")
def compare(before: int, after: int):  # type: ignore[no-untyped-def]
    first, first_found, second, second_found = _pair(before, after)
    result = whatif.compare(first, first_found, second, second_found)
    order = lambda codes: sorted(codes, key=lambda i: (-result.children[i], i))
    variant = g.db.get(Scenario, second.scenario_id)
    return render_template("coordination/compare.html", first=first, second=second,
                           result=result, gained=order(result.gained), lost=order(result.lost),
                           description=variant.description,
                           variant=variant if variant.variant_of else None)


@bp.post("/scenarios/<scenario_id>/supprimer-variante")
def delete_variant(scenario_id: str):  # type: ignore[no-untyped-def]
    """Remove a variant and its plans (never a scenario that is not a variant)."""
    require_scenario(scenario_id)
    try:
        plans = whatif.delete_variant(g.db, scenario_id)
    except InvalidInput as error:
        flash(str(tr(error.message)))
        return redirect(url_for("coordination.plans"))
    flash(_("Variante %(id)s supprimée avec ses %(plans)s plan(s).", id=scenario_id, plans=plans))
    return redirect(url_for("coordination.plans"))


@bp.get("/comparer/<int:before>/<int:after>.svg")
def compare_svg(before: int, after: int):  # type: ignore[no-untyped-def]
    first, first_found, second, second_found = _pair(before, after)
    departements = sorted(set(plan_departements(first)) | set(plan_departements(second)))
    try:
        boundaries = [departement_boundaries(d) for d in departements]
    except BoundariesMissing:
        boundaries = []
    communes = {insee: shape for b in boundaries for insee, shape in b.communes.items()}
    held_after = {second.inputs.stops[v.stop].commune_insee
                  for r in second.routes for v in r.visits}
    stops: dict[str, tuple[str, tuple[float, float], bool]] = {}
    for version in (first, second):
        for route in version.routes:
            for visit in route.visits:
                stop = version.inputs.stops[visit.stop]
                stops[stop.commune_insee] = (stop.commune_name, (stop.lat, stop.lon),
                                             stop.commune_insee in held_after)
    thresholds = sorted(set(first_found.thresholds) | set(second_found.thresholds))
    label = _("seuil %(minutes)s min", minutes=" / ".join(map(str, thresholds)))
    svg = difference_svg(communes, [b.outline for b in boundaries],
                         _difference(first_found, second_found), list(stops.values()), label)
    return Response(svg, mimetype="image/svg+xml")
