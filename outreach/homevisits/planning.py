"""Weekly home-visit plans on the solver's one model (issue 13).

A programme's week becomes a :class:`solver.Problem` in which:

- each puéricultrice is a vehicle based at her office, on her working days and
  hours, crewed by herself alone (``Vehicle.crew``), at most the programme's visits
  a day (``Service.max_sessions_per_day``), with a 45-minute lunch break between
  12:00 and 14:00; her absences remove her dates; the team slots of her territory
  (supervision, team meeting) remove their hours from her availability, so that no
  visit overlaps them (a day split by a slot keeps its longer part: see
  :func:`_availability`), and so do the workshops she leads, with the way there and
  back (:mod:`outreach.homevisits.workshops`); the families invited to a workshop
  lose those hours from their windows;
- each family is a stop at its place of visit (its home, or another place), with
  its own visits per week, spacing and visit length, its time windows, and the
  nurses allowed to visit with what a visit costs (``Stop.vehicle_costs``): the
  referent nothing, the second referent :data:`SECOND_COST`, another puéricultrice of
  the territory :data:`OTHER_COST` (said in the plan);
- a visit is worth :func:`visit_weight`, more than every other term of the objective
  together: the plan places every visit it can first, then keeps continuity, then
  drives less (lexicographic); in a plan of several weeks, each weekday a family's
  visits use beyond the fewest costs :data:`STABLE_DAY_COST` minutes of driving (the
  same weekdays every week), and :func:`with_usual_hours` then keeps the hours.

The family's personal data is read through :func:`outreach.homevisits.records_for_planning`
(each read logged) and stays in memory: the plan stored (:class:`HomePlan`) names
families by their code only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from outreach import audit
from outreach.access.travel import GeodesicTravelModel, TravelModel
from outreach.db import use_case
from outreach.errors import InvalidInput
from outreach.homevisits import PSYCHOLOGUE, PUERICULTRICE, FamilyRecord, records_for_planning
from outreach.homevisits.workshops import blocked_for, cut, workshops_between
from outreach.models import (
    HomeAbsence,
    HomeNurse,
    HomePlan,
    HomeProgramme,
    HomeTeamSlot,
    HomeTerritory,
)
from outreach.planning.manual import route_of
from outreach.timefmt import format_hhmm, parse_hhmm
from solver import (
    Availability,
    CrewSlot,
    Method,
    Pin,
    Problem,
    ReasonCode,
    Route,
    Service,
    Solution,
    SolveParams,
    StaffMember,
    Status,
    Stop,
    Sync,
    Vehicle,
    Window,
    check_route,
    kpis,
    objective,
    proven_bound,
    solve,
)

SERVICE_ID = "home"
ROLE = PUERICULTRICE
PSY_SERVICE_ID = "joint-psy"  # the psychologist's side of a joint visit
PSY_ROLE = PSYCHOLOGUE
JOINT, PSY = "joint", "psy"  # the two sides of a joint visit (a stored visit's "part")
SECOND_COST = 60  # objective points (minutes of driving) a visit by the second referent costs
OTHER_COST = 240  # ... by another puéricultrice of the territory: a last resort
# Objective points (minutes of driving) lost, in a plan of several weeks, for each weekday
# a family's visits use beyond the fewest (its visits on the same weekdays every week).
STABLE_DAY_COST = 10
LUNCH_MIN = 45
# Urban and peri-urban driving (Montpellier, Lunel): slower than the buses' rural roads.
HOME_TRAVEL = GeodesicTravelModel(circuity=1.35, speed_kmh=35.0, overhead_min=5)
JOINT_STEP_MIN = 30  # joint visits start on the half hour (Problem.sync_step_min)
MIN_STRETCH_MIN = 60  # a piece of a day shorter than this, between team slots, holds no visit


@dataclass(frozen=True)
class HomeWeek:
    """The problem of a programme's weeks and how to read its solution back."""

    programme_id: str
    problem: Problem
    nurses: dict[str, HomeNurse]  # by code
    families: dict[str, FamilyRecord]  # by code (in memory only)
    params: SolveParams
    others_for: frozenset[str] = frozenset()  # families other nurses may visit
    workshops: tuple[WorkshopAt, ...] = ()  # those of the plan's dates


@dataclass(frozen=True)
class WorkshopAt:
    """A workshop of the plan's dates and its place among the problem's locations."""

    id: int
    label: str
    date: dt.date
    start_min: int
    end_min: int
    place_label: str
    location: int
    capacity: int
    facilitators: tuple[str, ...]
    invited: tuple[str, ...]

    @property
    def place(self) -> str:
        """The place's code in the export (a public venue: its label is not personal)."""
        return f"W-{self.id}"


@dataclass(frozen=True)
class PlannedVisit:
    """One visit of a plan, as stored in :attr:`HomePlan.visits` (no personal data)."""

    family: str
    nurse: str
    date: dt.date
    start_min: int
    end_min: int
    order: int  # 1 for the nurse's first visit of the day
    travel_min: int  # from the previous place (her office for the first)
    by: str  # "referent", "second" or "other"; "psy" for a psychologist's side
    part: str = ""  # "" a usual visit; JOINT or PSY, a side of a joint visit
    partner: str = ""  # a joint visit's other professional (her code)

    def as_json(self) -> dict[str, Any]:
        found = {"family": self.family, "nurse": self.nurse, "date": self.date.isoformat(),
                 "start": format_hhmm(self.start_min), "end": format_hhmm(self.end_min),
                 "order": self.order, "travel_min": self.travel_min, "by": self.by}
        if self.part:
            found |= {"part": self.part, "with": self.partner}
        return found


