"""Wallet: top-ups, and the balance change every payment and refund goes through.

The 100,000,000 won cap limits what a top-up may lift a balance to, nothing else: a refund
always goes through (a shop must be able to give a shopper's money back), so a balance may
sit above the cap. Such a balance still pays for orders; it takes no top-up until spending
brings it back under the cap.
"""

from __future__ import annotations

import functools

from flask_babel import gettext, lazy_gettext
from sqlalchemy import BigInteger, Insert, Integer, Row, String, Update, bindparam, select

from app.db import retry_on_conflict, transaction, utcnow
from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.extensions import db
from app.formatting import format_won_text
from app.idempotency import check_idempotency_key, once_per_key
from app.metrics import TOPUPS, count_outcomes
from app.wallet.models import MAX_BALANCE, LedgerEntry, Wallet
from app.writes import compare_and_set, constant, insert_row

MIN_CHARGE = 1
MAX_CHARGE = 1_000_000
TOP_UP_ATTEMPTS = 5


class InvalidAmount(InvalidInput):
    code = "invalid_amount"
    title = lazy_gettext("Invalid amount")
    field = "amount"


class BalanceLimitExceeded(InvalidInput):
    code = "balance_limit_exceeded"
    title = lazy_gettext("Balance limit exceeded")
    field = "amount"


class InsufficientPoints(Conflict):
    code = "insufficient_points"
    title = lazy_gettext("Not enough points")


class IdempotencyKeyReused(InvalidInput):
    # 422, as the IETF Idempotency-Key draft answers a key replayed with another payload.
    code = "idempotency_key_reused"
    title = lazy_gettext("Idempotency key already used")


class WalletNotFound(NotFound):
    code = "wallet_not_found"
    title = lazy_gettext("Wallet not found")


def charge_range_message() -> str:
    """What a top-up may be, in the request's language (the form says it too)."""
    return gettext("Enter a whole amount from %(low)s to %(high)s.",
                   low=format_won_text(MIN_CHARGE), high=format_won_text(MAX_CHARGE))


def check_charge_amount(amount) -> int:
    """A top-up is a whole number of won from 1 to 1,000,000 (bool is not a number here)."""
    if type(amount) is not int or not MIN_CHARGE <= amount <= MAX_CHARGE:
        raise InvalidAmount(charge_range_message())
    return amount


_LEDGER = LedgerEntry.__table__


def balance_change(user_id, delta, kind: str) -> Update:
    """Add ``delta`` to the wallet only where the new balance stays at or above 0 (and, for
    a top-up, ``charge``, at or below MAX_BALANCE: a payment or refund is held to >= 0
    only, so a balance above the cap still pays); returns the new ``balance``, or no row.
    ``user_id`` and ``delta`` may be values or SQL (checkout binds them once)."""
    allowed = [Wallet.user_id == user_id, Wallet.balance + delta >= constant(0)]
    if kind == "charge":
        allowed.append(Wallet.balance + delta <= MAX_BALANCE)
    return compare_and_set(Wallet, allowed, {"balance": Wallet.balance + delta}
                           ).returning(Wallet.balance)


def ledger_row(user_id, kind: str, delta, balance_after, *, order_id=None, created_at,
               idempotency_key=None) -> Insert:
    """The ledger row of a balance change; ``balance_after`` is what the change returned."""
    return insert_row(LedgerEntry, {
        "user_id": user_id, "kind": constant(kind), "amount": delta,
        "balance_after": balance_after,
        "order_id": order_id, "created_at": created_at, "idempotency_key": idempotency_key})


