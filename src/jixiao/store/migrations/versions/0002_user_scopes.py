"""user scopes (regions / units a user may see) and the admin role

Existing reviewers become administrators: before this revision every reviewer saw and decided every
report, and keeps doing so. Viewers see nothing until given a region or unit (jixiao user grant).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_scopes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind', 'value')
    )
    with op.batch_alter_table('user_scopes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_scopes_user_id'), ['user_id'], unique=False)
    op.execute("UPDATE users SET role = 'admin' WHERE role = 'reviewer'")
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_action_target', ['action', 'target'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_action_target')
    op.execute("UPDATE users SET role = 'reviewer' WHERE role = 'admin'")
    with op.batch_alter_table('user_scopes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_scopes_user_id'))
    op.drop_table('user_scopes')
