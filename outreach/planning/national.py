"""The national report: a starting scenario for every département, planned and diagnosed.

Each département is one job on the production job queue (:mod:`outreach.planning.jobs`,
kind ``national``): the job generates the département's scenario
(:func:`outreach.data.generate.generate_spec`, under its own id ``national-<code>`` so a
coordinator's ``auto-<code>`` is never touched), plans it with a work limit (the same
plan on any machine) and diagnoses its coverage (:mod:`outreach.planning.diagnosis`).
Its figures are stored on the job when it is done, in the same transaction as its plan,
so a département is counted once: a worker killed mid-way is retried by the queue, and
the attempt numbers of :func:`outreach.planning.jobs.run` keep a second plan from being
stored. A département the generator refuses (Paris: one commune) ends as a failed job
whose message is the refusal.

A report is the set of jobs submitted together; its number is its first job's id. The
report is written as a CSV table (one row per département), a map of France (SVG, from
the shipped outlines, overseas in insets) and a Markdown summary.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import lzma
import resource
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from outreach import audit
from outreach.data import roads
from outreach.data.boundaries import BoundariesMissing, departement_boundaries, fit_projection
from outreach.data.communes import seed_path
from outreach.data.places import departement_name
from outreach.db import use_case
from outreach.errors import InvalidInput, msg
from outreach.models import SolveJob
from outreach.planning.access_map import Access
from solver import ProgressCallback, SolveParams

NATIONAL = "national"  # SolveJob.kind
OVERSEAS = ("971", "972", "973", "974", "976")
HORIZON = dt.date(2027, 1, 4)  # the four weeks every département is planned on


def all_departements() -> list[str]:
    """Every département of the shipped communes file, metropolitan and overseas."""
    with lzma.open(seed_path(), "rt", encoding="utf-8") as seed:
        next(seed)
        return sorted({line.split(",")[2] for line in seed if line.strip()})


@dataclass(frozen=True)
class Options:
    stops: int = 40
    vehicles: int = 2
    work_limit_s: float = 2.0
    seed: int = 0


def parse_departements(text: str | None, field: str = "--departements") -> list[str]:
    """``"37,2a, 971"`` -> ``["2A", "37", "971"]`` (commas or spaces); ``None`` or empty:
    all of them. An unknown code is refused, naming ``field``, with the list it must come
    from."""
    known = all_departements()
    if not text or not text.strip():
        return known
    wanted = sorted({code.strip().upper() for code in text.replace(",", " ").split()})
    unknown = [code for code in wanted if code not in known]
    if unknown:
        raise InvalidInput(msg(
            "Champ %(field)s : %(codes)s inconnu(s). Donnez des codes séparés par des "
            "virgules parmi ceux du fichier des communes (01 à 95, 2A, 2B, 971 à 976).",
            field=field, codes=", ".join(unknown)))
    return wanted


@use_case
def submit(session: Session, codes: Sequence[str], options: Options,
           user_id: int | None = None) -> tuple[int, list[int]]:
    """Record one queued job per département; returns the report's number (its first
    job's id) and the jobs' ids. The caller hands them to a runner."""
    from outreach.planning.jobs import QUEUED

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    created: list[SolveJob] = []
    for code in codes:
        job = SolveJob(kind=NATIONAL, status=QUEUED, horizon_start=HORIZON,
                       weeks=4, params={"departement": code, "stops": options.stops,
                                        "vehicles": options.vehicles,
                                        "work_limit_s": options.work_limit_s,
                                        "time_limit_s": 3600.0, "seed": options.seed},
                       progress={}, created_by=user_id, created_at=now)
        session.add(job)
        session.flush()
        created.append(job)
    report = created[0].id if created else 0
    assert report is not None
    for job in created:
        job.params = {**job.params, "report": report}
        session.add(job)
    audit.record(session, "national.request", f"report {report}", departements=len(codes))
    return report, [job.id for job in created if job.id is not None]


def launch(session: Session, runner: Any, codes: Sequence[str], options: Options,
           user_id: int | None = None, inline_url: str | None = None) -> int:
    """Record a report and hand all its départements to ``runner``, or none: when the
    queue refuses one, every job of the report is removed (one already queued then finds
    no row and does nothing) and :class:`~outreach.planning.jobs.QueueUnavailable` says
    so. With ``inline_url`` (the web's SOLVE_INLINE: tests) they run here, in turn.
    ``session`` must not be inside a unit of work: the jobs are committed before they
    are queued. Returns the report's number."""
    from outreach.planning import jobs

    report, ids = submit(session, codes, options, user_id)
    if inline_url is not None:
        for job_id in ids:
            jobs.run(job_id, inline_url)
        return report
    for job_id in ids:
        try:
            runner.enqueue(job_id)
        except Exception:  # noqa: BLE001 - whatever stops the queue: keep none of them
            for dropped in ids:
                jobs.discard(session, dropped)
            raise jobs.QueueUnavailable(jobs.QUEUE_DOWN) from None
    return report


def plan_departement(session: Session, params: dict[str, Any], horizon: Any, weeks: int,
                     progress: ProgressCallback | None, url: str | None = None
                     ) -> dict[str, Any]:
    """A national job's work: generate one département's scenario (committed on its own,
    at ``url``, so the solver's progress can be recorded meanwhile; a retry loads it
    again, the same), then plan and diagnose it in ``session``. Returns the plan id and
    the figures stored on the job."""
    from outreach import db
    from outreach.data.generate import generate_spec
    from outreach.data.scenarios import load_scenario
    from outreach.planning import create_plan, read_version
    from outreach.planning.diagnosis import diagnose_plan

    began = time.monotonic()
    code = str(params["departement"])
    with db.unit_of_work(url) as own:
        spec = generate_spec(own, code, int(params["stops"]), int(params["vehicles"]),
                             start=horizon, scenario_id=f"national-{code.lower()}")
        load_scenario(own, spec, unowned=True)  # administrators only, from the report
    plan = create_plan(session, spec.scenario.id, horizon, weeks,
                       SolveParams(time_limit_s=float(params["time_limit_s"]),
                                   work_limit_s=float(params["work_limit_s"]),
                                   seed=int(params["seed"])), progress=progress)
    assert plan.id is not None
    session.flush()
    version = read_version(session, plan.id)
    found = diagnose_plan(session, version)
    held = {visit.stop for route in version.routes for visit in route.visits}
    largest = found.gaps[0] if found.gaps else None
    figures = {
        "departement": code,
        "scenario_id": spec.scenario.id,
        "stops": len(spec.stops), "stops_held": len(held), "vehicles": len(spec.vehicles),
        "sessions": version.kpis.sessions, "distance_km": round(version.kpis.distance_km),
        "demand_served": version.kpis.demand_served, "demand_total": version.kpis.demand_total,
        "children": found.children,
        "children_within": found.children_with(Access.SESSION, Access.FIXED_SITE),
        "children_out": found.children_out,
        "communes": len(found.communes), "communes_out": found.communes_out,
        "children_no_road": sum(c.children_0_6 for c in found.communes if not c.road_from_base),
        "gaps": len(found.gaps),
        "largest_gap": (f"{largest.name} (+{largest.size - 1})" if largest and largest.size > 1
                        else largest.name if largest else ""),
        "largest_gap_children": largest.children_0_6 if largest else 0,
        "threshold_min": max(found.thresholds) if found.thresholds else None,
        "off_land": sorted({roads.land_name(c.insee) for c in found.communes
                            if not c.road_from_base}),
        "work_s": round(time.monotonic() - began, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    return {"plan_id": plan.id, "scenario_id": spec.scenario.id, "progress": figures}


@dataclass(frozen=True)
class Row:
    """One département of a report, as its job stands."""

    departement: str
    name: str
    job_id: int
    status: str  # queued, running, done, failed
    plan_id: int | None
    figures: dict[str, Any]
    error: str
    attempts: int

    @property
    def share_pct(self) -> float | None:
        children = self.figures.get("children")
        if self.status != "done" or not children:
            return None
        return round(100 * self.figures["children_within"] / children, 1)


def _row(job: SolveJob) -> Row:
    assert job.id is not None
    code = str(job.params["departement"])
    return Row(departement=code, name=departement_name(code) or code, job_id=job.id,
               status=job.status, plan_id=job.plan_id,
               figures=dict(job.progress) if job.status == "done" else {},
               error=job.error, attempts=job.attempt)


def rows(session: Session, report: int) -> list[Row]:
    """The départements of ``report``, by code; refused with a clear message when no
    such report exists (its jobs have ids from its number on)."""
    found = [job for job in session.exec(select(SolveJob).where(
        SolveJob.kind == NATIONAL, col(SolveJob.id) >= report).order_by(col(SolveJob.id)))
        if job.params.get("report") == report]
    if not found:
        raise InvalidInput(msg("Champ --report : aucun rapport national n° %(n)s. Lancez "
                               "« outreach national-report » sans --report pour en créer un.",
                               n=report))
    return _rows_of(found)


def _rows_of(found: Iterable[SolveJob]) -> list[Row]:
    """The jobs' rows, metropolitan France by code, then overseas."""
    return sorted((_row(job) for job in found), key=lambda r: _order(r.departement))


@dataclass(frozen=True)
class Report:
    """A report as its jobs stand: when it was launched, with what, its départements."""

    number: int
    created_at: Any
    options: Options
    rows: list[Row]

    @property
    def totals(self) -> Totals:
        return totals(self.rows)


def reports(session: Session) -> list[Report]:
    """Every report, newest first."""
    grouped: dict[int, list[SolveJob]] = {}
    for job in session.exec(select(SolveJob).where(SolveJob.kind == NATIONAL)
                            .order_by(col(SolveJob.id))):
        grouped.setdefault(int(job.params.get("report") or 0), []).append(job)
    found = []
    for number, jobs in sorted(grouped.items(), reverse=True):
        first = jobs[0]
        options = Options(stops=int(first.params["stops"]), vehicles=int(first.params["vehicles"]),
                          work_limit_s=float(first.params["work_limit_s"]),
                          seed=int(first.params["seed"]))
        found.append(Report(number=number, created_at=first.created_at, options=options,
                            rows=_rows_of(jobs)))
    return found


def _order(code: str) -> tuple[int, str]:
    return (1 if code in OVERSEAS or len(code) == 3 else 0, code.replace("2A", "20A")
            .replace("2B", "20B"))


@dataclass(frozen=True)
class Totals:
    departements: int
    done: int
    failed: int
    pending: int
    children: int
    children_within: int
    children_out: int
    children_no_road: int
    communes: int
    communes_out: int
    sessions: int

    @property
    def share_pct(self) -> float:
        return round(100 * self.children_within / self.children, 1) if self.children else 0.0


def totals(found: Sequence[Row]) -> Totals:
    """France as a whole: the sum of the départements done (each counted once)."""
    done = [r for r in found if r.status == "done"]

    def total(key: str) -> int:
        return sum(int(r.figures.get(key) or 0) for r in done)

    return Totals(departements=len(found), done=len(done),
                  failed=sum(1 for r in found if r.status == "failed"),
                  pending=sum(1 for r in found if r.status in ("queued", "running")),
                  children=total("children"), children_within=total("children_within"),
                  children_out=total("children_out"), children_no_road=total("children_no_road"),
                  communes=total("communes"), communes_out=total("communes_out"),
                  sessions=total("sessions"))


CSV_COLUMNS = ["departement", "nom", "etat", "plan", "arrets_candidats", "arrets_tenus",
               "vehicules", "seances", "km", "enfants_0_6", "enfants_a_portee", "part_a_portee",
               "enfants_hors_de_portee", "enfants_sans_route", "communes", "communes_hors_de_portee",
               "zones_sans_acces", "plus_grande_zone", "enfants_plus_grande_zone",
               "tentatives", "secondes", "memoire_mo", "message"]


def to_csv(found: Sequence[Row]) -> str:
    """One row per département, ';'-separated for French spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in found:
        f = r.figures
        share = r.share_pct
        writer.writerow([
            r.departement, r.name, r.status, r.plan_id or "", f.get("stops", ""),
            f.get("stops_held", ""), f.get("vehicles", ""), f.get("sessions", ""),
            f.get("distance_km", ""), f.get("children", ""), f.get("children_within", ""),
            pct(share),
            f.get("children_out", ""), f.get("children_no_road", ""), f.get("communes", ""),
            f.get("communes_out", ""), f.get("gaps", ""), f.get("largest_gap", ""),
            f.get("largest_gap_children", ""), r.attempts, f.get("work_s", ""),
            f.get("peak_rss_mb", ""), r.error])
    return out.getvalue()


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def pct(share: float | None) -> str:
    """A share as French writes it: ``94,5``."""
    return "" if share is None else f"{share:.1f}".replace(".", ",")


def to_markdown(found: Sequence[Row]) -> str:
    """The summary: France's figures, then one line per département."""
    t = totals(found)
    lines = ["# Couverture des jeunes enfants : rapport national", "",
             (f"{t.departements} départements : {t.done} planifiés, {t.failed} sans plan, "
             f"{t.pending} en attente."), "",
             (f"France (départements planifiés) : {_thousands(t.children)} enfants de moins de "
             f"6 ans, {_thousands(t.children_within)} à portée d'une séance ({pct(t.share_pct)} %), "
             f"{_thousands(t.children_out)} hors de portée dans {_thousands(t.communes_out)} "
             f"communes sur {_thousands(t.communes)}, dont {_thousands(t.children_no_road)} sur "
             "une terre qu'aucune route ne relie à la base d'un véhicule."), "",
             ("| département | état | enfants | à portée | hors de portée | zones | plus grande "
             "zone sans accès |"), "|---|---|---|---|---|---|---|"]
    for r in found:
        f = r.figures
        if r.status == "done":
            lines.append(
                f"| {r.departement} {r.name} | planifié (plan {r.plan_id}) | "
                f"{_thousands(f['children'])} | {pct(r.share_pct)} % | {_thousands(f['children_out'])} | "
                f"{f['gaps']} | {f['largest_gap']} {'(' + _thousands(f['largest_gap_children']) + ')' if f['largest_gap'] else ''} |")
        else:
            state = {"failed": "sans plan", "queued": "en attente", "running": "en cours"}[r.status]
            lines.append(f"| {r.departement} {r.name} | {state} | | | | | {r.error} |")
    return "\n".join(lines) + "\n"


# The map: each département's outline, shaded by the share of its young children within
# reach. Metropolitan France fills the drawing; the overseas départements sit in insets.
MAP_W, MAP_H, INSET_W = 900, 860, 150
SHADES = [(95.0, "#08519c", "95 % ou plus"), (85.0, "#3182bd", "85 à 95 %"),
          (70.0, "#6baed6", "70 à 85 %"), (50.0, "#bdd7e7", "50 à 70 %"),
          (0.0, "#eff3ff", "moins de 50 %")]
NO_PLAN = "#d9d9d9"


def _shade(share: float | None) -> str:
    if share is None:
        return NO_PLAN
    return next(colour for floor, colour, _ in SHADES if share >= floor)


Ring = Sequence[tuple[float, float]]


def _outline(code: str) -> list[list[Ring]]:
    try:
        return [list(polygon) for polygon in departement_boundaries(code).outline]
    except BoundariesMissing:
        return []


def _fit(polygons: Iterable[list[Ring]], box: tuple[float, float, float, float]) -> Any:
    """(lat, lon) -> pixels fitting ``polygons`` in ``box`` (x, y, w, h)."""
    points = [(lat, lon) for polygon in polygons for ring in polygon for lon, lat in ring]
    if not points:
        return lambda lat, lon: (box[0], box[1])
    return fit_projection(points, *box, margin=4)[0]


def _path(polygons: Sequence[list[Ring]], xy: Any) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = [xy(lat, lon) for lon, lat in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def france_svg(found: Sequence[Row]) -> str:
    """The map of France: each département shaded by its share of young children within
    reach (grey: no plan), its code written on it, overseas in insets, and a legend."""
    t = totals(found)
    outlines = {r.departement: _outline(r.departement) for r in found}
    metro = {code: shape for code, shape in outlines.items() if code not in OVERSEAS}
    legend_h = 30 + 20 * (len(SHADES) + 1)
    body: list[str] = []
    xy = _fit([p for shape in metro.values() for p in shape], (INSET_W + 10, 50, MAP_W - INSET_W - 20, MAP_H - 60 - legend_h))
    boxes = {code: (5, 50 + n * (INSET_W * 0.95), INSET_W - 10, INSET_W * 0.9)
             for n, code in enumerate(c for c in OVERSEAS if c in outlines)}
    by_code = {r.departement: r for r in found}
    for code, shape in sorted(outlines.items()):
        if not shape:
            continue
        place = xy if code in metro else _fit([*shape], boxes[code])
        row = by_code[code]
        share = row.share_pct
        title = (f"{code} {row.name} : {pct(share)} % des enfants à portée" if share is not None
                 else f"{code} {row.name} : sans plan")
        body.append(f'<path d="{_path(shape, place)}" fill="{_shade(share)}" stroke="#1d2733" '
                    f'stroke-width="0.6"><title>{escape(title)}</title></path>')
        points = [place(lat, lon) for polygon in shape for lon, lat in polygon[0]]
        cx = sum(p[0] for p in points) / len(points)
        cy = sum(p[1] for p in points) / len(points)
        ink = "#ffffff" if share is not None and share >= 85 else "#1d2733"
        body.append(f'<text x="{cx:.0f}" y="{cy + 3:.0f}" font-size="8" text-anchor="middle" '
                    f'fill="{ink}">{escape(code)}</text>')
        if code not in metro:
            x, y, w, h = boxes[code]
            body.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" '
                        f'stroke="#888" stroke-width="0.5"/>')
            body.append(f'<text x="{x + 3}" y="{y + 10}" font-size="9" fill="#1d2733">'
                        f'{escape(row.name)}</text>')
    top = MAP_H - legend_h
    legend = [(f'<text x="{INSET_W + 10}" y="{top + 14}" font-size="12" fill="#1d2733">'
              "Part des enfants de moins de 6 ans à portée d'une séance</text>")]
    for n, (_floor, colour, label) in enumerate([*SHADES, (0.0, NO_PLAN, "sans plan")]):
        y = top + 24 + n * 20
        legend.append(f'<rect x="{INSET_W + 10}" y="{y}" width="14" height="14" fill="{colour}" '
                      'stroke="#1d2733" stroke-width="0.6"/>')
        legend.append(f'<text x="{INSET_W + 30}" y="{y + 11}" font-size="11" '
                      f'fill="#1d2733">{escape(label)}</text>')
    heading = (f"France : {pct(t.share_pct)} % des enfants de moins de 6 ans à portée d'une séance "
               f"({t.done} départements planifiés sur {t.departements})")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {MAP_W} {MAP_H}" '
            f'width="{MAP_W}" height="{MAP_H}" role="img" aria-label="{escape(heading)}">'
            f'<title>{escape(heading)}</title>'
            f'<rect width="{MAP_W}" height="{MAP_H}" fill="#ffffff"/>'
            f'<text x="{MAP_W / 2}" y="28" font-size="16" text-anchor="middle" fill="#1d2733">'
            f'{escape(heading)}</text>' + "".join(body) + "".join(legend)
            + f'<text x="{MAP_W - 8}" y="{MAP_H - 8}" font-size="9" text-anchor="end" '
              'fill="#555">Limites : IGN ADMIN EXPRESS, Licence Ouverte 2.0</text></svg>')


def write(found: Sequence[Row], folder: Path) -> list[Path]:
    """The report's files in ``folder``: departements.csv, france.svg and rapport.md."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("departements.csv", to_csv(found)), ("france.svg", france_svg(found)),
                       ("rapport.md", to_markdown(found))):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
