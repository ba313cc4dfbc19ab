"""lunch break per service, weekly hours per staff member

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lunch_break_min', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('lunch_start_min', sa.Integer(), nullable=False,
                                      server_default='720'))
        batch_op.add_column(sa.Column('lunch_end_min', sa.Integer(), nullable=False,
                                      server_default='840'))
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_week_min', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_column('max_week_min')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('lunch_end_min')
        batch_op.drop_column('lunch_start_min')
        batch_op.drop_column('lunch_break_min')