def stop_id(family: str, part: str = "") -> str:
    """The solver's stop of a family's usual visits, or of one side of its joint visits."""
    return f"{family}+{part}" if part else family


def family_part(stop: str) -> tuple[str, str]:
    """(family code, part) of a stop id (see :func:`stop_id`)."""
    family, _, part = stop.partition("+")
    return family, part


def stop_of(visit: dict[str, Any]) -> str:
    """The stop of a stored visit."""
    return stop_id(visit["family"], visit.get("part", ""))


def visit_weight(stops: Sequence[Stop], vehicles: Sequence[Vehicle], dates: Sequence[dt.date],
                 weeks: int, day_min: int) -> int:
    """Objective points of one visit: more than the continuity costs of every visit and
    the driving of every nurse-day together, so that one more visit always wins."""
    visits = sum(s.visits_per_period or 1 for s in stops) * weeks
    weekdays = len(stops) * 4 * stable_day_cost(weeks)  # at most four beyond the first
    return 1 + visits * OTHER_COST + len(vehicles) * len(dates) * day_min + weekdays


def stable_day_cost(weeks: int) -> int:
    """What each weekday beyond the fewest costs a family's visits: :data:`STABLE_DAY_COST`
    in a plan of several weeks, nothing in a plan of one (its weekdays cannot change)."""
    return STABLE_DAY_COST if weeks > 1 else 0


def _week_dates(week_start: dt.date, weeks: int) -> tuple[dt.date, ...]:
    if week_start.isoweekday() != 1:
        raise InvalidInput(f"week_start : {week_start} n'est pas un lundi ; donnez le lundi de "
                           "la semaine à planifier")
    if not 1 <= weeks <= 8:
        raise InvalidInput("weeks : de 1 à 8 semaines")
    return tuple(week_start + dt.timedelta(days=k) for k in range(7 * weeks)
                 if (week_start + dt.timedelta(days=k)).isoweekday() <= 5)


def _availability(nurse: HomeNurse, date: dt.date, slots: Sequence[HomeTeamSlot],
                  busy: Sequence[tuple[int, int]] = ()) -> list[Availability]:
    """Her hours on ``date`` less the team slots of that weekday and her ``busy`` minutes
    (the workshops she leads, with the way there and back): the pieces of at least
    :data:`MIN_STRETCH_MIN` minutes (a route lies in one piece)."""
    pieces = cut([(nurse.day_start_min, nurse.day_end_min)],
                 [(s.start_min, s.end_min) for s in slots if s.weekday == date.isoweekday()]
                 + list(busy))
    return [Availability(date, start, end) for start, end in pieces
            if end - start >= MIN_STRETCH_MIN]


def _without(windows: Sequence[Window], busy: Sequence[tuple[int, int, int]]) -> tuple[Window, ...]:
    """``windows`` less the (weekday, start, end) minutes of ``busy``."""
    return tuple(Window(w.weekday, start, end) for w in windows for start, end in cut(
        [(w.start_min, w.end_min)], [(lo, hi) for day, lo, hi in busy if day == w.weekday]))


def _left_after(family: FamilyRecord, dates: Sequence[dt.date], held: Sequence[dt.date],
                joint_left: int = 0) -> tuple[int, tuple[Window, ...]]:
    """A family's usual visits still to place in a week re-planned from ``dates[0]``, once
    it was visited on ``held`` (with ``joint_left`` of its joint visits still to place: they
    are among its ``visits_per_week``), and its
    windows on the days its spacing allows."""
    allowed = {d.isoweekday() for d in dates
               if all((d - h).days >= family.min_spacing_days for h in held)}
    return (max(0, family.visits_per_week - len(held) - joint_left),
            tuple(w for w in _windows(family) if w.weekday in allowed))


def _windows(record: FamilyRecord) -> tuple[Window, ...]:
    return tuple(Window(int(w["weekday"]), parse_hhmm(w["from"], "windows.from"),
                        parse_hhmm(w["to"], "windows.to")) for w in record.windows)


