"""Independent feasibility check of a solution against every hard rule.

Re-derives each constraint from the public :class:`Solution` and the
:class:`Problem` alone (no solver internals), so that a bug in a method
cannot hide here. ``solve`` never returns a solution this check rejects.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict

from solver import text
from solver.model import Problem, Route, Service, Solution
from solver.periods import period_of


def check_route(problem: Problem, route: Route) -> list[str]:
    """Violations inside one route: vehicle, service, crew and timing rules."""
    where = f"Tournée {route.vehicle} du {text.french_date(route.date)}"
    vehicles = {v.id: v for v in problem.vehicles}
    services = {s.id: s for s in problem.services}
    stops = {s.id: s for s in problem.stops}
    staff = {m.id: m for m in problem.staff}
    vehicle = vehicles.get(route.vehicle)
    service = services.get(route.service)
    if vehicle is None or service is None:
        return [f"{where} : véhicule ou service inconnu ({route.service!r})"]
    errors: list[str] = []
    if route.date not in problem.dates:
        errors.append(f"{where} : ce n'est pas un jour ouvré de l'horizon")
    if route.date.isoweekday() not in vehicle.weekdays or route.date in vehicle.unavailable_dates:
        errors.append(f"{where} : le véhicule ne circule pas ce jour-là")
    if service.id not in vehicle.services:
        errors.append(f"{where} : le véhicule n'assure pas le service {service.name}")

    # Crew: one distinct, qualified, available member per slot.
    duty = route.return_min - route.depart_min
    if len(route.crew) != len(service.required_roles):
        errors.append(f"{where} : {len(route.crew)} personnes pour "
                      f"{len(service.required_roles)} postes d'équipe")
    if len({c.staff for c in route.crew}) != len(route.crew):
        errors.append(f"{where} : une même personne occupe deux postes")
    for slot, member_slot in zip(service.required_roles, route.crew):
        member = staff.get(member_slot.staff)
        if member is None:
            errors.append(f"{where} : membre du personnel inconnu ({member_slot.staff!r})")
            continue
        if member_slot.role not in slot or member_slot.role not in member.roles:
            errors.append(f"{where} : {member.id} ne peut pas tenir le poste "
                          f"« {' ou '.join(text.role(r) for r in slot)} » "
                          f"en tant que {text.role(member_slot.role)}")
        if duty > member.max_day_min:
            errors.append(f"{where} : {member.id} travaillerait {text.hours(duty)}, au-delà de "
                          f"son maximum de {text.hours(member.max_day_min)}")
        if not any(
            a.date == route.date and a.start_min <= route.depart_min and route.return_min <= a.end_min
            for a in member.availability
        ):
            errors.append(f"{where} : {member.id} n'est pas disponible de "
                          f"{text.clock(route.depart_min)} à {text.clock(route.return_min)}")

    # Times along the route.
    if not 1 <= len(route.visits) <= service.max_sessions_per_day:
        errors.append(f"{where} : {len(route.visits)} séances, de 1 à "
                      f"{service.max_sessions_per_day} autorisées")
    if route.depart_min < vehicle.shift_start_min:
        errors.append(f"{where} : départ à {text.clock(route.depart_min)}, avant le début de "
                      f"service du véhicule ({text.clock(vehicle.shift_start_min)})")
    if route.return_min > vehicle.shift_end_min:
        errors.append(f"{where} : retour à {text.clock(route.return_min)}, après la fin de "
                      f"service du véhicule ({text.clock(vehicle.shift_end_min)})")
    if duty > vehicle.max_duty_min:
        errors.append(f"{where} : amplitude de {text.hours(duty)}, au-delà des "
                      f"{text.hours(vehicle.max_duty_min)} du véhicule")
    load = sum(stops[v.stop].load for v in route.visits if v.stop in stops)
    if vehicle.capacity is not None and load > vehicle.capacity:
        errors.append(f"{where} : chargement de {load}, au-delà de la capacité du véhicule "
                      f"({vehicle.capacity})")
    place, free_at = vehicle.base, route.depart_min
    travel_total = distance_total = 0
    for visit in route.visits:
        stop = stops.get(visit.stop)
        if stop is None:
            errors.append(f"{where} : arrêt inconnu ({visit.stop!r})")
            return errors
        at = f"{where}, à {stop.id}"
        leg = problem.travel_min[place][stop.location]
        travel_total += leg
        distance_total += problem.distance_m[place][stop.location]
        one_way = problem.travel_min[vehicle.base][stop.location]
        if service.max_one_way_min is not None and one_way > service.max_one_way_min:
            errors.append(f"{at} : à {text.hours(one_way)} de la base, au-delà du trajet maximal "
                          f"de {text.hours(service.max_one_way_min)} fixé pour ce service")
        if visit.service != service.id or service.id not in stop.services:
            errors.append(f"{at} : le service {visit.service} n'est pas celui de la tournée "
                          "ou n'est pas proposé ici")
        if visit.travel_min_from_previous != leg:
            errors.append(f"{at} : trajet annoncé de {visit.travel_min_from_previous} min, "
                          f"{leg} min selon la matrice")
        if visit.arrive_min < free_at + leg:
            errors.append(f"{at} : arrivée à {text.clock(visit.arrive_min)}, avant l'heure où "
                          f"le véhicule peut y être ({text.clock(free_at + leg)})")
        if visit.start_min - visit.arrive_min != service.setup_min:
            errors.append(f"{at} : l'installation ne dure pas {service.setup_min} min")
        if visit.end_min - visit.start_min != service.session_min:
            errors.append(f"{at} : la séance ne dure pas {service.session_min} min")
        if visit.leave_min - visit.end_min != service.packup_min:
            errors.append(f"{at} : le rangement ne dure pas {service.packup_min} min")
        if visit.start_min < service.earliest_start_min or visit.end_min > service.latest_end_min:
            errors.append(f"{at} : séance de {text.clock(visit.start_min)} à "
                          f"{text.clock(visit.end_min)}, hors des horaires du service "
                          f"({text.clock(service.earliest_start_min)} – "
                          f"{text.clock(service.latest_end_min)})")
        if not any(
            w.weekday == route.date.isoweekday()
            and w.start_min <= visit.arrive_min
            and visit.leave_min <= w.end_min
            for w in stop.windows
        ):
            errors.append(f"{at} : présence de {text.clock(visit.arrive_min)} à "
                          f"{text.clock(visit.leave_min)} en dehors des créneaux d'ouverture du "
                          "lieu ce jour-là")
        place, free_at = stop.location, visit.leave_min
    back = problem.travel_min[place][vehicle.base]
    errors += _lunch_errors(problem, route, service, where)
    if route.return_min < free_at + back:
        errors.append(f"{where} : retour annoncé à {text.clock(route.return_min)}, avant "
                      f"l'heure possible ({text.clock(free_at + back)})")
    if route.travel_min != travel_total + back:
        errors.append(f"{where} : temps de trajet total de {route.travel_min} min au lieu de "
                      f"{travel_total + back}")
    if route.distance_m != distance_total + problem.distance_m[place][vehicle.base]:
        errors.append(f"{where} : la distance ne correspond pas à la matrice des trajets")
    return errors


def _lunch_errors(problem: Problem, route: Route, service: Service, where: str) -> list[str]:
    """The crew's lunch break: free before leaving or after returning, or
    declared on duty between a pack-up and the next leg, inside the window."""
    minutes, low, high = service.lunch_min, service.lunch_start_min, service.lunch_end_min
    if minutes <= 0 or (
        min(high, route.depart_min) - low >= minutes or high - max(low, route.return_min) >= minutes
    ):
        return []
    wanted = f"une pause déjeuner de {minutes} min entre {text.clock(low)} et {text.clock(high)}"
    start = route.lunch_start_min
    if start is None:
        return [f"{where} : l'équipe n'a pas {wanted}"]
    end = start + minutes
    if start < low or end > high:
        return [f"{where} : pause de {text.clock(start)} à {text.clock(end)}, alors qu'il faut {wanted}"]
    free_from = [route.depart_min, *(v.leave_min for v in route.visits)]
    vehicle_base = next(v.base for v in problem.vehicles if v.id == route.vehicle)
    last = route.visits[-1].stop if route.visits else None
    stop_location = {s.id: s.location for s in problem.stops}
    back = problem.travel_min[stop_location[last]][vehicle_base] if last in stop_location else 0
    busy_from = [v.arrive_min - v.travel_min_from_previous for v in route.visits]
    busy_from.append(route.return_min - back)
    if not any(a <= start and end <= b for a, b in zip(free_from, busy_from)):
        return [(f"{where} : la pause de {text.clock(start)} à {text.clock(end)} tombe pendant "
                "une séance ou un trajet")]
    return []


def _week_errors(problem: Problem, routes: tuple[Route, ...]) -> list[str]:
    """Weekly hours: a member's duties in one calendar week within ``max_week_min``."""
    limits = {m.id: m.max_week_min for m in problem.staff if m.max_week_min is not None}
    worked: Counter[tuple[str, int, int]] = Counter()
    for route in routes:
        year, week, _ = route.date.isocalendar()
        for slot in route.crew:
            if slot.staff in limits:
                worked[(slot.staff, year, week)] += route.return_min - route.depart_min
    return [
        f"{member} travaille {text.hours(minutes)} la semaine {week} de {year}, au-delà de son "
        f"plafond de {text.hours(limits[member])}"
        for (member, year, week), minutes in sorted(worked.items())
        if minutes > limits[member]
    ]


