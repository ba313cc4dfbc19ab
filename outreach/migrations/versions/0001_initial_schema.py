"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commune',
    sa.Column('insee', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('search_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('departement', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('postcodes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('population_year', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('point_source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('children_0_6', sa.Integer(), nullable=False),
    sa.Column('children_source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('insee')
    )
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commune_departement'), ['departement'], unique=False)
        batch_op.create_index(batch_op.f('ix_commune_search_name'), ['search_name'], unique=False)

    op.create_table('scenario',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('departement', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('default_start', sa.Date(), nullable=True),
    sa.Column('default_weeks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('horizon_start', sa.Date(), nullable=False),
    sa.Column('horizon_end', sa.Date(), nullable=False),
    sa.Column('solver_status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('elapsed_s', sa.Float(), nullable=False),
    sa.Column('objective', sa.Integer(), nullable=False),
    sa.Column('bound', sa.Integer(), nullable=True),
    sa.Column('demand_total', sa.Integer(), nullable=False),
    sa.Column('demand_served', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('what_to_bring', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('required_roles', sa.JSON(), nullable=False),
    sa.Column('session_min', sa.Integer(), nullable=False),
    sa.Column('setup_min', sa.Integer(), nullable=False),
    sa.Column('packup_min', sa.Integer(), nullable=False),
    sa.Column('earliest_start_min', sa.Integer(), nullable=False),
    sa.Column('latest_end_min', sa.Integer(), nullable=False),
    sa.Column('visits_per_period', sa.Integer(), nullable=False),
    sa.Column('period_weeks', sa.Integer(), nullable=False),
    sa.Column('min_spacing_days', sa.Integer(), nullable=False),
    sa.Column('max_sessions_per_day', sa.Integer(), nullable=False),
    sa.Column('access_threshold_min', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario_id', 'code')
    )
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('staff_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('day_start_min', sa.Integer(), nullable=False),
    sa.Column('day_end_min', sa.Integer(), nullable=False),
    sa.Column('max_day_min', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario_id', 'code')
    )
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_member_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('stop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('commune_insee', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('venue', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('windows', sa.JSON(), nullable=False),
    sa.Column('vulnerability', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['commune.insee'], ),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario_id', 'code')
    )
    with op.batch_alter_table('stop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stop_commune_insee'), ['commune_insee'], unique=False)
        batch_op.create_index(batch_op.f('ix_stop_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('vehicle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('base_insee', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('base_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('base_lat', sa.Float(), nullable=False),
    sa.Column('base_lon', sa.Float(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('max_duty_min', sa.Integer(), nullable=False),
    sa.Column('shift_start_min', sa.Integer(), nullable=False),
    sa.Column('shift_end_min', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['base_insee'], ['commune.insee'], ),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario_id', 'code')
    )
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_scenario_id'), ['scenario_id'], unique=False)

    op.create_table('absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absence_staff_id'), ['staff_id'], unique=False)

    op.create_table('plan_crew',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('vehicle_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_crew', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_crew_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_crew_staff_code'), ['staff_code'], unique=False)

    op.create_table('plan_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('vehicle_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('stop_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('commune_insee', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('commune_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('venue', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('service_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('service_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('arrive_min', sa.Integer(), nullable=False),
    sa.Column('start_min', sa.Integer(), nullable=False),
    sa.Column('end_min', sa.Integer(), nullable=False),
    sa.Column('leave_min', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('plan_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_session_commune_insee'), ['commune_insee'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_session_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_session_plan_id'), ['plan_id'], unique=False)

    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], ),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_publication_scenario_id'), ['scenario_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_publication_plan_id'))

    op.drop_table('publication')
    with op.batch_alter_table('plan_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_session_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_session_date'))
        batch_op.drop_index(batch_op.f('ix_plan_session_commune_insee'))

    op.drop_table('plan_session')
    with op.batch_alter_table('plan_crew', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_crew_staff_code'))
        batch_op.drop_index(batch_op.f('ix_plan_crew_plan_id'))

    op.drop_table('plan_crew')
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_staff_id'))

    op.drop_table('absence')
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_scenario_id'))

    op.drop_table('vehicle')
    with op.batch_alter_table('stop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stop_scenario_id'))
        batch_op.drop_index(batch_op.f('ix_stop_commune_insee'))

    op.drop_table('stop')
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_member_scenario_id'))

    op.drop_table('staff_member')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_scenario_id'))

    op.drop_table('service')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_scenario_id'))

    op.drop_table('plan')
    op.drop_table('scenario')
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commune_search_name'))
        batch_op.drop_index(batch_op.f('ix_commune_departement'))

    op.drop_table('commune')
