"""bookings: waiting-list offers, reminders sent, staff marking, sessions moved by a re-plan;
booking forms sent per client address (rate limit)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 04:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

COLUMNS = ('offered_until', 'offer_sent_at', 'reminded_before_at', 'reminded_day_at', 'marked_at')


def upgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('previous_date', sa.Date(), nullable=True))
    op.create_table(
        'form_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('form_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_attempt_client_hash'), ['client_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_form_attempt_at'), ['at'], unique=False)


def downgrade() -> None:
    op.drop_table('form_attempt')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('previous_date')
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
