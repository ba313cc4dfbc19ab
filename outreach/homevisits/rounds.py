"""Home-visit plans in use: publishing a week, each puéricultrice's visits, what became
of each visit, her requests for a change, her private calendar feed, and the
coordinator's hand edits checked against every rule.

A published plan names families by their code only; a puéricultrice's page shows her
families' names and addresses by reading their records (:func:`outreach.homevisits.read_family`,
each read logged). Her calendar feed carries codes and times only: a calendar
application is a third party.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

import solver as sm
from outreach import audit
from outreach.db import use_case
from outreach.errors import InvalidInput, RulesBroken
from outreach.homevisits import planning
from outreach.models import (
    Family,
    HomeChangeRequest,
    HomeFeedToken,
    HomeNurse,
    HomePlan,
    HomeVisitRecord,
    User,
)
from outreach.planning.manual import Edit, apply_edit, edited_solution
from outreach.privacy import seal, unseal
from outreach.publishing import feeds, ical
from outreach.timefmt import parse_hhmm

OUTCOMES = ("done", "cancelled", "not_held")
OUTCOME_FR = {"done": "faite", "cancelled": "annulée par la famille", "not_held": "non tenue"}
REQUEST_REASONS = ("family", "nurse", "other")
REQUEST_REASON_FR = {"family": "demande de la famille", "nurse": "empêchement de la puéricultrice",
                     "other": "autre raison"}
MESSAGE_MAX = 500


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _last_day(plan: HomePlan) -> dt.date:
    return plan.week_start + dt.timedelta(days=7 * plan.weeks - 1)


def plans(session: Session, programme_id: str) -> list[HomePlan]:
    """The programme's plans, newest first."""
    return list(session.exec(select(HomePlan).where(HomePlan.programme_id == programme_id)
                             .order_by(col(HomePlan.id).desc())))


@use_case
def publish(session: Session, plan_id: int, actor: str) -> HomePlan:
    """Publish the plan: its puéricultrices see its visits; a published plan whose weeks
    it overlaps is replaced."""
    plan = session.get(HomePlan, plan_id)
    if plan is None:
        raise InvalidInput(f"plan de visites inconnu : {plan_id}")
    if plan.status == "published":
        return plan
    for other in session.exec(select(HomePlan).where(HomePlan.programme_id == plan.programme_id,
                                                     HomePlan.status == "published")):
        if other.week_start <= _last_day(plan) and plan.week_start <= _last_day(other):
            other.status = "replaced"
            session.add(other)
    plan.status = "published"
    session.add(plan)
    session.flush()
    audit.record(session, "home_plan.publish", f"home plan {plan.id}", actor=actor)
    return plan


def published_visits(session: Session, programme_id: str, start: dt.date, end: dt.date,
                     nurse_code: str | None = None) -> list[dict[str, Any]]:
    """The visits of the published plans from ``start`` to ``end`` (both included), of
    ``nurse_code`` only when given, by date, nurse and order."""
    found = []
    for plan in session.exec(select(HomePlan).where(HomePlan.programme_id == programme_id,
                                                    HomePlan.status == "published")):
        for visit in plan.visits:
            day = dt.date.fromisoformat(visit["date"])
            if start <= day <= end and nurse_code in (None, visit["nurse"]):
                found.append(visit)
    return sorted(found, key=lambda v: (v["date"], v["nurse"], v["order"]))


def nurse_of(session: Session, user: User) -> HomeNurse | None:
    """The puéricultrice whose account this is."""
    if user.id is None:
        return None
    return session.exec(select(HomeNurse).where(HomeNurse.user_id == user.id)).first()


def records(session: Session, programme_id: str, codes: Sequence[str], start: dt.date,
            end: dt.date) -> dict[tuple[str, str], HomeVisitRecord]:
    """What became of the visits of ``codes`` between the dates, by (family, ISO date)."""
    rows = session.exec(select(HomeVisitRecord).where(
        HomeVisitRecord.programme_id == programme_id, col(HomeVisitRecord.date) >= start,
        col(HomeVisitRecord.date) <= end, col(HomeVisitRecord.family_code).in_(list(codes))))
    return {(r.family_code, r.date.isoformat()): r for r in rows}


def _her_visit(session: Session, nurse: HomeNurse, family_code: str, date: dt.date
               ) -> dict[str, Any]:
    for visit in published_visits(session, nurse.programme_id, date, date, nurse.code):
        if visit["family"] == family_code:
            return visit
    raise InvalidInput(f"aucune visite publiée chez {family_code} le {date.isoformat()} "
                       "dans votre planning")


