"""deleted_record: what a coordinator deleted stays deleted when the demo is loaded again

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deleted_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scenario_id', 'kind', 'code'),
    )
    with op.batch_alter_table('deleted_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deleted_record_scenario_id'), ['scenario_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deleted_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deleted_record_scenario_id'))
    op.drop_table('deleted_record')
