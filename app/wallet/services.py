"""Wallet: top-ups, and the balance change every payment and refund goes through."""

from __future__ import annotations

from sqlalchemy import Row, insert, select, text, update

from app.db import retry_on_conflict, transaction, utcnow
from app.errors import DomainError
from app.extensions import db
from app.wallet.models import MAX_BALANCE, LedgerEntry, Wallet

MIN_CHARGE = 1
MAX_CHARGE = 1_000_000
TOP_UP_ATTEMPTS = 5


class InvalidAmount(DomainError):
    code = "invalid_amount"
    status = 422
    title = "Invalid amount"
    field = "amount"


class BalanceLimitExceeded(DomainError):
    code = "balance_limit_exceeded"
    status = 422
    title = "Balance limit exceeded"
    field = "amount"


class InsufficientPoints(DomainError):
    code = "insufficient_points"
    status = 409
    title = "Not enough points"


class WalletNotFound(DomainError):
    code = "wallet_not_found"
    status = 404
    title = "Wallet not found"


def check_charge_amount(amount) -> int:
    """A top-up is a whole number of won from 1 to 1,000,000 (bool is not a number here)."""
    if type(amount) is not int or not MIN_CHARGE <= amount <= MAX_CHARGE:
        raise InvalidAmount(f"Enter a whole number of won from {MIN_CHARGE:,} to {MAX_CHARGE:,}.")
    return amount


_LEDGER = LedgerEntry.__table__


def balance_change_sql(order_id: str = ":order_id") -> str:
    """PostgreSQL: the compare-and-set and its ledger row as two CTEs, ``changed`` and
    ``ledger`` (``RETURNING *``), for one statement with parameters ``:user_id``, ``:kind``,
    ``:delta`` and ``:created_at``. ``order_id`` is the SQL for the row's order id, so a
    checkout can write its payment in the statement that inserts the order.
    """
    return f"""
    changed AS (
        UPDATE wallets SET balance = balance + :delta, version = version + 1
         WHERE user_id = :user_id AND balance + :delta BETWEEN 0 AND {MAX_BALANCE}
        RETURNING balance
    ), ledger AS (
        INSERT INTO ledger_entries (user_id, kind, amount, balance_after, order_id, created_at)
        SELECT :user_id, :kind, :delta, balance, {order_id}, :created_at FROM changed
        RETURNING *
    )"""


# On PostgreSQL the compare-and-set and its ledger row are one statement: one round trip
# instead of two, and no unit-of-work flush (docs/BENCHMARKS.md).
_CHANGE_BALANCE_PG = text(f"WITH {balance_change_sql()} SELECT * FROM ledger"
                          ).columns(*_LEDGER.columns)


def change_balance(session, user_id: int, delta: int, kind: str, order_id: int | None = None
                   ) -> Row:
    """Add ``delta`` to the wallet and write its ledger row, inside the caller's transaction.

    A compare-and-set on the invariant itself: the UPDATE applies only if the new balance
    stays within 0..MAX_BALANCE, bumps ``version`` (so ORM writers holding an older copy get
    ``StaleDataError``), and returns the new balance. No read-then-write, so concurrent
    top-ups never lose to each other; they queue on the row lock for microseconds. Returns
    the ledger row as written (a ``Row`` with ``LedgerEntry``'s columns as attributes:
    reading it back as an ORM entity cost more than the statement itself).
    """
    values = {"user_id": user_id, "kind": kind, "delta": delta, "order_id": order_id,
              "created_at": utcnow()}
    if session.get_bind().dialect.name == "postgresql":
        entry = session.execute(_CHANGE_BALANCE_PG, values).one_or_none()
    else:
        new_balance = session.execute(
            update(Wallet)
            .where(Wallet.user_id == user_id,
                   Wallet.balance + delta >= 0,
                   Wallet.balance + delta <= MAX_BALANCE)
            .values(balance=Wallet.balance + delta, version=Wallet.version + 1)
            .returning(Wallet.balance)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        entry = None if new_balance is None else session.execute(
            insert(_LEDGER).returning(*_LEDGER.columns),
            {"user_id": user_id, "kind": kind, "amount": delta, "balance_after": new_balance,
             "order_id": order_id, "created_at": values["created_at"]}).one()
    if entry is None:
        raise balance_refusal(session, user_id, delta)
    return entry


def balance_refusal(session, user_id: int, delta: int) -> DomainError:
    """Why the compare-and-set of ``delta`` matched no row, read from the newest row."""
    balance = session.scalar(select(Wallet.balance).where(Wallet.user_id == user_id))
    if balance is None:
        return WalletNotFound()
    if delta < 0:
        return InsufficientPoints(f"This costs {-delta:,} won but your balance is {balance:,} won.")
    return BalanceLimitExceeded(
        f"A balance may not exceed {MAX_BALANCE:,} won; you can add at most "
        f"{MAX_BALANCE - balance:,} won now."
    )


@retry_on_conflict(attempts=TOP_UP_ATTEMPTS)
def charge_wallet(user_id: int, amount) -> Row:
    """Top up ``user_id``'s wallet by ``amount`` won; returns the ledger row (with balance_after)."""
    amount = check_charge_amount(amount)
    with transaction(single_write=True) as uow:  # change_balance is one statement
        return change_balance(uow.session, user_id, amount, "charge")


def get_balance(user_id: int) -> int:
    balance = db.session.scalar(select(Wallet.balance).where(Wallet.user_id == user_id))
    if balance is None:
        raise WalletNotFound()
    return balance


def ledger_page(user_id: int, page: int = 1, per_page: int = 20):
    """The wallet's ledger, newest first, as a Flask-SQLAlchemy ``Pagination``."""
    query = (select(LedgerEntry).where(LedgerEntry.user_id == user_id)
             .order_by(LedgerEntry.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, max_per_page=100, error_out=False)
