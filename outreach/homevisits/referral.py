"""A new family referred: the best few ways to take it on, before committing.

For each puéricultrice of the family's territory, the family's visits are inserted into
her days of the plan's first week: on each day she works with room left, every start on
the grid inside the family's windows is tried, the day's other visits keeping their hours
(else all but one, re-timed); the solver's :func:`solver.check_route` judges each day.
Her best days are then combined so that the family's visits keep their spacing. When her
days cannot hold the family so, one visit of a day may give its place and move to another
of her days in the week, inside its family's windows and spacing (at most one such move
per option). An option says which puéricultrice, which weekly slots (weekday and hour),
what it adds in travel, which visits it re-times and which visit it moves to another day.

Taking an option on (:func:`take_on`) saves the family (sealed, the option's puéricultrice
as referent and the nearest other office's as second) and a new draft plan with the
family's visits at the option's slots in every week of the plan where the day holds them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

import solver as sm
from outreach import audit
from outreach.db import use_case
from outreach.errors import InvalidInput
from outreach.homevisits import PUERICULTRICE, FamilyRecord, records_for_planning, save_family
from outreach.homevisits.demo import nearest
from outreach.homevisits.planning import (
    PSY,
    ROLE,
    SERVICE_ID,
    HomeWeek,
    build_week,
    changed_visits,
    count_by,
    family_part,
    planned_visits,
    routes_of,
    window_starts,
)
from outreach.models import HomePlan
from outreach.planning.manual import edited_solution, route_of
from outreach.timefmt import format_hhmm

RETIME_REACH_MIN = 60  # a visit re-timed to let the new one in moves at most this much
OPTIONS = 3


@dataclass(frozen=True)
class Moved:
    """A visit that gives its place on the new family's day and moves to another day."""

    stop: str
    old_start_min: int
    date: dt.date  # its new day, with the same puéricultrice
    start_min: int
    route: sm.Route  # her route of that day with the visit in

    @property
    def family(self) -> str:
        return family_part(self.stop)[0]


@dataclass(frozen=True)
class DayFit:
    """The new family's visit on one of a puéricultrice's days."""

    date: dt.date
    start_min: int
    added_travel_min: int
    retimed: tuple[tuple[str, int, int], ...]  # (stop, old start, new start)
    route: sm.Route
    moved: Moved | None = None


@dataclass(frozen=True)
class Option:
    nurse: str
    nurse_name: str
    days: tuple[DayFit, ...]

    @property
    def added_travel_min(self) -> int:
        return sum(d.added_travel_min for d in self.days)

    @property
    def retimed(self) -> list[tuple[dt.date, str, int, int]]:
        return [(d.date, *r) for d in self.days for r in d.retimed]

    @property
    def moved(self) -> list[tuple[dt.date, Moved]]:
        """(day it leaves, the move) for the visit moved to another day, if any."""
        return [(d.date, d.moved) for d in self.days if d.moved is not None]

    def key(self) -> tuple[int, int, int]:
        """The rank of an option: visits moved to another day, visits re-timed, travel."""
        return (len(self.moved), len(self.retimed), self.added_travel_min)

    def slots(self) -> list[dict[str, Any]]:
        return [{"weekday": d.date.isoweekday(), "date": d.date.isoformat(),
                 "start": format_hhmm(d.start_min)} for d in self.days]


def _travel(route: sm.Route | None) -> int:
    return route.travel_min if route is not None else 0


