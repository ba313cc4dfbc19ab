"""publications numbered per scenario, unique: no two publishes from one state

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=False, server_default='1'))
    # Number the existing publications of each scenario in the order they were made.
    op.execute(
        "UPDATE publication SET seq = (SELECT COUNT(*) FROM publication AS earlier "
        "WHERE earlier.scenario_id = publication.scenario_id AND earlier.id <= publication.id)")
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_publication_seq', ['scenario_id', 'seq'])


def downgrade() -> None:
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_constraint('uq_publication_seq', type_='unique')
        batch_op.drop_column('seq')
