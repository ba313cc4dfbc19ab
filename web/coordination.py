"""Coordinator pages: generate plans in the background, review, adjust, publish."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlmodel import col, select

from outreach import audit, planning
from outreach.appointments.rehome import BookingsAffected
from outreach.data import editing
from outreach.data.boundaries import BoundariesMissing, geojson_geometry
from outreach.errors import InvalidInput, OutreachError, RulesBroken, UnknownPlan
from outreach.models import Absence, Commune, Plan, Scenario, SolveJob, StaffMember
from outreach.planning import adjustments, jobs, manual
from outreach.planning.access_map import AccessMap, access_map, plan_departements
from outreach.planning.mapping import staff_export_id
from outreach.planning.plan import DayRoute, PlanVersion
from outreach.publishing import export
from outreach.timefmt import format_hhmm
from outreach.wording import Names, say
from solver import Finding, Method, SolveParams
from web import now, today
from web.auth import require_role, require_scenario
from web.mapsvg import ACCESS_COLOURS, access_legend, boundaries_attribution, plan_svg

bp = Blueprint("coordination", __name__, url_prefix="/coordination")


@bp.before_request
def _coordinators_only() -> None:
    require_role("coordinator")
    args = request.view_args or {}
    if "plan_id" in args:  # every page of a plan: its organisation only
        plan = g.db.get(Plan, args["plan_id"])
        if plan is None:
            abort(404)
        require_scenario(plan.scenario_id)
    if "job_id" in args:
        _job(args["job_id"])


@bp.context_processor
def _scenario_names() -> dict[str, Any]:
    """``scenario_name(id)``: pages name a scenario, never show its code."""
    def scenario_name(scenario_id: str) -> str:
        scenario = g.db.get(Scenario, scenario_id)
        return scenario.name if scenario is not None else scenario_id
    return {"scenario_name": scenario_name}


def _version(plan_id: int) -> PlanVersion:
    plan = g.db.get(Plan, plan_id)
    if plan is None:
        abort(404)
    require_scenario(plan.scenario_id)
    try:
        return planning.read_version(g.db, plan_id)
    except UnknownPlan:
        abort(404)


def _scenarios() -> list[Scenario]:
    """The scenarios of the account's organisation (all of an organisation, for an
    administrator: the national report's, of none, are reached from its page)."""
    allowed = g.scope.scenario_ids(g.db)
    return [s for s in planning.scenarios(g.db) if s.organisation_id is not None
            and (allowed is None or s.id in allowed)]


def _plans() -> list[tuple[Plan, str]]:
    listed = {s.id for s in _scenarios()}
    return [(p, status) for p, status in planning.list_plans(g.db) if p.scenario_id in listed]


def _job(job_id: int) -> SolveJob:
    job = g.db.get(SolveJob, job_id)
    if job is None or job.kind != jobs.BUS or job.scenario_id is None:
        abort(404)
    require_scenario(job.scenario_id)
    return job


def _next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


@bp.get("/plans")
def plans():  # type: ignore[no-untyped-def]
    all_scenarios = _scenarios()
    recent_jobs = g.db.exec(select(SolveJob).where(
        SolveJob.kind == jobs.BUS, col(SolveJob.scenario_id).in_([s.id for s in all_scenarios]))
        .order_by(col(SolveJob.id).desc()).limit(5)).all()
    form = {"scenario": all_scenarios[0].id if all_scenarios else "",
            "start": (all_scenarios[0].default_start if all_scenarios and all_scenarios[0].default_start
                      else _next_monday(today())).isoformat(),
            "weeks": "4", "time_limit": "30", "stability": "free", "move_threshold": "10"}
    return render_template("coordination/plans.html", plans=_plans(),
                           scenarios=all_scenarios, form=form, errors={}, jobs=recent_jobs)


