"""Why a (stop, service) got fewer sessions than its target.

Target: ``visits_per_period`` sessions in every period touched by the horizon
(see :mod:`solver.periods`). For a pair below target, only the *open* periods
(those still short of ``visits_per_period``) and their working dates are
examined, and the first of these checks that holds names the reason:

1. NO_VEHICLE: no vehicle carries the service, or none runs on those dates;
2. VENUE_CLOSED: on those dates when a vehicle runs, no opening window holds
   a whole stay (set-up, session, pack-up) within the service's hours;
3. OVER_CAPACITY: its load exceeds the capacity of every such vehicle;
   NO_LUNCH_BREAK: alone in its day, a visit would fit but for the crew's
   lunch break; TOO_FAR: even alone in its day, no visit fits the vehicle's
   shift and duty;
4. NO_CREW: on every date where a lone visit fits, no full crew is free;
5. SPACING: every such date is too close to one of the pair's sessions;
   RHYTHM: the others are not on the day (week of the month) its other
   sessions keep, for a service that keeps its rhythm;
   WEEK_HOURS: on the others, every possible crew would exceed someone's
   weekly hours (counting the plan's other routes that week);
6. a synchronised stop (``Problem.syncs``) that got this far: SYNC, its
   partner could not be visited at the same time (or the partner's own reason);
7. otherwise a lone visit was possible on some date: CAPACITY when the plan
   leaves no feasible insertion on those dates (vehicle-days and crews are
   taken), NOT_WORTH_TRAVEL when insertions exist but none improves the
   objective (the repair pass inserts every one that does).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence

from solver.dayroute import bounded_timings, staff_route
from solver.instance import Instance
from solver.model import Arg, Finding, ReasonCode, Service, Stop, Unserved, Vehicle
from solver.periods import horizon_periods, keeps_month_week, stop_service_pairs
from solver.repair import PlanState, insertion_options


def unserved(state: PlanState) -> tuple[Unserved, ...]:
    """One :class:`Unserved` per (stop, service) below target, in problem order."""
    inst = state.inst
    found = []
    for stop, service in stop_service_pairs(inst.problem):
        held = Counter(inst.period(service, d) for d in state.session_dates(stop, service))
        wanted = stop.visits_for(service)
        open_periods = {k for k in horizon_periods(inst.problem, service) if held[k] < wanted}
        if not open_periods:
            continue
        missing = sum(wanted - held[k] for k in open_periods)
        scope = [d for d in inst.problem.dates if inst.period(service, d) in open_periods]
        code, why = _reason(state, stop, service, scope)
        found.append(Unserved(stop.id, service.id, missing, code, why))
    return tuple(found)


def _reason(
    state: PlanState, stop: Stop, service: Service, scope: Sequence[dt.date]
) -> tuple[ReasonCode, Finding]:
    inst = state.inst
    why = Finding.of
    carriers = [v for v in inst.problem.vehicles
                if service.id in v.services and stop.allows(v.id)]
    if not carriers:
        return ReasonCode.NO_VEHICLE, why("unserved.no_carrier", service=service.id)
    running = [(v, d) for d in scope for v in carriers if inst.runs(v, d)]
    if not running:
        return ReasonCode.NO_VEHICLE, why("unserved.no_vehicle_running", service=service.id)

    opened = [(v, d) for v, d in running if inst.intervals(stop, service, d.isoweekday())]
    if not opened:
        return ReasonCode.VENUE_CLOSED, _venue_closed(stop, service, {d.isoweekday() for _, d in running})

    roomy = [(v, d) for v, d in opened if v.capacity is None or stop.load <= v.capacity]
    if not roomy:
        largest = max(v.capacity or 0 for v, _ in opened)
        return ReasonCode.OVER_CAPACITY, why("unserved.over_capacity", load=stop.load,
                                             capacity=largest)

    timed = [
        (v, d) for v, d in roomy if bounded_timings(inst, v, d.isoweekday(), service, [stop])
    ]
    if not timed and service.lunch_min:
        no_break = dataclasses.replace(service, lunch_min=0)
        if any(bounded_timings(inst, v, d.isoweekday(), no_break, [stop]) for v, d in roomy):
            lunch: dict[str, Arg] = {"lunch_dur": service.lunch_min, "from_at": service.lunch_start_min,
                     "to_at": service.lunch_end_min, "windows": _windows(stop)}
            if _pairs_with_lunch(inst, stop, service, roomy):
                return ReasonCode.NO_LUNCH_BREAK, why("unserved.lunch_needs_pair", **lunch)
            return ReasonCode.NO_LUNCH_BREAK, why("unserved.lunch", **lunch)
    if not timed:
        return ReasonCode.TOO_FAR, _too_far(inst, stop, service, sorted({v for v, _ in roomy},
                                                                       key=lambda v: v.id))

    crewed = sorted({
        d for v, d in timed if staff_route(inst, v, d, service, [stop], inst.staff_by_date[d])
    })
    if not crewed:
        return ReasonCode.NO_CREW, why("unserved.no_crew", roles=service.required_roles)

    plain = dataclasses.replace(service, keep_rhythm=False)
    if not any(state.date_allowed(stop, plain, d) for d in crewed):
        return ReasonCode.SPACING, why("unserved.spacing", days=stop.spacing_for(service))
    spaced = [d for d in crewed if state.date_allowed(stop, service, d)]
    if not spaced:
        kept = [d for d in state.session_dates(stop, service)
                if (stop.id, service.id, d) not in state.pinned]
        return ReasonCode.RHYTHM, why("unserved.rhythm", date=kept[0],
                                      monthly=int(keeps_month_week(service)))

    if not any(
        staff_route(inst, v, d, service, [stop], inst.staff_by_date[d], state.week_budget(d))
        for v, d in timed if d in spaced
    ):
        return ReasonCode.WEEK_HOURS, why("unserved.week_hours", roles=service.required_roles)

    partner = inst.sync_partner.get(stop.id)
    if partner is not None:
        # It alone would fit somewhere: its partner did not fit at the same time.
        return ReasonCode.SYNC, why("unserved.sync", partner=partner.id)
    best = next(iter(insertion_options(state, stop, service, spaced)), None)
    if best is None:
        return ReasonCode.CAPACITY, why("unserved.capacity", dates=len(spaced))
    params = state.params
    demand = state.marginal_demand(stop, service, best.route.date)
    if inst.problem.areas and demand == 0:
        return ReasonCode.NOT_WORTH_TRAVEL, why("unserved.already_covered")
    code = ("unserved.not_worth_travel"
            if params.travel_weight * best.travel_delta >= params.demand_weight * demand
            else "unserved.not_worth_travel_weekday")
    return ReasonCode.NOT_WORTH_TRAVEL, why(code, demand=demand, detour_dur=best.travel_delta)


def _pairs_with_lunch(
    inst: Instance, stop: Stop, service: Service, days: Sequence[tuple[Vehicle, dt.date]]
) -> bool:
    """Whether a day with one other session (before or after) leaves the lunch break."""
    if service.max_sessions_per_day < 2:
        return False
    for vehicle, weekday in sorted({(v, d.isoweekday()) for v, d in days}, key=lambda x: (x[0].id, x[1])):
        for other in inst.problem.stops:
            if other is stop or service.id not in other.services:
                continue
            if any(bounded_timings(inst, vehicle, weekday, service, pair)
                   for pair in ([other, stop], [stop, other])):
                return True
    return False


def _windows(stop: Stop) -> tuple[tuple[int, int], ...]:
    """The distinct opening hours of ``stop`` (from, to), in order."""
    return tuple(sorted({(w.start_min, w.end_min) for w in stop.windows}))


def _venue_closed(stop: Stop, service: Service, weekdays: set[int]) -> Finding:
    if not any(w.weekday in weekdays for w in stop.windows):
        return Finding.of("unserved.venue_closed_days", weekdays=tuple(sorted(weekdays)))
    bounded = service.earliest_start_min > 0 or service.latest_end_min < 24 * 60
    return Finding.of("unserved.venue_no_slot", session_dur=stop.session_for(service),
                      on_site_dur=stop.on_site_for(service),
                      **({"from_at": service.earliest_start_min,
                          "to_at": service.latest_end_min} if bounded else {}))


def _too_far(inst: Instance, stop: Stop, service: Service, vehicles: Sequence[Vehicle]) -> Finding:
    vehicle = min(
        vehicles,
        key=lambda v: (inst.travel(v.base, stop.location) + inst.travel(stop.location, v.base), v.id),
    )
    round_trip = inst.travel(vehicle.base, stop.location) + inst.travel(stop.location, vehicle.base)
    one_way = inst.travel(vehicle.base, stop.location)
    if service.max_one_way_min is not None and one_way > service.max_one_way_min:
        return Finding.of("unserved.beyond_one_way", one_way_dur=one_way,
                          limit_dur=service.max_one_way_min)
    return Finding.of("unserved.too_far", round_trip_dur=round_trip,
                      on_site_dur=stop.on_site_for(service), from_at=vehicle.shift_start_min,
                      to_at=vehicle.shift_end_min, duty_dur=vehicle.max_duty_min)