def build_week(session: Session, programme_id: str, week_start: dt.date, weeks: int = 1, *,
               absent: dict[str, set[dt.date]] | None = None,
               travel: TravelModel = HOME_TRAVEL, time_limit_s: float = 10.0,
               method: Method = Method.PATTERNS, pins: Sequence[Pin] = (),
               others_for: frozenset[str] = frozenset(),
               preferred: Sequence[Pin] = (),
               records: Sequence[FamilyRecord] | None = None,
               work_limit_s: float | None = None, from_date: dt.date | None = None,
               done: Sequence[dict[str, Any]] = (),
               joint_at: dict[tuple[str, dt.date], int] | None = None) -> HomeWeek:
    """The solver problem of ``weeks`` weeks from ``week_start`` (a Monday): the active
    territories' nurses and families, the recorded absences (and ``absent``: nurse code ->
    extra dates off, for a what-if before recording them). Only the families of
    ``others_for`` may be visited by a puéricultrice other than their two referents.
    ``joint_at`` ((family, date) -> start) keeps a joint visit's hour in a one-week re-plan:
    that weekday, its two sides may only start then."""
    programme = session.get(HomeProgramme, programme_id)
    if programme is None:
        raise InvalidInput(f"programme inconnu : {programme_id}")
    dates = _week_dates(week_start, weeks)
    if from_date is not None:  # a re-plan: the days before are done
        if weeks != 1:
            raise InvalidInput("weeks : un plan se replanifie semaine par semaine")
        dates = tuple(d for d in dates if d >= from_date)
        if not dates:
            raise InvalidInput(f"from_date : {from_date} est après la semaine planifiée")
    active = {t.code for t in session.exec(select(HomeTerritory).where(
        HomeTerritory.programme_id == programme_id, col(HomeTerritory.active)))}
    nurses = [n for n in session.exec(select(HomeNurse).where(
        HomeNurse.programme_id == programme_id).order_by(col(HomeNurse.code)))
        if n.territory in active]
    slots = list(session.exec(select(HomeTeamSlot).where(HomeTeamSlot.programme_id == programme_id)))
    off: dict[str, set[dt.date]] = {n.code: set((absent or {}).get(n.code, set())) for n in nurses}
    by_id = {n.id: n for n in nurses}
    for absence in session.exec(select(HomeAbsence).where(
            col(HomeAbsence.nurse_id).in_(list(by_id)), HomeAbsence.end >= dates[0],
            HomeAbsence.start <= dates[-1])):
        nurse = by_id[absence.nurse_id]
        off[nurse.code] |= {d for d in dates if absence.start <= d <= absence.end}
    if records is None:  # each read is logged
        records = records_for_planning(session, programme_id)
    families = [f for f in records if f.territory in active]
    held_on = set(dates)
    workshops = [w for w in workshops_between(session, programme_id, dates[0], dates[-1])
                 if w.territory in active and w.date in held_on]
    joint_left = {f.code: f.joint_visits_per_week for f in families}
    if from_date is None:
        rules = {f.code: (f.visits_per_week - f.joint_visits_per_week, _windows(f))
                 for f in families}
    else:
        held: dict[str, list[dt.date]] = {}
        for v in done:
            if (day := dt.date.fromisoformat(v["date"])) < dates[0] and v.get("part") != PSY:
                held.setdefault(v["family"], []).append(day)
                if v.get("part") == JOINT:
                    joint_left[v["family"]] -= 1
        rules = {f.code: _left_after(f, dates, held.get(f.code, []), joint_left[f.code])
                 for f in families}
        families = [f for f in families if rules[f.code][0] + max(0, joint_left[f.code]) > 0]
    missing_place = [f.code for f in families if f.lat is None or f.lon is None]
    if missing_place:
        raise InvalidInput(f"familles sans lieu de visite : {', '.join(missing_place[:10])} ; "
                           "complétez leur adresse avant de planifier")
    points = [(n.base_lat, n.base_lon) for n in nurses] + [
        (f.lat, f.lon) for f in families if f.lat is not None and f.lon is not None] + [
        (w.place_lat, w.place_lon) for w in workshops]
    matrix = travel.matrix(points)
    at = {**{n.code: k for k, n in enumerate(nurses)},
          **{f.code: len(nurses) + k for k, f in enumerate(families)}}
    # The minutes workshops take: a facilitator's on their date, an invited family's on
    # that weekday (its windows are weekly).
    led: dict[tuple[str, dt.date], list[tuple[int, int]]] = {}
    invited: dict[str, list[tuple[int, int, int]]] = {}
    first_place = len(nurses) + len(families)  # the workshops' places, in the matrix
    for j, w in enumerate(workshops):
        place = first_place + j
        for person in (*w.facilitators, *w.invited):
            if person in at:
                lo, hi = blocked_for(w, matrix.travel_min[at[person]][place],
                                     matrix.travel_min[place][at[person]])
                if person in off:
                    led.setdefault((person, w.date), []).append((lo, hi))
                else:
                    invited.setdefault(person, []).append((w.date.isoweekday(), lo, hi))
    rules = {code: (count, _without(windows, invited.get(code, [])))
             for code, (count, windows) in rules.items()}
    service = Service(
        SERVICE_ID, "Visite à domicile", ((ROLE,),), session_min=60, visits_per_period=2,
        period_weeks=1, min_spacing_days=1, max_sessions_per_day=programme.max_visits_per_day,
        lunch_min=LUNCH_MIN, start_grid_min=15)
    psy_service = dataclasses.replace(service, id=PSY_SERVICE_ID, name="Visite commune",
                                      required_roles=((PSY_ROLE,),))
    service_of = {PUERICULTRICE: SERVICE_ID, PSYCHOLOGUE: PSY_SERVICE_ID}
    slots_of = {t: [s for s in slots if s.territory in ("", t)] for t in active}
    staff = tuple(StaffMember(
        n.code, frozenset({ROLE if n.profession == PUERICULTRICE else PSY_ROLE}),
        tuple(a for d in dates if d.isoweekday() in n.weekdays and d not in off[n.code]
              for a in _availability(n, d, slots_of[n.territory], led.get((n.code, d), []))),
        max_day_min=n.day_end_min - n.day_start_min) for n in nurses)
    vehicles = tuple(Vehicle(
        n.code, n.name, base=k, services=frozenset({service_of[n.profession]}),
        weekdays=frozenset(n.weekdays), shift_start_min=n.day_start_min,
        shift_end_min=n.day_end_min, max_duty_min=n.day_end_min - n.day_start_min,
        unavailable_dates=frozenset(off[n.code]), crew=frozenset({n.code}))
        for k, n in enumerate(nurses))
    team = {t: [n.code for n in nurses if n.territory == t and n.profession == PUERICULTRICE]
            for t in active}
    psychologists = {t: [n.code for n in nurses if n.territory == t
                         and n.profession == PSYCHOLOGUE] for t in active}
    stops: list[Stop] = []
    syncs: list[Sync] = []
    for k, family in enumerate(families):
        costs = [(family.referent, 0)]
        if family.second_referent and family.second_referent in team.get(family.territory, []):
            costs.append((family.second_referent, SECOND_COST))
        if family.code in others_for:
            costs += [(code, OTHER_COST) for code in team.get(family.territory, [])
                      if code not in {c for c, _ in costs}]
        costs = [(c, cost) for c, cost in costs if c in team.get(family.territory, [])]
        joint = max(0, joint_left[family.code])
        psys = psychologists.get(family.territory, [])
        usual = Stop(
            family.code, location=len(nurses) + k, demand=1, services=frozenset({SERVICE_ID}),
            windows=rules[family.code][1], visits_per_period=max(1, rules[family.code][0]),
            min_spacing_days=family.min_spacing_days, session_min=family.visit_min,
            vehicle_costs=tuple(costs), spacing_group=family.code if joint and psys else "")
        if rules[family.code][0]:
            stops.append(usual)
        if joint and psys:
            # A joint visit: the puéricultrice's side (worth a visit, spaced with the usual
            # ones) and the psychologist's (worth nothing alone), at the same minute.
            kept = {d.isoweekday(): at for (code, d), at in (joint_at or {}).items()
                    if code == family.code}
            windows = tuple(w for w in usual.windows if w.weekday not in kept) + tuple(
                Window(day, at, at + family.visit_min) for day, at in kept.items())
            stops.append(dataclasses.replace(usual, id=stop_id(family.code, JOINT),
                                             visits_per_period=joint, windows=windows))
            stops.append(dataclasses.replace(
                usual, id=stop_id(family.code, PSY), demand=0, windows=windows,
                services=frozenset({PSY_SERVICE_ID}), visits_per_period=joint,
                vehicle_costs=tuple((code, 0) for code in psys), spacing_group=""))
            syncs.append(Sync(stop_id(family.code, JOINT), stop_id(family.code, PSY)))
    weight = visit_weight(stops, vehicles, dates, weeks, max((n.day_end_min - n.day_start_min
                                                       for n in nurses), default=600))
    params = SolveParams(time_limit_s=time_limit_s, method=method, demand_weight=weight,
                         work_limit_s=work_limit_s,
                         weekday_change_weight=stable_day_cost(weeks),
                         month_week_change_weight=0)
    problem = Problem(dates=dates, services=(service, psy_service), vehicles=vehicles,
                      stops=tuple(stops), staff=staff, travel_min=matrix.travel_min,
                      distance_m=matrix.distance_m, period_start=week_start, pins=tuple(pins),
                      preferred=tuple(preferred), syncs=tuple(syncs),
                      sync_step_min=JOINT_STEP_MIN)
    return HomeWeek(programme_id, problem, {n.code: n for n in nurses},
                    {f.code: f for f in families}, params, others_for, tuple(
                        WorkshopAt(w.id or 0, w.label, w.date, w.start_min, w.end_min,
                                   w.place_label, first_place + j, w.capacity,
                                   tuple(w.facilitators), tuple(w.invited))
                        for j, w in enumerate(workshops)))


