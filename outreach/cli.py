"""The ``outreach`` command line: database, imports, demo data, planning, exports."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from outreach import audit, config, db, planning
from outreach.data import communes, scenarios
from outreach.errors import OutreachError
from outreach.models import Scenario
from outreach.publishing import export
from solver import Method, Progress, SolveParams


class _Group(click.Group):
    """Turns expected refusals and bad input into a clear message and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        audit.act_as(f"cli:{getpass.getuser()}", "local")
        try:
            return super().invoke(ctx)
        except (OutreachError, ValueError) as error:
            raise click.ClickException(str(error)) from None
        except (OperationalError, ProgrammingError) as error:
            text = str(error.orig)
            if "no such table" in text or "does not exist" in text:
                raise click.ClickException(
                    "La base de données n'est pas initialisée : lancez « outreach db upgrade »."
                ) from None
            raise


@click.group(cls=_Group)
def main() -> None:
    """Outreach : planification des tournées des services itinérants de prévention."""


@main.group("db")
def db_group() -> None:
    """Schéma de la base de données."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Crée ou met à jour le schéma (migrations Alembic)."""
    db.upgrade()
    click.echo("Base de données à jour.")


@main.command("import-communes")
@click.option("--departement", "-d", required=True, help="Code du département : 37, 2A, 971…")
def import_communes_cmd(departement: str) -> None:
    """Charge les communes d'un département depuis le fichier national."""
    with db.unit_of_work() as session:
        count = communes.import_communes(session, departement)
    click.echo(f"{count} communes chargées pour le département {departement}.")


@main.command("import-children")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_children_cmd(csv_file: Path) -> None:
    """Remplace l'estimation du nombre de jeunes enfants par des chiffres réels (CSV insee;children_0_6)."""
    with db.unit_of_work() as session:
        count = communes.import_children_csv(session, csv_file.read_bytes())
    click.echo(f"{count} communes mises à jour.")


@main.command("seed-demo")
@click.option("--scenario", "names", multiple=True, help="Un scénario (par défaut : tous).")
def seed_demo_cmd(names: tuple[str, ...]) -> None:
    """Charge les scénarios de démonstration (sans doublon si relancé)."""
    with db.unit_of_work() as session:
        loaded = scenarios.seed_demo(session, list(names) or None)
        for scenario in loaded:
            click.echo(f"Scénario chargé : {scenario.id} — {scenario.name}")


@main.command("seed-programme")
@click.option("--programme", "name", default="herault-appui-parental", show_default=True)
def seed_programme_cmd(name: str) -> None:
    """Charge un programme de visites à domicile de démonstration (familles fictives, chiffrées)."""
    from outreach.homevisits.demo import seed_programme

    with db.unit_of_work() as session:
        programme = seed_programme(session, name)
    click.echo(f"Programme {programme.id} chargé : familles fictives chiffrées au repos.")


@main.command("plan-home")
@click.option("--programme", default="herault-appui-parental", show_default=True)
@click.option("--week", "week", required=True, help="Le lundi de la semaine (AAAA-MM-JJ).")
@click.option("--weeks", default=1, show_default=True, type=click.IntRange(1, 8))
@click.option("--time-limit", default=10.0, show_default=True, type=float)
@click.option("--export", "export_path", type=click.Path(dir_okay=False), default=None,
              help="Écrit le plan au format docs/home-plan-format.md (codes des familles "
                   "seulement).")
@click.option("--publish", is_flag=True, help="Publie le plan : les puéricultrices le voient.")
def plan_home_cmd(programme: str, week: str, weeks: int, time_limit: float,
                  export_path: str | None, publish: bool) -> None:
    """Planifie les visites à domicile d'une ou plusieurs semaines (brouillon)."""
    import json

    from outreach.homevisits import planning, rounds

    monday = _parse_start(week, "--week")
    with db.unit_of_work() as session:
        plan, outcome = planning.new_plan(session, programme, monday, weeks, actor="cli",
                                          time_limit_s=time_limit)
        plan_id = plan.id
        if publish:
            rounds.publish(session, plan.id or 0, "cli")
    summary = planning.summary(outcome)
    click.echo(f"Plan de visites {plan_id} : {summary['visits_planned']} visites placées sur "
               f"{summary['visits_wanted']} ({summary['by']['referent']} par la référente, "
               f"{summary['by']['second']} par la seconde, {summary['by']['other']} par une "
               f"autre puéricultrice) ; {summary['driving_min']} min de route"
               + (" ; publié." if publish else " ; brouillon."))
    for short in planning.unplaced(outcome.solution):
        click.echo(f"  {short['family']} : {short['missing']} visite(s) non placée(s) — "
                   f"{short['why']}")
    if export_path:
        with open(export_path, "w", encoding="utf-8") as out:
            json.dump(planning.export(outcome), out, ensure_ascii=False, indent=1)