@use_case
def record_outcome(session: Session, nurse: HomeNurse, family_code: str, date: dt.date,
                   status: str, actor: str) -> HomeVisitRecord:
    """Record what became of her visit at ``family_code`` on ``date`` (done, cancelled by
    the family, not held); recording again replaces the answer."""
    if status not in OUTCOMES:
        raise InvalidInput(f"champ status : {status!r} doit être l'un de {', '.join(OUTCOMES)}")
    _her_visit(session, nurse, family_code, date)
    row = session.exec(select(HomeVisitRecord).where(
        HomeVisitRecord.programme_id == nurse.programme_id,
        HomeVisitRecord.family_code == family_code, HomeVisitRecord.date == date,
        HomeVisitRecord.nurse_code == nurse.code)).first()
    row = row or HomeVisitRecord(programme_id=nurse.programme_id, family_code=family_code,
                                 nurse_code=nurse.code, date=date, status=status,
                                 recorded_at=_now(), recorded_by=actor)
    row.status, row.recorded_at, row.recorded_by = status, _now(), actor
    session.add(row)
    session.flush()
    audit.record(session, "home_visit.record", f"family {family_code} {date}", status=status)
    return row


@use_case
def ask_change(session: Session, nurse: HomeNurse, family_code: str, date: dt.date,
               reason: str, message: str) -> HomeChangeRequest:
    """Ask the coordination to change her visit; the message is sealed (it may name the
    family)."""
    problems = []
    if reason not in REQUEST_REASONS:
        problems.append(f"champ reason : {reason!r} doit être l'un de {', '.join(REQUEST_REASONS)}")
    if len(message) > MESSAGE_MAX:
        problems.append(f"champ message : {MESSAGE_MAX} caractères au plus "
                        f"({len(message)} saisis)")
    if problems:
        raise InvalidInput("Demande refusée :", problems)
    _her_visit(session, nurse, family_code, date)
    row = HomeChangeRequest(programme_id=nurse.programme_id, nurse_code=nurse.code,
                            family_code=family_code, date=date, reason=reason,
                            message_sealed=seal(message.strip()), created_at=_now())
    session.add(row)
    session.flush()
    audit.record(session, "home_visit.change_request", f"family {family_code} {date}")
    return row


@dataclass(frozen=True)
class ChangeRequest:
    id: int
    nurse: str
    family: str
    date: dt.date
    reason: str
    message: str
    created_at: dt.datetime


def open_requests(session: Session, programme_id: str) -> list[ChangeRequest]:
    """The requests still open, oldest first, their messages unsealed (coordinators only)."""
    rows = session.exec(select(HomeChangeRequest).where(
        HomeChangeRequest.programme_id == programme_id, HomeChangeRequest.status == "open")
        .order_by(col(HomeChangeRequest.id)))
    return [ChangeRequest(r.id or 0, r.nurse_code, r.family_code, r.date, r.reason,
                          unseal(r.message_sealed), r.created_at) for r in rows]


@use_case
def close_request(session: Session, programme_id: str, request_id: int, actor: str) -> None:
    row = session.get(HomeChangeRequest, request_id)
    if row is None or row.programme_id != programme_id:
        raise InvalidInput(f"demande inconnue : {request_id}")
    row.status, row.closed_at, row.closed_by = "closed", _now(), actor
    session.add(row)
    audit.record(session, "home_visit.change_closed", f"request {request_id}")


# --- her private calendar feed ---------------------------------------------------------

def active_token(session: Session, nurse_id: int) -> HomeFeedToken | None:
    return feeds.active_token(session, HomeFeedToken, "nurse_id", nurse_id)


@use_case
def revoke_tokens(session: Session, nurse_id: int) -> int:
    return feeds.revoke_tokens(session, HomeFeedToken, "nurse_id", nurse_id)


@use_case
def create_token(session: Session, nurse_id: int) -> HomeFeedToken:
    """A new feed address; the previous one stops working."""
    return feeds.create_token(session, HomeFeedToken, "nurse_id", nurse_id)


def nurse_for_token(session: Session, token: str) -> HomeNurse | None:
    nurse_id = feeds.owner_of(session, HomeFeedToken, "nurse_id", token)
    return session.get(HomeNurse, nurse_id) if nurse_id is not None else None


