"""Concurrent top-ups never lose an update, on PostgreSQL and on the embedded SQLite."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.wallet.models import LedgerEntry, Wallet
from app.wallet.services import charge_wallet
from tests.helpers import bearer_header, outcome_counts, run_concurrently


def _assert_exact(user_id: int, top_ups: int, amount: int):
    balance = db.session.scalar(select(Wallet.balance).where(Wallet.user_id == user_id))
    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.user_id == user_id).order_by(LedgerEntry.id)
    ).all()
    assert balance == top_ups * amount
    assert len(entries) == top_ups
    assert sum(e.amount for e in entries) == balance
    # Every row's balance_after is the running total: no two top-ups saw the same balance.
    assert sorted(e.balance_after for e in entries) == [amount * i for i in range(1, top_ups + 1)]


@pytest.mark.postgres
def test_100_concurrent_top_ups_on_postgres_are_exact(app, ctx, make_user):
    user = make_user()
    outcomes = run_concurrently(app, charge_wallet, [(user.id, 1000)] * 100, workers=100)
    assert outcome_counts(outcomes) == {"ok": 100}
    _assert_exact(user.id, 100, 1000)


def test_20_concurrent_top_ups_are_exact_on_any_database(app, ctx, make_user):
    user = make_user()
    outcomes = run_concurrently(app, charge_wallet, [(user.id, 1000)] * 20)
    assert outcome_counts(outcomes) == {"ok": 20}
    _assert_exact(user.id, 20, 1000)


@pytest.mark.postgres
def test_top_ups_racing_the_balance_cap_never_exceed_it(app, ctx, make_user):
    user = make_user(balance=99_000_000)
    outcomes = run_concurrently(app, charge_wallet, [(user.id, 300_000)] * 10)
    counts = outcome_counts(outcomes)
    assert counts == {"ok": 3, "balance_limit_exceeded": 7}
    assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 99_900_000
    assert db.session.scalar(select(Wallet.balance).where(Wallet.user_id == user.id)) == 99_900_000




def _retries_of_one_top_up(app, user_id: int, token: str, calls: int):
    """``calls`` clients send one top-up with the same Idempotency-Key at the same moment
    (a client retrying after a timeout while its first request is still running)."""
    headers = {**bearer_header(token), "Idempotency-Key": "retry-key"}

    def top_up():
        response = app.test_client().post("/api/v1/wallet/charges", json={"amount": 7_000},
                                          headers=headers)
        return response.status_code, response.get_json()

    outcomes = run_concurrently(app, top_up, [()] * calls)

    assert sorted(status for status, _ in outcomes) == [200] * (calls - 1) + [201]
    # Every retry answers with the one charge that was made.
    assert len({(body["charge"]["id"], body["balance"]) for _, body in outcomes}) == 1
    _assert_exact(user_id, 1, 7_000)


@pytest.mark.postgres
def test_concurrent_retries_of_one_key_top_up_once_on_postgres(app, ctx, make_user, api_token):
    user = make_user()
    _retries_of_one_top_up(app, user.id, api_token(user), 30)


def test_concurrent_retries_of_one_key_top_up_once_on_any_database(app, ctx, make_user,
                                                                     api_token):
    user = make_user()
    _retries_of_one_top_up(app, user.id, api_token(user), 10)
