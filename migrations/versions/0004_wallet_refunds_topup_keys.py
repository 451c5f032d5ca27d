"""Refunds above the balance cap; top-up idempotency keys

Revision ID: 0004_wallet_refunds_topup_keys
Revises: 0003_refuse_checkout
Create Date: 2026-12-02 09:00:00

- wallets loses ck_wallets_balance_within_cap: the 100,000,000 cap limits top-ups only
  (app/wallet/services.py); a refund must always give a shopper's money back, even when a
  top-up since the payment left the balance near the cap.
- ledger_entries.idempotency_key, unique per user: a retried top-up finds the first one's
  row instead of adding the points twice. Null for every other row (and for top-ups sent
  without a key); NULLs never collide in a unique constraint.

Downgrading puts the cap's CHECK back; it fails while any balance is above the cap, since
no downgrade may take a shopper's points away (the top-up keys it drops only guarded
retries already answered).
"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


revision = '0004_wallet_refunds_topup_keys'
down_revision = '0003_refuse_checkout'
branch_labels = None
depends_on = None

_LEDGER_COLUMNS = "id, user_id, kind, amount, balance_after, order_id, created_at"


@contextmanager
def _ledger_set_aside():
    """SQLite changes a CHECK by rebuilding the table, and dropping the old ``wallets``
    deletes its rows first, which (foreign keys are on, app/db.py) cascades to every ledger
    entry. The ledger waits in a copy meanwhile: ``PRAGMA foreign_keys`` cannot be turned
    off inside the migration's transaction. PostgreSQL alters in place."""
    if op.get_bind().dialect.name != 'sqlite':
        yield
        return
    op.execute("CREATE TEMPORARY TABLE ledger_entries_kept AS SELECT * FROM ledger_entries")
    op.execute("DELETE FROM ledger_entries")
    yield
    op.execute(f"INSERT INTO ledger_entries ({_LEDGER_COLUMNS}) "
               f"SELECT {_LEDGER_COLUMNS} FROM ledger_entries_kept")
    op.execute("DROP TABLE ledger_entries_kept")


def upgrade():
    with _ledger_set_aside():
        with op.batch_alter_table('wallets', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_wallets_balance_within_cap'), type_='check')
        with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
            batch_op.add_column(sa.Column('idempotency_key', sa.String(length=100),
                                          nullable=True))
            batch_op.create_unique_constraint(
                batch_op.f('uq_ledger_entries_user_id_idempotency_key'),
                ['user_id', 'idempotency_key'])


def downgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ledger_entries_user_id_idempotency_key'),
                                 type_='unique')
        batch_op.drop_column('idempotency_key')
    with _ledger_set_aside():
        with op.batch_alter_table('wallets', schema=None) as batch_op:
            batch_op.create_check_constraint(batch_op.f('ck_wallets_balance_within_cap'),
                                             'balance <= 100000000')
