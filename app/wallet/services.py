"""Wallet: top-ups, and the balance change every payment and refund goes through.

The 100,000,000 won cap limits what a top-up may lift a balance to, nothing else: a refund
always goes through (a shop must be able to give a shopper's money back), so a balance may
sit above the cap. Such a balance still pays for orders; it takes no top-up until spending
brings it back under the cap.
"""

from __future__ import annotations

import re

from sqlalchemy import Row, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app.db import retry_on_conflict, transaction, utcnow
from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.wallet.models import IDEMPOTENCY_KEY_MAX, MAX_BALANCE, LedgerEntry, Wallet

MIN_CHARGE = 1
MAX_CHARGE = 1_000_000
TOP_UP_ATTEMPTS = 5
# Printable ASCII without spaces, as checkout takes it: UUIDs or tokens, safe in logs.
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,%d}" % IDEMPOTENCY_KEY_MAX)


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


class IdempotencyKeyReused(DomainError):
    # 422, as the IETF Idempotency-Key draft answers a key replayed with another payload.
    code = "idempotency_key_reused"
    status = 422
    title = "Idempotency key already used"


class WalletNotFound(DomainError):
    code = "wallet_not_found"
    status = 404
    title = "Wallet not found"


def check_charge_amount(amount) -> int:
    """A top-up is a whole number of won from 1 to 1,000,000 (bool is not a number here)."""
    if type(amount) is not int or not MIN_CHARGE <= amount <= MAX_CHARGE:
        raise InvalidAmount(f"Enter a whole number of won from {MIN_CHARGE:,} to {MAX_CHARGE:,}.")
    return amount


def check_idempotency_key(key) -> str | None:
    """None, or 1 to 100 printable ASCII characters without spaces."""
    if key is None:
        return None
    if not isinstance(key, str) or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(f"An idempotency key is 1 to {IDEMPOTENCY_KEY_MAX} printable "
                           "characters without spaces.", field="idempotency_key")
    return key


_LEDGER = LedgerEntry.__table__
_LEDGER_COLUMNS = ", ".join(column.name for column in _LEDGER.columns)


def _balance_change_sql(order_id: str, idempotency_key: str) -> str:
    # Only a top-up ('charge') is held to the cap; payments and refunds only to >= 0.
    return f"""
    changed AS (
        UPDATE wallets SET balance = balance + :delta, version = version + 1
         WHERE user_id = :user_id AND balance + :delta >= 0
           AND (:kind <> 'charge' OR balance + :delta <= {MAX_BALANCE})
        RETURNING balance
    ), ledger AS (
        INSERT INTO ledger_entries (user_id, kind, amount, balance_after, order_id, created_at,
                                    idempotency_key)
        SELECT :user_id, :kind, :delta, balance, {order_id}, :created_at, {idempotency_key}
          FROM changed
        RETURNING *
    )"""


def balance_change_sql(order_id: str = ":order_id") -> str:
    """PostgreSQL: the compare-and-set and its ledger row as two CTEs, ``changed`` and
    ``ledger`` (``RETURNING *``), for one statement with parameters ``:user_id``, ``:kind``,
    ``:delta`` and ``:created_at``. ``order_id`` is the SQL for the row's order id, so a
    checkout can write its payment in the statement that inserts the order. Only a
    ``charge`` is held to the balance cap, so a balance above it still pays.
    """
    return _balance_change_sql(order_id, "NULL")


# On PostgreSQL the compare-and-set and its ledger row are one statement: one round trip
# instead of two, and no unit-of-work flush (docs/BENCHMARKS.md). Columns by name: a
# column added by a migration comes last in the table, wherever the model declares it.
_CHANGE_BALANCE_PG = text(
    f"WITH {_balance_change_sql(':order_id', ':idempotency_key')} "
    f"SELECT {_LEDGER_COLUMNS} FROM ledger"
).columns(*_LEDGER.columns)