def who(week: HomeWeek, family: str, nurse: str) -> str:
    record = week.families[family]
    return ("referent" if nurse == record.referent else "second"
            if nurse == record.second_referent else "other")


def planned_visits(week: HomeWeek, solution: Solution) -> list[PlannedVisit]:
    found = []
    by_start = {(visit.stop, route.date, visit.start_min): route.vehicle
                for route in solution.routes for visit in route.visits}
    for route in solution.routes:
        for order, visit in enumerate(route.visits, start=1):
            family, part = family_part(visit.stop)
            other = {JOINT: PSY, PSY: JOINT}.get(part)
            partner = by_start.get((stop_id(family, other), route.date, visit.start_min), "") \
                if other else ""
            found.append(PlannedVisit(family, route.vehicle, route.date, visit.start_min,
                                      visit.end_min, order, visit.travel_min_from_previous,
                                      "psy" if part == PSY else who(week, family, route.vehicle),
                                      part, partner))
    return sorted(found, key=lambda v: (v.date, v.nurse, v.order))


# Why a family is short of visits, in plain words, by the solver's reason.
UNPLACED_WHY = {
    ReasonCode.NO_VEHICLE: "aucune de ses puéricultrices ne travaille ces jours-là",
    ReasonCode.VENUE_CLOSED: "ses créneaux ne laissent pas la place d'une visite entière",
    ReasonCode.TOO_FAR: "trop loin du bureau de ses puéricultrices pour tenir dans leur journée",
    ReasonCode.NO_LUNCH_BREAK: "ses créneaux ne laissent pas la pause déjeuner",
    ReasonCode.NO_CREW: "aucune puéricultrice de son territoire n'est libre dans ses créneaux",
    ReasonCode.WEEK_HOURS: "les heures de la semaine de ses puéricultrices sont prises",
    ReasonCode.SPACING: "les jours restants sont trop proches de ses autres visites",
    ReasonCode.RHYTHM: "les jours restants ne suivent pas son rythme",
    ReasonCode.CAPACITY: "les journées de ses puéricultrices sont pleines dans ses créneaux",
    ReasonCode.NOT_WORTH_TRAVEL: "le trajet ne tient pas dans la journée",
    ReasonCode.OVER_CAPACITY: "capacité dépassée",
    ReasonCode.SYNC: "aucun créneau ne réunit sa puéricultrice et la psychologue à la même heure",
}


