"""each plan version keeps its own copy of its services' public texts; crews by staff id

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'plan_service',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('what_to_bring', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('access_threshold_min', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('plan_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_service_plan_id'), ['plan_id'], unique=False)
    # Existing versions: their copy is the services as they are now (the best there is).
    op.execute(
        "INSERT INTO plan_service (plan_id, code, name, description, what_to_bring, contact, "
        "access_threshold_min) SELECT plan.id, service.code, service.name, service.description, "
        "service.what_to_bring, service.contact, service.access_threshold_min FROM plan "
        "JOIN service ON service.scenario_id = plan.scenario_id")
    with op.batch_alter_table('plan_crew', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_crew_staff_id'), ['staff_id'], unique=False)
    op.execute(
        "UPDATE plan_crew SET staff_id = (SELECT staff_member.id FROM staff_member "
        "JOIN plan ON plan.scenario_id = staff_member.scenario_id "
        "WHERE plan.id = plan_crew.plan_id AND staff_member.code = plan_crew.staff_code)")


def downgrade() -> None:
    with op.batch_alter_table('plan_crew', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_crew_staff_id'))
        batch_op.drop_column('staff_id')
    with op.batch_alter_table('plan_service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_service_plan_id'))
    op.drop_table('plan_service')
