"""An independent checker of a home-visit plan, reading only its JSON export
(docs/home-plan-format.md). It shares no code with outreach/ or solver/: every hard
rule is derived again from the export.

Usage: ``python tests/home_plan_checker.py plan.json`` prints the broken rules (none: OK).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
from collections import defaultdict
from typing import Any


def _min(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def check(plan: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    dates = {dt.date.fromisoformat(d) for d in plan["dates"]}
    families = {f["code"]: f for f in plan["families"]}
    nurses = {n["code"]: n for n in plan["nurses"]}
    index = {code: k for k, code in enumerate(plan["places"])}
    travel = plan["travel_min"]
    working = {(code, dt.date.fromisoformat(day["date"])): [(_min(a), _min(b)) for a, b in day["pieces"]]
               for code, nurse in nurses.items() for day in nurse["working"]}
    routes = {(r["nurse"], dt.date.fromisoformat(r["date"])): r for r in plan["routes"]}
    by_day: dict[tuple[str, dt.date], list[dict[str, Any]]] = defaultdict(list)
    by_family: dict[str, list[dt.date]] = defaultdict(list)  # the puéricultrices' visits
    joint_days: dict[str, list[dt.date]] = defaultdict(list)
    sides = {(v["family"], v["date"], v["start"], v.get("part", "")): v for v in plan["visits"]}
    grid = plan["start_grid_min"]
    for visit in plan["visits"]:
        date = dt.date.fromisoformat(visit["date"])
        family = families.get(visit["family"])
        where = f"{visit['family']} {visit['date']} {visit['start']}"
        if family is None or visit["nurse"] not in nurses:
            errors.append(f"{where}: unknown family or nurse")
            continue
        if date not in dates:
            errors.append(f"{where}: not a date of the plan")
        start, end = _min(visit["start"]), _min(visit["end"])
        if end - start != family["visit_min"]:
            errors.append(f"{where}: lasts {end - start} min, not {family['visit_min']}")
        if start % grid:
            errors.append(f"{where}: not on the {grid}-minute grid")
        if not any(w["weekday"] == date.isoweekday() and _min(w["from"]) <= start
                   and end <= _min(w["to"]) for w in family["windows"]):
            errors.append(f"{where}: outside the family's windows")
        part = visit.get("part", "")
        by_day[(visit["nurse"], date)].append(visit)
        if part:  # a joint visit: both sides at the same minute, each naming the other
            other = sides.get((visit["family"], visit["date"], visit["start"],
                               "psy" if part == "joint" else "joint"))
            if other is None:
                errors.append(f"{where}: joint visit without its other side at the same time")
            elif visit.get("with") != other["nurse"]:
                errors.append(f"{where}: joint visit said with {visit.get('with')}, "
                              f"is with {other['nurse']}")
        if part == "psy":
            if nurses[visit["nurse"]].get("profession") != "psychologue" \
                    or visit["nurse"] not in family["joint_with"] or visit["by"] != "psy":
                errors.append(f"{where}: {visit['nurse']} is not a psychologist of this family")
            continue
        if nurses[visit["nurse"]].get("profession", "puericultrice") != "puericultrice":
            errors.append(f"{where}: {visit['nurse']} is not a puéricultrice")
        if visit["nurse"] not in family["may_visit"]:
            errors.append(f"{where}: {visit['nurse']} may not visit this family")
        expected = ("referent" if visit["nurse"] == family["referent"] else "second"
                    if visit["nurse"] == family["second_referent"] else "other")
        if visit["by"] != expected:
            errors.append(f"{where}: said by {visit['by']}, is {expected}")
        by_family[visit["family"]].append(date)
        if part == "joint":
            joint_days[visit["family"]].append(date)
    for (nurse, date), visits in sorted(by_day.items()):
        where = f"{nurse} {date}"
        visits.sort(key=lambda v: v["order"])
        if len(visits) > plan["max_visits_per_day"]:
            errors.append(f"{where}: {len(visits)} visits, more than {plan['max_visits_per_day']}")
        route = routes.get((nurse, date))
        if route is None:
            errors.append(f"{where}: visits without a route")
            continue
        depart, back = _min(route["depart"]), _min(route["return"])
        if not any(a <= depart and back <= b for a, b in working.get((nurse, date), [])):
            errors.append(f"{where}: {route['depart']}-{route['return']} outside her working hours "
                          "(absence, day off or team slot)")
        place, free = index[nurse], depart
        busy = []
        for visit in visits:
            leg = travel[place][index[visit["family"]]]
            if visit["travel_min"] != leg:
                errors.append(f"{where}: leg to {visit['family']} stated {visit['travel_min']}, is {leg}")
            if _min(visit["start"]) < free + leg:
                errors.append(f"{where}: {visit['family']} starts before she can be there")
            busy.append((free, _min(visit["start"])))
            place, free = index[visit["family"]], _min(visit["end"])
        if back < free + travel[place][index[nurse]]:
            errors.append(f"{where}: back at the office before she can be")
        busy.append((free, back))
        lunch = plan["lunch"]
        if lunch["minutes"]:
            lo, hi, need = _min(lunch["from"]), _min(lunch["to"]), lunch["minutes"]
            outside = min(hi, depart) - lo >= need or hi - max(lo, back) >= need
            if not outside:
                taken = route["lunch"]
                if taken is None:
                    errors.append(f"{where}: no lunch break")
                else:
                    t = _min(taken)
                    # Free stretches between places, less the leg driven in them.
                    legs = [travel[index[nurse] if k == 0 else index[visits[k - 1]["family"]]]
                            [index[v["family"]]] for k, v in enumerate(visits)]
                    legs.append(travel[index[visits[-1]["family"]]][index[nurse]])
                    fits = any(a <= t and t + need <= b - leg or a + leg <= t and t + need <= b
                               for (a, b), leg in zip(busy, legs))
                    if not (lo <= t and t + need <= hi and fits):
                        errors.append(f"{where}: lunch at {taken} does not fit")
    weeks = sorted({d - dt.timedelta(days=d.weekday()) for d in dates})
    for code, days in by_family.items():
        family = families[code]
        days.sort()
        joint = family.get("joint_visits_per_week", 0)
        # Joint visits count among its visits for spacing, and never two on one date.
        spacing = max(1, family["min_spacing_days"]) if joint else family["min_spacing_days"]
        for a, b in itertools.pairwise(days):
            if (b - a).days < spacing:
                errors.append(f"{code}: visits on {a} and {b}, closer than {spacing} days")
        for monday in weeks:
            def count(found: list[dt.date], monday: dt.date = monday) -> int:
                return sum(monday <= d < monday + dt.timedelta(days=7) for d in found)
            usual = count(days) - count(joint_days[code])
            if usual > family["visits_per_week"]:
                errors.append(f"{code}: {usual} visits in the week of {monday}")
            if count(joint_days[code]) > joint:
                errors.append(f"{code}: {count(joint_days[code])} joint visits in the week of "
                              f"{monday}")
    errors += _workshops(plan, index, travel)
    short = {u["family"] for u in plan["unplaced"]}
    for code, family in families.items():
        joint = len(joint_days[code])
        usual = len(by_family[code]) - joint
        if code not in short and (
                usual < family["visits_per_week"] * len(weeks)
                or joint < family.get("joint_visits_per_week", 0) * len(weeks)):
            errors.append(f"{code}: short of visits and not listed as unplaced")
    return errors


def _workshops(plan: dict[str, Any], index: dict[str, int], travel: list[list[int]]) -> list[str]:
    """No more families invited than places; no visit by a facilitator, and no visit at an
    invited family's place, that leaves too little time to reach the workshop or starts
    before one can be back from it."""
    errors = []
    for shop in plan.get("workshops", []):
        where = f"workshop {shop['label']} {shop['date']}"
        if len(shop["invited"]) > shop["capacity"]:
            errors.append(f"{where}: {len(shop['invited'])} families for {shop['capacity']} places")
        lo, hi, place = _min(shop["from"]), _min(shop["to"]), index[shop["place"]]
        for visit in plan["visits"]:
            if visit["date"] != shop["date"]:
                continue
            involved = [who for who, yes in ((visit["nurse"], visit["nurse"] in shop["facilitators"]),
                                             (visit["family"], visit["family"] in shop["invited"]))
                        if yes]
            here = index[visit["family"]]
            start, end = _min(visit["start"]), _min(visit["end"])
            if involved and not (end + travel[here][place] <= lo or hi + travel[place][here] <= start):
                errors.append(f"{where}: {visit['family']} visited {visit['start']}-{visit['end']} "
                              f"while {', '.join(involved)} must be at the workshop")
    return errors


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as source:
        found = check(json.load(source))
    print("\n".join(found) or "OK")
    sys.exit(1 if found else 0)
