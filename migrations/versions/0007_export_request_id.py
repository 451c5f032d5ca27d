"""export_events.request_id: the request that wrote an export event; status and attempts default

Revision ID: 0007_export_request_id
Revises: 0006_languages
Create Date: 2026-12-02 12:00:00

The worker's and the relay's log lines about an event carry the id of the checkout (or
cancellation) request that wrote it, so one search by request id finds the request and
every delivery attempt of its export. NULL for events written outside a request (the CLI,
older rows).

status and attempts get their starting values (pending, 0) as column defaults, so that the
outbox row checkout composes into its one statement need not spell them out: that statement
must stay under psycopg's 4 KB parse cache (app/orders/one_statement.py), and the request id
took the room.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_export_request_id'
down_revision = '0006_languages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=128), nullable=True))
        batch_op.alter_column('status', server_default='pending')
        batch_op.alter_column('attempts', server_default='0')


def downgrade():
    with op.batch_alter_table('export_events', schema=None) as batch_op:
        batch_op.alter_column('attempts', server_default=None)
        batch_op.alter_column('status', server_default=None)
        batch_op.drop_column('request_id')