def unplaced(solution: Solution) -> list[dict[str, Any]]:
    """The families short of visits and why (a joint visit said once, by its
    puéricultrice's side)."""
    found = []
    for u in solution.unserved:
        family, part = family_part(u.stop)
        if part == PSY:
            continue
        why = UNPLACED_WHY.get(u.reason_code, u.reason_code.value)
        found.append({"family": family, "missing": u.missing_visits,
                      "reason": u.reason_code.value,
                      "why": f"visite commune : {why}" if part == JOINT else why}
                     | ({"part": part} if part else {}))
    return found


@dataclass
class HomeOutcome:
    week: HomeWeek
    solution: Solution
    visits: list[PlannedVisit] = field(default_factory=list)
    visits_bound: int | None = None  # proven: no plan places more visits


FIRST_SHARE = 0.6  # of a plan's time limit and work, for the solve with the referents only
# Of the time limit, kept after the second solve: to bound its plan, then to finish
# (keep_hours, storing).
BOUND_RESERVE = 0.05
FINISH_RESERVE = 0.05


def _share(params: SolveParams, share: float, cap_s: float | None = None) -> SolveParams:
    """``share`` of the time limit and of the deterministic work (capped at ``cap_s`` s)."""
    limit = share * params.time_limit_s if cap_s is None else min(cap_s, share * params.time_limit_s)
    return dataclasses.replace(params, time_limit_s=max(0.5, limit),
                               work_limit_s=share * params.work_s)


def _rank(solution: Solution) -> tuple[int, int]:
    """Visits first, then the least continuity cost and driving."""
    return solution.kpis.sessions, -solution.kpis.continuity_cost - solution.kpis.driving_min


def solve_week(week: HomeWeek, rebuild: Callable[..., HomeWeek] | None = None,
               began: float | None = None) -> HomeOutcome:
    """Solve ``week``; when families are left short and ``rebuild`` (the same
    :func:`build_week` call, bound) is given, solve again letting the other puéricultrices
    of their territory visit them, keeping the visits already placed where they can be.
    The time limit counts from ``began`` (a ``time.monotonic()`` value; default now)."""
    began = time.monotonic() if began is None else began
    total = week.params.time_limit_s
    if rebuild is not None:  # the first solve takes FIRST_SHARE of the time, the second the rest
        week = dataclasses.replace(week, params=_share(week.params, FIRST_SHARE))
    solution = solve(week.problem, week.params)
    proven = solution.stats.demand_bound  # visits: no preferred sessions in this first solve
    short = frozenset(u.stop for u in solution.unserved)
    left = total - (time.monotonic() - began)
    if short and rebuild is not None and left > 0.5:
        held = [Pin(v.stop, v.service, r.date, r.vehicle) for r in solution.routes
                for v in r.visits]
        second = rebuild(others_for=week.others_for | short, preferred=held,
                         records=list(week.families.values()))
        second = dataclasses.replace(second, params=_share(
            second.params, 1 - FIRST_SHARE,
            cap_s=left - (BOUND_RESERVE + FINISH_RESERVE) * total))
        again = solve(second.problem, second.params)
        if _rank(again) > _rank(solution):
            left = total - (time.monotonic() - began) - FINISH_RESERVE * total
            week, solution = second, _without_held(second, again,
                                                   min(left, BOUND_RESERVE * total))
    return HomeOutcome(week, solution, planned_visits(week, solution), proven)


def _without_held(week: HomeWeek, solution: Solution, left_s: float) -> Solution:
    """``solution`` of the second solve valued as a plan of its week: without the bonus
    for holding the first solve's sessions (a device to keep what was placed, not a
    rule of the programme), against a bound on that value proven in ``left_s``
    seconds at most (none when no time is left)."""
    plain = dataclasses.replace(week.problem, preferred=())
    value = objective(plain, solution.routes, week.params)
    bound = (proven_bound(plain, dataclasses.replace(week.params, time_limit_s=left_s))
             if left_s > 0.1 else None)
    if bound is not None and bound < value:
        bound = None  # cannot happen with a valid bound: claim nothing
    status = (Status.OPTIMAL if bound is not None and bound <= value
              else solution.status if solution.status is Status.EMPTY else Status.FEASIBLE)
    return dataclasses.replace(solution, objective=value, bound=bound, status=status)


def summary(outcome: HomeOutcome) -> dict[str, Any]:
    """Visits wanted and planned count the puéricultrices' visits (a joint visit once)."""
    solution, week = outcome.solution, outcome.week
    weeks = len({d.isocalendar()[:2] for d in week.problem.dates})
    service = week.problem.services[0]
    wanted = sum(s.visits_for(service) for s in week.problem.stops
                 if SERVICE_ID in s.services) * weeks
    joint_wanted = sum(s.visits_for(service) for s in week.problem.stops
                       if family_part(s.id)[1] == JOINT) * weeks
    visits = [v for v in outcome.visits if v.part != PSY]
    by = count_by(v.by for v in visits)
    bound = outcome.visits_bound
    return {
        "visits_wanted": wanted, "visits_planned": len(visits), "by": by,
        "joint_wanted": joint_wanted, "joint_planned": sum(v.part == JOINT for v in visits),
        "visits_bound": bound, "driving_min": solution.kpis.driving_min,
        "distance_km": round(solution.kpis.distance_km, 1), "objective": solution.objective,
        "bound": solution.bound, "status": solution.status.value,
        "method": solution.method.value, "elapsed_s": solution.elapsed_s,
        "travel_model": HOME_TRAVEL.describe(),
    }


MAX_TIMINGS = 2000  # start-time combinations tried per route by keep_hours