@main.command("new-data-key")
def new_data_key_cmd() -> None:
    """Affiche une nouvelle clé de chiffrement (à mettre en tête de OUTREACH_DATA_KEYS)."""
    from outreach.privacy import new_key

    click.echo(new_key())


@main.command("rotate-data-keys")
def rotate_data_keys_cmd() -> None:
    """Rechiffre les données des familles avec la première clé de OUTREACH_DATA_KEYS."""
    from outreach.appointments.booking import reseal_all
    from outreach.homevisits import rotate_keys

    with db.unit_of_work() as session:
        count = rotate_keys(session)
        booked = reseal_all(session)
    click.echo(f"{count} fiches et {booked} rendez-vous rechiffrés avec la première clé ; les "
               "anciennes clés peuvent être retirées de OUTREACH_DATA_KEYS.")


@main.command("purge-families")
@click.option("--today", default=None, help="Date du jour (AAAA-MM-JJ), par défaut aujourd'hui.")
def purge_families_cmd(today: str | None) -> None:
    """Efface les données personnelles des familles sorties depuis plus que la durée de conservation."""
    from outreach.homevisits import erase_departed

    day = dt.date.fromisoformat(today) if today else dt.date.today()
    with db.unit_of_work() as session:
        count = erase_departed(session, day)
    click.echo(f"{count} fiches de familles sorties effacées (codes et comptes conservés).")


@main.command("purge")
@click.option("--today", default=None, help="Date du jour (AAAA-MM-JJ), par défaut aujourd'hui.")
def purge_cmd(today: str | None) -> None:
    """Efface les données personnelles arrivées au bout de leur durée de conservation : celles
    des rendez-vous passés depuis plus de OUTREACH_BOOKING_RETENTION_DAYS jours (30 par
    défaut) et celles des familles sorties (les comptes sont conservés)."""
    from outreach.appointments.booking import erase_past, retention_days
    from outreach.homevisits import erase_departed

    day = _parse_start(today, "--today") if today else dt.date.today()
    with db.unit_of_work() as session:
        bookings = erase_past(session, day)
        families = erase_departed(session, day)
    click.echo(f"{bookings} rendez-vous de plus de {retention_days()} jours effacés ; "
               f"{families} fiches de familles sorties effacées (les comptes sont conservés).")


@main.command("send-reminders")
@click.option("--now", "at", default=None,
              help="Moment à considérer (AAAA-MM-JJTHH:MM, heure de Paris), par défaut maintenant.")
def send_reminders_cmd(at: str | None) -> None:
    """Envoie les messages dus aux familles, une seule fois chacun : les places libérées
    proposées à la liste d'attente (les propositions expirées passent à la famille
    suivante), les rappels deux jours avant et le matin de la séance. Le processus de
    calcul (outreach worker) le fait aussi à chaque tour ; sans lui, lancer cette commande
    toutes les quelques minutes (cron)."""
    from outreach.appointments import PARIS
    from outreach.appointments.dispatch import send_due

    if at:
        try:
            moment = dt.datetime.fromisoformat(at)
        except ValueError:
            raise click.BadParameter("attendu AAAA-MM-JJTHH:MM", param_hint="--now") from None
        now = moment if moment.tzinfo else moment.replace(tzinfo=PARIS)
    else:
        now = dt.datetime.now(dt.UTC)
    sent = send_due(now)
    labels = {"offer": "places proposées", "before": "rappels à deux jours",
              "day": "rappels du jour"}
    click.echo(" ; ".join(f"{sent[k]} {label}" for k, label in labels.items()) + ".")


def _parse_start(value: str, option: str = "--start") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} n'est pas une date AAAA-MM-JJ", param_hint=option)


@main.command("generate-scenario")
@click.option("--departement", "-d", required=True, help="Code du département : 76, 2A, 971…")
@click.option("--stops", type=click.IntRange(1, 500), default=40, show_default=True,
              help="Nombre d'arrêts candidats.")
