"""Plan exports: JSON (the documented contract), CSV and a French text summary.

All three read the plan document only, never the solver or scenario tables,
so an old version exports exactly as it was planned.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from typing import Any

from outreach import wording as text
from outreach.wording import WEEKDAYS

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]

CSV_COLUMNS = ["date", "jour", "vehicule", "service", "ordre", "code_insee", "commune", "lieu",
               "arrivee", "debut", "fin", "depart", "equipe"]


def date_fr(value: str | dt.date) -> str:
    """"mardi 5 janvier 2027"."""
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS_FR[day.month - 1]} {day.year}"


def role_fr(role: str) -> str:
    return text.role(role)


def to_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_csv(document: dict[str, Any]) -> str:
    """One row per session, ';'-separated for French spreadsheets. Crew by role only."""
    stops = {s["id"]: s for s in document["stops"]}
    services = {s["id"]: s for s in document["services"]}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for route in document["routes"]:
        crew = ", ".join(role_fr(c["role"]) for c in route["crew"])
        day = dt.date.fromisoformat(route["date"])
        for order, visit in enumerate(route["visits"], start=1):
            stop = stops[visit["stop"]]
            writer.writerow([
                route["date"], WEEKDAYS[day.weekday()], route["vehicle"],
                services[visit["service"]]["name"], order, stop["commune_insee"],
                stop["commune_name"], stop["venue"], visit["arrive"], visit["start"],
                visit["end"], visit["leave"], crew,
            ])
    return out.getvalue()


def summary_fr(document: dict[str, Any]) -> str:
    """A readable French summary per week and day, then KPIs and unserved stops."""
    stops = {s["id"]: s for s in document["stops"]}
    services = {s["id"]: s for s in document["services"]}
    vehicles = {v["id"]: v for v in document["vehicles"]}
    by_week: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for route in document["routes"]:
        year, week, _ = dt.date.fromisoformat(route["date"]).isocalendar()
        by_week[(year, week)].append(route)
    lines = [
        (f"Plan « {document['scenario']['name']} » du {date_fr(document['horizon']['start'])} "
        f"au {date_fr(document['horizon']['end'])}"),
    ]
    for holiday in document["horizon"]["holidays"]:
        lines.append(f"  Jour férié : {date_fr(holiday['date'])} ({holiday['name']})")
    for (year, week), routes in sorted(by_week.items()):
        lines.append("")
        lines.append(f"Semaine {week} ({year})")
        for route in routes:
            vehicle = vehicles[route["vehicle"]]["name"]
            crew = ", ".join(role_fr(c["role"]) for c in route["crew"])
            lines.append(
                f"  {date_fr(route['date'])} — {vehicle} : départ {route['depart']}, "
                f"retour {route['return']}, {route['distance_km']:.0f} km ({crew})"
            )
            for visit in route["visits"]:
                stop = stops[visit["stop"]]
                lines.append(
                    f"      {visit['start']}–{visit['end']}  {stop['commune_name']}, "
                    f"{stop['venue']} ({services[visit['service']]['name']})"
                )
    k = document["kpis"]
    lines += [
        "",
        f"Demande servie : {k['demand_served']} / {k['demand_total']} ({k['demand_served_pct']} %)",
        f"Arrêts à la fréquence cible : {k['stop_services_at_target']} / {k['stop_services_total']}",
        *([(f"Jeunes enfants du département à moins de {k['coverage']['threshold_min']} min "
           f"d'une séance : {k['coverage']['children_within_threshold']} / "
           f"{k['coverage']['children_departement']} ({k['coverage']['share_within_threshold_pct']} %)")]
          if "coverage" in k else []),
        *([(f"  … ou d'un site fixe : {k['coverage']['children_within_threshold_with_fixed_sites']} "
           f"({k['coverage']['share_with_fixed_sites_pct']} %)")]
          if document.get("fixed_sites") and "coverage" in k else []),
        (f"Séances : {k['sessions']} ; distance : {k['distance_km']:.0f} km ; "
        f"conduite : {k['driving_min'] // 60} h {k['driving_min'] % 60:02d} ; "
        f"heures d'équipe : {k['staff_hours']}"),
        quality_line(document.get("solver", {})),
    ]
    dropped = [p for p in document.get("pins", []) if not p["held"]]
    if dropped:
        lines.append("")
        lines.append("Séances épinglées ou gardées qui n'ont pas pu l'être :")
        for pin in dropped:
            lines.append(f"  - {stops[pin['stop']]['commune_name']}, {date_fr(pin['date'])} : "
                         f"{pin['reason']}")
    if document["unserved"]:
        lines.append("")
        lines.append("Non desservis :")
        for u in document["unserved"]:
            stop = stops[u["stop"]]
            lines.append(f"  - {stop['commune_name']} ({services[u['service']]['name']}) : {u['reason']}")
    return "\n".join(lines)


def changes_fr(diff: dict[str, list[dict[str, Any]]]) -> str:
    """Every change against the published version, one line each."""
    lines = [(f"Par rapport au plan publié : {len(diff['added'])} séance(s) ajoutée(s), "
             f"{len(diff['moved'])} déplacée(s), {len(diff['cancelled'])} annulée(s), "
             f"{len(diff['unchanged'])} inchangée(s).")]
    for m in diff["moved"]:
        lines.append(f"  déplacée : {m['commune_name']}, {date_fr(m['from']['date'])} "
                     f"{m['from']['start']} → {date_fr(m['to']['date'])} {m['to']['start']}")
    for a in diff["added"]:
        lines.append(f"  ajoutée : {a['commune_name']}, {date_fr(a['to']['date'])} {a['to']['start']}")
    for c in diff["cancelled"]:
        lines.append(f"  annulée : {c['commune_name']}, {date_fr(c['from']['date'])} "
                     f"{c['from']['start']}")
    return "\n".join(lines)


def proven_gap_pct(solver: dict[str, Any]) -> float | None:
    """How far below the best possible plan a plan export's ``solver`` block
    is at most, in percent, from its proven bound; ``None`` without one."""
    objective, bound = solver.get("objective"), solver.get("bound")
    if not bound or objective is None or bound <= 0:
        return None
    return 100 * (bound - objective) / bound


def quality_line(solver: dict[str, Any]) -> str:
    """What is proven of the plan: optimal, at most some percent below the best
    possible plan (from a proven bound), or nothing."""
    stopped = " (calcul arrêté par la limite de temps)" if solver.get("stopped_by_time_limit") else ""
    gap = proven_gap_pct(solver)
    if solver.get("status") == "optimal":
        return "Optimal : aucun meilleur plan possible avec ces équipes." + stopped
    if gap is not None:
        return f"Qualité : au plus {gap:.1f} % sous le meilleur plan possible (borne prouvée)." + stopped
    return "Qualité : pas de borne prouvée pour ce plan." + stopped
