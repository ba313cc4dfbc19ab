"""An independent checker of plan exports (docs/plan-format.md, schema outreach.plan/1).

It reads the JSON document only, with the standard library, and shares no
code with the solver or the domain: every hard constraint is re-derived here
from the export's own inputs. ``check_plan(document)`` returns the list of
violations, empty for a valid plan.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict
from typing import Any

REASON_CODES = {"no_vehicle", "venue_closed", "too_far", "no_lunch_break", "no_crew", "week_hours",
                "spacing", "rhythm", "capacity",
                "not_worth_travel", "removed"}
TOP_LEVEL = ["schema", "plan_id", "status", "scenario", "horizon", "travel_model",
             "travel_matrix", "services", "vehicles", "staff", "stops", "routes", "unserved",
             "kpis"]


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _crew_fills_slots(crew: list[dict[str, str]], slots: list[list[str]]) -> bool:
    """Whether each crew entry can take a distinct slot whose alternatives include its role
    (bipartite matching by augmenting paths)."""
    if len(crew) != len(slots):
        return False
    slot_of: dict[int, int] = {}

    def assign(member: int, seen: set[int]) -> bool:
        for slot, roles in enumerate(slots):
            if crew[member]["role"] in roles and slot not in seen:
                seen.add(slot)
                if slot not in slot_of or assign(slot_of[slot], seen):
                    slot_of[slot] = member
                    return True
        return False

    return all(assign(member, set()) for member in range(len(crew)))


def _lunch_errors(where: str, lunch: dict[str, Any] | None, route: dict[str, Any], depart: int,
                  back: int, free_gaps: list[tuple[int, int]]) -> list[str]:
    """The crew's break: free before departure or after return, or the route's
    declared break inside the window and inside a gap where nobody works or drives."""
    if not lunch:
        return []
    minutes, low, high = lunch["minutes"], _minutes(lunch["from"]), _minutes(lunch["to"])
    if min(high, depart) - low >= minutes or high - max(low, back) >= minutes:
        return []
    declared = route.get("lunch")
    if not declared:
        return [f"{where}: no lunch break of {minutes} min in {lunch['from']}-{lunch['to']}"]
    start, end = _minutes(declared["from"]), _minutes(declared["to"])
    if end - start < minutes or start < low or end > high:
        return [(f"{where}: lunch {declared['from']}-{declared['to']} is not {minutes} min "
                f"in {lunch['from']}-{lunch['to']}")]
    if not any(a <= start and end <= b for a, b in free_gaps):
        return [f"{where}: lunch {declared['from']}-{declared['to']} overlaps work or driving"]
    return []


def _area_demand(doc: dict[str, Any], services: dict[str, Any], dates: set[dt.date],
                 start: dt.date, sessions: dict[tuple[str, str], list[dt.date]]) -> tuple[int, int]:
    """(served, total) when the export counts demand by area: in each period of a
    service, an area (a commune) earns, for each of its best visits_per_period
    sessions held at stops of its reach offering the service, what that stop serves."""
    offering = {s: {stop["id"] for stop in doc["stops"] if s in stop["services"]} for s in services}
    served = total = 0
    for area in doc["areas"]:
        for service_id, service in services.items():
            reach = {r["stop"]: r["demand"] for r in area["reach"] if r["stop"] in offering[service_id]}
            if not reach:
                continue
            period_days = 7 * service["period_weeks"]
            credits: dict[int, list[int]] = defaultdict(list)
            for stop_id, demand in reach.items():
                for day in sessions.get((stop_id, service_id), []):
                    credits[(day - start).days // period_days].append(demand)
            cap = service["visits_per_period"]
            for period in {(day - start).days // period_days for day in dates}:
                total += max(reach.values()) * cap
                served += sum(sorted(credits[period], reverse=True)[:cap])
    return served, total


def _geodesic_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two points on the WGS-84 ellipsoid (Vincenty's inverse formula)."""
    if a == b:
        return 0.0
    major, flat = 6378137.0, 1 / 298.257223563
    minor = (1 - flat) * major
    u1 = math.atan((1 - flat) * math.tan(math.radians(a[0])))
    u2 = math.atan((1 - flat) * math.tan(math.radians(b[0])))
    gap = math.radians(b[1] - a[1])
    lam = gap
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha ** 2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = flat / 16 * cos2_alpha * (4 + flat * (4 - 3 * cos2_alpha))
        previous = lam
        lam = gap + (1 - c) * flat * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm ** 2)))
        if abs(lam - previous) < 1e-12:
            break
    u_sq = cos2_alpha * (major ** 2 - minor ** 2) / minor ** 2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta = big_b * sin_sigma * (cos_2sm + big_b / 4 * (
        cos_sigma * (-1 + 2 * cos_2sm ** 2)
        - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma ** 2) * (-3 + 4 * cos_2sm ** 2)))
    return minor * big_a * (sigma - delta)