@click.option("--vehicles", type=click.IntRange(1, 10), default=2, show_default=True)
@click.option("--crossing", "crossings", multiple=True, metavar="DEPART:ARRIVEE:MIN:JOURS",
              help="Une traversée du bus vers une île (répétable) : ports de départ et "
                   "d'arrivée (codes INSEE), durée en minutes, jours de traversée (1 = lundi), "
                   "ex. 97125:97110:45:2,4. L'île reçoit un arrêt.")
def generate_scenario_cmd(departement: str, stops: int, vehicles: int,
                          crossings: tuple[str, ...]) -> None:
    """Crée un scénario de départ pour un département entier (arrêts candidats, équipes)."""
    from outreach.data.generate import generate_spec

    ferries = [_crossing_option(text) for text in crossings]
    with db.unit_of_work() as session:
        spec = generate_spec(session, departement, stops, vehicles, crossings=ferries)
        scenario = scenarios.load_scenario(session, spec)
    click.echo(f"Scénario {scenario.id} créé : {len(spec.stops)} arrêts, {vehicles} véhicule(s), "
               f"{len(spec.staff)} personnes. Planifiez-le avec : outreach plan --scenario {scenario.id}")


def _crossing_option(text: str) -> scenarios.CrossingSpec:
    """``--crossing 97125:97110:45:2,4`` as a crossing, or a refusal naming the option."""
    from pydantic import ValidationError

    parts = text.split(":")
    try:
        if len(parts) != 4 or not parts[2].isdigit():
            raise ValueError("quatre parties attendues, la troisième en minutes")
        days = [int(d) for d in parts[3].split(",") if d.strip()]
        return scenarios.CrossingSpec(from_insee=parts[0], to_insee=parts[1],
                                      minutes=int(parts[2]), sailing_days=days)
    except ValidationError as error:
        problem = "; ".join(f"{where or 'traversée'} : {text}"
                            for where, text in scenarios.field_problems(error))
    except ValueError as error:
        problem = str(error)
    raise click.BadParameter(
        f"« {text} » : {problem}. Écrivez DEPART:ARRIVEE:MINUTES:JOURS, par exemple "
        "97125:97110:45:2,4 (Saint-François → La Désirade, 45 min, mardi et jeudi).",
        param_hint="--crossing")


@main.command("plan")
@click.option("--scenario", required=True, help="Identifiant du scénario (ex. indre-et-loire).")
@click.option("--start", help="Premier lundi de l'horizon, AAAA-MM-JJ (défaut : celui du scénario).")
@click.option("--weeks", type=click.IntRange(1, 26), help="Nombre de semaines (défaut : scénario).")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Temps de calcul maximal en secondes (horloge).")
@click.option("--work-limit", type=click.FloatRange(min=0.01),
              help="Travail de recherche, en secondes de référence (défaut : 80 %% de "
                   "--time-limit) : même travail et même graine, même plan, quelle que soit la "
                   "charge de la machine, tant que --time-limit ne l'interrompt pas.")
@click.option("--seed", type=int, default=0, show_default=True, help="Graine (même graine, même plan).")
@click.option("--method", type=click.Choice([m.value for m in Method]), default=Method.PATTERNS.value,
              show_default=True, help="Décomposition utilisée par l'optimiseur.")
@click.option("--keep-published", is_flag=True,
              help="Garder les séances du plan publié (replanifier après une absence).")
@click.option("--prefer-published", is_flag=True,
              help="Préférer les séances du plan publié : une séance ne change de date que si "
                   "cela sert plus d'enfants que --move-threshold.")
@click.option("--move-threshold", type=click.IntRange(0, 100000), default=10, show_default=True,
              help="Enfants à gagner au moins pour déplacer une séance publiée.")
@click.option("--release-booked", is_flag=True,
              help="Laisser l'optimiseur déplacer les séances qui ont des rendez-vous (gardées "
                   "par défaut ; la publication demandera alors --confirm-bookings).")