def change_balance(session, user_id: int, delta: int, kind: str, order_id: int | None = None,
                   *, idempotency_key: str | None = None) -> Row:
    """Add ``delta`` to the wallet and write its ledger row, inside the caller's transaction.

    A compare-and-set on the invariant itself: the UPDATE applies only if the new balance
    stays at or above 0 (and, for a ``charge``, at or below MAX_BALANCE), bumps ``version``
    (so ORM writers holding an older copy get ``StaleDataError``), and returns the new
    balance. No read-then-write, so concurrent top-ups never lose to each other; they queue
    on the row lock for microseconds. Returns the ledger row as written (a ``Row`` with
    ``LedgerEntry``'s columns as attributes: reading it back as an ORM entity cost more than
    the statement itself). A ledger row with the user's ``idempotency_key`` already there
    raises ``IntegrityError`` and changes nothing.
    """
    values = {"user_id": user_id, "kind": kind, "delta": delta, "order_id": order_id,
              "created_at": utcnow(), "idempotency_key": idempotency_key}
    if session.get_bind().dialect.name == "postgresql":
        entry = session.execute(_CHANGE_BALANCE_PG, values).one_or_none()
    else:
        allowed = [Wallet.user_id == user_id, Wallet.balance + delta >= 0]
        if kind == "charge":
            allowed.append(Wallet.balance + delta <= MAX_BALANCE)
        new_balance = session.execute(
            update(Wallet)
            .where(*allowed)
            .values(balance=Wallet.balance + delta, version=Wallet.version + 1)
            .returning(Wallet.balance)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        entry = None if new_balance is None else session.execute(
            insert(_LEDGER).returning(*_LEDGER.columns),
            {"user_id": user_id, "kind": kind, "amount": delta, "balance_after": new_balance,
             "order_id": order_id, "created_at": values["created_at"],
             "idempotency_key": idempotency_key}).one()
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
    if balance >= MAX_BALANCE:
        # Only a refund takes a balance here; a top-up waits until spending brings it down.
        return BalanceLimitExceeded(
            f"Your balance of {balance:,} won has reached the {MAX_BALANCE:,} won limit for "
            "top-ups; spend some points before adding more."
        )
    return BalanceLimitExceeded(
        f"A balance may not exceed {MAX_BALANCE:,} won; you can add at most "
        f"{MAX_BALANCE - balance:,} won now."
    )


_CHARGE_WITH_KEY = (select(*_LEDGER.columns)
                    .where(_LEDGER.c.user_id == bindparam("user_id"),
                           _LEDGER.c.idempotency_key == bindparam("key")))


def _replayed(session, user_id: int, amount: int, key: str) -> Row | None:
    """The top-up already made with ``key``, or None; another amount is a reused key."""
    entry = session.execute(_CHARGE_WITH_KEY, {"user_id": user_id, "key": key}).one_or_none()
    if entry is not None and entry.amount != amount:
        raise IdempotencyKeyReused(
            f"This key was already used for a top-up of {entry.amount:,} won, not "
            f"{amount:,} won; a new top-up needs a new key.")
    return entry


@retry_on_conflict(attempts=TOP_UP_ATTEMPTS)
def charge_wallet(user_id: int, amount, idempotency_key: str | None = None
                  ) -> tuple[Row, bool]:
    """Top up ``user_id``'s wallet by ``amount`` won; returns (ledger row, created).

    With an ``idempotency_key`` the top-up happens once: the same key again, with the same
    amount, returns the first top-up's row (``created=False``), even when the two requests
    race (the key is unique per user in the ledger); with another amount it is
    ``IdempotencyKeyReused``. A refused top-up stores no key, so it can be retried.
    """
    amount = check_charge_amount(amount)
    key = check_idempotency_key(idempotency_key)
    try:
        with transaction(single_write=True) as uow:  # change_balance is one statement
            if key is not None and (entry := _replayed(uow.session, user_id, amount, key)):
                return entry, False
            return change_balance(uow.session, user_id, amount, "charge",
                                  idempotency_key=key), True
    except IntegrityError:
        # The same key committed by a concurrent request after this one looked for it.
        entry = _replayed(db.session, user_id, amount, key) if key is not None else None
        if entry is None:
            raise
        return entry, False


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
