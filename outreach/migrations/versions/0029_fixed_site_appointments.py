"""fixed sites: the appointments families may book there (weekly hours, staff roles, offers)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fixed_site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointments', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fixed_site', schema=None) as batch_op:
        batch_op.drop_column('appointments')