@click.option("--publish", is_flag=True, help="Publier le plan aussitôt calculé.")
@click.option("--quiet", is_flag=True, help="N'afficher que l'identifiant du plan.")
def plan_cmd(scenario: str, start: str | None, weeks: int | None, time_limit: float,
             work_limit: float | None, seed: int, method: str, keep_published: bool,
             prefer_published: bool, move_threshold: int, release_booked: bool,
             publish: bool, quiet: bool) -> None:
    """Calcule un nouveau plan (brouillon) et affiche son résumé."""
    with db.unit_of_work() as session:
        found = session.get(Scenario, scenario)
        start_date = _parse_start(start) if start else (found.default_start if found else None)
        if start_date is None:
            raise click.UsageError("--start est obligatoire pour ce scénario.")
        weeks = weeks or (found.default_weeks if found else 4)
    if keep_published and prefer_published:
        raise click.UsageError("--keep-published et --prefer-published s'excluent : choisissez-en un.")
    params = SolveParams(time_limit_s=time_limit, seed=seed, method=Method(method),
                         move_threshold=move_threshold, work_limit_s=work_limit)
    with db.unit_of_work() as session:
        plan = planning.create_plan(session, scenario, start_date, weeks, params,
                                    keep_published=keep_published,
                                    prefer_published=prefer_published,
                                    keep_booked=not release_booked,
                                    progress=None if quiet else _progress_line(time_limit))
        diff = planning.diff_against_published(session, plan.id)  # type: ignore[arg-type]
        had_published = planning.published_plan_id(session, scenario) is not None
        if publish:
            planning.publish_plan(session, plan.id)  # type: ignore[arg-type]
        version = planning.read_version(session, plan.id)  # type: ignore[arg-type]
    if not quiet:
        click.echo(export.summary_fr(version))
        click.echo("")
        run = version.solver
        bound = f", borne {run.bound}" if run.bound is not None else ""
        click.echo(f"Optimiseur : {run.method}, {run.status}, {run.elapsed_s} s{bound}")
        if had_published:
            click.echo(export.changes_fr(diff))
    state = "publié" if publish else "brouillon"
    click.echo(f"Plan {plan.id} enregistré ({state}).")


def _progress_line(time_limit: float):  # type: ignore[no-untyped-def]
    """A one-line progress bar on standard error, rewritten as the solver reports."""
    width = 30

    def show(news: Progress) -> None:
        done = min(1.0, news.elapsed_s / time_limit) if news.phase != "finishing" else 1.0
        bar = "#" * round(done * width)
        gap = news.gap_pct
        detail = {"enumerating": "préparation des tournées possibles",
                  "searching": f"écart à la borne {gap:.2f} %" if gap is not None else "recherche",
                  "finishing": "vérification"}[news.phase]
        click.echo(f"\r[{bar:<{width}}] {news.elapsed_s:5.1f} s  {detail:<40}", err=True,
                   nl=news.phase == "finishing")

    return show


@main.command("publish")
@click.option("--plan", "plan_id", type=int, required=True, help="Identifiant du plan.")
@click.option("--confirm-bookings", is_flag=True,
              help="Publier même si le plan ne garde pas des séances qui ont des rendez-vous : "
                   "chaque famille reçoit un autre créneau proposé.")
def publish_cmd(plan_id: int, confirm_bookings: bool) -> None:
    """Publie une version de plan ; les versions précédentes restent consultables."""
    from outreach.appointments.rehome import BookingsAffected

    try:
        with db.unit_of_work() as session:
            planning.publish_plan(session, plan_id, bookings_confirmed=confirm_bookings)
    except BookingsAffected as refused:
        lines = "\n".join(f"  - {a.describe()}" for a in refused.affected)
        raise click.ClickException(f"{refused}\n{lines}\nRelancez avec --confirm-bookings pour "
                                   "publier quand même.") from None
    click.echo(f"Plan {plan_id} publié.")


@main.command("plans")
@click.option("--scenario", help="Limiter à un scénario.")
def plans_cmd(scenario: str | None) -> None:
    """Liste les versions de plan."""
    with db.unit_of_work() as session:
        rows = planning.list_plans(session, scenario)
        for plan, status in rows:
            click.echo(f"{plan.id:>4}  {plan.scenario_id:<16} {plan.horizon_start} → "
                       f"{plan.horizon_end}  {status:<9} demande {plan.demand_served}/"
                       f"{plan.demand_total}")
    if not rows:
        click.echo("Aucun plan.")


@main.command("export")
@click.option("--plan", "plan_id", type=int, required=True, help="Identifiant du plan.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier de sortie (défaut : sortie standard).")
def export_cmd(plan_id: int, fmt: str, output: Path | None) -> None:
    """Exporte un plan en JSON (format outreach.plan/1) ou CSV."""
    with db.unit_of_work() as session:
        version = planning.read_version(session, plan_id)
    text = export.to_json(version) if fmt == "json" else export.to_csv(version)
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Plan {plan_id} exporté dans {output}.", err=True)
    else:
        sys.stdout.write(text)


@main.command("coverage")
@click.option("--plan", "plan_id", type=int, required=True, help="Identifiant du plan.")
@click.option("--threshold", type=click.IntRange(5, 120),
              help="Seuil d'accès en minutes (défaut : celui de chaque service).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "geojson"]), default="text",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier de sortie (défaut : sortie standard).")
