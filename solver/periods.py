"""Frequency periods and per-stop targets.

Period ``k`` of a service covers ``7 * period_weeks`` days from
``problem.first_period_day + 7 * period_weeks * k``. A period counts for the
horizon when at least one working date of the horizon falls in it (a period
only partly inside the horizon therefore counts fully). The target of a
(stop, service) pair is its ``visits_per_period`` in each counted period, and no
period may hold more than that many sessions of the pair (the stop's own figure
when it sets one, see :meth:`solver.model.Stop.visits_for`).
"""

from __future__ import annotations

import datetime as dt

from solver.model import Problem, Service, Stop


def period_of(problem: Problem, service: Service, date: dt.date) -> int:
    """Index of the period of ``service`` that contains ``date``."""
    return (date - problem.first_period_day).days // (7 * service.period_weeks)


def week_of_month(date: dt.date) -> int:
    """1 for the first seven days of the month ("le 1er mercredi"), up to 5."""
    return (date.day - 1) // 7 + 1


def keeps_month_week(service: Service) -> bool:
    """Whether the service's rhythm is monthly, so that "the 2nd Wednesday" matters."""
    return service.period_weeks >= 4


def rhythm_key(service: Service, date: dt.date) -> tuple[int, int]:
    """What a kept rhythm holds constant: the weekday, and for monthly services
    the week of the month too (0 otherwise)."""
    return date.isoweekday(), week_of_month(date) if keeps_month_week(service) else 0


def pinned_sessions(problem: Problem) -> frozenset[tuple[str, str, dt.date]]:
    """(stop, service, date) of the coordinator's pins: exempt from a kept rhythm."""
    return frozenset((p.stop, p.service, p.date) for p in problem.pins)


def horizon_periods(problem: Problem, service: Service) -> tuple[int, ...]:
    """Periods of ``service`` holding at least one working date, increasing."""
    return tuple(sorted({period_of(problem, service, d) for d in problem.dates}))


def target_visits(problem: Problem, stop: Stop, service: Service) -> int:
    """Sessions ``stop`` should get of ``service`` over the horizon."""
    return stop.visits_for(service) * len(horizon_periods(problem, service))


def stop_service_pairs(problem: Problem) -> list[tuple[Stop, Service]]:
    """Every (stop, service) the stop offers, in problem order."""
    return [
        (stop, service)
        for stop in problem.stops
        for service in problem.services
        if service.id in stop.services
    ]