def _parse_solve_form(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if g.db.get(Scenario, form.get("scenario", "")) is None \
            or not g.scope.holds(g.db, form.get("scenario", "")):
        errors["scenario"] = _("Choisissez un scénario.")
    else:
        values["scenario"] = form["scenario"]
    try:
        start = dt.date.fromisoformat(form.get("start", ""))
        years = editing.planning_years(g.db, form.get("scenario", ""))
        if start.isoweekday() != 1:
            errors["start"] = _("L'horizon commence un lundi.")
        elif start.year not in years:
            errors["start"] = _("%(date)s n'est pas dans les années de planification (%(first)s à "
                                "%(last)s) : vérifiez l'année.", date=start.isoformat(),
                                first=years[0], last=years[-1])
        values["start"] = start
    except ValueError:
        errors["start"] = _("Date attendue au format AAAA-MM-JJ.")
    try:
        weeks = int(form.get("weeks", ""))
        if not 1 <= weeks <= 26:
            raise ValueError
        values["weeks"] = weeks
    except ValueError:
        errors["weeks"] = _("De 1 à 26 semaines.")
    try:
        limit = float(form.get("time_limit", ""))
        if not 1 <= limit <= 600:
            raise ValueError
        values["time_limit"] = limit
    except ValueError:
        errors["time_limit"] = _("De 1 à 600 secondes.")
    values["stability"] = form.get("stability") if form.get("stability") in STABILITY else "free"
    try:
        threshold = int(form.get("move_threshold") or "10")
        if not 0 <= threshold <= 100000:
            raise ValueError
        values["move_threshold"] = threshold
    except ValueError:
        errors["move_threshold"] = _("Un nombre d'enfants, de 0 à 100 000.")
    return values, errors


STABILITY = ("free", "prefer", "keep")


def _start_job(scenario_id: str, start: dt.date, weeks: int, time_limit: float,
               stability: str = "free", move_threshold: int = 10,
               measure_rhythm: bool = False, keep_booked: bool = True,
               by_work: bool = False) -> SolveJob:
    """Queue a solve. ``by_work``: ``time_limit`` is spent as a work limit (deterministic
    units, about seconds on an idle machine), so that the same inputs give the same plan
    however loaded the machine is (what-if comparisons); the clock then only caps it."""
    params = SolveParams(time_limit_s=3 * time_limit + 60 if by_work else time_limit,
                         work_limit_s=time_limit if by_work else None, method=Method.PATTERNS,
                         move_threshold=move_threshold)
    options = {"user_id": g.user.id, "keep_published": stability == "keep",
               "prefer_published": stability == "prefer", "measure_rhythm": measure_rhythm,
               "keep_booked": keep_booked}
    job = jobs.submit(g.db, scenario_id, start, weeks, params, **options)
    # Raises QueueUnavailable (nothing kept) when the queue cannot take the job.
    return jobs.launch(g.db, current_app.extensions["solve_runner"], job, inline_url())


def inline_url() -> str | None:
    """The database a solve runs on in the request itself (SOLVE_INLINE: tests), else None."""
    return current_app.config["DATABASE_URL"] if current_app.config.get("SOLVE_INLINE") else None


@bp.post("/solves")
def start_solve():  # type: ignore[no-untyped-def]
    form = {k: request.form.get(k, "").strip()
            for k in ("scenario", "start", "weeks", "time_limit", "stability", "move_threshold",
                      "measure_rhythm", "release_booked")}
    values, errors = _parse_solve_form(form)
    if errors:
        return render_template("coordination/plans.html", plans=_plans(),
                               scenarios=_scenarios(), form=form, errors=errors,
                               jobs=[]), 422
    try:
        job = _start_job(values["scenario"], values["start"], values["weeks"],
                         values["time_limit"], values["stability"], values["move_threshold"],
                         form.get("measure_rhythm") == "1", form.get("release_booked") != "1")
    except jobs.QueueUnavailable as error:
        return render_template("coordination/plans.html", plans=_plans(),
                               scenarios=_scenarios(), form=form,
                               errors={"queue": _(str(error))}, jobs=[]), 503
    return redirect(url_for("coordination.solve", job_id=job.id))


@bp.get("/solves/<int:job_id>")
def solve(job_id: int):  # type: ignore[no-untyped-def]
    job = _job(job_id)
    return render_template("coordination/solve.html", job=job,
                           percent=round(100 * jobs.progress(job)))


@bp.get("/solves/<int:job_id>.json")
def solve_status(job_id: int):  # type: ignore[no-untyped-def]
    job = _job(job_id)
    return jsonify(status=job.status, progress=jobs.progress(job), plan_id=job.plan_id,
                   error=job.error)


def _timelines(version: PlanVersion, staff_names: dict[str, str],
               absences: dict[str, dict[dt.date, str]] | None = None) -> list[dict[str, Any]]:
    """Per week: a grid vehicle x date and a grid staff member x date. Every member of
    the plan's inputs has a row; a day off shows as such, with the absence's reason
    when ``absences`` (by export id) gives one."""
    stops = version.inputs.stops
    absences = absences or {}
    weeks: dict[tuple[int, int], dict[str, Any]] = {}
    for day in version.inputs.problem.dates:
        year, number, _ = day.isocalendar()
        week = weeks.setdefault((year, number), {"number": number, "dates": [],
                                                 "vehicles": defaultdict(dict),
                                                 "staff": defaultdict(dict)})
        week["dates"].append(day)
    for person in version.inputs.problem.staff:
        working = {a.date for a in person.availability}
        label = staff_names.get(person.id, person.id)
        for day in version.inputs.problem.dates:
            if day not in working:
                year, number, _ = day.isocalendar()
                reason = absences.get(person.id, {}).get(day)
                weeks[(year, number)]["staff"][label][day] = {"off": True, "reason": reason}
    for route in version.routes:
        year, number, _ = route.date.isocalendar()
        week = weeks[(year, number)]
        places = [stops[v.stop].commune_name for v in route.visits]
        week["vehicles"][route.vehicle][route.date] = {
            "places": places,
            "hours": f"{format_hhmm(route.depart_min)}–{format_hhmm(route.return_min)}"}
        for member in route.crew:
            name = staff_names.get(member.staff, member.staff)
            week["staff"][name][route.date] = {"places": places, "vehicle": route.vehicle}
    return [weeks[key] for key in sorted(weeks)]


def _reasons(version: PlanVersion, staff_names: dict[str, str]) -> list[str]:
    """Why each unserved (stop, service) of the plan is short, in the page's language:
    the export's French sentence, or its finding worded in English."""
    if g.lang == "fr":
        return [u.reason for u in version.unserved]
    names = _names(version, staff_names)
    sites = {f.id: f.name for f in version.inputs.fixed_sites}
    reasons = []
    for entry in version.unserved:
        if not entry.why:
            reasons.append(entry.reason)
            continue
        text = say(entry.why, g.lang, names)
        stop = version.inputs.stops.get(entry.stop)
        site = stop.near_fixed_site if stop else None
        if site in sites:
            text += " " + _("Le site fixe « %(name)s » est à portée de ses familles : une séance y "
                            "compte peu.", name=sites[site])
        reasons.append(text)
    return reasons


@bp.get("/rendez-vous")
def appointments():  # type: ignore[no-untyped-def]
    """Appointments in figures, per session and per commune: seats, bookings, families
    seen and absent, walk-ins, waiting lists; no name."""
    from outreach.appointments import local_today
    from outreach.appointments.staffing import by_commune, figures

    scenarios = _scenarios()
    chosen = request.args.get("scenario") or (scenarios[0].id if scenarios else "")
    if chosen and chosen not in {s.id for s in scenarios}:
        abort(404)
    rows = figures(g.db, chosen, local_today(now())) if chosen else []
    return render_template("coordination/appointments.html", scenarios=scenarios,
                           chosen=chosen, rows=rows, communes=by_commune(rows))


@bp.get("/journal")
def journal():  # type: ignore[no-untyped-def]
    """The audit log: who did what, when, from where (the latest 500 events of the
    account's organisation; every event for an administrator)."""
    return render_template("coordination/journal.html",
                           events=audit.recent(g.db, organisation_id=g.scope.organisation_id),
                           days=audit.retention_days())


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):  # type: ignore[no-untyped-def]
    version = _version(plan_id)
    by_date: dict[dt.date, list[DayRoute]] = defaultdict(list)
    for route in version.routes:
        by_date[route.date].append(route)
    members = g.db.exec(select(StaffMember).where(
        StaffMember.scenario_id == version.scenario_id)).all()
    staff_names = {staff_export_id(m): m.name for m in members}
    absences: dict[str, dict[dt.date, str]] = defaultdict(dict)
    for member, absence in g.db.exec(select(StaffMember, Absence).where(
            StaffMember.scenario_id == version.scenario_id, Absence.staff_id == StaffMember.id)):
        day = absence.start_date
        while day <= absence.end_date:
            absences[staff_export_id(member)][day] = absence.reason or _("absence")
            day += dt.timedelta(days=1)
    diff = (planning.diff_against_published(g.db, plan_id, version)
            if version.status == "draft" else None)
    published_id = planning.published_plan_id(g.db, version.scenario_id)
    return render_template(
        "coordination/plan.html", plan=version, by_date=sorted(by_date.items()),
        reasons=_reasons(version, staff_names), published_id=published_id,
        staff_names=staff_names, timelines=_timelines(version, staff_names, absences), diff=diff,
        pins=adjustments.list_pins(g.db, version.scenario_id),
        stops=version.inputs.stops, services=version.inputs.service_rules,
        vehicles=version.inputs.vehicle_rules,
        tiles=current_app.config.get("TILE_URL", ""),
    )


