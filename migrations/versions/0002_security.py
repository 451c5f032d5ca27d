"""users.session_token: logging out invalidates every copy of the session cookie

Revision ID: 0002_security
Revises: 0001
Create Date: 2026-11-25 02:53:11.635981

Null for existing accounts until their next login; sessions issued before this revision
carry a bare user id, which no longer loads, so everyone logs in once more.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_security'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