def coverage_cmd(plan_id: int, threshold: int | None, fmt: str, output: Path | None) -> None:
    """Diagnostic de couverture d'un plan : l'accès de chaque commune et les zones sans accès."""
    from outreach.planning import diagnosis as diag
    from outreach.planning.access_map import Access, plan_departements

    with db.unit_of_work() as session:
        version = planning.read_version(session, plan_id)
        found = diag.diagnose_plan(session, version, threshold)
    if fmt == "csv":
        text = diag.to_csv(found)
    elif fmt == "geojson":
        text = json.dumps(diag.to_geojson(found, plan_departements(version)), ensure_ascii=False)
    else:
        within = found.children_with(Access.SESSION)
        thresholds = ", ".join(map(str, found.thresholds))
        lines = [(f"Plan {plan_id} : {found.children} enfants de moins de 6 ans dans "
                 f"{len(found.communes)} communes, seuil {thresholds} min.")]
        lines.append(f"  À portée d'une séance : {found.share_pct(Access.SESSION)} % "
                     f"({within} enfants).")
        if version.inputs.fixed_sites:
            lines.append(f"  À portée d'une séance ou d'un site fixe : "
                         f"{found.share_pct(Access.SESSION, Access.FIXED_SITE)} %.")
        lines.append(f"  Hors de portée : {found.children_out} enfants dans "
                     f"{found.communes_out} communes.")
        for stop, service, held, due in found.below_rhythm:
            lines.append(f"  Arrêt {stop} ({service}) : {held} séance(s) sur {due} dues, ne compte pas.")
        lines.append(f"Zones sans accès : {len(found.gaps)}.")
        for n, gap in enumerate(found.gaps, start=1):
            nearest = ("aucune séance" if gap.nearest_session_min is None
                       else f"séance la plus proche à {gap.nearest_session_min} min")
            around = f" et {gap.size - 1} commune(s) voisine(s)" if gap.size > 1 else ""
            road = ("" if gap.road_from_base else
                    ", sans route depuis une base : desservable par la traversée déclarée"
                    if gap.crossing else
                    ", aucune route depuis la base d'un véhicule ni traversée déclarée")
            lines.append(f"  {n}. {gap.name}{around} : {gap.children_0_6} enfants, {nearest}{road}.")
        text = "\n".join(lines) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Diagnostic du plan {plan_id} écrit dans {output}.", err=True)
    else:
        sys.stdout.write(text)


def _what_if_changes(options: dict[str, tuple[str, ...]]) -> list[Any]:
    from outreach.planning.whatif import Change

    return [Change(kind.replace("_", "-"), value)
            for kind, values in options.items() for value in values]


@main.command("next-stop")
@click.option("--plan", "plan_id", type=int, required=True, help="Identifiant du plan.")
@click.option("--threshold", type=click.IntRange(5, 120),
              help="Seuil d'accès en minutes (défaut : celui de chaque service).")
@click.option("--top", type=click.IntRange(1, 50), default=10, show_default=True,
              help="Nombre de communes classées.")