@functools.cache
def _change_balance_pg(kind: str):
    # On PostgreSQL the compare-and-set and its ledger row are one statement: one round trip
    # instead of two, and no unit-of-work flush (docs/BENCHMARKS.md). Built once per kind:
    # SQLAlchemy then finds its compiled form by the statement's memoized cache key. No
    # parameter is named after a column: SQLAlchemy would add it to the UPDATE's SET.
    user_id, delta = bindparam("holder", type_=Integer), bindparam("points", type_=BigInteger)
    changed = balance_change(user_id, delta, kind).cte("changed")
    ledger = ledger_row(user_id, kind, delta, changed.c.balance,
                        order_id=bindparam("for_order", type_=Integer),
                        created_at=bindparam("at", type_=_LEDGER.c.created_at.type),
                        idempotency_key=bindparam("key", type_=String)
                        ).returning(*_LEDGER.columns).cte("ledger")
    return select(ledger)


def change_balance(session, user_id: int, delta: int, kind: str, order_id: int | None = None,
                   *, idempotency_key: str | None = None) -> Row:
    """Add ``delta`` to the wallet and write its ledger row, inside the caller's transaction.

    A compare-and-set on the invariant itself (``balance_change``): no read-then-write, so
    concurrent top-ups never lose to each other; they queue on the row lock for
    microseconds. Returns the ledger row as written (a ``Row`` with ``LedgerEntry``'s
    columns as attributes: reading it back as an ORM entity cost more than the statement
    itself). A ledger row with the user's ``idempotency_key`` already there raises
    ``IntegrityError`` and changes nothing.
    """
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        entry = session.execute(_change_balance_pg(kind), {
            "holder": user_id, "points": delta, "for_order": order_id, "at": now,
            "key": idempotency_key}).one_or_none()
    else:
        balance = session.execute(balance_change(user_id, delta, kind)).scalar_one_or_none()
        entry = None if balance is None else session.execute(
            ledger_row(user_id, kind, delta, balance, order_id=order_id, created_at=now,
                       idempotency_key=idempotency_key).returning(*_LEDGER.columns)).one()
    if entry is None:
        raise balance_refusal(session, user_id, delta)
    return entry


def balance_refusal(session, user_id: int, delta: int) -> DomainError:
    """Why the compare-and-set of ``delta`` matched no row, read from the newest row."""
    balance = session.scalar(select(Wallet.balance).where(Wallet.user_id == user_id))
    if balance is None:
        return WalletNotFound()
    if delta < 0:
        return InsufficientPoints(gettext(
            "This costs %(cost)s but your balance is %(balance)s.",
            cost=format_won_text(-delta), balance=format_won_text(balance)))
    if balance >= MAX_BALANCE:
        # Only a refund takes a balance here; a top-up waits until spending brings it down.
        return BalanceLimitExceeded(gettext(
            "Your balance of %(balance)s has reached the %(limit)s limit for top-ups; spend "
            "some points before adding more.",
            balance=format_won_text(balance), limit=format_won_text(MAX_BALANCE)))
    return BalanceLimitExceeded(gettext(
        "A balance may not exceed %(limit)s; you can add at most %(room)s now.",
        limit=format_won_text(MAX_BALANCE), room=format_won_text(MAX_BALANCE - balance)))


_CHARGE_WITH_KEY = (select(*_LEDGER.columns)
                    .where(_LEDGER.c.user_id == bindparam("user_id"),
                           _LEDGER.c.idempotency_key == bindparam("key")))


def _replayed(session, user_id: int, amount: int, key: str) -> Row | None:
    """The top-up already made with ``key``, or None; another amount is a reused key."""
    entry = session.execute(_CHARGE_WITH_KEY, {"user_id": user_id, "key": key}).one_or_none()
    if entry is not None and entry.amount != amount:
        raise IdempotencyKeyReused(gettext(
            "This key was already used for a top-up of %(used)s, not %(asked)s; a new top-up "
            "needs a new key.",
            used=format_won_text(entry.amount), asked=format_won_text(amount)))
    return entry


@count_outcomes(TOPUPS, lambda charged: "charged" if charged[1] else "replayed")
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

    def top_up() -> Row:
        with transaction(single_write=True) as uow:  # change_balance is one statement
            return change_balance(uow.session, user_id, amount, "charge", idempotency_key=key)

    return once_per_key(key, lambda: _replayed(db.session, user_id, amount, key), top_up)


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
