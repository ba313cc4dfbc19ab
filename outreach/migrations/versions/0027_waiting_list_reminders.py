"""bookings: waiting-list offers, reminders sent, staff marking, sessions moved by a re-plan

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 04:00:00
"""
import sqlalchemy as sa
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


def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('previous_date')
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
