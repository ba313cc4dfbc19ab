"""solve jobs: home-visit plans run on the same queue as the bus plans

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('solve_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='bus'))
        batch_op.add_column(sa.Column('programme_id', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
        batch_op.add_column(sa.Column('home_plan_id', sa.Integer(), nullable=True))
        batch_op.alter_column('scenario_id', existing_type=sqlmodel.sql.sqltypes.AutoString(),
                              nullable=True)
        batch_op.create_index(batch_op.f('ix_solve_job_programme_id'), ['programme_id'],
                              unique=False)
        batch_op.create_foreign_key('fk_solve_job_programme_id', 'home_programme',
                                    ['programme_id'], ['id'])
        batch_op.create_foreign_key('fk_solve_job_home_plan_id', 'home_plan',
                                    ['home_plan_id'], ['id'])


def downgrade() -> None:
    op.execute("DELETE FROM solve_job WHERE kind <> 'bus'")
    with op.batch_alter_table('solve_job', schema=None) as batch_op:
        batch_op.drop_constraint('fk_solve_job_home_plan_id', type_='foreignkey')
        batch_op.drop_constraint('fk_solve_job_programme_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_solve_job_programme_id'))
        batch_op.alter_column('scenario_id', existing_type=sqlmodel.sql.sqltypes.AutoString(),
                              nullable=False)
        batch_op.drop_column('home_plan_id')
        batch_op.drop_column('programme_id')
        batch_op.drop_column('kind')
