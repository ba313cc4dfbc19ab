"""home visits: the families who came to a workshop, recorded by a facilitator

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 11:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('home_workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attended', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('attendance_by', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('home_workshop', schema=None) as batch_op:
        batch_op.drop_column('attendance_by')
        batch_op.drop_column('attended')