@bp.post("/plans/<int:plan_id>/publish")
def publish(plan_id: int):  # type: ignore[no-untyped-def]
    diff = planning.diff_against_published(g.db, plan_id)
    seen_field = request.form.get("seen")
    seen: int | None | object = planning.ANY
    if seen_field is not None:
        seen = int(seen_field) if seen_field.isdigit() else None
    confirmed = request.form.get("confirm_bookings") == "1"
    try:
        planning.publish_plan(g.db, plan_id, seen, bookings_confirmed=confirmed, now=now())
    except BookingsAffected as refused:  # the bookings listed, to confirm
        return render_template("coordination/publish_bookings.html", plan_id=plan_id,
                               affected=refused.affected, seen=seen_field or ""), 409
    except OutreachError as error:
        flash(str(error))
        return redirect(url_for("coordination.plan", plan_id=plan_id))
    flash(_("Plan %(id)s publié : %(added)s séances ajoutées, %(moved)s déplacées, %(cancelled)s annulées.",
            id=plan_id, added=len(diff["added"]), moved=len(diff["moved"]),
            cancelled=len(diff["cancelled"])))
    return redirect(url_for("coordination.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/pins")
def pin(plan_id: int):  # type: ignore[no-untyped-def]
    version = _version(plan_id)
    try:
        date = dt.date.fromisoformat(request.form.get("date", ""))
        adjustments.add_pin(g.db, version.scenario_id, request.form.get("stop", ""),
                            request.form.get("service", ""), date, request.form.get("vehicle", ""))
        flash(_("Séance épinglée : elle sera gardée au prochain calcul."))
    except (ValueError, InvalidInput) as error:
        flash(str(error) if isinstance(error, InvalidInput) else _("Date invalide."))
    return redirect(url_for("coordination.plan", plan_id=plan_id) + "#epingles")


@bp.post("/plans/<int:plan_id>/pins/<int:pin_id>/delete")
def unpin(plan_id: int, pin_id: int):  # type: ignore[no-untyped-def]
    version = _version(plan_id)
    try:
        adjustments.remove_adjustment(g.db, version.scenario_id, pin_id)
        flash(_("Épingle retirée."))
    except InvalidInput as error:
        flash(str(error))
    return redirect(url_for("coordination.plan", plan_id=plan_id) + "#epingles")


@bp.post("/plans/<int:plan_id>/reoptimise")
def reoptimise(plan_id: int):  # type: ignore[no-untyped-def]
    version = _version(plan_id)
    start, weeks = version.inputs.start, version.weeks
    limit = float(version.solver.time_limit_s or 30)
    try:
        job = _start_job(version.scenario_id, start, weeks, limit)
    except jobs.QueueUnavailable as error:
        flash(_(str(error)))
        return redirect(url_for("coordination.plan", plan_id=plan_id))
    return redirect(url_for("coordination.solve", job_id=job.id))


def _names(version: PlanVersion, staff: dict[str, str] | None = None) -> Names:
    """Display names for the plan's ids: staff by their names (exports only carry
    opaque ids; looked up unless given), vehicles and services by theirs, stops by
    their communes."""
    if staff is None:
        staff = {staff_export_id(m): m.name for m in g.db.exec(
            select(StaffMember).where(StaffMember.scenario_id == version.scenario_id))}
    inputs = version.inputs
    return Names(services={s.id: s.name for s in inputs.problem.services},
                 vehicles={v.id: v.name for v in inputs.problem.vehicles},
                 staff=staff,
                 stops={code: f"{s.commune_name} ({s.venue})" for code, s in inputs.stops.items()})


def _edit_from(form: Any) -> manual.Edit:
    try:
        date = dt.date.fromisoformat(form.get("date", ""))
        new_date = dt.date.fromisoformat(form["new_date"]) if form.get("new_date") else None
    except ValueError:
        raise InvalidInput(_("Date invalide.")) from None
    return manual.Edit(date=date, vehicle=form.get("vehicle", ""), stop=form.get("stop", ""),
                       new_date=new_date, new_vehicle=form.get("new_vehicle") or None,
                       new_start=form.get("new_start") or None)


@bp.route("/plans/<int:plan_id>/seance", methods=["GET", "POST"])
def edit_session(plan_id: int):  # type: ignore[no-untyped-def]
    """Check mode: move or remove one session, see the rules it breaks, then save a new draft."""
    version = _version(plan_id)
    source = request.form if request.method == "POST" else request.args
    values = {k: source.get(k, "") for k in ("date", "vehicle", "stop", "new_date", "new_vehicle",
                                             "new_start")}
    route = next((r for r in version.routes if r.date.isoformat() == values["date"]
                  and r.vehicle == values["vehicle"]), None)
    visit = next((v for v in route.visits if v.stop == values["stop"]), None) if route else None
    if route is None or visit is None:
        abort(404)
    values["new_date"] = values["new_date"] or values["date"]
    values["new_vehicle"] = values["new_vehicle"] or values["vehicle"]
    values["new_start"] = values["new_start"] or format_hhmm(visit.start_min)
    violations: list[str] | None = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "check")
        form = dict(values)
        if action == "remove":
            form["new_date"] = ""
        findings: list[Finding] = []
        try:
            edit = _edit_from(form)
            if action in ("save", "remove"):
                plan = manual.save_edit(g.db, plan_id, edit)
                flash(_("Nouvelle version enregistrée (brouillon) : plan %(id)s.", id=plan.id))
                return redirect(url_for("coordination.plan", plan_id=plan.id))
            _routes, findings = manual.check_edit(version, edit)
        except RulesBroken as error:
            findings, status = error.findings, 422
        except InvalidInput as error:
            violations, status = error.problems or [str(error)], 422
        if violations is None:
            names = _names(version)  # one look-up of the staff's names for every finding
            violations = [say(f, g.lang, names) for f in findings]
    return render_template(
        "coordination/edit_session.html", plan=version, values=values, visit=visit, route=route,
        violations=violations, stops=version.inputs.stops,
        vehicles=version.inputs.problem.vehicles), status