def visits_calendar(nurse: HomeNurse, visits: Sequence[dict[str, Any]], stamp: dt.datetime) -> str:
    """Her feed: one event per visit, named by the family's code (no name, no address)."""
    events = [ical.Event(
        uid=f"{v['date'].replace('-', '')}-{v['family']}-{nurse.code}@{nurse.programme_id}.home.outreach",
        date=dt.date.fromisoformat(v["date"]), start_min=parse_hhmm(v["start"], "start"),
        end_min=parse_hhmm(v["end"], "end"), summary=f"Visite {v['family']}",
        description=f"Visite n° {v['order']} de la journée ; {v['travel_min']} min de trajet avant.")
        for v in visits]
    return ical.calendar(events, f"Mes visites — {nurse.code}", stamp)


# --- the coordinator's hand edits ------------------------------------------------------

@dataclass(frozen=True)
class EditCheck:
    """A visit moved by hand: the visits after the move, and the rules the move breaks
    (those the plan already broke are not counted)."""

    visits: list[dict[str, Any]]
    broken: list[sm.Finding]
    by: str  # who would make the moved visit: referent, second or other


@use_case  # the records it reads are logged: the log must be kept
def check_move(session: Session, plan: HomePlan, edit: Edit) -> EditCheck:
    """The plan with one visit moved (to another date, puéricultrice or hour), judged by the
    solver's checker: which rules the move breaks."""
    every = session.exec(select(Family.code).where(Family.programme_id == plan.programme_id,
                                                   Family.status == "active")).all()
    week = planning.build_week(session, plan.programme_id, plan.week_start, plan.weeks,
                               others_for=frozenset(every))
    family = planning.family_part(edit.stop)[0]
    if family not in week.families:
        raise InvalidInput(f"famille inconnue dans ce plan : {edit.stop}")
    if edit.new_vehicle and edit.new_vehicle not in week.nurses:
        raise InvalidInput(f"champ nurse : puéricultrice {edit.new_vehicle!r} inconnue ou d'un "
                           "territoire inactif")
    if edit.new_date and edit.new_date not in week.problem.dates:
        raise InvalidInput(f"champ date : {edit.new_date.isoformat()} n'est pas un jour ouvré "
                           "de ce plan")
    before = planning.routes_of(week, plan.visits)
    after = apply_edit(week.problem, before, edit)
    # A route's crew is its professional herself.
    after = [dataclasses.replace(r, crew=planning.crew_of(week, r.vehicle)) for r in after]
    known = set(sm.check_solution(week.problem, edited_solution(week.problem, before)))
    edited = edited_solution(week.problem, after)
    broken = [f for f in sm.check_solution(week.problem, edited) if f not in known]
    visits = [v.as_json() for v in planning.planned_visits(week, edited)]
    nurse = edit.new_vehicle or edit.vehicle
    return EditCheck(visits, broken, planning.who(week, family, nurse))


@use_case
def save_move(session: Session, plan_id: int, edit: Edit, actor: str) -> HomePlan:
    """A new draft with the move, refused when it breaks a rule."""
    plan = session.get(HomePlan, plan_id)
    if plan is None:
        raise InvalidInput(f"plan de visites inconnu : {plan_id}")
    checked = check_move(session, plan, edit)
    if checked.broken:
        raise RulesBroken("Déplacement refusé : il enfreint des règles.", checked.broken)
    summary = dict(plan.summary)
    summary["visits_planned"] = sum(v.get("part") != planning.PSY for v in checked.visits)
    summary["joint_planned"] = sum(v.get("part") == planning.JOINT for v in checked.visits)
    summary["by"] = planning.count_by(v["by"] for v in checked.visits)
    summary["edited"] = (f"{edit.stop} du {edit.date.isoformat()} ({edit.vehicle}) déplacée au "
                         f"{(edit.new_date or edit.date).isoformat()} "
                         f"({edit.new_vehicle or edit.vehicle})")
    summary.pop("changed", None)
    new = HomePlan(programme_id=plan.programme_id, week_start=plan.week_start, weeks=plan.weeks,
                   created_at=_now(), created_by=actor, based_on_id=plan.id,
                   visits=checked.visits, unplaced=list(plan.unplaced), summary=summary)
    session.add(new)
    session.flush()
    audit.record(session, "home_plan.edit", f"home plan {new.id} from {plan.id}",
                 edit=summary["edited"])
    return new
