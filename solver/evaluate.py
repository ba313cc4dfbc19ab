"""Objective value and KPIs of a set of public routes, computed the same way
whatever method produced them."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence

from solver.coverage import area_value, reach_for
from solver.model import Kpis, Problem, Route, SolveParams
from solver.periods import (
    horizon_periods,
    keeps_month_week,
    period_of,
    stop_service_pairs,
    week_of_month,
)


def session_dates(routes: Sequence[Route]) -> dict[tuple[str, str], list[dt.date]]:
    """Dates of the sessions of each (stop id, service id), sorted."""
    dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for route in routes:
        for visit in route.visits:
            dates[(visit.stop, visit.service)].append(route.date)
    return {key: sorted(days) for key, days in dates.items()}


def demand_served(problem: Problem, routes: Sequence[Route]) -> tuple[int, int]:
    """(served, total) demand of the plan, by stop or by area (see :class:`Problem`):
    each (stop or area, service, period) counts up to ``visits_per_period`` sessions."""
    dates = session_dates(routes)
    services = {s.id: s for s in problem.services}
    held: Counter[tuple[str, str, int]] = Counter()  # (stop, service, period) -> sessions
    for (stop_id, service_id), days in dates.items():
        service = services[service_id]
        for day in days:
            held[(stop_id, service_id, period_of(problem, service, day))] += 1
    served = total = 0
    if not problem.areas:
        for stop, service in stop_service_pairs(problem):
            wanted = stop.visits_for(service)
            for k in horizon_periods(problem, service):
                total += stop.demand * wanted
                served += stop.demand * min(held[(stop.id, service.id, k)], wanted)
        return served, total
    offering = {s.id: {stop.id for stop in problem.stops if s.id in stop.services}
                for s in problem.services}
    for area in problem.areas:
        for service in problem.services:
            reach = reach_for(area, offering[service.id])
            if not reach:
                continue
            best = max(demand for _, demand in reach)
            for k in horizon_periods(problem, service):
                total += best * service.visits_per_period
                served += area_value((demand for stop_id, demand in reach
                                      for _ in range(held[(stop_id, service.id, k)])), service)
    return served, total


def extra_month_weeks(problem: Problem, routes: Sequence[Route]) -> int:
    """Over all (stop, monthly service), the weeks of the month used beyond the first."""
    monthly = {s.id for s in problem.services if keeps_month_week(s)}
    return sum(
        len({week_of_month(d) for d in days}) - 1
        for (_stop, service), days in session_dates(routes).items() if service in monthly
    )


def extra_weekdays(routes: Sequence[Route]) -> int:
    """Over all (stop, service), the weekdays used beyond the first."""
    return sum(
        len({d.isoweekday() for d in days}) - 1 for days in session_dates(routes).values()
    )


def continuity_cost(problem: Problem, routes: Sequence[Route]) -> int:
    """What the visits cost for who made them (:attr:`solver.model.Stop.vehicle_costs`)."""
    stops = {s.id: s for s in problem.stops}
    return sum(stops[v.stop].cost_of(r.vehicle) for r in routes for v in r.visits
               if v.stop in stops)


def objective(problem: Problem, routes: Sequence[Route], params: SolveParams) -> int:
    """demand_weight x demand served - continuity costs - travel_weight x driving minutes
    - weekday_change_weight x extra weekdays - month_week_change_weight x extra
    weeks of the month (monthly services) + demand_weight x move_threshold
    x published sessions kept."""
    return (
        params.demand_weight * demand_served(problem, routes)[0]
        - continuity_cost(problem, routes)
        - params.travel_weight * sum(r.travel_min for r in routes)
        - params.weekday_change_weight * extra_weekdays(routes)
        - params.month_week_change_weight * extra_month_weeks(problem, routes)
        + keep_bonus(params) * len(kept_sessions(problem, routes))
    )


def keep_bonus(params: SolveParams) -> int:
    """Objective points a published session earns by being held again."""
    return params.demand_weight * params.move_threshold


def kept_sessions(problem: Problem, routes: Sequence[Route]) -> set[tuple[str, str, dt.date]]:
    """The preferred (published) sessions the routes hold again: same stop,
    service and date, on any vehicle."""
    wanted = {(p.stop, p.service, p.date) for p in problem.preferred}
    return {(v.stop, v.service, r.date) for r in routes for v in r.visits} & wanted


def kpis(problem: Problem, routes: Sequence[Route]) -> Kpis:
    """Headline figures of a plan (see :class:`solver.model.Kpis`)."""
    dates = session_dates(routes)
    at_target = 0
    pairs = stop_service_pairs(problem)
    for stop, service in pairs:
        periods = horizon_periods(problem, service)
        per_period = Counter(period_of(problem, service, d) for d in dates.get((stop.id, service.id), []))
        at_target += all(per_period[k] >= stop.visits_for(service) for k in periods)
    served, total = demand_served(problem, routes)
    return Kpis(
        demand_total=total,
        demand_served=served,
        stop_services_total=len(pairs),
        stop_services_at_target=at_target,
        sessions=sum(len(r.visits) for r in routes),
        distance_km=sum(r.distance_m for r in routes) / 1000,
        driving_min=sum(r.travel_min for r in routes),
        staff_min=sum(len(r.crew) * (r.return_min - r.depart_min) for r in routes),
        continuity_cost=continuity_cost(problem, routes),
    )
