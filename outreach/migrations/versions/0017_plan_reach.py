"""plan_reach: the communes each session of a published version reaches, for the look-up

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'plan_reach',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('commune_insee', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column('stop_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('service_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('travel_min', sa.Integer(), nullable=False),
        sa.Column('distance_m', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('plan_reach', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_reach_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_reach_commune_insee'), ['commune_insee'],
                              unique=False)
    # The versions published before: their reach, as a publication now writes it.
    from sqlmodel import Session

    from outreach.planning.reach import compute_reach

    bind = op.get_bind()
    published = [row[0] for row in bind.execute(sa.text(
        "SELECT plan_id FROM publication p WHERE seq = "
        "(SELECT MAX(seq) FROM publication q WHERE q.scenario_id = p.scenario_id)"))]
    with Session(bind=bind) as session:
        for plan_id in published:
            compute_reach(session, plan_id)
        session.flush()


def downgrade() -> None:
    with op.batch_alter_table('plan_reach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_reach_commune_insee'))
        batch_op.drop_index(batch_op.f('ix_plan_reach_plan_id'))
    op.drop_table('plan_reach')
