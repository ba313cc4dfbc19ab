"""Plan use cases: create a draft version, publish it, read versions.

A solve runs before any row is written; its result is stored as one new plan
version in one transaction. A failed or interrupted solve therefore writes
nothing, and the published version stays as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import replace
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import solver as sm
from outreach import audit
from outreach.access.coverage import coverage_kpis
from outreach.access.travel import GeodesicTravelModel, TravelModel
from outreach.db import use_case
from outreach.errors import PlanNotPublishable, UnknownPlan
from outreach.models import (
    Booking,
    Plan,
    PlanCrew,
    PlanRhythm,
    PlanService,
    PlanSession,
    Publication,
    Scenario,
    StaffMember,
)
from outreach.planning.adjustments import pins_for
from outreach.planning.mapping import PlanningInput, build_problem, plan_version, staff_export_id
from outreach.planning.plan import PlanVersion
from outreach.planning.reach import compute_reach
from outreach.timefmt import format_hhmm
from solver import Pin, ProgressCallback, Solution, SolveParams, solve

DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"
ANY = object()  # publish whatever is published now (the CLI: one operator, one command)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def create_plan(
    session: Session,
    scenario_id: str,
    start: dt.date,
    weeks: int,
    params: SolveParams | None = None,
    travel: TravelModel | None = None,
    keep_published: bool = False,
    progress: ProgressCallback | None = None,
    prefer_published: bool = False,
    measure_rhythm: bool = False,
    keep_booked: bool = True,
) -> Plan:
    """Solve the scenario over ``weeks`` weeks from ``start`` and store a draft version.

    With ``keep_published``, every session of the published plan inside the horizon is
    pinned: re-planning after an absence then only changes crews, and moves a session
    only when no substitute can be found (the dropped pin says why). With
    ``prefer_published``, the published sessions are preferred instead: one moves only
    when the plan gains more than ``params.move_threshold`` children by it. With
    ``measure_rhythm``, the same inputs are solved again with the same parameters but
    every stop free to change day, and the version records what keeping the day cost
    (:func:`rhythm_cost`). ``keep_booked`` (the default) pins the published sessions that
    hold families' bookings: a re-plan never moves them unless the coordinator releases
    them (publishing a plan that drops one then asks for a confirmation).
    """
    params = params or SolveParams()
    pins = pins_for(session, scenario_id)
    if keep_published:
        pins += published_pins(session, scenario_id)
    elif keep_booked:
        pins += booked_pins(session, scenario_id)
    preferred = published_pins(session, scenario_id) if prefer_published else []
    inp = build_problem(session, scenario_id, start, weeks, travel or GeodesicTravelModel(),
                        pins=list(dict.fromkeys(pins)), preferred=preferred)
    solution = solve(inp.problem, params, progress)
    cost = rhythm_cost(inp.problem, solution, params) if measure_rhythm else None
    return store_plan(session, inp, solution, params, cost)


def rhythm_cost(problem: sm.Problem, kept: Solution, params: SolveParams) -> dict[str, int] | None:
    """What keeping each stop's day cost ``kept``: the demand served by a solve of the same
    problem and parameters with every service free to change a stop's day, the points of
    demand that adds (negative: the freer search did worse in its budget), and the stops
    that would then change day. ``None`` when no service keeps its rhythm."""
    if not any(s.keep_rhythm for s in problem.services):
        return None
    free = dataclasses.replace(problem, services=tuple(
        dataclasses.replace(s, keep_rhythm=False) for s in problem.services))
    moved = solve(free, params)
    # The stops off their day are those the kept rule would refuse (its one home).
    off_day = [f for f in sm.check_solution(problem, moved) if f.code == "stop.rhythm"]
    return {"demand_served_with_changes": moved.kpis.demand_served,
            "demand_points": moved.kpis.demand_served - kept.kpis.demand_served,
            "stops_moved": len(off_day)}


def booked_pins(session: Session, scenario_id: str) -> list[Pin]:
    """The published sessions that hold families' bookings (or waiting lists), as pins."""
    held = {(b.session_date, b.stop_code, b.service_code) for b in session.exec(
        select(Booking).where(Booking.scenario_id == scenario_id,
                              col(Booking.status).in_(("booked", "offered", "waiting"))))}
    return [p for p in published_pins(session, scenario_id)
            if (p.date, p.stop, p.service) in held]


