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
   WEEK_HOURS: on the others, every possible crew would exceed someone's
   weekly hours (counting the plan's other routes that week);
6. otherwise a lone visit was possible on some date: CAPACITY when the plan
   leaves no feasible insertion on those dates (vehicle-days and crews are
   taken), NOT_WORTH_TRAVEL when insertions exist but none improves the
   objective (the repair pass inserts every one that does).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Sequence

from solver import text
from solver.dayroute import bounded_timings, staff_route
from solver.instance import Instance
from solver.model import ReasonCode, Service, Stop, Unserved, Vehicle
from solver.periods import horizon_periods, stop_service_pairs
from solver.repair import PlanState, insertion_options
from solver.text import clock, hours, weekday_names


def unserved(state: PlanState) -> tuple[Unserved, ...]:
    """One :class:`Unserved` per (stop, service) below target, in problem order."""
    inst = state.inst
    found = []
    for stop, service in stop_service_pairs(inst.problem):
        held = Counter(inst.period(service, d) for d in state.session_dates(stop, service))
        open_periods = {
            k for k in horizon_periods(inst.problem, service) if held[k] < service.visits_per_period
        }
        if not open_periods:
            continue
        missing = sum(service.visits_per_period - held[k] for k in open_periods)
        scope = [d for d in inst.problem.dates if inst.period(service, d) in open_periods]
        code, reason = _reason(state, stop, service, scope)
        found.append(Unserved(stop.id, service.id, missing, code, reason))
    return tuple(found)


def _reason(
    state: PlanState, stop: Stop, service: Service, scope: Sequence[dt.date]
) -> tuple[ReasonCode, str]:
    inst = state.inst
    carriers = [v for v in inst.problem.vehicles if service.id in v.services]
    if not carriers:
        return ReasonCode.NO_VEHICLE, f"Aucun véhicule n'assure le service « {service.name} »."
    running = [(v, d) for d in scope for v in carriers if inst.runs(v, d)]
    if not running:
        return ReasonCode.NO_VEHICLE, (
            f"Aucun véhicule assurant le service « {service.name} » ne circule aux dates restantes."
        )

    opened = [(v, d) for v, d in running if inst.intervals(stop, service, d.isoweekday())]
    if not opened:
        return ReasonCode.VENUE_CLOSED, _venue_closed(stop, service, {d.isoweekday() for _, d in running})

    roomy = [(v, d) for v, d in opened if v.capacity is None or stop.load <= v.capacity]
    if not roomy:
        largest = max(v.capacity or 0 for v, _ in opened)
        return ReasonCode.OVER_CAPACITY, (
            f"Son chargement ({stop.load}) dépasse la capacité de chaque véhicule qui assure "
            f"le service (au plus {largest})."
        )

    timed = [
        (v, d) for v, d in roomy if bounded_timings(inst, v, d.isoweekday(), service, [stop])
    ]
    if not timed and service.lunch_min:
        no_break = dataclasses.replace(service, lunch_min=0)
        if any(bounded_timings(inst, v, d.isoweekday(), no_break, [stop]) for v, d in roomy):
            lunch = (f"sa pause déjeuner de {service.lunch_min} min entre "
                     f"{clock(service.lunch_start_min)} et {clock(service.lunch_end_min)}")
            if _pairs_with_lunch(inst, stop, service, roomy):
                return ReasonCode.NO_LUNCH_BREAK, (
                    f"Seule dans la journée, une séance ici ({clock_span(stop)}) ne laisse pas à "
                    f"l'équipe {lunch} ; elle n'est possible qu'avec une autre séance le même jour, "
                    "et les journées qui le permettaient sont prises par d'autres arrêts."
                )
            return ReasonCode.NO_LUNCH_BREAK, (
                f"Une séance ici ({clock_span(stop)}), seule ou avec une autre le même jour, ne "
                f"laisse pas à l'équipe {lunch}."
            )
    if not timed:
        return ReasonCode.TOO_FAR, _too_far(inst, stop, service, sorted({v for v, _ in roomy},
                                                                       key=lambda v: v.id))

    crewed = sorted({
        d for v, d in timed if staff_route(inst, v, d, service, [stop], inst.staff_by_date[d])
    })
    if not crewed:
        return ReasonCode.NO_CREW, (
            f"Aucune équipe complète ({text.crew_roles(service.required_roles)}) n'est disponible les jours où la salle "
            "est ouverte."
        )

    spaced = [d for d in crewed if state.date_allowed(stop, service, d)]
    if not spaced:
        return ReasonCode.SPACING, (
            "Les dates restantes sont trop proches de ses autres séances (espacement minimal "
            f"{service.min_spacing_days} jours)."
        )

    if not any(
        staff_route(inst, v, d, service, [stop], inst.staff_by_date[d], state.week_budget(d))
        for v, d in timed if d in spaced
    ):
        return ReasonCode.WEEK_HOURS, (
            f"Les personnes qui pourraient former l'équipe ({text.crew_roles(service.required_roles)}) "
            "ont déjà atteint leur plafond d'heures de la semaine aux dates restantes."
        )

    best = next(iter(insertion_options(state, stop, service, spaced)), None)
    if best is None:
        return ReasonCode.CAPACITY, (
            f"Les journées où une séance était possible ({len(spaced)} dates) sont déjà prises "
            "par d'autres arrêts, ou leurs équipes travaillent ailleurs."
        )
    params = state.params
    detour = hours(best.travel_delta)
    demand = state.marginal_demand(stop, service, best.route.date)
    if inst.problem.areas and demand == 0:
        return ReasonCode.NOT_WORTH_TRAVEL, (
            "Les familles qu'elle dessert sont déjà couvertes par d'autres séances proches dans "
            "la période : une séance ici n'en toucherait pas davantage."
        )
    if params.travel_weight * best.travel_delta >= params.demand_weight * demand:
        return ReasonCode.NOT_WORTH_TRAVEL, (
            f"Sa demande ({demand}) ne compense pas le détour le plus court ({detour})."
        )
    return ReasonCode.NOT_WORTH_TRAVEL, (
        f"Sa demande ({demand}) ne compense pas le détour le plus court ({detour}) "
        "ajouté à un jour de semaine de plus pour ses séances."
    )


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


def clock_span(stop: Stop) -> str:
    """The opening hours of ``stop`` as the coordinator reads them."""
    spans = sorted({(w.start_min, w.end_min) for w in stop.windows})
    return ", ".join(f"{clock(a)} – {clock(b)}" for a, b in spans) or "aucun créneau"


def _venue_closed(stop: Stop, service: Service, weekdays: set[int]) -> str:
    if not any(w.weekday in weekdays for w in stop.windows):
        return (
            f"La salle n'est ouverte aucun des jours où circule le véhicule "
            f"({weekday_names(weekdays)})."
        )
    hours_clause = ""
    if service.earliest_start_min > 0 or service.latest_end_min < 24 * 60:
        hours_clause = (
            f" entre {clock(service.earliest_start_min)} et {clock(service.latest_end_min)}"
        )
    return (
        f"La salle n'est ouverte sur aucun créneau assez long pour une séance de "
        f"{hours(service.session_min)}{hours_clause} ({hours(service.on_site_min)} sur place "
        "avec l'installation et le rangement)."
    )


def _too_far(inst: Instance, stop: Stop, service: Service, vehicles: Sequence[Vehicle]) -> str:
    vehicle = min(
        vehicles,
        key=lambda v: (inst.travel(v.base, stop.location) + inst.travel(stop.location, v.base), v.id),
    )
    round_trip = inst.travel(vehicle.base, stop.location) + inst.travel(stop.location, vehicle.base)
    one_way = inst.travel(vehicle.base, stop.location)
    if service.max_one_way_min is not None and one_way > service.max_one_way_min:
        return (
            f"Trop loin : à {hours(one_way)} de la base, au-delà du trajet maximal de "
            f"{hours(service.max_one_way_min)} fixé pour ce service."
        )
    return (
        f"Trop loin : l'aller-retour depuis la base ({hours(round_trip)}) et la séance "
        f"({hours(service.on_site_min)} sur place) ne tiennent pas dans la journée du véhicule "
        f"({clock(vehicle.shift_start_min)} – {clock(vehicle.shift_end_min)}, amplitude "
        f"{hours(vehicle.max_duty_min)})."
    )