def fit_day(week: HomeWeek, route: sm.Route | None, nurse: str, date: dt.date, family: str,
            starts: Sequence[int] | None = None, retime: bool = True) -> DayFit | None:
    """The least-travel way to add ``family``'s visit to ``nurse``'s ``date`` (``route``, or
    none yet): the day's visits keep their hours, else (when ``retime``) all but one of them
    moves by at most :data:`RETIME_REACH_MIN`; ``None`` when the day cannot hold it."""
    problem = week.problem
    service = problem.services[0]
    stop = next(s for s in problem.stops if s.id == family)
    held = [(v.stop, v.start_min) for v in route.visits] if route is not None else []
    limit = service.max_sessions_per_day
    if len(held) >= limit or not stop.allows(nurse):
        return None
    crew = (sm.CrewSlot(nurse, ROLE),)
    options = list(starts) if starts is not None else window_starts(stop, service, date)
    reach = [d for d in range(-RETIME_REACH_MIN, RETIME_REACH_MIN + 1, service.start_grid_min)
             if d != 0]
    best: DayFit | None = None
    synced = {s for sync in problem.syncs for s in (sync.first, sync.second)}
    # A joint visit keeps its minute (its partner's day is not re-timed with it).
    for moved in [None, *(f for f, _ in held if f not in synced and retime)]:
        shifts = [0] if moved is None else reach
        for start in options:
            for shift in shifts:
                times = dict(held)
                if moved is not None:
                    times[moved] += shift
                times[family] = start
                if len(set(times.values())) < len(times):
                    continue
                candidate = route_of(problem, nurse, date, SERVICE_ID, crew, list(times.items()))
                if sm.check_route(problem, candidate):
                    continue
                added = candidate.travel_min - _travel(route)
                retimed = tuple((f, old, times[f]) for f, old in held if times[f] != old)
                fit = DayFit(date, start, added, retimed, candidate)
                if best is None or (added, start) < (best.added_travel_min, best.start_min):
                    best = fit
        if best is not None:
            return best  # the fewest visits re-timed first
    return None


def _dates_of(routes: dict[tuple[str, dt.date], sm.Route], family: str) -> set[dt.date]:
    """The dates the family is visited on, by anyone, in any of its parts."""
    return {r.date for r in routes.values() for v in r.visits if family_part(v.stop)[0] == family}


def _spacing(problem: sm.Problem, family: str) -> int:
    """The days two visits of the family keep between them (all its parts as one, and never
    two on one date)."""
    service = problem.services[0]
    return max(1, *(s.spacing_for(service) for s in problem.stops
                    if family_part(s.id)[0] == family))


def moving_fits(week: HomeWeek, routes: dict[tuple[str, dt.date], sm.Route], nurse: str,
                date: dt.date, family: str, dates: Sequence[dt.date],
                starts: Sequence[int] | None = None, only: tuple[str, dt.date] | None = None
                ) -> list[DayFit]:
    """Ways to add ``family``'s visit to ``nurse``'s ``date`` by moving one of the day's
    visits to another of her working ``dates``, with her, inside its windows and its
    family's spacing, the visits of the day it moves to keeping their hours (those of
    ``date`` re-timed as in :func:`fit_day`): the least-travel one for each visit moved and
    each day it moves to. ``only`` = (stop, date) tries that move alone. A joint visit
    never moves."""
    route = routes.get((nurse, date))
    if route is None:
        return []
    problem = week.problem
    synced = {s for sync in problem.syncs for s in (sync.first, sync.second)}
    crew = (sm.CrewSlot(nurse, ROLE),)
    found = []
    for visit in route.visits:
        if visit.stop in synced or (only is not None and visit.stop != only[0]):
            continue
        moved_family = family_part(visit.stop)[0]
        others = _dates_of(routes, moved_family) - {date}
        spacing = _spacing(problem, moved_family)
        landings = [landed for there in dates
                    if there != date and (only is None or there == only[1])
                    and _working(week, nurse, there)
                    and all(abs((there - o).days) >= spacing for o in others)
                    for landed in [fit_day(week, routes.get((nurse, there)), nurse, there,
                                           visit.stop, retime=False)]
                    if landed is not None]
        if not landings:
            continue
        rest = [(v.stop, v.start_min) for v in route.visits if v.stop != visit.stop]
        without = route_of(problem, nurse, date, SERVICE_ID, crew, rest) if rest else None
        fit = fit_day(week, without, nurse, date, family, starts)
        if fit is None:
            continue
        for landed in landings:
            added = fit.route.travel_min - route.travel_min + landed.added_travel_min
            found.append(DayFit(date, fit.start_min, added, fit.retimed, fit.route,
                                Moved(visit.stop, visit.start_min, landed.date,
                                      landed.start_min, landed.route)))
    return found