@click.option("--check", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Vérifier les N premières par un nouveau calcul (une variante chacune).")
@click.option("--work-limit", type=click.FloatRange(min=0.01), default=10.0, show_default=True,
              help="Travail de recherche de chaque calcul, en secondes de référence.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Temps de calcul maximal de chaque calcul (horloge).")
@click.option("--seed", type=int, default=0, show_default=True)
def next_stop_cmd(plan_id: int, threshold: int | None, top: int, check: int, work_limit: float,
                  time_limit: float, seed: int) -> None:
    """Où placer le prochain arrêt : les communes classées par les jeunes enfants qu'un arrêt y
    mettrait à portée, dans les jours libres des véhicules ; les premières vérifiées par un
    nouveau calcul."""
    from outreach.planning import nextstop

    with db.unit_of_work() as session:
        version = planning.read_version(session, plan_id)
        found, ranking = nextstop.rank_plan(session, version, threshold, top)
    names = {code: version.inputs.service_name(code) for code in version.inputs.services}
    click.echo(f"Plan {plan_id} : {found.children_out} enfants hors de portée ; "
               f"{ranking.considered} commune(s) en mettraient à portée.")
    click.echo(nextstop.ranking_fr(ranking, names))
    chosen = (list(ranking.fitting) + list(ranking.not_fitting))[:check]
    if not chosen:
        return
    params = SolveParams(time_limit_s=time_limit, work_limit_s=work_limit, seed=seed)
    click.echo(f"Vérification par un nouveau calcul ({len(chosen) + 1} calculs)…", err=True)
    reference, checks = nextstop.verify(version.scenario_id, chosen, version.inputs.start,
                                        version.weeks, params,
                                        threshold)
    click.echo("")
    click.echo(nextstop.checks_fr(reference, checks))


@main.command("what-if")
@click.option("--scenario", required=True, help="Le scénario de départ.")
@click.option("--add-stop", multiple=True, metavar="INSEE", help="Ajouter un arrêt dans cette commune.")
@click.option("--remove-stop", multiple=True, metavar="CODE", help="Retirer cet arrêt.")
@click.option("--add-vehicle", multiple=True, metavar="INSEE",
              help="Ajouter un véhicule basé dans cette commune, avec son équipe.")
@click.option("--remove-vehicle", multiple=True, metavar="CODE", help="Retirer ce véhicule.")
@click.option("--add-staff", multiple=True, metavar="ROLE", help="Ajouter une personne (rôle).")
@click.option("--remove-staff", multiple=True, metavar="CODE", help="Retirer cette personne.")
@click.option("--add-weekday", multiple=True, metavar="N", help="Un jour de plus (1 = lundi).")
@click.option("--remove-weekday", multiple=True, metavar="N", help="Un jour de moins.")
@click.option("--add-fixed-site", multiple=True, metavar="INSEE", help="Ajouter un site fixe.")
@click.option("--remove-fixed-site", multiple=True, metavar="CODE", help="Retirer ce site fixe.")
@click.option("--threshold", multiple=True, metavar="MIN", help="Seuil d'accès de chaque service.")
@click.option("--start", help="Premier lundi de l'horizon, AAAA-MM-JJ (défaut : celui du scénario).")
@click.option("--weeks", type=click.IntRange(1, 26), help="Nombre de semaines (défaut : scénario).")
@click.option("--work-limit", type=click.FloatRange(min=0.01), default=10.0, show_default=True,
              help="Travail de recherche de chaque calcul, en secondes de référence.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=300.0, show_default=True,
              help="Temps de calcul maximal de chaque calcul (horloge).")
@click.option("--seed", type=int, default=0, show_default=True)
def what_if_cmd(scenario: str, start: str | None, weeks: int | None, work_limit: float,
                time_limit: float, seed: int, **options: tuple[str, ...]) -> None:
    """Copie un scénario en variante, la change, planifie les deux avec les mêmes limites et la
    même graine, et compare. La variante ne touche jamais au plan publié."""
    from outreach.planning import diagnosis as diag
    from outreach.planning import whatif

    changes = _what_if_changes(options)
    with db.unit_of_work() as session:
        found = session.get(Scenario, scenario)
        if found is None:
            raise click.UsageError(f"Scénario inconnu : {scenario}.")
        start_date = _parse_start(start) if start else found.default_start
        if start_date is None:
            raise click.UsageError("--start est obligatoire pour ce scénario.")
        weeks = weeks or found.default_weeks
        variant = whatif.make_variant(session, scenario, changes)
        variant_id, variant_name = variant.id, variant.name
    click.echo(f"Variante {variant_id} créée : {variant_name}.", err=True)
    params = SolveParams(time_limit_s=time_limit, work_limit_s=work_limit, seed=seed)
    versions, found_by = [], []
    for scenario_id in (scenario, variant_id):
        with db.unit_of_work() as session:
            plan = planning.create_plan(session, scenario_id, start_date, weeks, params)
            version = planning.read_version(session, plan.id)  # type: ignore[arg-type]
            versions.append(version)
            found_by.append(diag.diagnose_plan(session, version))
        click.echo(f"Plan {version.plan_id} calculé pour {scenario_id}.", err=True)
    result = whatif.compare(versions[0], found_by[0], versions[1], found_by[1])
    click.echo(whatif.comparison_fr(result))


@main.command("create-user")
@click.option("--email", required=True, help="Adresse de connexion.")
@click.option("--role", type=click.Choice(["admin", "coordinator", "staff", "nurse"]),
              default="coordinator", show_default=True,
              help="admin : gère organisations et comptes, voit tout ; nurse : une puéricultrice "
                   "d'un programme de visites à domicile.")
@click.option("--organisation", "organisation_id",
              help="Organisation d'un coordinateur (facultatif s'il n'y en a qu'une), ex. dep-37.")
@click.option("--staff", "staff_code", help="Pour un compte staff : code du membre du personnel.")
@click.option("--site", "site_code",
              help="Pour un compte staff d'un lieu fixe qui prend des rendez-vous : code du lieu.")
@click.option("--scenario", help="Scénario du membre du personnel ou du lieu (si le code est "
                                 "ambigu).")
@click.option("--nurse", "nurse_code", help="Pour un compte nurse : code de la puéricultrice.")
@click.option("--programme", default="herault-appui-parental", show_default=True,
              help="Programme de la puéricultrice.")
@click.option("--password", help="Mot de passe (par défaut : généré et affiché).")
def create_user_cmd(email: str, role: str, organisation_id: str | None, staff_code: str | None,
                    site_code: str | None, scenario: str | None, nurse_code: str | None,
                    programme: str, password: str | None) -> None:
    """Crée un compte (ou réinitialise son mot de passe)."""
    from sqlmodel import select

    from outreach.models import FixedSite, HomeNurse, StaffMember
    from outreach.users import generate_password, set_user

    shown = password is None
    password = password or generate_password()
    with db.unit_of_work() as session:
        def one(model: type[StaffMember | FixedSite], code: str, option: str,
                things: str) -> int | None:
            """The id of the scenario's row of ``model`` with ``code`` (exactly one)."""
            query = select(model).where(model.code == code)
            if scenario:
                query = query.where(model.scenario_id == scenario)
            matches = session.exec(query).all()
            if len(matches) != 1:
                raise click.ClickException(
                    f"{option} : {len(matches)} {things} ont le code {code!r}"
                    + (" (précisez --scenario)." if matches else "."))
            return matches[0].id  # type: ignore[attr-defined]

        staff_id = one(StaffMember, staff_code, "--staff", "membres du personnel") \
            if staff_code else None
        site_id = one(FixedSite, site_code, "--site", "lieux fixes") if site_code else None
        nurse_id = None
        if nurse_code:
            nurse = session.exec(select(HomeNurse).where(HomeNurse.programme_id == programme,
                                                         HomeNurse.code == nurse_code)).first()
            if nurse is None:
                raise click.ClickException(f"--nurse : aucune puéricultrice {nurse_code!r} dans "
                                           f"le programme {programme!r}.")
            nurse_id = nurse.id
        set_user(session, email, password, role, staff_id, organisation_id, nurse_id, site_id)
    click.echo(f"Compte {email} ({role}) prêt." + (f" Mot de passe : {password}" if shown else ""))


@main.command("export-scenario")
@click.option("--scenario", required=True, help="Identifiant du scénario.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Fichier de sortie (défaut : sortie standard).")
def export_scenario_cmd(scenario: str, output: Path | None) -> None:
    """Exporte les données d'un scénario au format des fichiers de scénario (TOML)."""
    with db.unit_of_work() as session:
        text = scenarios.export_scenario(session, scenario)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Scénario {scenario} exporté : {output}")


@main.command("import-scenario")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_scenario_cmd(path: Path) -> None:
    """Charge un fichier de scénario (tout ou rien ; remplace les fiches de mêmes codes)."""
    with db.unit_of_work() as session:
        loaded = scenarios.import_scenario(session, path)
    click.echo(f"Scénario {loaded.id} chargé depuis {path}.")


@main.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_cmd(target: Path) -> None:
    """Sauvegarde toute la base dans un fichier (SQLite : copie en ligne ; PostgreSQL : pg_dump)."""
    from outreach.data.backup import backup

    backup(config.database_url(), target)
    click.echo(f"Sauvegarde écrite : {target}")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--remplacer", "replace", is_flag=True,
              help="Remplacer le contenu d'une base qui n'est pas vide.")