def _land(version: PlanVersion) -> AccessMap | None:
    """The communes of the plan's départements shaded by access, or None (the map then
    draws stops and routes only) when a département's boundary file is missing."""
    communes = g.db.exec(select(Commune).where(
        col(Commune.departement).in_(plan_departements(version)))).all()
    try:
        return access_map(version, {c.insee: (c.lat, c.lon) for c in communes})
    except BoundariesMissing as error:
        current_app.logger.warning("plan %s map without communes: %s", version.plan_id, error)
        return None


@bp.get("/plans/<int:plan_id>/map.svg")
def plan_map_svg(plan_id: int):  # type: ignore[no-untyped-def]
    version = _version(plan_id)
    try:
        day = dt.date.fromisoformat(request.args["date"]) if request.args.get("date") else None
    except ValueError:
        abort(400)
    return Response(plan_svg(version, day, _land(version)), mimetype="image/svg+xml")


def _land_json(version: PlanVersion) -> dict[str, Any] | None:
    land = _land(version)
    if land is None:
        return None
    names = dict(g.db.exec(select(Commune.insee, Commune.name).where(
        col(Commune.insee).in_(sorted(land.communes)))).all())
    return {
        "communes": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": geojson_geometry(land.communes[insee]),
             "properties": {"insee": insee, "name": names.get(insee, insee),
                            "access": land.classes[insee]}}
            for insee in sorted(land.communes)]},
        "outline": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": geojson_geometry(outline), "properties": {}}
            for outline in land.outlines]},
        "classes": [{"access": cls, "label": label, "colour": ACCESS_COLOURS[cls]}
                    for cls, label in access_legend(land.threshold_min).items()],
        "attribution": boundaries_attribution(),
    }