def _week_routes(week: HomeWeek, visits: Sequence[dict[str, Any]]) -> dict[tuple[str, dt.date], sm.Route]:
    return {(r.vehicle, r.date): r for r in routes_of(week, visits)}


def _working(week: HomeWeek, nurse: str, date: dt.date) -> bool:
    vehicle = next(v for v in week.problem.vehicles if v.id == nurse)
    return date.isoweekday() in vehicle.weekdays and date not in vehicle.unavailable_dates \
        and date in week.problem.dates


def _first_week(week: HomeWeek, plan: HomePlan) -> list[dt.date]:
    return [d for d in week.problem.dates if d < plan.week_start + dt.timedelta(days=7)]


def _week(session: Session, plan: HomePlan, record: FamilyRecord) -> HomeWeek:
    known = [r for r in records_for_planning(session, plan.programme_id) if r.code != record.code]
    # Every nurse of the territory may visit the new family (the option chooses one).
    return build_week(session, plan.programme_id, plan.week_start, plan.weeks,
                      records=[*known, record], others_for=frozenset({record.code}))


def referral_options(session: Session, plan_id: int, record: FamilyRecord,
                     limit: int = OPTIONS) -> list[Option]:
    """The best ``limit`` ways to take the family ``record`` on in the plan's first week,
    by visits re-timed, then travel added."""
    plan = session.get(HomePlan, plan_id)
    if plan is None:
        raise InvalidInput(f"plan de visites inconnu : {plan_id}")
    if record.lat is None or record.lon is None:
        raise InvalidInput("champ lieu : indiquez où se font les visites de la famille")
    week = _week(session, plan, record)
    if record.code not in week.families:
        raise InvalidInput(f"champ territory : le territoire {record.territory!r} n'est pas "
                           "planifié (activez-le sur la page du programme)")
    routes = _week_routes(week, plan.visits)
    service = week.problem.services[0]
    stop = next(s for s in week.problem.stops if s.id == record.code)
    visits = stop.visits_for(service)
    spacing = stop.spacing_for(service)
    first_week = _first_week(week, plan)
    found = []
    for nurse, _cost in stop.vehicle_costs:
        days = [d for d in first_week if _working(week, nurse, d)]
        plain = {d: fit_day(week, routes.get((nurse, d)), nurse, d, record.code) for d in days}
        best = _best_combination([f for f in plain.values() if f is not None], visits, spacing)
        if best is None:  # her days hold the family only if one visit moves to another day
            for date in days:
                for move in moving_fits(week, routes, nurse, date, record.code, first_week):
                    assert move.moved is not None
                    there = move.moved.date
                    # The day the visit moves to may still take the family, after it.
                    after = fit_day(week, move.moved.route, nurse, there, record.code)
                    others = [f for d, f in plain.items() if f is not None and d not in (date, there)]
                    combo = _best_combination([*others, *([after] if after else [])],
                                              visits - 1, spacing, move)
                    if combo is not None and (best is None or _key(combo) < _key(best)):
                        best = combo
        if best is not None:
            found.append(Option(nurse, week.nurses[nurse].name, best))
    found.sort(key=lambda option: (option.key(), option.nurse))
    return found[:limit]


def _key(days: tuple[DayFit, ...]) -> tuple[int, int, int]:
    return Option("", "", days).key()


def _best_combination(fits: Sequence[DayFit], visits: int, spacing: int,
                      move: DayFit | None = None) -> tuple[DayFit, ...] | None:
    """The days of ``fits`` (with ``move``'s when given) that hold the family's ``visits``
    at least ``spacing`` days apart, by visits re-timed, then travel added."""
    best = None
    for combo in itertools.combinations(fits, visits):
        days = tuple(sorted((*combo, *([move] if move else [])), key=lambda f: f.date))
        if any((b.date - a.date).days < spacing for a, b in itertools.pairwise(days)):
            continue
        if best is None or _key(days) < _key(best):
            best = days
    return best


