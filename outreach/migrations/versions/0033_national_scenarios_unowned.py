"""scenario: the national report's scenarios belong to no organisation

A national job generated its département's scenario (``national-<code>``) under that
département's organisation, so the département's coordinators saw it among their own.
They now belong to no organisation: only administrators see them, from the report.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-02 16:00:00
"""
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE scenario SET organisation_id = NULL WHERE id IN "
               "(SELECT scenario_id FROM solve_job WHERE kind = 'national' "
               "AND scenario_id IS NOT NULL)")


def downgrade() -> None:
    pass  # which organisation each had is not kept; administrators may move them
