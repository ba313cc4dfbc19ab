"""home visits: collective workshops (a place, a date, a capacity, facilitators, families invited)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('home_workshop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('territory', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('start_min', sa.Integer(), nullable=False),
    sa.Column('end_min', sa.Integer(), nullable=False),
    sa.Column('place_label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('place_lat', sa.Float(), nullable=False),
    sa.Column('place_lon', sa.Float(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('facilitators', sa.JSON(), nullable=False),
    sa.Column('invited', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['home_programme.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('home_workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_home_workshop_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_home_workshop_date'), ['date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('home_workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_home_workshop_date'))
        batch_op.drop_index(batch_op.f('ix_home_workshop_programme_id'))
    op.drop_table('home_workshop')
