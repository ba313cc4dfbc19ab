"""Home-visit pages: the coordination's (families, puéricultrices, the week as a grid per
puéricultrice with a map, unplaced visits with their reasons, a visit moved by hand in
check mode, publishing, an absence re-planned) and the puéricultrices' (phone first: my
visits today and this week, each family's address with a link to the phone's map
application, what became of a visit, a change asked for, a private calendar feed).

Nothing here is public: every page needs an account, a family's record is read through
:func:`outreach.homevisits.read_family` (logged), and the feed names families by code.
"""

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
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlmodel import col, select

from outreach import homevisits
from outreach.data.boundaries import BoundariesMissing, commune_polygons, contains, departement_of
from outreach.data.geocoding import parse_point
from outreach.errors import InvalidInput, OutreachError, RulesBroken
from outreach.homevisits import planning, referral, rounds, workshops
from outreach.models import (
    Commune,
    Family,
    FamilyAccess,
    HomeNurse,
    HomePlan,
    HomeProgramme,
    HomeTeamSlot,
    HomeTerritory,
    HomeWorkshop,
    SolveJob,
)
from outreach.planning import jobs
from outreach.planning.manual import Edit
from outreach.timefmt import parse_hhmm
from outreach.wording import WEEKDAYS, WEEKDAYS_EN, Names, say, short_date
from web import now, public_url, today, webcal_url
from web.auth import require_role
from web.coordination import inline_url
from web.mapsvg import home_day_svg

coordination = Blueprint("home", __name__, url_prefix="/coordination/visites")
nurse_bp = Blueprint("nurse", __name__, url_prefix="/mes-visites")

BY_LABELS = {"referent": "référente", "second": "seconde référente",
             "other": "autre puéricultrice du territoire"}
PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def _private(body: str) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers.update(PRIVATE)
    return response


