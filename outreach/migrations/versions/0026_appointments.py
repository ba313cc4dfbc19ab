"""appointments: what a service's sessions offer on appointment, and the bookings

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 02:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointments', sa.JSON(), nullable=True))
    with op.batch_alter_table('plan_service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('appointments', sa.JSON(), nullable=True))
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        'booking',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scenario_id', text(), nullable=False),
        sa.Column('session_date', sa.Date(), nullable=False),
        sa.Column('stop_code', text(), nullable=False),
        sa.Column('service_code', text(), nullable=False),
        sa.Column('offer_code', text(), nullable=False),
        sa.Column('slot_start_min', sa.Integer(), nullable=False),
        sa.Column('slot_end_min', sa.Integer(), nullable=False),
        sa.Column('seat_key', text(), nullable=True),
        sa.Column('status', text(), nullable=False),
        sa.Column('first_name_sealed', text(), nullable=False),
        sa.Column('contact_sealed', text(), nullable=False),
        sa.Column('contact_kind', text(), nullable=False),
        sa.Column('age_band', text(), nullable=False),
        sa.Column('consent_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('token_hash', text(), nullable=False),
        sa.Column('token_sealed', text(), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(), nullable=True),
        sa.Column('erased_at', sa.DateTime(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('seat_key'),
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_scenario_id'), ['scenario_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_session_date'), ['session_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_token_hash'), ['token_hash'], unique=True)


def downgrade() -> None:
    op.drop_table('booking')
    with op.batch_alter_table('plan_service', schema=None) as batch_op:
        batch_op.drop_column('appointments')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('appointments')
