"""fixed sites

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fixed_site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scenario_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('commune_insee', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['commune.insee'], ),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scenario_id', 'code')
    )
    with op.batch_alter_table('fixed_site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fixed_site_scenario_id'), ['scenario_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('fixed_site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fixed_site_scenario_id'))

    op.drop_table('fixed_site')