def published_pins(session: Session, scenario_id: str) -> list[Pin]:
    """The sessions of the scenario's published plan, as pins."""
    plan_id = published_plan_id(session, scenario_id)
    if plan_id is None:
        return []
    rows = session.exec(select(PlanSession).where(PlanSession.plan_id == plan_id)).all()
    return [Pin(stop=r.stop_code, service=r.service_code, date=r.date, vehicle=r.vehicle_code)
            for r in rows]


def store_plan(session: Session, inp: PlanningInput, solution: Solution,
               params: SolveParams, rhythm: dict[str, int] | None = None) -> Plan:
    version = plan_version(inp, solution, params)
    if rhythm is not None:
        version = replace(version, solver=replace(version.solver, rhythm_cost=rhythm))
    served = {(inp.stops[v.stop].lat, inp.stops[v.stop].lon)
              for route in version.routes for v in route.visits}
    coverage = coverage_kpis(session, inp.scenario.departement, served, inp.access,
                             fixed_points=[(f.lat, f.lon) for f in inp.fixed_sites])
    return store_version(session, replace(version, kpis=replace(version.kpis, coverage=coverage)))


def store_version(session: Session, version: PlanVersion) -> Plan:
    """Write a new plan version: the plan row with its export document, its sessions
    (for the public pages) and its crews (for staff rounds), in the caller's transaction."""
    document = version.to_document()
    start, end = version.horizon
    plan = Plan(
        scenario_id=version.scenario_id, created_at=_now(), horizon_start=start, horizon_end=end,
        solver_status=version.solver.status, method=version.solver.method,
        elapsed_s=version.solver.elapsed_s, objective=version.solver.objective,
        bound=version.solver.bound, demand_total=version.kpis.demand_total,
        demand_served=version.kpis.demand_served, document=document,
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    inputs = version.inputs
    members = {staff_export_id(m): m for m in session.exec(
        select(StaffMember).where(StaffMember.scenario_id == plan.scenario_id))}
    for rules in inputs.problem.services:
        info = inputs.services[rules.id]
        session.add(PlanService(
            plan_id=plan.id, code=rules.id, name=rules.name, description=info.description,
            what_to_bring=info.what_to_bring, contact=info.contact, phone=info.phone,
            access_threshold_min=info.access_threshold_min, appointments=info.appointments))
    for route in version.routes:
        for seq, visit in enumerate(route.visits, start=1):
            stop = inputs.stops[visit.stop]
            session.add(PlanSession(
                plan_id=plan.id, date=route.date, vehicle_code=route.vehicle, seq=seq,
                stop_code=visit.stop, commune_insee=stop.commune_insee,
                commune_name=stop.commune_name, venue=stop.venue, lat=stop.lat,
                lon=stop.lon, service_code=visit.service,
                service_name=inputs.service_name(visit.service),
                arrive_min=visit.arrive_min, start_min=visit.start_min,
                end_min=visit.end_min, leave_min=visit.leave_min,
            ))
        for member in route.crew:
            known = members.get(member.staff)
            session.add(PlanCrew(plan_id=plan.id, date=route.date, vehicle_code=route.vehicle,
                                 staff_code=known.code if known else member.staff,
                                 staff_id=known.id if known else None, role=member.role))
    for rhythm in version.recurrence:
        stop = inputs.stops[rhythm.stop]
        session.add(PlanRhythm(
            plan_id=plan.id, stop_code=rhythm.stop, service_code=rhythm.service,
            commune_insee=stop.commune_insee, venue=stop.venue,
            service_name=inputs.service_name(rhythm.service), weekday=rhythm.weekday,
            week_of_month=rhythm.week_of_month, kept=rhythm.kept))
    session.flush()
    return plan


def read_version(session: Session, plan_id: int) -> PlanVersion:
    """A stored plan version, typed, with its id and current status."""
    plan = get_plan(session, plan_id)
    published = session.exec(
        select(Publication).where(Publication.plan_id == plan_id).order_by(col(Publication.id))
    ).first()
    return replace(PlanVersion.from_document(plan.document), plan_id=plan.id,
                   status=plan_status(session, plan), created_at=plan.created_at.isoformat(),
                   published_at=published.published_at.isoformat() if published else None)


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise UnknownPlan(f"Plan {plan_id} introuvable.")
    return plan


_PUBLISHED = Publication.__table__.c  # type: ignore[attr-defined]
_LATEST_FIRST = (_PUBLISHED.seq.desc(), _PUBLISHED.id.desc())  # a scenario's publications
# A scenario's published plan: its latest publication's (the scenario given as the
# ``scenario`` parameter). Built once: families' booking posts read it each time.
PUBLISHED_PLAN = select(_PUBLISHED.plan_id).where(
    _PUBLISHED.scenario_id == bindparam("scenario")).order_by(*_LATEST_FIRST).limit(1)


def _latest_publication(session: Session, scenario_id: str) -> Publication | None:
    return session.exec(select(Publication).where(Publication.scenario_id == scenario_id)
                        .order_by(*_LATEST_FIRST)).first()


def published_plan_id(session: Session, scenario_id: str) -> int | None:
    return session.exec(PUBLISHED_PLAN, params={"scenario": scenario_id}).first()


def plan_status(session: Session, plan: Plan) -> str:
    """draft, published (the scenario's current version) or archived (published before)."""
    if published_plan_id(session, plan.scenario_id) == plan.id:
        return PUBLISHED
    ever = session.exec(select(Publication).where(Publication.plan_id == plan.id)).first()
    return ARCHIVED if ever else DRAFT


@use_case
def publish_plan(session: Session, plan_id: int, seen: int | None | object = ANY,
                 bookings_confirmed: bool = False, now: dt.datetime | None = None) -> Plan:
    """Make a version the scenario's published plan. Older versions are left untouched.

    ``seen`` is the published plan the coordinator looked at when deciding (``None``:
    none was published); when another has been published since, the publication is
    refused rather than silently replacing it. Of two publications made at the same
    moment from the same state, exactly one succeeds (unique publication number).

    A plan that drops sessions holding families' bookings is refused
    (:class:`~outreach.appointments.rehome.BookingsAffected`, which lists them) unless
    ``bookings_confirmed``; then each of those bookings is proposed another seat, or
    dropped, and its family told (:func:`~outreach.appointments.rehome.rehome`)."""
    from outreach.appointments import local_today
    from outreach.appointments.rehome import BookingsAffected, affected, rehome

    now = now or _now()
    plan = get_plan(session, plan_id)
    scenario = session.get(Scenario, plan.scenario_id)
    if scenario is not None and scenario.variant_of:
        raise PlanNotPublishable(
            f"Le plan {plan_id} est celui d'une variante (« {scenario.name} ») : une variante "
            "sert à comparer et ne se publie pas. Reportez ses changements dans le scénario "
            f"{scenario.variant_of} pour les publier.")
    lost = affected(session, plan.scenario_id, plan_id, local_today(now))
    if lost and not bookings_confirmed:
        raise BookingsAffected(lost)
    latest = _latest_publication(session, plan.scenario_id)
    current = latest.plan_id if latest else None
    if current == plan_id:
        raise PlanNotPublishable(f"Le plan {plan_id} est déjà publié.")
    if seen is not ANY and seen != current:
        raise PlanNotPublishable(
            f"Le plan publié a changé depuis que vous avez ouvert cette page (plan {current} "
            "publié entre-temps) : rien n'a été publié. Vérifiez les changements, puis "
            "publiez à nouveau.")
    if not session.exec(select(PlanSession.id).where(PlanSession.plan_id == plan_id)).first():
        raise PlanNotPublishable(
            f"Le plan {plan_id} ne contient aucune séance : il n'y a rien à publier."
        )
    session.add(Publication(plan_id=plan_id, scenario_id=plan.scenario_id, published_at=_now(),
                            seq=(latest.seq + 1) if latest else 1))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise PlanNotPublishable(
            "Un autre plan de ce scénario vient d'être publié au même moment : rien n'a été "
            "publié. Vérifiez les changements, puis publiez à nouveau.") from None
    compute_reach(session, plan_id)  # what the families' look-up reads, once per version
    proposed, dropped = rehome(session, plan.scenario_id, plan_id, now) if lost else (0, 0)
    audit.record(session, "plan.publish", f"plan {plan_id}", scenario=plan.scenario_id,
                 replaced=current, bookings_proposed=proposed or None,
                 bookings_dropped=dropped or None)
    return plan


def list_plans(session: Session, scenario_id: str | None = None) -> list[tuple[Plan, str]]:
    query = select(Plan).order_by(col(Plan.id).desc())
    if scenario_id:
        query = query.where(Plan.scenario_id == scenario_id)
    return [(plan, plan_status(session, plan)) for plan in session.exec(query).all()]


def export_document(session: Session, plan_id: int) -> dict[str, Any]:
    """The plan's JSON export (docs/plan-format.md), written from its typed version."""
    return read_version(session, plan_id).to_document()


def scenarios(session: Session) -> list[Scenario]:
    return list(session.exec(select(Scenario).order_by(Scenario.id)).all())


def _sessions_by_pair(version: PlanVersion) -> dict[tuple[str, str], list[dict[str, str]]]:
    pairs: dict[tuple[str, str], list[dict[str, str]]] = {}
    for route in version.routes:
        for visit in route.visits:
            pairs.setdefault((visit.stop, visit.service), []).append(
                {"date": route.date.isoformat(), "start": format_hhmm(visit.start_min),
                 "end": format_hhmm(visit.end_min), "vehicle": route.vehicle})
    for sessions in pairs.values():
        sessions.sort(key=lambda s: (s["date"], s["start"]))
    return pairs


def diff_versions(old: PlanVersion | None, new: PlanVersion) -> dict[str, list[dict[str, Any]]]:
    """Sessions added, moved (other date or hours) and cancelled from ``old`` to ``new``.

    Sessions of one stop and service are matched on equal date and hours
    first; the rest are paired in date order (moved), and what is left over
    is added or cancelled.
    """
    before = _sessions_by_pair(old) if old else {}
    after = _sessions_by_pair(new)
    places = {**(old.inputs.stops if old else {}), **new.inputs.stops}
    result: dict[str, list[dict[str, Any]]] = {"added": [], "moved": [], "cancelled": [],
                                               "unchanged": []}
    for pair in sorted(set(before) | set(after)):
        olds, news = list(before.get(pair, [])), list(after.get(pair, []))
        for session in list(news):
            same = next((o for o in olds if (o["date"], o["start"], o["end"]) ==
                         (session["date"], session["start"], session["end"])), None)
            if same is not None:
                olds.remove(same)
                news.remove(session)
                result["unchanged"].append({"stop": pair[0], "service": pair[1], **session})
        stop = places[pair[0]]
        label = {"stop": pair[0], "service": pair[1], "commune_name": stop.commune_name,
                 "venue": stop.venue}
        for o, n in zip(olds, news):
            result["moved"].append({**label, "from": o, "to": n})
        for n in news[len(olds):]:
            result["added"].append({**label, "to": n})
        for o in olds[len(news):]:
            result["cancelled"].append({**label, "from": o})
    return result


def diff_against_published(session: Session, plan_id: int,
                           version: PlanVersion | None = None) -> dict[str, list[dict[str, Any]]]:
    """What publishing ``plan_id`` would change for families, against the published version
    (``version``: the plan's version when the caller has already read it)."""
    version = version or read_version(session, plan_id)
    published = published_plan_id(session, version.scenario_id)
    old = read_version(session, published) if published and published != plan_id else None
    return diff_versions(old, version)