@bp.get("/plans/<int:plan_id>/map.json")
def plan_map_json(plan_id: int):  # type: ignore[no-untyped-def]
    """Stops, bases and each day's route as coordinates, the communes shaded by access
    (``land``, null without boundary files), and the legend's words, for the
    interactive map."""
    version = _version(plan_id)
    inputs = version.inputs
    stops, bases = inputs.stops, inputs.bases
    served = {v.stop for r in version.routes for v in r.visits}
    return jsonify(
        stops=[{"id": code, "name": s.commune_name, "venue": s.venue, "lat": s.lat,
                "lon": s.lon, "served": code in served} for code, s in stops.items()],
        bases=[{"id": code, "name": b.name, "vehicle": inputs.vehicle_name(code),
                "lat": b.lat, "lon": b.lon} for code, b in bases.items()],
        fixed_sites=[{"name": f.name, "lat": f.lat, "lon": f.lon} for f in inputs.fixed_sites],
        routes=[{"date": r.date.isoformat(), "vehicle": r.vehicle,
                 "path": [[bases[r.vehicle].lat, bases[r.vehicle].lon]]
                 + [[stops[v.stop].lat, stops[v.stop].lon] for v in r.visits]
                 + [[bases[r.vehicle].lat, bases[r.vehicle].lon]]}
                for r in version.routes],
        land=_land_json(version),
        legend={"title": _("Légende"), "outline": _("Limite du département"),
                "served": _("Arrêt avec au moins une séance"), "unserved": _("Arrêt sans séance"),
                "fixed_site": _("Site fixe (PMI, antenne)"),
                "vehicles": {code: _("Base et tournées : %(vehicle)s",
                                     vehicle=inputs.vehicle_name(code)) for code in bases}},
    )


@bp.get("/plans/<int:plan_id>/export.<fmt>")
def plan_export(plan_id: int, fmt: str):  # type: ignore[no-untyped-def]
    version = _version(plan_id)
    if fmt == "json":
        return Response(export.to_json(version), mimetype="application/json",
                        headers={"Content-Disposition": f"attachment; filename=plan-{plan_id}.json"})
    if fmt == "csv":
        return Response(export.to_csv(version), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename=plan-{plan_id}.csv"})
    abort(404)