def check_solution(problem: Problem, solution: Solution) -> list[str]:
    """Every hard-constraint violation of ``solution``, one French sentence each for the
    coordinator (empty when the solution is feasible)."""
    errors: list[str] = []
    for route in solution.routes:
        errors.extend(check_route(problem, route))

    vehicle_days = Counter((r.vehicle, r.date) for r in solution.routes)
    errors.extend(f"Véhicule {v} : {n} tournées le {text.french_date(d)}"
                  for (v, d), n in vehicle_days.items() if n > 1)
    staff_days = Counter((c.staff, r.date) for r in solution.routes for c in r.crew)
    errors.extend(f"{s} est dans {n} tournées le {text.french_date(d)}"
                  for (s, d), n in staff_days.items() if n > 1)
    errors.extend(_week_errors(problem, solution.routes))

    services = {s.id: s for s in problem.services}
    dates: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for route in solution.routes:
        for visit in route.visits:
            dates[(visit.stop, visit.service)].append(route.date)
    for (stop, service_id), days in dates.items():
        service = services.get(service_id)
        if service is None:
            continue
        days.sort()
        for first, second in itertools.pairwise(days):
            if (second - first).days < service.min_spacing_days:
                errors.append(
                    f"{stop} ({service_id}) : séances le {text.french_date(first)} et le "
                    f"{text.french_date(second)}, à moins de {service.min_spacing_days} jours "
                    "d'écart"
                )
        per_period = Counter(period_of(problem, service, d) for d in days)
        for period, count in sorted(per_period.items()):
            if count > service.visits_per_period:
                errors.append(
                    f"{stop} ({service_id}) : {count} séances dans la période {period + 1}, "
                    f"au plus {service.visits_per_period}"
                )

    dropped = {d.pin for d in solution.dropped_pins}
    held = {(v.stop, v.service, r.date, r.vehicle) for r in solution.routes for v in r.visits}
    for pin in problem.pins:
        if pin not in dropped and (pin.stop, pin.service, pin.date, pin.vehicle) not in held:
            errors.append(f"Séance épinglée {pin.stop} du {text.french_date(pin.date)} "
                          f"({pin.vehicle}) ni tenue ni signalée comme abandonnée")
    return errors