def restore_cmd(source: Path, replace: bool) -> None:
    """Restaure une sauvegarde dans la base (vide, sauf --remplacer)."""
    from outreach.data.backup import restore

    restore(config.database_url(), source, replace=replace)
    click.echo(f"Sauvegarde restaurée : {source}")


@main.command("worker")
@click.option("--redis-url", envvar="OUTREACH_REDIS_URL", required=True,
              help="File d'attente Redis (ou OUTREACH_REDIS_URL).")
@click.option("--max-jobs", type=int, help="S'arrêter après ce nombre de calculs.")
@click.option("--burst", is_flag=True, help="Exécuter les calculs en attente, puis s'arrêter.")
@click.option("--name", help="Nom du processus de calcul (par défaut : choisi par RQ).")
@click.option("--queue", "queue_name", envvar="OUTREACH_QUEUE", default="outreach-solves",
              show_default=True, help="Nom de la file RQ (ou OUTREACH_QUEUE).")
def worker_cmd(redis_url: str, max_jobs: int | None, burst: bool, name: str | None,
               queue_name: str) -> None:
    """Exécute les calculs de plan mis en file d'attente par l'application web (production,
    file RQ sur Redis). Un calcul dont le processus s'est arrêté est relancé une fois ; les
    calculs perdus par un redémarrage de Redis sont remis en file."""
    from outreach.planning.jobs import RQRunner, reconcile

    runner = RQRunner(redis_url, config.database_url(), queue_name=queue_name)
    with db.unit_of_work() as session:
        requeued = reconcile(session, runner)
    if requeued:
        click.echo(f"{requeued} calcul(s) remis en file.")
    worker = runner.worker(name)
    worker.work(burst=burst, max_jobs=max_jobs, with_scheduler=False, logging_level="WARNING")
    click.echo("Processus de calcul arrêté.")


