"""home visits: professions (psychologists) and joint visits per family

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('home_nurse', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profession', sa.String(), nullable=False,
                                      server_default='puericultrice'))
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joint_visits_per_week', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_column('joint_visits_per_week')
    with op.batch_alter_table('home_nurse', schema=None) as batch_op:
        batch_op.drop_column('profession')
