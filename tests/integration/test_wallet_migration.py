"""Migration 0004 on a SQLite database that already holds a ledger: nothing is lost.

SQLite drops its CHECK on the balance cap by rebuilding ``wallets``; dropping the old table
with foreign keys on would cascade to every ledger entry.
"""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import USING_POSTGRES

pytestmark = pytest.mark.skipif(USING_POSTGRES, reason="SQLite's table rebuild only")

BEFORE, AFTER = "0003_refuse_checkout", "0004_wallet_refunds_topup_keys"


def test_refunds_and_keys_migration_keeps_every_ledger_entry(tmp_path):
    app = create_app({"TESTING": True, "SERVER_NAME": None,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, email, name, password_hash, is_admin,"
                              " created_at) VALUES (1, 'a@example.com', 'A', 'h', 0,"
                              " '2026-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO wallets (user_id, balance, version)"
                              " VALUES (1, 700, 3)"))
            conn.execute(text("INSERT INTO ledger_entries (user_id, kind, amount, balance_after,"
                              " created_at) VALUES (1, 'charge', 500, 500, '2026-01-01'),"
                              " (1, 'charge', 200, 700, '2026-01-02')"))

        def ledger():
            with db.engine.connect() as conn:
                return conn.execute(text("SELECT id, amount, balance_after FROM ledger_entries"
                                         " ORDER BY id")).all()

        upgrade(revision=AFTER)
        assert ledger() == [(1, 500, 500), (2, 200, 700)]
        with db.engine.begin() as conn:  # above the cap, as a refund may leave it
            conn.execute(text("UPDATE wallets SET balance = 100000700"))
            conn.execute(text("UPDATE wallets SET balance = 700"))

        downgrade(revision=BEFORE)
        assert ledger() == [(1, 500, 500), (2, 200, 700)]
        db.engine.dispose()