def _matrix_errors(doc: dict[str, Any]) -> list[str]:
    """Every matrix entry re-derived from the places and the travel model: a drive on one
    land; between two lands, the fastest chain of drives and the services' crossings
    (none: a drive, which no route may use); at most 10 mismatches are listed."""
    model = doc["travel_model"]
    if model.get("kind") != "geodesic":
        return [f"travel_model.kind {model.get('kind')!r} is not documented"]

    def trip(a: tuple[float, float], b: tuple[float, float]) -> tuple[int, int]:
        metres = round(_geodesic_m(a, b) * model["circuity"])
        if metres == 0:
            return 0, 0
        return math.ceil(metres / 1000 / model["speed_kmh"] * 60) + model["overhead_min"], metres

    place: dict[str, tuple[tuple[float, float], str]] = {}
    for v in doc["vehicles"]:
        place[v["base"]["location"]] = ((v["base"]["lat"], v["base"]["lon"]),
                                        v["base"].get("land", ""))
    for s in doc["stops"]:
        place[s["location"]] = ((s["lat"], s["lon"]), s.get("land", ""))
    ports: dict[tuple[tuple[float, float], str], int] = {}
    sailings: list[tuple[tuple[tuple[float, float], str], tuple[tuple[float, float], str], int]] = []
    for service in doc["services"]:
        for c in service.get("crossings", []):
            ends = [((c[e]["lat"], c[e]["lon"]), c[e]["land"]) for e in ("from", "to")]
            for end in ends:
                ports.setdefault(end, len(ports))
            sailings.append((ends[0], ends[1], c["minutes"]))
    never = (1 << 40, 0)
    port_list = list(ports)
    best = {(p, q): (0, 0) if p == q else trip(p[0], q[0]) if p[1] == q[1] else never
            for p in port_list for q in port_list}
    for a, b, minutes in sailings:
        best[a, b] = best[b, a] = min(best[a, b], (minutes, 0))
    for k in port_list:
        for p in port_list:
            for q in port_list:
                via = (best[p, k][0] + best[k, q][0], best[p, k][1] + best[k, q][1])
                best[p, q] = min(best[p, q], via)

    matrix = doc["travel_matrix"]
    errors = []
    for (i, a), (j, b) in itertools.product(enumerate(matrix["locations"]), repeat=2):
        (pa, la), (pb, lb) = place[a], place[b]
        expected = trip(pa, pb)
        if la != lb:
            chains = [(trip(pa, p[0])[0] + best[p, q][0] + trip(q[0], pb)[0],
                       trip(pa, p[0])[1] + best[p, q][1] + trip(q[0], pb)[1])
                      for p in port_list if p[1] == la for q in port_list
                      if q[1] == lb and best[p, q] != never]
            expected = min(chains, default=expected)
        found = (matrix["travel_min"][i][j], matrix["distance_m"][i][j])
        if found != expected and len(errors) < 10:
            errors.append(f"travel_matrix {a} -> {b}: {found[0]} min {found[1]} m, "
                          f"re-derived {expected[0]} min {expected[1]} m")
    return errors