@main.command("national-report")
@click.option("--departements", help="Codes séparés par des virgules (défaut : tous, outre-mer "
              "compris), ex. 37,2A,971.")
@click.option("--stops", type=click.IntRange(1, 500), default=40, show_default=True,
              help="Arrêts candidats par département.")
@click.option("--vehicles", type=click.IntRange(1, 10), default=2, show_default=True)
@click.option("--work-limit", type=click.FloatRange(min=0.01), default=2.0, show_default=True,
              help="Travail de recherche par département (unités déterministes).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--report", "report", type=int,
              help="Suivre un rapport déjà lancé (son numéro) au lieu d'en lancer un.")
@click.option("--no-wait", is_flag=True, help="Mettre les calculs en file et rendre la main "
              "(production : les processus de calcul les exécutent).")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("rapport-national"), show_default=True,
              help="Dossier du rapport : departements.csv, france.svg, rapport.md.")
def national_report_cmd(departements: str | None, stops: int, vehicles: int, work_limit: float,
                        seed: int, report: int | None, no_wait: bool, output: Path) -> None:
    """Rapport national : un scénario de départ par département, planifié et diagnostiqué,
    chaque département étant un calcul de la file (OUTREACH_REDIS_URL : les processus
    « outreach worker » ; sinon ce processus, l'un après l'autre)."""
    import time

    from sqlmodel import Session

    from outreach.planning import jobs, national

    runner = None
    if report is None:
        codes = national.parse_departements(departements)
        runner = jobs.make_runner(config.database_url())
        with Session(db.get_engine()) as session:  # committed before being queued
            report = national.launch(session, runner, codes,
                                     national.Options(stops, vehicles, work_limit, seed))
        click.echo(f"Rapport national n° {report} : {len(codes)} département(s) en file.")
    if no_wait:
        click.echo(f"Suivez-le avec : outreach national-report --report {report}")
        return
    shown = -1
    while True:
        with db.unit_of_work() as session:
            found = national.rows(session, report)
        finished = [r for r in found if r.status in (jobs.DONE, jobs.FAILED)]
        if len(finished) != shown:
            shown = len(finished)
            running = ", ".join(r.departement for r in found if r.status == jobs.RUNNING)
            click.echo(f"[{len(finished)}/{len(found)}] terminés"
                       + (f" ; en cours : {running}" if running else ""), err=True)
        if len(finished) == len(found):
            break
        time.sleep(1.0)
    if runner is not None:
        runner.shutdown()
    for path in national.write(found, output):
        click.echo(f"Écrit : {path}")
    t = national.totals(found)
    click.echo(f"France : {national.pct(t.share_pct)} % des {t.children} enfants de moins de 6 ans à portée "
               f"d'une séance ({t.done} départements planifiés, {t.failed} sans plan).")
    for r in found:
        if r.status == jobs.FAILED:
            click.echo(f"  {r.departement} {r.name} : {r.error}")


@main.command("delete-variant")
@click.option("--scenario", required=True, help="Identifiant de la variante (ex. "
              "indre-et-loire-variante-1).")
def delete_variant_cmd(scenario: str) -> None:
    """Supprime une variante (« what-if ») et ses plans ; le scénario d'origine reste."""
    from outreach.planning import whatif

    with db.unit_of_work() as session:
        plans = whatif.delete_variant(session, scenario)
    click.echo(f"Variante {scenario} supprimée avec ses {plans} plan(s).")
