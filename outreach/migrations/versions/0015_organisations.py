"""organisations: scenarios, accounts and audit events belong to one; invitations; TOTP

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import datetime as dt

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from outreach.data.organisations import default_organisation

    organisation = op.create_table(
        'organisation',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_invitation_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('scenario', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_scenario_organisation_id'), ['organisation_id'])
        batch_op.create_foreign_key('fk_scenario_organisation', 'organisation',
                                    ['organisation_id'], ['id'])
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('organisation_id', sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_app_user_organisation_id'), ['organisation_id'])
        batch_op.create_foreign_key('fk_app_user_organisation', 'organisation',
                                    ['organisation_id'], ['id'])
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_organisation_id'), ['organisation_id'])

    # Existing data: one organisation per département of the scenarios.
    bind = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    made = {}
    for scenario_id, departement in bind.execute(sa.text("SELECT id, departement FROM scenario")):
        org_id, name = default_organisation(departement)
        if org_id not in made:
            op.bulk_insert(organisation, [{"id": org_id, "name": name, "created_at": now}])
            made[org_id] = name
        bind.execute(sa.text("UPDATE scenario SET organisation_id = :o WHERE id = :s"),
                     {"o": org_id, "s": scenario_id})
    # Staff accounts: their staff member's organisation. Coordinators: the one
    # organisation if there is one; with several, they saw everything before, so they
    # become administrators (who see every organisation) rather than lose access.
    bind.execute(sa.text(
        "UPDATE app_user SET organisation_id = (SELECT s.organisation_id FROM staff_member m "
        "JOIN scenario s ON s.id = m.scenario_id WHERE m.id = app_user.staff_id) "
        "WHERE role = 'staff'"))
    if len(made) == 1:
        bind.execute(sa.text("UPDATE app_user SET organisation_id = :o WHERE role = 'coordinator'"),
                     {"o": next(iter(made))})
    elif made:
        bind.execute(sa.text("UPDATE app_user SET role = 'admin' WHERE role = 'coordinator'"))


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_organisation_id'))
        batch_op.drop_column('organisation_id')
    op.execute("UPDATE app_user SET role = 'coordinator' WHERE role = 'admin'")
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint('fk_app_user_organisation', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_app_user_organisation_id'))
        batch_op.drop_column('organisation_id')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
    with op.batch_alter_table('scenario', schema=None) as batch_op:
        batch_op.drop_constraint('fk_scenario_organisation', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_scenario_organisation_id'))
        batch_op.drop_column('organisation_id')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_user_id'))
        batch_op.drop_index(batch_op.f('ix_invitation_token_hash'))
    op.drop_table('invitation')
    op.drop_table('organisation')
