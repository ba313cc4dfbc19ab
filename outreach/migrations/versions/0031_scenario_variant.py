"""scenarios: a what-if variant names the scenario it was copied from

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scenario', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_of', sa.String(), nullable=True))
        batch_op.create_foreign_key('fk_scenario_variant_of_scenario', 'scenario',
                                    ['variant_of'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('scenario', schema=None) as batch_op:
        batch_op.drop_constraint('fk_scenario_variant_of_scenario', type_='foreignkey')
        batch_op.drop_column('variant_of')
