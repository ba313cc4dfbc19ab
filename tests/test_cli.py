"""The outreach command line, as a coordinator uses it."""

import json

from click.testing import CliRunner
from plan_checker import check_plan

from outreach.cli import main


def test_plan_prints_a_french_summary_and_the_plan_id(runner):
    result = runner.invoke(main, ["plan", "--scenario", "loire", "--start", "2027-01-04",
                                  "--weeks", "2", "--time-limit", "120", "--work-limit", "2"])
    assert result.exit_code == 0, result.output
    assert "Semaine 1 (2027)" in result.output
    assert "Demande servie :" in result.output
    assert "Optimal : aucun meilleur plan possible" in result.output or \
        "sous le meilleur plan possible (borne prouvée)" in result.output
    assert result.output.strip().endswith("Plan 1 enregistré (brouillon).")


def test_publish_then_export_json_and_csv(runner, tmp_path):
    assert runner.invoke(main, ["plan", "--scenario", "loire", "--weeks", "1", "--start",
                                "2027-01-04", "--time-limit", "120", "--work-limit", "1.5", "--quiet"]).exit_code == 0
    published = runner.invoke(main, ["publish", "--plan", "1"])
    assert published.exit_code == 0 and "Plan 1 publié." in published.output
    exported = runner.invoke(main, ["export", "--plan", "1", "--format", "json"])
    document = json.loads(exported.output)
    assert document["status"] == "published"
    assert check_plan(document) == []
    # Posted times: every service plans on the quarter-hour, and the checker holds it to that.
    assert {s["start_grid_min"] for s in document["services"]} == {15}
    starts = [v["start"] for r in document["routes"] for v in r["visits"]]
    assert starts and all(t[-2:] in {"00", "15", "30", "45"} for t in starts)
    out = tmp_path / "plan.csv"
    assert runner.invoke(main, ["export", "--plan", "1", "--format", "csv", "-o", str(out)]).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("date;jour;vehicule;service")
    assert len(lines) - 1 == document["kpis"]["sessions"]


def test_import_communes_and_unknown_departement(runner):
    ok = runner.invoke(main, ["import-communes", "--departement", "79"])
    assert ok.exit_code == 0 and "communes chargées pour le département 79" in ok.output
    bad = runner.invoke(main, ["import-communes", "--departement", "100"])
    assert bad.exit_code == 1 and "Département inconnu" in bad.output


def test_errors_are_messages_not_tracebacks(runner):
    result = runner.invoke(main, ["publish", "--plan", "42"])
    assert result.exit_code == 1
    assert "Plan 42 introuvable." in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["plan", "--scenario", "loire", "--start", "2027-13-01"])
    assert result.exit_code == 2 and "AAAA-MM-JJ" in result.output


def test_import_children_reports_bad_lines(runner, tmp_path):
    csv_file = tmp_path / "enfants.csv"
    csv_file.write_text("insee;children_0_6\n42218;x\n", encoding="utf-8")
    result = runner.invoke(main, ["import-children", str(csv_file)])
    assert result.exit_code == 1
    assert "ligne 2, champ children_0_6" in result.output


def test_db_upgrade_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = CliRunner(env={"OUTREACH_DATABASE_URL": url}).invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0 and "Base de données à jour." in result.output


def test_an_unmigrated_database_gets_a_clear_message(tmp_path):
    url = f"sqlite:///{tmp_path / 'blank.db'}"
    result = CliRunner(env={"OUTREACH_DATABASE_URL": url}).invoke(main, ["plans"])
    assert result.exit_code == 1, (result.output, url)
    assert "outreach db upgrade" in result.output


def test_worker_in_burst_mode_stops_when_the_queue_is_empty(redis_url, db_url):
    import uuid

    result = CliRunner(env={"OUTREACH_DATABASE_URL": db_url}).invoke(
        main, ["worker", "--redis-url", redis_url, "--burst",
               "--queue", f"outreach-test-{uuid.uuid4().hex}"])
    assert result.exit_code == 0, result.output
    assert "Processus de calcul arrêté." in result.output


def test_a_new_plan_lists_its_changes_against_the_published_one(runner):
    args = ["plan", "--scenario", "loire", "--start", "2027-01-04", "--weeks", "1", "--time-limit", "120",
            "--work-limit", "1.5"]
    assert runner.invoke(main, args + ["--publish"]).exit_code == 0
    second = runner.invoke(main, args + ["--seed", "3"])
    assert second.exit_code == 0
    assert "Par rapport au plan publié :" in second.output
    assert "inchangée(s)" in second.output


def test_keep_and_prefer_published_exclude_each_other(runner):
    result = runner.invoke(main, ["plan", "--scenario", "loire", "--start", "2027-01-04",
                                  "--keep-published", "--prefer-published"])
    assert result.exit_code == 2
    assert "s'excluent" in result.output


def test_the_same_work_and_seed_give_the_same_plan(runner):
    """The search stops on deterministic work: two runs agree, whatever the machine's load."""
    args = ["plan", "--scenario", "loire", "--start", "2027-01-04", "--weeks", "1",
            "--time-limit", "120", "--work-limit", "1", "--seed", "5", "--quiet"]
    assert runner.invoke(main, args).exit_code == 0
    assert runner.invoke(main, args).exit_code == 0
    first, second = (json.loads(runner.invoke(main, ["export", "--plan", str(n), "--format",
                                                      "json"]).output) for n in (1, 2))
    assert first["solver"]["stopped_by_time_limit"] is False
    assert first["solver"]["work_limit_s"] == 1
    assert first["routes"] == second["routes"]
