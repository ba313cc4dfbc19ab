"""The Alembic migrations create exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import outreach.models  # noqa: F401
from outreach import db


def test_migrations_match_the_models(empty_db_url):
    with db.get_engine(empty_db_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_then_upgrade_again(empty_db_url):
    from alembic import command

    command.downgrade(db.alembic_config(empty_db_url), "base")
    db.upgrade(empty_db_url)
    with db.get_engine(empty_db_url).connect() as connection:
        assert "plan" in connection.dialect.get_table_names(connection)


def test_rhythms_of_existing_plans_are_filled_in_by_their_migration(planned_url):
    """Migration 0014 writes the rhythm rows of plans stored before it, from their export."""
    from alembic import command
    from sqlmodel import Session, select

    from outreach.models import PlanRhythm

    with Session(db.get_engine(planned_url)) as s:
        before = sorted((r.plan_id, r.stop_code, r.service_code, r.weekday, r.week_of_month,
                         r.kept, r.venue, r.service_name) for r in s.exec(select(PlanRhythm)))
    assert before
    command.downgrade(db.alembic_config(planned_url), "0013")
    db.upgrade(planned_url)
    with Session(db.get_engine(planned_url)) as s:
        after = sorted((r.plan_id, r.stop_code, r.service_code, r.weekday, r.week_of_month,
                        r.kept, r.venue, r.service_name) for r in s.exec(select(PlanRhythm)))
    assert after == before
