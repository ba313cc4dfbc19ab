"""The national report's pages (administrators only): launch a report on the job queue,
follow its départements as they are planned, and read France's coverage as a table, a
map and the files ``outreach national-report`` writes."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from outreach.errors import InvalidInput
from outreach.planning import jobs, national
from web.auth import require_role
from web.coordination import inline_url
from web.i18n import tr

bp = Blueprint("national", __name__, url_prefix="/admin/rapport-national")

FIELDS = ("departements", "stops", "vehicles", "work_limit", "seed")
DEFAULTS = national.Options()
WORK_LIMIT_RANGE = (0.1, 60.0)


@bp.before_request
def _administrators_only() -> None:
    require_role("admin")


def _defaults() -> dict[str, str]:
    return {"departements": "", "stops": str(DEFAULTS.stops), "vehicles": str(DEFAULTS.vehicles),
            "work_limit": f"{DEFAULTS.work_limit_s:g}", "seed": str(DEFAULTS.seed)}


def _whole(form: dict[str, str], field: str, low: int, high: int, label: str,
           errors: dict[str, str]) -> int:
    try:
        value = int(form[field])
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        errors[field] = _("%(label)s : un nombre entier de %(low)s à %(high)s.",
                          label=label, low=low, high=high)
    return value


def _parse(form: dict[str, str]) -> tuple[list[str], national.Options, dict[str, str]]:
    errors: dict[str, str] = {}
    codes: list[str] = []
    try:
        codes = national.parse_departements(form["departements"], field=_("Départements"))
    except InvalidInput as error:
        errors["departements"] = tr(error.message)
    stops = _whole(form, "stops", 1, 500, _("Arrêts candidats par département"), errors)
    vehicles = _whole(form, "vehicles", 1, 10, _("Véhicules par département"), errors)
    seed = _whole(form, "seed", 0, 10**6, _("Graine"), errors)
    low, high = WORK_LIMIT_RANGE
    try:
        work = float(form["work_limit"].replace(",", "."))
    except ValueError:
        work = 0.0
    if not low <= work <= high:
        errors["work_limit"] = _("Travail de recherche : un nombre de %(low)s à %(high)s (par "
                                 "exemple 2).", low=f"{low:g}".replace(".", ","), high=f"{high:g}")
    return codes, national.Options(stops, vehicles, work, seed), errors


def _index(form: dict[str, str], errors: dict[str, str], status: int = 200) -> Any:
    return render_template("admin/national_index.html", reports=national.reports(g.db),
                           form=form, errors=errors, count=len(national.all_departements())), status


@bp.get("")
def index():  # type: ignore[no-untyped-def]
    return _index(_defaults(), {})


@bp.post("")
def launch():  # type: ignore[no-untyped-def]
    form = {field: request.form.get(field, "").strip() for field in FIELDS}
    codes, options, errors = _parse(form)
    if errors:
        return _index(form, errors, 422)
    try:
        report = national.launch(g.db, current_app.extensions["solve_runner"], codes, options,
                                 user_id=g.user.id, inline_url=inline_url())
    except jobs.QueueUnavailable as error:
        return _index(form, {"queue": _(str(error))}, 503)
    return redirect(url_for("national.report", number=report))


def _rows(number: int) -> list[national.Row]:
    try:
        return national.rows(g.db, number)
    except InvalidInput:
        abort(404)


@bp.get("/<int:number>")
def report(number: int):  # type: ignore[no-untyped-def]
    found = _rows(number)
    return render_template("admin/national_report.html", number=number, rows=found,
                           totals=national.totals(found),
                           running=[r for r in found if r.status == jobs.RUNNING],
                           pending=any(r.status in (jobs.QUEUED, jobs.RUNNING) for r in found))


FILES = {"departements.csv": ("text/csv; charset=utf-8", national.to_csv),
         "france.svg": ("image/svg+xml", national.france_svg),
         "rapport.md": ("text/markdown; charset=utf-8", national.to_markdown)}


@bp.get("/<int:number>/<any(departements.csv, france.svg, rapport.md):name>")
def report_file(number: int, name: str):  # type: ignore[no-untyped-def]
    found = _rows(number)
    mimetype, write = FILES[name]
    response = Response(write(found), mimetype=mimetype.split(";")[0],
                        content_type=mimetype)
    if name != "france.svg":
        response.headers["Content-Disposition"] = (
            f'attachment; filename="rapport-national-{number}-{name}"')
    return response