@use_case
def take_on(session: Session, plan_id: int, record: FamilyRecord, option: Option,
            actor: str) -> HomePlan:
    """Save the family with the option's puéricultrice as referent, and a new draft plan
    with its visits at the option's weekly slots in every week of the plan (where a week's
    day cannot hold a slot, the visit is listed as not placed)."""
    plan = session.get(HomePlan, plan_id)
    if plan is None:
        raise InvalidInput(f"plan de visites inconnu : {plan_id}")
    week = _week(session, plan, record)
    nurses = week.nurses
    others = nearest([n.code for n in nurses.values()
                      if n.territory == record.territory and n.code != option.nurse
                      and n.profession == PUERICULTRICE],
                     {n.code: (n.base_lat, n.base_lon) for n in nurses.values()},
                     (record.lat or 0.0, record.lon or 0.0))
    saved = dataclasses.replace(record, referent=option.nurse,
                                second_referent=others[0] if others else None)
    save_family(session, plan.programme_id, saved)
    routes = _week_routes(week, plan.visits)
    short = 0
    for k in range(plan.weeks):
        # The day a visit leaves first: the day it moves to may take the family too.
        for day in sorted(option.days, key=lambda d: d.moved is None):
            date = day.date + dt.timedelta(days=7 * k)
            fit = None
            if _working(week, option.nurse, date):
                route = routes.get((option.nurse, date))
                fit = fit_day(week, route, option.nurse, date, record.code, [day.start_min]) \
                    or fit_day(week, route, option.nurse, date, record.code)
            if fit is None and day.moved is not None and _working(week, option.nurse, date):
                # The option's move, that week too: the same visit to the same weekday.
                there = day.moved.date + dt.timedelta(days=7 * k)
                dates = [d + dt.timedelta(days=7 * k) for d in _first_week(week, plan)]
                move = (day.moved.stop, there)
                fit = min(moving_fits(week, routes, option.nurse, date, record.code, dates,
                                      [day.start_min], only=move)
                          or moving_fits(week, routes, option.nurse, date, record.code, dates,
                                         only=move),
                          key=lambda f: f.added_travel_min, default=None)
            if fit is None:
                short += 1
                continue
            routes[(option.nurse, date)] = fit.route
            if fit.moved is not None:
                routes[(option.nurse, fit.moved.date)] = fit.moved.route
    solution = edited_solution(week.problem, list(routes.values()))
    week = dataclasses.replace(week, families={**week.families, saved.code: saved})
    visits = [v.as_json() for v in planned_visits(week, solution)]
    unplaced = list(plan.unplaced)
    if short:
        unplaced.append({"family": saved.code, "missing": short, "reason": "capacity",
                         "why": "les journées de ses puéricultrices sont pleines dans ses créneaux"})
    summary = {**plan.summary, "visits_planned": sum(v.get("part") != PSY for v in visits),
               "visits_wanted": plan.summary.get("visits_wanted", 0) + saved.visits_per_week * plan.weeks,
               "by": count_by(v["by"] for v in visits),
               "edited": f"nouvelle famille {saved.code} confiée à {option.nurse}"}
    summary.pop("changed", None)
    changed = changed_visits(plan.visits, visits)  # re-timed or moved: the families to call
    if changed:
        summary["changed"] = changed
    new = HomePlan(programme_id=plan.programme_id, week_start=plan.week_start, weeks=plan.weeks,
                   created_at=dt.datetime.now(dt.UTC), created_by=actor, based_on_id=plan.id,
                   visits=visits, unplaced=unplaced, summary=summary)
    session.add(new)
    session.flush()
    audit.record(session, "home_plan.referral", f"home plan {new.id} from {plan.id}",
                 family=saved.code, nurse=option.nurse)
    return new
