"""accounts: a staff account may belong to a fixed site taking appointments

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_app_user_site_id_fixed_site', 'fixed_site',
                                    ['site_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint('fk_app_user_site_id_fixed_site', type_='foreignkey')
        batch_op.drop_column('site_id')
