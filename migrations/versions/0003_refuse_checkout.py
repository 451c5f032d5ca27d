"""refuse_checkout(reason): lets checkout's one-statement write refuse, and so undo itself

Revision ID: 0003_refuse_checkout
Revises: 0002_security
Create Date: 2026-11-25 07:45:00

PostgreSQL only. Checkout writes a whole order in one statement that commits on its own
(app/orders/one_statement.py); when one of its compare-and-sets finds its row no longer allows
the sale, the statement calls this function, whose error rolls the statement back. SQLite
runs checkout in an ordinary transaction and needs nothing here.
"""
from alembic import op


revision = '0003_refuse_checkout'
down_revision = '0002_security'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("""
        CREATE FUNCTION refuse_checkout(reason text) RETURNS integer
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'checkout refused: ' || reason;
        END
        $$
    """)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP FUNCTION refuse_checkout(text)")
