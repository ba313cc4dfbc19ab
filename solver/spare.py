"""Days a plan leaves free for one more stop: the vehicle-days no route uses on which a
crew of staff on no route that day can hold a session there, by the solver's own
day-route rule (:func:`solver.dayroute.staff_route`)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from solver.crew import match_crew
from solver.dayroute import staff_route, week_of
from solver.instance import Instance
from solver.model import Problem, StaffMember
from solver.periods import period_of

# A route already planned: (vehicle, date, its crew's staff ids, its duty in minutes).
BusyRoute = tuple[str, dt.date, tuple[str, ...], int]


def _occupied(busy: Sequence[BusyRoute]
              ) -> tuple[set[tuple[str, dt.date]], dict[dt.date, set[str]]]:
    """The (vehicle, date) pairs the ``busy`` routes use, and the staff on them each date."""
    used = {(vehicle, date) for vehicle, date, _crew, _duty in busy}
    taken: dict[dt.date, set[str]] = {}
    for _vehicle, date, crew, _duty in busy:
        taken.setdefault(date, set()).update(crew)
    return used, taken


def spare_days(problem: Problem, busy: Sequence[BusyRoute], due: int
               ) -> tuple[tuple[dt.date, str], ...]:
    """Up to ``due`` (date, vehicle) pairs for the sessions of ``problem``'s one stop and
    one service, earliest first: a vehicle idle that day, a crew of staff on none of the
    ``busy`` routes that day and within their weekly hours, at most the stop's visits per
    period, spaced as the service asks."""
    (stop,), (service,) = problem.stops, problem.services
    inst = Instance(problem)
    used, taken = _occupied(busy)
    week_used: dict[tuple[str, tuple[int, int]], int] = {}
    for _vehicle, date, crew, duty in busy:
        for member in crew:
            week_used[(member, week_of(date))] = week_used.get((member, week_of(date)), 0) + duty

    def week_left(member: StaffMember, date: dt.date) -> int | None:
        if member.max_week_min is None:
            return None
        return member.max_week_min - week_used.get((member.id, week_of(date)), 0)

    picked: list[tuple[dt.date, str]] = []
    per_period: dict[int, int] = {}
    for date in problem.dates:
        if len(picked) >= due:
            break
        period = period_of(problem, service, date)
        if per_period.get(period, 0) >= stop.visits_for(service):
            continue
        if picked and (date - picked[-1][0]).days < stop.spacing_for(service):
            continue
        free = [m for m in inst.staff_by_date.get(date, ()) if m.id not in taken.get(date, set())]
        if match_crew(service, free) is None:  # no crew that day, whatever the timing
            continue
        for vehicle in problem.vehicles:
            if (vehicle.id, date) in used or date.isoweekday() not in vehicle.weekdays \
                    or date in vehicle.unavailable_dates:
                continue
            if staff_route(inst, vehicle, date, service, [stop], free,
                           week_left=functools.partial(week_left, date=date)) is not None:
                picked.append((date, vehicle.id))
                per_period[period] = per_period.get(period, 0) + 1
                break
    return tuple(picked)


def crew_dates(problem: Problem, service_id: str, busy: Sequence[BusyRoute]) -> tuple[dt.date, ...]:
    """The dates on which a vehicle of the service is idle and at work and the staff on
    no ``busy`` route that day can form its crew (whatever the timing): no other date can
    hold one more session of it."""
    inst = Instance(problem)
    service = inst.services[service_id]
    used, taken = _occupied(busy)
    found = []
    for date in problem.dates:
        if not any(service_id in v.services and (v.id, date) not in used
                   and date.isoweekday() in v.weekdays and date not in v.unavailable_dates
                   for v in problem.vehicles):
            continue
        free = [m for m in inst.staff_by_date.get(date, ()) if m.id not in taken.get(date, set())]
        if match_crew(service, free) is not None:
            found.append(date)
    return tuple(found)