def _date(value: str | None, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError as error:
        raise InvalidInput(f"champ {field} : date attendue au format AAAA-MM-JJ") from error


# --- the coordination --------------------------------------------------------------------

@coordination.before_request
def _coordinators_only() -> None:
    require_role("coordinator")
    programme_id = (request.view_args or {}).get("programme_id")
    if programme_id is not None:
        _programme(programme_id)


def _programme(programme_id: str) -> HomeProgramme:
    """The programme, for an account of its organisation (others: not found)."""
    programme = g.db.get(HomeProgramme, programme_id)
    if programme is None or (g.user.role != "admin"
                             and programme.organisation_id != g.user.organisation_id):
        abort(404)
    return programme


def _plan(programme_id: str, plan_id: int) -> HomePlan:
    plan = g.db.get(HomePlan, plan_id)
    if plan is None or plan.programme_id != programme_id:
        abort(404)
    return plan


def _nurses(programme_id: str) -> list[HomeNurse]:
    return list(g.db.exec(select(HomeNurse).where(HomeNurse.programme_id == programme_id)
                          .order_by(col(HomeNurse.territory), col(HomeNurse.code))))


def _words() -> dict[str, Any]:
    """Weekdays, dates and codes in the page's language."""
    def weekday(iso: int) -> str:
        return (WEEKDAYS_EN if g.lang == "en" else WEEKDAYS)[iso - 1]

    return {"weekday_fr": weekday,
            "day_label": lambda iso: short_date(dt.date.fromisoformat(iso), g.lang or "fr"),
            "by_label": lambda k: _(BY_LABELS[k]),
            "outcome_label": lambda k: _(rounds.OUTCOME_FR[k]),
            "reason_label": lambda k: _(rounds.REQUEST_REASON_FR[k])}


coordination.context_processor(_words)


@coordination.get("/")
def index():  # type: ignore[no-untyped-def]
    programmes = [p for p in g.db.exec(select(HomeProgramme).order_by(col(HomeProgramme.id)))
                  if g.user.role == "admin" or p.organisation_id == g.user.organisation_id]
    if len(programmes) == 1:
        return redirect(url_for("home.programme", programme_id=programmes[0].id))
    return render_template("home/index.html", programmes=programmes)


def _programme_page(programme: HomeProgramme, form: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    territories = list(g.db.exec(select(HomeTerritory).where(
        HomeTerritory.programme_id == programme.id).order_by(col(HomeTerritory.id))))
    counts: dict[str, int] = defaultdict(int)
    for family in g.db.exec(select(Family).where(Family.programme_id == programme.id,
                                                 Family.status == "active")):
        counts[family.territory] += 1
    slots = list(g.db.exec(select(HomeTeamSlot).where(HomeTeamSlot.programme_id == programme.id)
                           .order_by(col(HomeTeamSlot.weekday), col(HomeTeamSlot.start_min))))
    this_day = today()
    default = {"week": (this_day + dt.timedelta(days=7 - this_day.weekday())).isoformat(), "weeks": "1"}
    return render_template(
        "home/programme.html", programme=programme, territories=territories, counts=counts,
        nurses=_nurses(programme.id), slots=slots, plans=rounds.plans(g.db, programme.id),
        requests=rounds.open_requests(g.db, programme.id), form=form or default,
        errors=errors or {}), status


@coordination.get("/<programme_id>")
def programme(programme_id: str):  # type: ignore[no-untyped-def]
    return _programme_page(_programme(programme_id))


@coordination.post("/<programme_id>/territoires/<code>")
def toggle_territory(programme_id: str, code: str):  # type: ignore[no-untyped-def]
    try:
        area = homevisits.set_territory_active(g.db, programme_id, code,
                                               request.form.get("active") == "1")
    except OutreachError:
        abort(404)
    flash(_("Territoire %(name)s : %(state)s.", name=area.name,
            state=_("planifié") if area.active else _("non planifié")))
    return redirect(url_for("home.programme", programme_id=programme_id))


@coordination.post("/<programme_id>/plans")
def new_plan(programme_id: str):  # type: ignore[no-untyped-def]
    programme = _programme(programme_id)
    form = {k: request.form.get(k, "").strip() for k in ("week", "weeks")}
    errors = {}
    try:
        week = _date(form["week"], "week")
        if week.isoweekday() != 1:
            errors["week"] = _("Choisissez un lundi.")
    except InvalidInput:
        errors["week"] = _("Date attendue au format AAAA-MM-JJ.")
    weeks = int(form["weeks"]) if form["weeks"].isdigit() else 0
    if not 1 <= weeks <= 4:
        errors["weeks"] = _("De 1 à 4 semaines.")
    if errors:
        return _programme_page(programme, form, errors, 400)
    try:
        job = _start_home_job(programme_id, week, weeks)
    except jobs.QueueUnavailable as error:
        errors["queue"] = _(str(error))
        return _programme_page(programme, form, errors, 503)
    if job.status == jobs.FAILED:  # run in the request (SOLVE_INLINE): say it on the form
        errors["week"] = job.error
        return _programme_page(programme, form, errors, 400)
    return redirect(url_for("home.solve", programme_id=programme_id, job_id=job.id))


def home_time_limit_s(weeks: int) -> float:
    """Seconds of solving for ``weeks`` weeks: 10 for one, 15 a week beyond (60 for four)."""
    return 10.0 if weeks == 1 else 15.0 * weeks


def _start_home_job(programme_id: str, week: dt.date, weeks: int) -> SolveJob:
    """A home plan computed by the solve runner (the same queue and workers as the bus
    plans), or in this request when SOLVE_INLINE is set."""
    job = jobs.submit_home(g.db, programme_id, week, weeks, home_time_limit_s(weeks),
                           work_limit_s=current_app.config.get("HOME_WORK_LIMIT_S"),
                           user_id=g.user.id, actor=g.user.email)
    return jobs.launch(g.db, current_app.extensions["solve_runner"], job, inline_url())


@coordination.get("/<programme_id>/calculs/<int:job_id>")
def solve(programme_id: str, job_id: int):  # type: ignore[no-untyped-def]
    """A home plan being computed: its progress (the page refreshes itself), then a link
    to the plan or the reason it failed."""
    programme = _programme(programme_id)
    job = g.db.get(SolveJob, job_id)
    if job is None or job.kind != jobs.HOME or job.programme_id != programme_id:
        abort(404)
    return _private(render_template("home/solve.html", programme=programme, job=job,
                                    percent=round(100 * jobs.progress(job))))


@coordination.post("/<programme_id>/demandes/<int:request_id>")
def close_request(programme_id: str, request_id: int):  # type: ignore[no-untyped-def]
    try:
        rounds.close_request(g.db, programme_id, request_id, g.user.email)
    except InvalidInput:
        abort(404)
    flash(_("Demande traitée."))
    return redirect(url_for("home.programme", programme_id=programme_id))


@coordination.get("/<programme_id>/familles")
def families(programme_id: str):  # type: ignore[no-untyped-def]
    programme = _programme(programme_id)
    codes = {n.id: n.code for n in _nurses(programme_id)}
    rows = list(g.db.exec(select(Family).where(Family.programme_id == programme_id)
                          .order_by(col(Family.code))))
    return _private(render_template("home/families.html", programme=programme, families=rows,
                                    nurse_code=codes))


def _family(programme_id: str, code: str) -> Family:
    family = g.db.exec(select(Family).where(Family.programme_id == programme_id,
                                            Family.code == code)).first()
    if family is None or family.id is None:
        abort(404)
    return family


@coordination.get("/<programme_id>/familles/<code>")
def family(programme_id: str, code: str):  # type: ignore[no-untyped-def]
    programme = _programme(programme_id)
    row = _family(programme_id, code)
    record = None
    if row.status != "erased":
        try:
            record = homevisits.read_family(g.db, g.user, row.id or 0)
        except homevisits.AccessRefused:
            abort(404)
    log = list(g.db.exec(select(FamilyAccess).where(FamilyAccess.family_id == row.id)
                         .order_by(col(FamilyAccess.at).desc()).limit(200)))
    return _private(render_template("home/family.html", programme=programme, family=row,
                                    record=record, log=log))


@coordination.post("/<programme_id>/familles/<code>/archiver")
def archive(programme_id: str, code: str):  # type: ignore[no-untyped-def]
    row = _family(programme_id, code)
    homevisits.archive_family(g.db, row.id or 0, today())
    flash(_("Famille %(code)s archivée : ses données personnelles seront effacées après le "
            "délai de conservation.", code=code))
    return redirect(url_for("home.family", programme_id=programme_id, code=code))


WORKSHOP_FIELDS = ("label", "territory", "date", "start", "end", "place", "commune", "capacity",
                   "invited")


def _workshops_page(programme: HomeProgramme, form: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status: int = 200) -> Response:
    territories = list(g.db.exec(select(HomeTerritory).where(
        HomeTerritory.programme_id == programme.id).order_by(col(HomeTerritory.id))))
    communes = sorted(g.db.exec(select(Commune).where(col(Commune.insee).in_(
        [i for t in territories for i in t.communes]))), key=lambda c: c.name)
    response = _private(render_template(
        "home/workshops.html", programme=programme, territories=territories,
        communes=communes, nurses=_nurses(programme.id),
        workshops=workshops.workshops_between(g.db, programme.id, dt.date.min, dt.date.max),
        form=form or {"start": "10:00", "end": "11:30", "capacity": "8", "facilitators": []},
        errors=errors or {}))
    response.status_code = status
    return response


def _workshop_input(programme_id: str, form: dict[str, Any]
                    ) -> tuple[workshops.WorkshopInput | None, dict[str, str]]:
    """The workshop typed in the form, or the problems of each field."""
    errors: dict[str, str] = {}
    times = {}
    for name in ("start", "end"):
        try:
            times[name] = parse_hhmm(form[name], name)
        except (InvalidInput, ValueError):
            errors[name] = _("Heure attendue au format HH:MM.")
    try:
        date = _date(form["date"], "date")
    except InvalidInput:
        errors["date"] = _("Date attendue au format AAAA-MM-JJ.")
    capacity = int(form["capacity"]) if form["capacity"].isdigit() else 0
    if capacity < 1:
        errors["capacity"] = _("Un nombre de familles, au moins 1.")
    commune = g.db.get(Commune, form["commune"])
    if commune is None:
        errors["commune"] = _("Choisissez la commune du lieu.")
    if not form["facilitators"]:
        errors["facilitators"] = _("Cochez au moins une animatrice.")
    if errors or commune is None:
        return None, errors
    invited = tuple(code for code in form["invited"].replace(",", " ").split() if code)
    return workshops.WorkshopInput(
        territory=form["territory"], label=form["label"], date=date,
        start_min=times["start"], end_min=times["end"], place_label=form["place"],
        place_lat=commune.lat, place_lon=commune.lon, capacity=capacity,
        facilitators=tuple(form["facilitators"]), invited=invited), errors


@coordination.route("/<programme_id>/ateliers", methods=["GET", "POST"])
def workshops_page(programme_id: str):  # type: ignore[no-untyped-def]
    """Collective workshops: listed, and a new one added (checked before it is saved)."""
    programme = _programme(programme_id)
    if request.method == "GET":
        return _workshops_page(programme)
    form: dict[str, Any] = {k: request.form.get(k, "").strip() for k in WORKSHOP_FIELDS}
    form["facilitators"] = request.form.getlist("facilitators")
    data, errors = _workshop_input(programme_id, form)
    if data is not None:
        try:
            workshops.save_workshop(g.db, programme_id, data)
        except InvalidInput as refused:
            field, _sep, _rest = str(refused).partition(" :")
            errors[field if field in {*WORKSHOP_FIELDS, "facilitators"} else "label"] = str(refused)
    if errors:
        return _workshops_page(programme, form, errors, 400)
    flash(_("Atelier « %(label)s » enregistré : les prochains plans en tiennent compte.",
            label=data.label if data else ""))
    return redirect(url_for("home.workshops_page", programme_id=programme_id))


@coordination.post("/<programme_id>/ateliers/<int:workshop_id>/supprimer")
def delete_workshop(programme_id: str, workshop_id: int):  # type: ignore[no-untyped-def]
    try:
        workshops.delete_workshop(g.db, programme_id, workshop_id)
    except InvalidInput:
        abort(404)
    flash(_("Atelier supprimé."))
    return redirect(url_for("home.workshops_page", programme_id=programme_id))


def _workshops_by(programme_id: str, start: dt.date, end: dt.date
                  ) -> dict[str, dict[str, list[HomeWorkshop]]]:
    """Facilitator code -> ISO date -> her workshops from ``start`` to ``end``."""
    found: dict[str, dict[str, list[HomeWorkshop]]] = defaultdict(lambda: defaultdict(list))
    for shop in workshops.workshops_between(g.db, programme_id, start, end):
        for code in shop.facilitators:
            found[code][shop.date.isoformat()].append(shop)
    return found


def _grid(plan: HomePlan) -> tuple[list[dt.date], dict[str, dict[str, list[dict[str, Any]]]]]:
    dates = [plan.week_start + dt.timedelta(days=k) for k in range(7 * plan.weeks)
             if (plan.week_start + dt.timedelta(days=k)).isoweekday() <= 5]
    grid: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for visit in plan.visits:
        grid[visit["nurse"]][visit["date"]].append(visit)
    return dates, grid


@coordination.get("/<programme_id>/plans/<int:plan_id>")
def plan(programme_id: str, plan_id: int):  # type: ignore[no-untyped-def]
    programme = _programme(programme_id)
    shown = _plan(programme_id, plan_id)
    dates, grid = _grid(shown)
    nurses = _nurses(programme_id)
    try:
        day = _date(request.args.get("jour"), "jour") if request.args.get("jour") else dates[0]
    except InvalidInput:
        abort(404)
    day_visits = [v for v in shown.visits if v["date"] == day.isoformat()]
    routes: dict[str, list[str]] = defaultdict(list)
    for visit in sorted(day_visits, key=lambda v: (v["nurse"], v["order"])):
        routes[visit["nurse"]].append(visit["family"])
    places = homevisits.places_of(g.db, g.user, programme_id, [v["family"] for v in day_visits])
    offices = {n.code: (n.name, (n.base_lat, n.base_lon)) for n in nurses if n.code in routes}
    territories = list(g.db.exec(select(HomeTerritory).where(
        HomeTerritory.programme_id == programme_id, col(HomeTerritory.active).is_(True))))
    try:
        polygons = commune_polygons([programme.departement])
        land = {i: polygons[i] for t in territories for i in t.communes if i in polygons}
    except BoundariesMissing:
        land = None
    svg = home_day_svg(offices, places, [(n, [f for f in fs if f in places])
                                         for n, fs in routes.items()], land)
    return _private(render_template(
        "home/plan.html", programme=programme, plan=shown, dates=dates, grid=grid,
        nurses=[n for n in nurses if n.code in grid or any(
            t.code == n.territory for t in territories)],
        names={n.code: n.name for n in nurses},
        shops=_workshops_by(programme_id, dates[0], dates[-1]),
        day=day, map_svg=svg, requests=rounds.open_requests(g.db, programme_id)))


@coordination.post("/<programme_id>/plans/<int:plan_id>/publier")
def publish(programme_id: str, plan_id: int):  # type: ignore[no-untyped-def]
    _plan(programme_id, plan_id)
    rounds.publish(g.db, plan_id, g.user.email)
    flash(_("Plan publié : les puéricultrices voient leurs visites."))
    return redirect(url_for("home.plan", programme_id=programme_id, plan_id=plan_id))


@coordination.post("/<programme_id>/plans/<int:plan_id>/absence")
def absence(programme_id: str, plan_id: int):  # type: ignore[no-untyped-def]
    programme = _programme(programme_id)
    shown = _plan(programme_id, plan_id)
    form = {k: request.form.get(k, "").strip() for k in ("nurse", "start", "end")}
    try:
        start = _date(form["start"], "start")
        end = _date(form["end"], "end") if form["end"] else None
        replanned = planning.replan_absence(g.db, plan_id, form["nurse"], start, end,
                                            reason="absence", actor=g.user.email)
    except InvalidInput as error:
        dates, grid = _grid(shown)
        return _private(render_template(
            "home/plan.html", programme=programme, plan=shown, dates=dates, grid=grid,
            nurses=_nurses(programme_id), day=dates[0], map_svg="", absence_form=form,
            shops=_workshops_by(programme_id, dates[0], dates[-1]),
            absence_error=str(error), requests=[])), 400
    flash(_("Absence enregistrée et visites replanifiées : %(count)s famille(s) à prévenir.",
            count=len(replanned.changed)))
    return redirect(url_for("home.plan", programme_id=programme_id, plan_id=replanned.plan.id))


@coordination.route("/<programme_id>/plans/<int:plan_id>/deplacer", methods=["GET", "POST"])
def move(programme_id: str, plan_id: int):  # type: ignore[no-untyped-def]
    """Move one visit in check mode: the rules the move would break are listed before
    anything is saved; a move that breaks none can be saved as a new draft."""
    programme = _programme(programme_id)
    shown = _plan(programme_id, plan_id)
    source = request.form if request.method == "POST" else request.args
    form = {k: source.get(k, "").strip() for k in
            ("family", "date", "nurse", "new_date", "new_nurse", "new_start")}
    visit = next((v for v in shown.visits if v["family"] == form["family"]
                  and v["date"] == form["date"] and v["nurse"] == form["nurse"]), None)
    if visit is None:
        abort(404)
    form["new_date"] = form["new_date"] or visit["date"]
    form["new_nurse"] = form["new_nurse"] or visit["nurse"]
    form["new_start"] = form["new_start"] or visit["start"]
    checked, error = None, None
    nurses = _nurses(programme_id)
    names = Names(vehicles={n.code: n.name for n in nurses})
    if request.method == "POST" or "check" in request.args:
        try:
            parse_hhmm(form["new_start"], "new_start")
            edit = Edit(_date(form["date"], "date"), form["nurse"], planning.stop_of(visit),
                        _date(form["new_date"], "new_date"), form["new_nurse"], form["new_start"])
            if request.method == "POST" and request.form.get("action") == "save":
                saved = rounds.save_move(g.db, plan_id, edit, g.user.email)
                flash(_("Visite déplacée : nouveau brouillon enregistré."))
                return redirect(url_for("home.plan", programme_id=programme_id, plan_id=saved.id))
            checked = rounds.check_move(g.db, shown, edit)
        except RulesBroken as refused:
            error = "\n".join(say(f, g.lang or "fr", names) for f in refused.findings)
        except InvalidInput as refused:
            error = str(refused)
    broken = [say(f, g.lang or "fr", names) for f in checked.broken] if checked else []
    status = 400 if error else 200
    return _private(render_template(
        "home/move.html", programme=programme, plan=shown, visit=visit, form=form,
        nurses=nurses, checked=checked, broken=broken, error=error)), status


HALF_DAYS = (("matin", "09:00", "12:30"), ("apres-midi", "13:30", "17:30"))


def _in_commune(insee: str, point: tuple[float, float]) -> bool:
    """Whether (lat, lon) lies in the commune, as its shipped boundary draws it (a commune
    drawn nowhere takes any point)."""
    try:
        polygons = commune_polygons([departement_of(insee)]).get(insee)
    except BoundariesMissing:
        return True
    return polygons is None or contains(polygons, point[1], point[0])


def _referral_form(programme_id: str, form: dict[str, Any]) -> tuple[homevisits.FamilyRecord, dict[str, str]]:
    """The family typed in the referral form, and the problems of each field."""
    errors: dict[str, str] = {}
    commune = g.db.get(Commune, form.get("commune", ""))
    areas = {i: t for t in g.db.exec(select(HomeTerritory).where(
        HomeTerritory.programme_id == programme_id)) for i in t.communes}
    if commune is None or commune.insee not in areas:
        errors["commune"] = _("Choisissez la commune des visites parmi celles du programme.")
    numbers = {}
    for name, low, high in (("visits_per_week", 1, 4), ("min_spacing_days", 0, 3),
                            ("visit_min", 30, 120)):
        value = str(form.get(name, "")).strip()
        if not value.isdigit() or not low <= int(value) <= high:
            errors[name] = _("Un nombre de %(low)s à %(high)s.", low=low, high=high)
        else:
            numbers[name] = int(value)
    windows = [{"weekday": day, "from": start, "to": end}
               for day in range(1, 6) for key, start, end in HALF_DAYS
               if f"{day}-{key}" in form.get("slots", ())]
    if not windows:
        errors["slots"] = _("Cochez au moins une demi-journée où la famille peut être vue.")
    if not str(form.get("name", "")).strip():
        errors["name"] = _("Indiquez le nom de la famille.")
    lat, lon = (commune.lat, commune.lon) if commune is not None else (None, None)
    typed = str(form.get("point", "")).strip()
    if typed:  # else the commune's centre stands for the place of the visits
        point = parse_point(typed)
        if point is None:
            errors["point"] = _("Écrivez le point sous la forme « latitude, longitude », par "
                                "exemple 43.6108, 3.8767 (le partage de position d'une "
                                "application de carte le donne).")
        elif commune is not None and not _in_commune(commune.insee, point):
            errors["point"] = _("Ce point n'est pas dans la commune %(name)s : vérifiez-le, ou "
                                "choisissez la commune où il se trouve.", name=commune.name)
        else:
            lat, lon = point
    codes = g.db.exec(select(Family.code).where(Family.programme_id == programme_id)).all()
    number = max((int(c[2:]) for c in codes if c[2:].isdigit()), default=0) + 1
    record = homevisits.FamilyRecord(
        code=f"F-{number:04d}", territory=areas[commune.insee].code if commune and commune.insee
        in areas else "", referent="", name=str(form.get("name", "")).strip(),
        address=str(form.get("address", "")).strip(), phone=str(form.get("phone", "")).strip(),
        notes=str(form.get("notes", "")).strip(),
        lat=lat, lon=lon, commune_insee=commune.insee if commune else "",
        visits_per_week=numbers.get("visits_per_week", 2),
        min_spacing_days=numbers.get("min_spacing_days", 1),
        visit_min=numbers.get("visit_min", 60), windows=windows)
    return record, errors


@coordination.route("/<programme_id>/plans/<int:plan_id>/orientation", methods=["GET", "POST"])
def refer(programme_id: str, plan_id: int):  # type: ignore[no-untyped-def]
    """A new family referred: the best few ways to take it on in this plan, then commit one."""
    programme = _programme(programme_id)
    shown = _plan(programme_id, plan_id)
    territories = list(g.db.exec(select(HomeTerritory).where(
        HomeTerritory.programme_id == programme_id, col(HomeTerritory.active).is_(True))))
    communes = sorted((c for c in g.db.exec(select(Commune).where(col(Commune.insee).in_(
        [i for t in territories for i in t.communes])))), key=lambda c: c.name)
    form: dict[str, Any] = {"visits_per_week": "2", "min_spacing_days": "2", "visit_min": "60",
                            "slots": [f"{d}-{k}" for d in range(1, 6) for k, _a, _b in HALF_DAYS]}
    errors: dict[str, str] = {}
    options: list[Any] = []
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in
                ("name", "address", "point", "phone", "notes", "commune", "visits_per_week",
                 "min_spacing_days", "visit_min", "choice")}
        form["slots"] = request.form.getlist("slots")
        record, errors = _referral_form(programme_id, form)
        if not errors:
            try:
                options = referral.referral_options(g.db, plan_id, record)
            except InvalidInput as refused:
                errors["commune"] = str(refused)
            if request.form.get("action") == "commit" and not errors:
                chosen = next((o for o in options if o.nurse == form["choice"]), None)
                if chosen is None:
                    errors["choice"] = _("Choisissez l'une des propositions.")
                else:
                    new = referral.take_on(g.db, plan_id, record, chosen, g.user.email)
                    flash(_("Famille %(code)s confiée à %(nurse)s : nouveau brouillon enregistré.",
                            code=record.code, nurse=chosen.nurse_name))
                    return redirect(url_for("home.plan", programme_id=programme_id,
                                            plan_id=new.id))
    status = 400 if errors else 200
    return _private(render_template(
        "home/referral.html", programme=programme, plan=shown, communes=communes, form=form,
        errors=errors, options=options, half_days=HALF_DAYS,
        searched=request.method == "POST" and not errors)), status


# --- the puéricultrice ----------------------------------------------------------------------

_FEED = {"nurse.feed"}


@nurse_bp.before_request
def _nurses_only() -> None:
    if request.endpoint in _FEED:
        return
    require_role("nurse")
    if rounds.nurse_of(g.db, g.user) is None:
        abort(403)


nurse_bp.context_processor(_words)


def _me() -> HomeNurse:
    nurse = rounds.nurse_of(g.db, g.user)
    if nurse is None:
        abort(403)
    return nurse


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@nurse_bp.get("/")
def week():  # type: ignore[no-untyped-def]
    """Her week (codes and hours: names are on each day's page), today first."""
    me = _me()
    this_day = today()
    try:
        monday = _monday(_date(request.args["semaine"], "semaine")) if "semaine" in request.args \
            else _monday(this_day)
    except InvalidInput:
        abort(404)
    visits = rounds.published_visits(g.db, me.programme_id, monday,
                                     monday + dt.timedelta(days=6), me.code)
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for visit in visits:
        by_day[visit["date"]].append(visit)
    upcoming = None
    if not visits:  # the next week with visits, so that she is never left on an empty page
        later = rounds.published_visits(g.db, me.programme_id, monday + dt.timedelta(days=7),
                                        monday + dt.timedelta(days=400), me.code)
        upcoming = _monday(dt.date.fromisoformat(later[0]["date"])) if later else None
    done = rounds.records(g.db, me.programme_id, [v["family"] for v in visits], monday,
                          monday + dt.timedelta(days=6))
    shops = _workshops_by(me.programme_id, monday, monday + dt.timedelta(days=6))[me.code]
    return _private(render_template(
        "home/nurse_week.html", me=me, monday=monday, by_day=by_day, shops=shops,
        days=sorted({*by_day, *shops}), today=this_day.isoformat(),
        done=done, upcoming=upcoming, previous=monday - dt.timedelta(days=7),
        following=monday + dt.timedelta(days=7)))


def _day_visits(me: HomeNurse, day: dt.date) -> list[dict[str, Any]]:
    return rounds.published_visits(g.db, me.programme_id, day, day, me.code)


@nurse_bp.get("/jour/<day>")
def day(day: str):  # type: ignore[no-untyped-def]
    """Her day with each family's name, address and phone (each record read is logged)."""
    me = _me()
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        abort(404)
    visits = _day_visits(me, date)
    families = {f.code: f for f in g.db.exec(select(Family).where(
        Family.programme_id == me.programme_id,
        col(Family.code).in_([v["family"] for v in visits])))}
    shown = []
    for visit in visits:
        row = families.get(visit["family"])
        record = None
        if row is not None and row.status != "erased":
            try:
                record = homevisits.read_family(g.db, g.user, row.id, "round")
            except homevisits.AccessRefused:
                record = None  # a visit as another nurse's stand-in: codes only
        shown.append((visit, record))
    done = rounds.records(g.db, me.programme_id, [v["family"] for v in visits], date, date)
    return _private(render_template("home/nurse_day.html", me=me, date=date, visits=shown,
                                    done=done, outcomes=rounds.OUTCOMES))


@nurse_bp.post("/jour/<day>/<family>/bilan")
def record(day: str, family: str):  # type: ignore[no-untyped-def]
    me = _me()
    try:
        rounds.record_outcome(g.db, me, family, _date(day, "date"),
                              request.form.get("status", ""), g.user.email)
    except InvalidInput as error:
        abort(400, description=str(error))
    flash(_("Visite %(code)s : %(status)s.", code=family,
            status=_(rounds.OUTCOME_FR[request.form["status"]])))
    return redirect(url_for("nurse.day", day=day) + f"#v-{family}")


@nurse_bp.route("/jour/<day>/<family>/changement", methods=["GET", "POST"])
def change(day: str, family: str):  # type: ignore[no-untyped-def]
    me = _me()
    try:
        date = _date(day, "date")
    except InvalidInput:
        abort(404)
    visit = next((v for v in _day_visits(me, date) if v["family"] == family), None)
    if visit is None:
        abort(404)
    form = {"reason": request.form.get("reason", "family"),
            "message": request.form.get("message", "")}
    error = None
    if request.method == "POST":
        try:
            rounds.ask_change(g.db, me, family, date, form["reason"], form["message"])
        except InvalidInput as refused:
            error = str(refused)
        else:
            flash(_("Demande envoyée à la coordination."))
            return redirect(url_for("nurse.day", day=day))
    return _private(render_template("home/nurse_change.html", me=me, visit=visit, date=date,
                                    form=form, error=error, reasons=rounds.REQUEST_REASONS)), \
        400 if error else 200


@nurse_bp.route("/ateliers/<int:workshop_id>", methods=["GET", "POST"])
def attendance(workshop_id: int):  # type: ignore[no-untyped-def]
    """A facilitator records which invited families came to her workshop."""
    me = _me()
    shop = g.db.get(HomeWorkshop, workshop_id)
    if shop is None or shop.programme_id != me.programme_id or me.code not in shop.facilitators:
        abort(404)
    came = (request.form.getlist("attended") if request.method == "POST"
            else list(shop.attended or []))
    error = None
    if request.method == "POST":
        try:
            workshops.record_attendance(g.db, me.programme_id, workshop_id, came, me.code,
                                        g.user.email, today())
        except InvalidInput as refused:
            error = str(refused)
        else:
            flash(_("Présences enregistrées : %(came)s famille(s) sur %(invited)s.",
                    came=len(came), invited=len(shop.invited)))
            return redirect(url_for("nurse.week", semaine=_monday(shop.date).isoformat()))
    return _private(render_template(
        "home/nurse_workshop.html", shop=shop, came=set(came), error=error,
        monday=_monday(shop.date), early=today() < shop.date)), 400 if error else 200


@nurse_bp.route("/agenda", methods=["GET", "POST"])
def calendar_link():  # type: ignore[no-untyped-def]
    me = _me()
    assert me.id is not None
    if request.method == "POST":
        if request.form.get("action") == "create":
            rounds.create_token(g.db, me.id)
            flash(_("Nouveau lien créé. L'ancien lien, s'il existait, ne fonctionne plus."))
        elif request.form.get("action") == "revoke":
            rounds.revoke_tokens(g.db, me.id)
            flash(_("Lien révoqué : votre agenda ne recevra plus les mises à jour."))
        else:
            abort(400, description="Requête invalide.")
        return redirect(url_for("nurse.calendar_link"))
    token = rounds.active_token(g.db, me.id)
    feed_url = public_url("nurse.feed", token=token.token) if token else None
    return _private(render_template("home/nurse_calendar.html", me=me, feed_url=feed_url,
                                    webcal_url=webcal_url(feed_url)))


@nurse_bp.get("/agenda/<token>.ics")
def feed(token: str):  # type: ignore[no-untyped-def]
    me = rounds.nurse_for_token(g.db, token)
    if me is None:
        abort(404)
    this_day = today()
    visits = rounds.published_visits(g.db, me.programme_id, this_day - dt.timedelta(days=31),
                                     this_day + dt.timedelta(days=400), me.code)
    body = rounds.visits_calendar(me, visits, now().replace(microsecond=0))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": "attachment; filename=mes-visites.ics", **PRIVATE})
