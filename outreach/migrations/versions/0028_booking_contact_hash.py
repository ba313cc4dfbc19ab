"""bookings: the contact's keyed fingerprint, so that the cap per contact and session is
one indexed count (was: open every sealed contact of the session on each form)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 08:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_hash', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_booking_contact_hash'), ['contact_hash'],
                              unique=False)
    _fingerprint_kept_contacts()


def _fingerprint_kept_contacts() -> None:
    """The bookings not yet erased get their fingerprint (their contact is opened with the
    current keys; with none that opens it, they stay without one and the cap does not
    count them)."""
    from outreach.privacy import DataKeyError, fingerprint, unseal

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, contact_sealed FROM booking WHERE erased_at IS NULL "
        "AND contact_sealed <> ''")).all()
    for row_id, sealed in rows:
        try:
            value = fingerprint(unseal(sealed))
        except DataKeyError:
            return
        bind.execute(sa.text("UPDATE booking SET contact_hash = :h WHERE id = :i"),
                     {"h": value, "i": row_id})


def downgrade() -> None:
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_contact_hash'))
        batch_op.drop_column('contact_hash')
