"""Coverage diagnosis pages of a plan: each commune's access, the gaps, a map, and the
CSV and GeoJSON exports (coordinators of the plan's organisation only)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, render_template, request
from flask_babel import gettext as _

from outreach.data.boundaries import BoundariesMissing, departement_boundaries
from outreach.planning import diagnosis as diag
from outreach.planning.access_map import Access, AccessMap, plan_departements
from outreach.planning.plan import PlanVersion
from web.coordination import _coordinators_only, _version
from web.mapsvg import plan_svg

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
        boundaries = [departement_boundaries(d) for d in plan_departements(version)]
    except BoundariesMissing as error:
        current_app.logger.warning("coverage map of plan %s without communes: %s",
                                   version.plan_id, error)
        return None
    communes = {insee: shape for b in boundaries for insee, shape in b.communes.items()}
    classes = {c.insee: c.access for c in found.communes}
    return AccessMap(communes=communes,
                     classes={insee: classes.get(insee, Access.NONE) for insee in communes},
                     outlines=tuple(b.outline for b in boundaries),
                     threshold_min=min(found.thresholds))


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
