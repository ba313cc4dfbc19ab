"""The part of a CP-SAT model shared by the PATTERNS model and the bound's
relaxation (:mod:`solver.bound`): given, for each (stop, service) and date,
the Boolean variables whose sum is the number of sessions held there, the
period caps and spacing of each pair, the demand earned (by stop or by area
coverage, as :func:`solver.coverage.area_value` counts it), the rhythm
penalties and the bonus of published sessions held again."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.evaluate import keep_bonus
from solver.instance import Instance
from solver.model import Service, SolveParams, Stop
from solver.periods import (
    keeps_month_week,
    rhythm_key,
    target_visits,
    week_of_month,
)

Visits = dict[tuple[str, str], dict[dt.date, list[int]]]


class SessionChoice:
    """``x[i]`` are Boolean variables; ``visits[(stop, service)][date]`` lists
    the indices of those that hold a session of that pair on that date."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.cp = cp_model.CpModel()
        self.x: list[cp_model.IntVar] = []

    def demand_terms(self, visits: Visits, params: SolveParams, *,
                     rhythm: bool = True) -> list[cp_model.LinearExprT]:
        """Period caps and spacing of every pair, area coverage (when the problem
        has areas), the rhythm penalties (unless ``rhythm`` is false) and the
        bonus of each published session held again."""
        terms: list[cp_model.LinearExprT] = []
        inst = self.inst
        for (stop_id, service_id), per_date in visits.items():
            terms.extend(self.add_stop_rules(inst.stops[stop_id], inst.services[service_id],
                                             per_date, params, rhythm=rhythm))
        self.add_group_spacing(visits)
        if inst.problem.areas:
            terms.extend(self.add_coverage(visits, params))
        bonus = keep_bonus(params)
        for stop_id, service_id, date in sorted(inst.preferred):
            holding = visits.get((stop_id, service_id), {}).get(date, [])
            if holding and bonus:
                kept = self.cp.new_bool_var(f"keep_{stop_id}_{date}")
                self.cp.add(kept <= sum(self.x[i] for i in holding))
                terms.append(bonus * kept)
        return terms

    def add_group_spacing(self, visits: Visits) -> None:
        """Spacing groups (``Stop.spacing_group``): at most one session of the group's
        stops in any run of its spacing's days."""
        groups = self.inst.spacing_groups
        held: dict[str, dict[dt.date, list[int]]] = {key: defaultdict(list) for key in groups}
        for (stop_id, _service), by_date in visits.items():
            key = self.inst.stops[stop_id].spacing_group
            if key in held:
                for date, indices in by_date.items():
                    held[key][date].extend(indices)
        for key, per_date in held.items():
            spacing = self.inst.group_spacing(groups[key])
            dates = sorted(per_date)
            for first in dates:
                close = [d for d in dates if 0 <= (d - first).days < spacing]
                if sum(len(per_date[d]) for d in close) > 1:
                    self.cp.add(sum(self.x[i] for d in close for i in per_date[d]) <= 1)

    def add_coverage(
        self, visits: dict[tuple[str, str], dict[dt.date, list[int]]], params: SolveParams
    ) -> list[cp_model.LinearExprT]:
        """Area coverage, as :func:`solver.coverage.area_value` counts it. One
        session a period (the usual case): see :meth:`_nested_coverage`. More:
        per (area, service, period), ``credited[stop]`` counts the sessions held
        at each of the area's stops that the area is credited with,
        ``visits_per_period`` in all at most, each earning that stop's demand.
        An area reached by one stop only needs no variable: its period cap caps it."""
        cp, inst = self.cp, self.inst
        terms: list[cp_model.LinearExprT] = []
        for area in inst.problem.areas:
            for service in inst.problem.services:
                credited: dict[int, list[cp_model.IntVar]] = defaultdict(list)
                reach = [(stop_id, demand) for stop_id, demand in area.reach
                         if demand > 0 and (stop_id, service.id) in visits]
                if len(reach) > 1 and service.visits_per_period == 1:
                    terms.extend(self.nested_coverage(reach, service, visits, params))
                    continue
                for stop_id, demand in reach:
                    held: dict[int, list[cp_model.IntVar]] = defaultdict(list)
                    for date, indices in visits[(stop_id, service.id)].items():
                        held[inst.period(service, date)].extend(self.x[i] for i in indices)
                    if len(reach) == 1:  # one stop: its period cap already caps the area
                        terms.extend(params.demand_weight * demand * x
                                     for sessions in held.values() for x in sessions)
                        continue
                    for period, sessions in held.items():
                        var = cp.new_int_var(0, min(service.visits_per_period, len(sessions)), "")
                        cp.add(var <= sum(sessions))
                        credited[period].append(var)
                        terms.append(params.demand_weight * demand * var)
                for period_vars in credited.values():
                    if len(period_vars) > 1:
                        cp.add(sum(period_vars) <= service.visits_per_period)
        return terms

    def nested_coverage(
        self, reach: list[tuple[str, int]], service: Service,
        visits: dict[tuple[str, str], dict[dt.date, list[int]]], params: SolveParams,
    ) -> list[cp_model.LinearExprT]:
        """One session a period: the area earns its best held stop's demand, written
        as steps down the stops sorted by demand (``reached[k]``: one of the k best
        stops holds a session), each step worth the drop to the next stop's demand."""
        cp, inst = self.cp, self.inst
        ordered = sorted(reach, key=lambda r: -r[1])
        per_period: dict[int, list[list[cp_model.IntVar]]] = defaultdict(
            lambda: [[] for _ in ordered])
        for k, (stop_id, _demand) in enumerate(ordered):
            for date, indices in visits[(stop_id, service.id)].items():
                per_period[inst.period(service, date)][k].extend(self.x[i] for i in indices)
        terms: list[cp_model.LinearExprT] = []
        for sessions_by_stop in per_period.values():
            held: list[cp_model.IntVar] = []
            previous = None
            for k, (_stop_id, demand) in enumerate(ordered):
                held.extend(sessions_by_stop[k])
                step = demand - (ordered[k + 1][1] if k + 1 < len(ordered) else 0)
                if step <= 0 or not held:
                    continue
                reached = cp.new_bool_var("")
                cp.add(reached <= sum(held))
                if previous is not None:
                    cp.add(previous <= reached)
                previous = reached
                terms.append(params.demand_weight * step * reached)
        return terms

    def add_stop_rules(
        self,
        stop: Stop,
        service: Service,
        per_date: dict[dt.date, list[int]],
        params: SolveParams,
        rhythm: bool = True,
    ) -> list[cp_model.LinearExprT]:
        """Period caps, spacing and the weekday-preference terms of one pair."""
        cp, inst = self.cp, self.inst
        held: dict[dt.date, cp_model.LinearExprT] = {
            d: sum(self.x[i] for i in idx) for d, idx in per_date.items()}
        dates = sorted(per_date)
        by_period: dict[int, list[dt.date]] = defaultdict(list)
        for date in dates:
            by_period[inst.period(service, date)].append(date)
        cap, spacing = stop.visits_for(service), stop.spacing_for(service)
        for period_dates in by_period.values():
            if sum(len(per_date[d]) for d in period_dates) > cap:
                cp.add(sum(held[d] for d in period_dates) <= cap)
        if spacing > 0:
            for first in dates:
                close = [d for d in dates if 0 <= (d - first).days < spacing]
                if sum(len(per_date[d]) for d in close) > 1:
                    cp.add(sum(held[d] for d in close) <= 1)
        target = target_visits(inst.problem, stop, service)
        if service.keep_rhythm:
            self.add_kept_rhythm(stop, service, per_date)
            return []
        if target < 2 or not rhythm:
            return []
        terms = self.rhythm_penalty(held, dates, target, dt.date.isoweekday,
                                     params.weekday_change_weight)
        if keeps_month_week(service):
            terms += self.rhythm_penalty(held, dates, target, week_of_month,
                                          params.month_week_change_weight)
        return terms

    def add_kept_rhythm(self, stop: Stop, service: Service,
                        per_date: dict[dt.date, list[int]]) -> None:
        """The hard rule of ``Service.keep_rhythm``: the pair's unpinned sessions
        share one :func:`solver.periods.rhythm_key`."""
        pinned = self.inst.pinned
        by_key: dict[tuple[int, int], list[int]] = defaultdict(list)
        for date, indices in per_date.items():
            if (stop.id, service.id, date) not in pinned:
                by_key[rhythm_key(service, date)].extend(indices)
        if len(by_key) < 2:
            return
        used = {key: self.cp.new_bool_var("") for key in by_key}
        for key, indices in by_key.items():
            for i in indices:
                self.cp.add_implication(self.x[i], used[key])
        self.cp.add_at_most_one(used.values())

    def rhythm_penalty(
        self, held: dict[dt.date, cp_model.LinearExprT], dates: list[dt.date], target: int,
        key: Callable[[dt.date], int], weight: int,
    ) -> list[cp_model.LinearExprT]:
        """``weight`` lost for each value of ``key`` (weekday, week of the month)
        the pair's sessions use beyond the first."""
        cp = self.cp
        values = sorted({key(d) for d in dates})
        if len(values) < 2 or weight == 0:
            return []
        used = {v: cp.new_bool_var("") for v in values}
        for value, var in used.items():
            cp.add(sum(held[d] for d in dates if key(d) == value) <= target * var)
        any_used = cp.new_bool_var("")
        cp.add(any_used <= sum(used.values()))
        return [weight * (any_used - sum(used.values()))]

