"""Backups: a backup restored into an empty database gives byte-identical exports."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import Session

from outreach import db, planning
from outreach.cli import main
from outreach.data import scenarios
from outreach.data.backup import BackupError, backup, restore
from solver import Method, SolveParams


def _exports(url: str) -> list[str]:
    with Session(db.get_engine(url)) as s:
        return [json.dumps(planning.export_document(s, plan.id), ensure_ascii=False)
                for plan, _status in planning.list_plans(s)]


def test_sqlite_backup_restores_into_an_empty_database(planned_url, tmp_path):
    before = _exports(planned_url)
    assert before
    saved = backup(planned_url, tmp_path / "save" / "outreach.backup")
    empty = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(empty, saved)
    assert _exports(empty) == before
    with pytest.raises(BackupError, match="pas vide"):
        restore(planned_url, saved)  # never over data without being told


def test_the_cli_backs_up_and_restores(planned_url, tmp_path):
    from click.testing import CliRunner

    target = tmp_path / "cli.backup"
    done = CliRunner(env={"OUTREACH_DATABASE_URL": planned_url}).invoke(main, ["backup", str(target)])
    assert done.exit_code == 0, done.output
    empty = f"sqlite:///{tmp_path / 'from-cli.db'}"
    done = CliRunner(env={"OUTREACH_DATABASE_URL": empty}).invoke(main, ["restore", str(target)])
    assert done.exit_code == 0, done.output
    assert _exports(empty) == _exports(planned_url)
    refused = CliRunner(env={"OUTREACH_DATABASE_URL": empty}).invoke(main, ["restore", str(target)])
    assert refused.exit_code == 1 and "pas vide" in refused.output


@pytest.mark.postgres
def test_postgresql_backup_restores_into_an_empty_database(pg_url, other_pg_url, tmp_path):
    db.upgrade(pg_url)
    with db.unit_of_work(pg_url) as s:
        scenarios.seed_demo(s, ["loire"])
        plan = planning.create_plan(s, "loire", dt.date(2027, 1, 4), 1,
                                    SolveParams(time_limit_s=60, work_limit_s=1,
                                                method=Method.ROUTING))
        planning.publish_plan(s, plan.id)
    before = _exports(pg_url)
    saved = backup(pg_url, tmp_path / "pg.backup")
    restore(other_pg_url, saved)
    assert _exports(other_pg_url) == before


def test_a_scenario_exports_to_a_file_that_loads_back_the_same_data(db_url, empty_db_url,
                                                                     tmp_path):
    from click.testing import CliRunner

    from outreach.data.scenarios import scenario_spec

    target = tmp_path / "loire.toml"
    done = CliRunner(env={"OUTREACH_DATABASE_URL": db_url}).invoke(
        main, ["export-scenario", "--scenario", "loire", "-o", str(target)])
    assert done.exit_code == 0, done.output
    assert target.read_text(encoding="utf-8").startswith("# Scénario")
    done = CliRunner(env={"OUTREACH_DATABASE_URL": empty_db_url}).invoke(
        main, ["import-scenario", str(target)])
    assert done.exit_code == 0, done.output
    with Session(db.get_engine(db_url)) as s, Session(db.get_engine(empty_db_url)) as t:
        assert scenario_spec(t, "loire") == scenario_spec(s, "loire")


def test_a_bad_scenario_file_loads_nothing(empty_db_url, tmp_path):
    from click.testing import CliRunner
    from sqlmodel import select

    from outreach.models import Scenario

    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nid = "x"\nname = "X"\ndepartement = "37"\n', encoding="utf-8")
    done = CliRunner(env={"OUTREACH_DATABASE_URL": empty_db_url}).invoke(
        main, ["import-scenario", str(bad)])
    assert done.exit_code == 1 and "champ services" in done.output
    with Session(db.get_engine(empty_db_url)) as s:
        assert s.exec(select(Scenario)).all() == []