def check_plan(doc: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    for key in TOP_LEVEL:
        if key not in doc:
            errors.append(f"missing top-level field {key!r}")
    if errors:
        return errors
    if doc["schema"] != "outreach.plan/1":
        errors.append(f"schema is {doc['schema']!r}")
    if doc["status"] not in {"draft", "published", "archived"}:
        errors.append(f"status is {doc['status']!r}")

    services = {s["id"]: s for s in doc["services"]}
    vehicles = {v["id"]: v for v in doc["vehicles"]}
    staff = {p["id"]: p for p in doc["staff"]}
    stops = {s["id"]: s for s in doc["stops"]}
    matrix = doc["travel_matrix"]
    index = {name: i for i, name in enumerate(matrix["locations"])}
    travel, distance = matrix["travel_min"], matrix["distance_m"]
    dates = {dt.date.fromisoformat(d) for d in doc["horizon"]["dates"]}
    holidays = {dt.date.fromisoformat(h["date"]) for h in doc["horizon"]["holidays"]}
    if dates & holidays:
        errors.append(f"working dates include public holidays {sorted(dates & holidays)}")
    if any(d.isoweekday() > 5 for d in dates):
        errors.append("working dates include a weekend day")
    errors += _matrix_errors(doc)

    seen_vehicle_days: set[tuple[str, str]] = set()
    staff_days: dict[tuple[str, str], int] = defaultdict(int)
    staff_weeks: dict[tuple[str, int, int], int] = defaultdict(int)
    sessions_by_pair: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    total_sessions = 0
    total_km = 0.0
    total_driving = 0
    demand_served = 0

    for r in doc["routes"]:
        where = f"route {r['vehicle']} {r['date']}"
        vehicle = vehicles.get(r["vehicle"])
        service = services.get(r["service"])
        if vehicle is None or service is None:
            errors.append(f"{where}: unknown vehicle or service")
            continue
        day = dt.date.fromisoformat(r["date"])
        if day not in dates:
            errors.append(f"{where}: not a working date of the horizon")
        if (r["vehicle"], r["date"]) in seen_vehicle_days:
            errors.append(f"{where}: two routes for one vehicle-day")
        seen_vehicle_days.add((r["vehicle"], r["date"]))
        if day.isoweekday() not in vehicle["weekdays"]:
            errors.append(f"{where}: vehicle does not work on weekday {day.isoweekday()}")
        if r["service"] not in vehicle["services"]:
            errors.append(f"{where}: vehicle does not carry service {r['service']}")
        if not r["visits"]:
            errors.append(f"{where}: route without visits")
        limit = service.get("max_one_way_min")
        base_index = index[vehicle["base"]["location"]]
        for v in r["visits"]:
            stop = stops.get(v["stop"])
            if limit is not None and stop and travel[base_index][index[stop["location"]]] > limit:
                errors.append(f"{where}: {v['stop']} is farther than max_one_way_min")
        if len(r["visits"]) > service["max_sessions_per_day"]:
            errors.append(f"{where}: {len(r['visits'])} sessions > max_sessions_per_day")

        depart, back = _minutes(r["depart"]), _minutes(r["return"])
        if depart < _minutes(vehicle["shift_start"]) or back > _minutes(vehicle["shift_end"]):
            errors.append(f"{where}: outside the vehicle's shift")
        if back - depart > vehicle["max_duty_min"]:
            errors.append(f"{where}: duty {back - depart} min > {vehicle['max_duty_min']}")

        position, clock = index[vehicle["base"]["location"]], depart
        legs_min, legs_m = 0, 0
        # Crew free between a pack-up (or the departure) and the next set-up (or the
        # return), the leg of that stretch driven first or last: two gaps each.
        free_gaps: list[tuple[int, int]] = []
        for v in r["visits"]:
            vw = f"{where} visit {v['stop']}"
            stop = stops.get(v["stop"])
            if stop is None:
                errors.append(f"{vw}: unknown stop")
                continue
            if v["service"] != r["service"] or v["service"] not in stop["services"]:
                errors.append(f"{vw}: service {v['service']} not offered here / not the route's")
            if stop.get("land", "") != vehicle["base"].get("land", ""):
                crossing = next((c for c in service.get("crossings", [])
                                 if c["to"]["land"] == stop["land"]), None)
                if crossing is None:
                    errors.append(f"{vw}: across the sea from the base, and the service "
                                  "declares no crossing to its land")
                elif day.isoweekday() not in crossing["sailing_days"]:
                    errors.append(f"{vw}: its crossing does not sail on weekday "
                                  f"{day.isoweekday()}")
            target = index[stop["location"]]
            leg = travel[position][target]
            if v["travel_min_from_previous"] != leg:
                errors.append(f"{vw}: travel {v['travel_min_from_previous']} != matrix {leg}")
            arrive, start = _minutes(v["arrive"]), _minutes(v["start"])
            end, leave = _minutes(v["end"]), _minutes(v["leave"])
            if arrive < clock + leg:
                errors.append(f"{vw}: arrives at {v['arrive']} before it can get there")
            if start - arrive != service["setup_min"] or leave - end != service["packup_min"]:
                errors.append(f"{vw}: set-up or pack-up time differs from the service's")
            grid = service.get("start_grid_min", 1)
            if start % grid:
                errors.append(f"{vw}: session starts at {v['start']}, off its {grid}-minute grid")
            if end - start != service["session_min"]:
                errors.append(f"{vw}: session lasts {end - start} min, not {service['session_min']}")
            if start < _minutes(service["earliest_start"]) or end > _minutes(service["latest_end"]):
                errors.append(f"{vw}: session outside the service's hours")
            if not any(w["weekday"] == day.isoweekday() and _minutes(w["from"]) <= arrive
                       and leave <= _minutes(w["to"]) for w in stop["windows"]):
                errors.append(f"{vw}: stay {v['arrive']}-{v['leave']} outside every opening window")
            legs_min += leg
            legs_m += distance[position][target]
            free_gaps += [(clock, arrive - leg), (clock + leg, arrive)]
            position, clock = target, leave
            sessions_by_pair[(v["stop"], v["service"])].append(day)
            total_sessions += 1
            demand_served += stop["demand"]
        home = index[vehicle["base"]["location"]]
        legs_min += travel[position][home]
        legs_m += distance[position][home]
        if back < clock + travel[position][home]:
            errors.append(f"{where}: returns at {r['return']} before it can get back")
        free_gaps += [(clock, back - travel[position][home]), (clock + travel[position][home], back)]
        errors += _lunch_errors(where, service.get("lunch_break"), r, depart, back, free_gaps)
        if r["travel_min"] != legs_min:
            errors.append(f"{where}: travel_min {r['travel_min']} != sum of legs {legs_min}")
        if not math.isclose(r["distance_km"], legs_m / 1000, abs_tol=0.06):
            errors.append(f"{where}: distance_km {r['distance_km']} != {legs_m / 1000:.2f}")
        total_km += legs_m / 1000
        total_driving += legs_min

        if not _crew_fills_slots(r["crew"], service["required_roles"]):
            errors.append(f"{where}: crew {r['crew']} does not fill {service['required_roles']}")
        members = [c["staff"] for c in r["crew"]]
        if len(set(members)) != len(members):
            errors.append(f"{where}: one person fills two crew slots")
        for c in r["crew"]:
            person = staff.get(c["staff"])
            if person is None:
                errors.append(f"{where}: unknown staff {c['staff']}")
                continue
            if c["role"] not in person["roles"]:
                errors.append(f"{where}: {c['staff']} does not hold role {c['role']}")
            if not any(a["date"] == r["date"] and _minutes(a["from"]) <= depart
                       and back <= _minutes(a["to"]) for a in person["availability"]):
                errors.append(f"{where}: {c['staff']} is not available {r['depart']}-{r['return']}")
            if back - depart > person["max_day_min"]:
                errors.append(f"{where}: {c['staff']} works over max_day_min")
            staff_days[(c["staff"], r["date"])] += 1
            year, week, _ = day.isocalendar()
            staff_weeks[(c["staff"], year, week)] += back - depart
    for (person, day), count in staff_days.items():
        if count > 1:
            errors.append(f"{person} is in {count} routes on {day}")
    for (person, year, week), minutes in staff_weeks.items():
        cap = staff[person].get("max_week_min")
        if cap is not None and minutes > cap:
            errors.append(f"{person} works {minutes} min in week {year}-W{week}, over {cap}")

    # Frequency, spacing and the unserved list.
    start = dt.date.fromisoformat(doc["horizon"]["period_start"])
    unserved = {(u["stop"], u["service"]): u for u in doc["unserved"]}
    pinned = {(p["stop"], p["service"], p["date"]) for p in doc.get("pins", []) if p["held"]}
    demand_total = 0
    for stop in doc["stops"]:
        for service_id in stop["services"]:
            service = services[service_id]
            period_days = 7 * service["period_weeks"]
            periods = {(day - start).days // period_days for day in dates}
            target = len(periods) * service["visits_per_period"]
            demand_total += target * stop["demand"]
            held = sorted(sessions_by_pair.get((stop["id"], service_id), []))
            per_period: dict[int, int] = defaultdict(int)
            for day in held:
                per_period[(day - start).days // period_days] += 1
            for period, count in per_period.items():
                if count > service["visits_per_period"]:
                    errors.append(f"{stop['id']}/{service_id}: {count} sessions in period {period}")
            for a, b in itertools.pairwise(held):
                if (b - a).days < service["min_spacing_days"]:
                    errors.append(f"{stop['id']}/{service_id}: sessions {a} and {b} too close")
            if service.get("keep_rhythm"):  # one weekday (and week of the month when monthly)
                monthly = service["period_weeks"] >= 4
                days = {(d.isoweekday(), (d.day - 1) // 7 if monthly else 0) for d in held
                        if (stop["id"], service_id, d.isoformat()) not in pinned}
                if len(days) > 1:
                    errors.append(f"{stop['id']}/{service_id}: sessions on {len(days)} different "
                                  "days though the service keeps its rhythm")
            missing = target - len(held)
            entry = unserved.get((stop["id"], service_id))
            if missing > 0:
                if entry is None:
                    errors.append(f"{stop['id']}/{service_id}: {missing} missing, not in unserved")
                elif entry["missing_visits"] != missing or entry["reason_code"] not in REASON_CODES \
                        or not entry["reason"].strip():
                    errors.append(f"{stop['id']}/{service_id}: bad unserved entry {entry}")
            elif entry is not None:
                errors.append(f"{stop['id']}/{service_id}: listed unserved but at target")

    held_sessions = {(v["stop"], v["service"], r["date"], r["vehicle"])
                     for r in doc["routes"] for v in r["visits"]}
    for pin in doc.get("pins", []):
        key = (pin["stop"], pin["service"], pin["date"], pin["vehicle"])
        if pin["held"] and key not in held_sessions:
            errors.append(f"pin {key} is marked held but no such session exists")
        if not pin["held"] and not pin["reason"].strip():
            errors.append(f"pin {key} was dropped without a reason")

    if doc.get("areas"):  # demand counted by commune coverage, once per period
        demand_served, demand_total = _area_demand(doc, services, dates, start, sessions_by_pair)
    kpis = doc["kpis"]
    if kpis["sessions"] != total_sessions:
        errors.append(f"kpis.sessions {kpis['sessions']} != {total_sessions}")
    if kpis["demand_served"] != demand_served:
        errors.append(f"kpis.demand_served {kpis['demand_served']} != {demand_served}")
    if kpis["demand_total"] != demand_total:
        errors.append(f"kpis.demand_total {kpis['demand_total']} != {demand_total}")
    if kpis["driving_min"] != total_driving:
        errors.append(f"kpis.driving_min {kpis['driving_min']} != {total_driving}")
    if not math.isclose(kpis["distance_km"], total_km, abs_tol=0.1 + 0.001 * total_km):
        errors.append(f"kpis.distance_km {kpis['distance_km']} != {total_km:.1f}")
    for person in doc["staff"]:
        if set(person) - {"id", "roles", "max_day_min", "max_week_min", "availability"}:
            errors.append(f"staff entry {person['id']} has more than id, roles and availability")
    return errors