def window_starts(stop: Stop, service: Service, date: dt.date, own: int | None = None
                  ) -> list[int]:
    """Candidate starts of a visit at ``stop`` on ``date``: ``own`` first when given, then
    every start on the service's grid inside the stop's windows of that weekday."""
    length = stop.session_for(service)
    grid = service.start_grid_min
    found = [] if own is None else [own]
    for w in stop.windows:
        if w.weekday == date.isoweekday():
            first = -(-w.start_min // grid) * grid
            found += [t for t in range(first, w.end_min - length + 1, grid) if t != own]
    return found


def service_of(week: HomeWeek, professional: str) -> str:
    """The service a professional's days run: home visits, or a psychologist's joint ones."""
    nurse = week.nurses.get(professional)
    return PSY_SERVICE_ID if nurse is not None and nurse.profession == PSYCHOLOGUE else SERVICE_ID


def crew_of(week: HomeWeek, professional: str) -> tuple[CrewSlot, ...]:
    """A day's crew: the professional herself, in her role."""
    return (CrewSlot(professional, PSY_ROLE if service_of(week, professional) == PSY_SERVICE_ID
                     else ROLE),)


def routes_of(week: HomeWeek, visits: Sequence[dict[str, Any]]) -> list[Route]:
    """The routes of stored visits (:attr:`HomePlan.visits`), times derived."""
    by_day: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for v in visits:
        by_day.setdefault((v["nurse"], v["date"]), []).append(
            (stop_of(v), parse_hhmm(v["start"], "start")))
    return [route_of(week.problem, nurse, dt.date.fromisoformat(day), service_of(week, nurse),
                     crew_of(week, nurse), stops)
            for (nurse, day), stops in sorted(by_day.items())]


def count_by(kinds: Iterable[str]) -> dict[str, int]:
    """How many visits the referent, the second referent and another nurse make."""
    counted = Counter(kinds)
    return {kind: counted[kind] for kind in ("referent", "second", "other")}


def keep_hours(week: HomeWeek, solution: Solution, wanted: dict[tuple[str, dt.date], int],
               travel_slack_min: int | None = None) -> Solution:
    """``solution`` with each route re-timed, where its rules allow, so that the visits of
    ``wanted`` ((family, date) -> start) start at those times: a visit pinned on its day
    after an absence keeps its hour; the other visits of the route take any start that
    keeps every rule. A route keeps as many wanted hours as it can (all, else all but
    one); a route that cannot do better is left as the solver made it. With
    ``travel_slack_min``, a re-timed route may drive at most that much more (the order of
    its visits follows their starts)."""
    problem = week.problem
    service = problem.services[0]
    stops = {s.id: s for s in problem.stops}
    synced = {stop for sync in problem.syncs for stop in (sync.first, sync.second)}
    routes = []
    for route in solution.routes:
        held = [(v.stop, v.start_min) for v in route.visits]
        own = dict(held)
        # A joint visit keeps its minute: its partner's route is not re-timed with it.
        targets = {stop: own[stop] if stop in synced else wanted[(stop, route.date)]
                   for stop, _ in held if stop in synced or (stop, route.date) in wanted}
        if all(targets.get(stop, start) == start for stop, start in held):
            routes.append(route)
            continue
        best = None
        # All wanted hours kept; else all but one (the first that lets the route hold).
        for dropped in [None, *(t for t in targets if t not in synced)]:
            keep = {k: t for k, t in targets.items() if k != dropped}
            free = [stop for stop, _ in held if stop not in keep]
            # Each free visit may take any start when few are free; else its own only.
            options = [window_starts(stops[stop], service, route.date, own[stop])
                       if len(free) <= 2 else [own[stop]] for stop in free]
            for combo in itertools.islice(itertools.product(*options), MAX_TIMINGS):
                times = {**keep, **dict(zip(free, combo, strict=True))}
                if len(set(times.values())) < len(times):
                    continue
                candidate = route_of(problem, route.vehicle, route.date, route.service, route.crew,
                                     list(times.items()))
                if travel_slack_min is not None \
                        and candidate.travel_min > route.travel_min + travel_slack_min:
                    continue
                if not check_route(problem, candidate):
                    best = candidate
                    break
            if best is not None:
                break
        routes.append(best or route)
    return dataclasses.replace(solution, routes=tuple(routes), kpis=kpis(problem, routes))


def usual_hours(session: Session, programme_id: str, solution: Solution
                ) -> dict[tuple[str, dt.date], int]:
    """For each visit of ``solution``, the hour the same family was visited seven days
    before, if it was: in a published plan of the week before, else in this solution."""
    dates = sorted({r.date for r in solution.routes})
    if not dates:
        return {}
    monday = dates[0] - dt.timedelta(days=dates[0].weekday())
    seen: dict[tuple[str, dt.date], int] = {}
    for plan in session.exec(select(HomePlan).where(HomePlan.programme_id == programme_id,
                                                    HomePlan.status == "published")):
        for v in plan.visits:
            day = dt.date.fromisoformat(v["date"])
            if monday - dt.timedelta(days=7) <= day < monday:
                seen[(stop_of(v), day)] = parse_hhmm(v["start"], "start")
    for route in solution.routes:
        for visit in route.visits:
            seen[(visit.stop, route.date)] = visit.start_min
    week = dt.timedelta(days=7)
    return {(v.stop, r.date): seen[(v.stop, r.date - week)] for r in solution.routes
            for v in r.visits if (v.stop, r.date - week) in seen}


def with_usual_hours(session: Session, outcome: HomeOutcome) -> HomeOutcome:
    """The outcome with stable hours from week to week (the last term of the objective):
    each day re-timed, where its rules allow and without driving more, so that a family
    seen on the same weekday as the week before is seen at the same hour."""
    wanted = usual_hours(session, outcome.week.programme_id, outcome.solution)
    kept = keep_hours(outcome.week, outcome.solution, wanted, travel_slack_min=0)
    return dataclasses.replace(outcome, solution=kept, visits=planned_visits(outcome.week, kept))


@use_case
def new_plan(session: Session, programme_id: str, week_start: dt.date, weeks: int = 1, *,
             actor: str = "system", time_limit_s: float = 10.0,
             method: Method = Method.PATTERNS, work_limit_s: float | None = None
             ) -> tuple[HomePlan, HomeOutcome]:
    """Plan ``weeks`` weeks and store the plan as a draft (codes only); the outcome too,
    for an export."""
    build = functools.partial(build_week, session, programme_id, week_start, weeks,
                              time_limit_s=time_limit_s, method=method, work_limit_s=work_limit_s)
    outcome = with_usual_hours(session, solve_week(build(), build))
    plan = store_plan(session, outcome, actor)
    audit.record(session, "home_plan.create", f"home plan {plan.id} of {programme_id} "
                 f"from {week_start}")
    return plan, outcome


def plan_week(session: Session, programme_id: str, week_start: dt.date, weeks: int = 1,
              **options: Any) -> HomePlan:
    """:func:`new_plan`'s stored plan."""
    return new_plan(session, programme_id, week_start, weeks, **options)[0]


def store_plan(session: Session, outcome: HomeOutcome, actor: str,
               based_on: HomePlan | None = None, done: Sequence[dict[str, Any]] = ()) -> HomePlan:
    """The outcome as a draft plan (family codes only), after the visits ``done``."""
    problem = outcome.week.problem
    monday = problem.dates[0] - dt.timedelta(days=problem.dates[0].weekday())
    plan = HomePlan(programme_id=outcome.week.programme_id, week_start=monday,
                    weeks=len({d.isocalendar()[:2] for d in problem.dates}),
                    created_at=dt.datetime.now(dt.UTC), created_by=actor,
                    based_on_id=based_on.id if based_on else None,
                    visits=[*done, *(v.as_json() for v in outcome.visits)],
                    unplaced=unplaced(outcome.solution), summary=summary(outcome))
    session.add(plan)
    session.flush()
    return plan


def export(outcome: HomeOutcome) -> dict[str, Any]:
    """The plan as an independent checker reads it (docs/home-plan-format.md): families by
    code with their visit rules, nurses with their hours, the travel minutes between
    places (by code: no address, no coordinates) and every visit."""
    week = outcome.week
    problem = week.problem
    service = problem.services[0]
    by_family: dict[str, dict[str, Stop]] = {}
    for stop in problem.stops:
        family, part = family_part(stop.id)
        by_family.setdefault(family, {})[part] = stop
    # One place per family (its sides of a joint visit are at its place).
    places = [v.id for v in problem.vehicles] + list(by_family) + [w.place for w in week.workshops]
    locations = [v.base for v in problem.vehicles] + [
        next(iter(parts.values())).location for parts in by_family.values()] + [
        w.location for w in week.workshops]
    blocked: dict[str, list[dict[str, Any]]] = {}
    for member in problem.staff:
        by_date: dict[dt.date, list[Availability]] = {}
        for a in member.availability:
            by_date.setdefault(a.date, []).append(a)
        blocked[member.id] = [
            {"date": d.isoformat(), "pieces": [[format_hhmm(a.start_min), format_hhmm(a.end_min)]
                                               for a in sorted(items, key=lambda a: a.start_min)]}
            for d, items in sorted(by_date.items())]
    return {
        "format": "outreach-home-plan/1",
        "week_start": problem.dates[0].isoformat(),
        "dates": [d.isoformat() for d in problem.dates],
        "max_visits_per_day": service.max_sessions_per_day,
        "lunch": {"minutes": service.lunch_min, "from": format_hhmm(service.lunch_start_min),
                  "to": format_hhmm(service.lunch_end_min)},
        "start_grid_min": service.start_grid_min,
        "nurses": [{"code": v.id, "territory": week.nurses[v.id].territory,
                    "profession": week.nurses[v.id].profession,
                    "working": blocked[v.id]} for v in problem.vehicles],
        "families": [_family_rules(week, code, parts) for code, parts in sorted(by_family.items())],
        "places": places,
        "travel_min": [[problem.travel_min[a][b] for b in locations] for a in locations],
        "visits": [v.as_json() for v in outcome.visits],
        "routes": [{"nurse": r.vehicle, "date": r.date.isoformat(),
                    "depart": format_hhmm(r.depart_min), "return": format_hhmm(r.return_min),
                    "lunch": format_hhmm(r.lunch_start_min) if r.lunch_start_min is not None else None}
                   for r in outcome.solution.routes],
        "workshops": [{"label": w.label, "date": w.date.isoformat(),
                       "from": format_hhmm(w.start_min), "to": format_hhmm(w.end_min),
                       "place": w.place, "capacity": w.capacity,
                       "facilitators": list(w.facilitators), "invited": list(w.invited)}
                      for w in week.workshops],
        "unplaced": unplaced(outcome.solution),
        "summary": summary(outcome),
    }


def _family_rules(week: HomeWeek, code: str, parts: dict[str, Stop]) -> dict[str, Any]:
    """A family's visit rules in the export: its usual and joint visits a week, spacing
    (between any two of its visits, joint ones included), length, who may visit, windows."""
    service = week.problem.services[0]
    record = week.families[code]
    any_side = parts.get("") or parts[JOINT]
    joint = parts.get(JOINT)
    return {
        "code": code, "referent": record.referent, "second_referent": record.second_referent,
        "visits_per_week": parts[""].visits_for(service) if "" in parts else 0,
        "joint_visits_per_week": joint.visits_for(service) if joint else 0,
        "joint_with": [v for v, _ in parts[PSY].vehicle_costs] if PSY in parts else [],
        "min_spacing_days": any_side.spacing_for(service),
        "visit_min": any_side.session_for(service),
        "may_visit": [v for v, _ in any_side.vehicle_costs],
        "windows": [{"weekday": w.weekday, "from": format_hhmm(w.start_min),
                     "to": format_hhmm(w.end_min)} for w in any_side.windows]}


@dataclass(frozen=True)
class Replan:
    plan: HomePlan
    changed: list[dict[str, Any]]  # visits that moved: the families to call


def changed_visits(before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]
                   ) -> list[dict[str, Any]]:
    """Each visit of ``before`` that ``after`` does not hold as it was, with what it became:
    the same family's visit on the same date with the same puéricultrice (re-timed), else
    one of its new visits, else ``None`` (not placed any more)."""
    def key(v: dict[str, Any]) -> tuple[str, str, str]:
        return stop_of(v), v["date"], v["nurse"]

    unmatched = list(after)
    same_day = {key(v): v for v in after}
    found = []
    leftovers = []
    for v in before:
        twin = same_day.get(key(v))
        if twin is not None and twin in unmatched:
            unmatched.remove(twin)
            if twin["start"] != v["start"]:
                found.append({"family": v["family"], "was": v, "now": twin})
        else:
            leftovers.append(v)
    for v in leftovers:
        now = next((w for w in unmatched if stop_of(w) == stop_of(v)), None)
        if now is not None:
            unmatched.remove(now)
        found.append({"family": v["family"], "was": v, "now": now})
    return found


