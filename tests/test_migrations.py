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
