"""each plan version's rhythms (weekday of each stop and service) as rows, for the families' pages

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
import json

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'plan_rhythm',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('stop_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('service_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('commune_insee', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('venue', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('service_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('week_of_month', sa.Integer(), nullable=True),
        sa.Column('kept', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('plan_rhythm', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_rhythm_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_rhythm_commune_insee'), ['commune_insee'],
                              unique=False)
    # Existing versions: from the recurrence their stored export already holds.
    rows = []
    for plan_id, document in op.get_bind().execute(sa.text("SELECT id, document FROM plan")):
        doc = json.loads(document) if isinstance(document, str) else document
        stops = {s["id"]: s for s in doc.get("stops", [])}
        names = {s["id"]: s["name"] for s in doc.get("services", [])}
        for entry in doc.get("recurrence", []):
            stop = stops.get(entry["stop"])
            if stop is None:
                continue
            rows.append({"plan_id": plan_id, "stop_code": entry["stop"],
                         "service_code": entry["service"], "commune_insee": stop["commune_insee"],
                         "venue": stop["venue"],
                         "service_name": names.get(entry["service"], entry["service"]),
                         "weekday": entry["weekday"], "week_of_month": entry.get("week_of_month"),
                         "kept": bool(entry["kept"])})
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table('plan_rhythm', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_rhythm_commune_insee'))
        batch_op.drop_index(batch_op.f('ix_plan_rhythm_plan_id'))
    op.drop_table('plan_rhythm')