@use_case
def replan_absence(session: Session, plan_id: int, nurse_code: str, start: dt.date,
                   end: dt.date | None = None, *, reason: str = "absence", actor: str = "system",
                   time_limit_s: float = 5.0, work_limit_s: float | None = None) -> Replan:
    """Record that ``nurse_code`` is away from ``start`` (to ``end``, else the plan's end)
    and plan again: every other visit stays pinned on its date with its puéricultrice; only
    hers from ``start`` move, to her families' second referents first. The new plan is a
    draft based on the old one; ``changed`` lists the families to call."""
    old = session.get(HomePlan, plan_id)
    if old is None:
        raise InvalidInput(f"plan de visites inconnu : {plan_id}")
    nurse = session.exec(select(HomeNurse).where(HomeNurse.programme_id == old.programme_id,
                                                 HomeNurse.code == nurse_code)).first()
    if nurse is None or nurse.id is None:
        raise InvalidInput(f"puéricultrice inconnue : {nurse_code}")
    last = old.week_start + dt.timedelta(days=7 * old.weeks - 1)
    end = end or last
    if end < start:
        raise InvalidInput("end : la fin de l'absence précède son début")
    began = time.monotonic()  # the time limit holds for the whole re-plan
    session.add(HomeAbsence(nurse_id=nurse.id, start=start, end=end, reason=reason))
    session.flush()
    done = [v for v in old.visits if v["date"] < start.isoformat()]

    def away(v: dict[str, Any]) -> bool:
        return v["nurse"] == nurse_code and start <= dt.date.fromisoformat(v["date"]) <= end

    # A joint visit one of whose professionals is away moves whole: neither side is pinned.
    moving = {(v["family"], v["date"]) for v in old.visits if v.get("part") and away(v)}
    pins = [Pin(stop_of(v), PSY_SERVICE_ID if v.get("part") == PSY else SERVICE_ID,
                dt.date.fromisoformat(v["date"]), v["nurse"])
            for v in old.visits if v["date"] >= start.isoformat() and not away(v)
            and not (v.get("part") and (v["family"], v["date"]) in moving)]
    others = frozenset(v["family"] for v in old.visits if v["by"] == "other")
    joint_at = {(v["family"], dt.date.fromisoformat(v["date"])): parse_hhmm(v["start"], "start")
                for v in old.visits if v.get("part") == JOINT and v["date"] >= start.isoformat()
                and (v["family"], v["date"]) not in moving}
    build = functools.partial(build_week, session, old.programme_id, old.week_start, old.weeks,
                              time_limit_s=time_limit_s, work_limit_s=work_limit_s, pins=pins,
                              from_date=start, done=done, joint_at=joint_at)
    first = build(others_for=others)
    outcome = solve_week(first, build, began)
    # The visits that stay on their day keep their hour too, where the day allows it.
    wanted = {(stop_of(v), dt.date.fromisoformat(v["date"])): parse_hhmm(v["start"], "start")
              for v in old.visits if v["date"] >= start.isoformat()}
    kept = keep_hours(outcome.week, outcome.solution, wanted)
    outcome = dataclasses.replace(outcome, solution=kept,
                                  visits=planned_visits(outcome.week, kept))
    plan = store_plan(session, outcome, actor, old, done)
    changed = changed_visits(old.visits, plan.visits)
    # Kept with the plan (codes only): the coordinator calls these families.
    plan.summary = {**plan.summary, "changed": changed,
                    "absence": {"nurse": nurse_code, "from": start.isoformat(),
                                "to": end.isoformat()}}
    session.add(plan)
    audit.record(session, "home_plan.replan", f"home plan {plan.id} from {old.id}: "
                 f"{nurse_code} away {start}..{end}")
    return Replan(plan, changed)
