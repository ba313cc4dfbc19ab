"""Plan exports: JSON (the documented contract), CSV and a French text summary.

All three are written from the typed plan version (:class:`outreach.planning.plan.PlanVersion`),
never from the solver or the scenario tables, so an old version exports exactly as
it was planned.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from typing import Any

from outreach import wording as text
from outreach.planning.plan import DayRoute, PlanVersion, SolverRun
from outreach.timefmt import format_hhmm as hhmm
from outreach.wording import WEEKDAYS, date_fr

CSV_COLUMNS = ["date", "jour", "vehicule", "service", "ordre", "code_insee", "commune", "lieu",
               "arrivee", "debut", "fin", "depart", "equipe"]


def role_fr(role: str) -> str:
    return text.role(role)


def to_json(version: PlanVersion) -> str:
    """The JSON export (docs/plan-format.md)."""
    return json.dumps(version.to_document(), ensure_ascii=False, indent=2) + "\n"


def to_csv(version: PlanVersion) -> str:
    """One row per session, ';'-separated for French spreadsheets. Crew by role only."""
    stops = version.inputs.stops
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for route in version.routes:
        crew = ", ".join(role_fr(c.role) for c in route.crew)
        for order, visit in enumerate(route.visits, start=1):
            stop = stops[visit.stop]
            writer.writerow([
                route.date.isoformat(), WEEKDAYS[route.date.weekday()], route.vehicle,
                version.inputs.service_name(visit.service), order, stop.commune_insee,
                stop.commune_name, stop.venue, hhmm(visit.arrive_min), hhmm(visit.start_min),
                hhmm(visit.end_min), hhmm(visit.leave_min), crew,
            ])
    return out.getvalue()


def summary_fr(version: PlanVersion) -> str:
    """A readable French summary per week and day, then KPIs and unserved stops."""
    inputs = version.inputs
    stops = inputs.stops
    by_week: dict[tuple[int, int], list[DayRoute]] = defaultdict(list)
    for route in version.routes:
        year, week, _ = route.date.isocalendar()
        by_week[(year, week)].append(route)
    lines = [f"Plan « {inputs.scenario_name} » du {date_fr(inputs.start)} au {date_fr(inputs.end)}"]
    for day, name in inputs.holidays:
        lines.append(f"  Jour férié : {date_fr(day)} ({name})")
    for (year, week), routes in sorted(by_week.items()):
        lines.append("")
        lines.append(f"Semaine {week} ({year})")
        for route in routes:
            crew = ", ".join(role_fr(c.role) for c in route.crew)
            lines.append(
                f"  {date_fr(route.date)} — {inputs.vehicle_name(route.vehicle)} : départ "
                f"{hhmm(route.depart_min)}, retour {hhmm(route.return_min)}, "
                f"{route.distance_km:.0f} km ({crew})"
            )
            for visit in route.visits:
                stop = stops[visit.stop]
                lines.append(
                    f"      {hhmm(visit.start_min)}–{hhmm(visit.end_min)}  {stop.commune_name}, "
                    f"{stop.venue} ({inputs.service_name(visit.service)})"
                )
    k = version.kpis
    coverage = k.coverage
    lines += [
        "",
        f"Demande servie : {k.demand_served} / {k.demand_total} ({k.demand_served_pct} %)",
        f"Arrêts à la fréquence cible : {k.stop_services_at_target} / {k.stop_services_total}",
        *([(f"Jeunes enfants du département à moins de {coverage['threshold_min']} min "
           f"d'une séance : {coverage['children_within_threshold']} / "
           f"{coverage['children_departement']} ({coverage['share_within_threshold_pct']} %)")]
          if coverage else []),
        *([(f"  … ou d'un site fixe : {coverage['children_within_threshold_with_fixed_sites']} "
           f"({coverage['share_with_fixed_sites_pct']} %)")]
          if inputs.fixed_sites and coverage else []),
        (f"Séances : {k.sessions} ; distance : {k.distance_km:.0f} km ; "
        f"conduite : {k.driving_min // 60} h {k.driving_min % 60:02d} ; "
        f"heures d'équipe : {k.staff_hours}"),
        quality_line(version.solver),
    ]
    dropped = [p for p in version.pins if not p.held]
    if dropped:
        lines.append("")
        lines.append("Séances épinglées ou gardées qui n'ont pas pu l'être :")
        for pin in dropped:
            lines.append(f"  - {stops[pin.stop].commune_name}, {date_fr(pin.date)} : {pin.reason}")
    if version.unserved:
        lines.append("")
        lines.append("Non desservis :")
        for u in version.unserved:
            lines.append(f"  - {stops[u.stop].commune_name} ({inputs.service_name(u.service)}) : "
                         f"{u.reason}")
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


def proven_gap_pct(solver: SolverRun) -> float | None:
    """How far below the best possible plan a version is at most, in percent, from
    its proven bound; ``None`` without one."""
    if not solver.bound or solver.bound <= 0:
        return None
    return 100 * (solver.bound - solver.objective) / solver.bound


def quality_line(solver: SolverRun) -> str:
    """What is proven of the plan: optimal, at most some percent below the best
    possible plan (from a proven bound), or nothing."""
    stopped = " (calcul arrêté par la limite de temps)" if solver.stopped_by_time_limit else ""
    gap = proven_gap_pct(solver)
    if solver.status == "optimal":
        return "Optimal : aucun meilleur plan possible avec ces équipes." + stopped
    if gap is not None:
        return f"Qualité : au plus {gap:.1f} % sous le meilleur plan possible (borne prouvée)." + stopped
    return "Qualité : pas de borne prouvée pour ce plan." + stopped
