"""Checkout's write: one set of owner constructs, run one by one (SQLite) or composed into
one statement built once (PostgreSQL), and that statement stays cheap for psycopg."""

import pytest
from sqlalchemy.dialects.postgresql import psycopg

import app.orders.checkout as checkout
import app.orders.one_statement as one_statement
from app.coupons.models import UserCoupon
from app.wallet.models import Wallet
from app.writes import compare_and_set

# psycopg caches its parse of a query only up to these (psycopg/_queries.py); past them it
# parses the query again on every run, ~0.3 ms for this statement (docs/BENCHMARKS.md).
PSYCOPG_CACHED_QUERY_BYTES = 4096
PSYCOPG_CACHED_QUERY_PARAMS = 50

# What checkout writes through, in the order it calls the owners (the lock order).
OWNERS = ("next_order_id", "mark_used", "order_row", "line_row", "event_row",
          "balance_change", "ledger_row", "payment_row", "remove_ordered", "take",
          "movement", "count_sold")


def _compiled():
    statement = one_statement.statement()
    # As executed: with its parameters' names as the column keys SQLAlchemy is given.
    keys = list(statement.compile(dialect=psycopg.dialect()).params)
    return statement.compile(dialect=psycopg.dialect(), column_keys=keys)


def test_the_statement_is_built_and_compiled_once_not_per_checkout():
    dialect = psycopg.dialect()
    assert one_statement.statement() is one_statement.statement()
    assert one_statement.compiled_sql(dialect) is one_statement.compiled_sql(dialect)
    assert one_statement.compiled_sql(dialect) == str(_compiled())


def test_the_statement_is_short_enough_for_psycopg_to_cache_its_parse():
    compiled = _compiled()
    assert len(str(compiled).encode()) <= PSYCOPG_CACHED_QUERY_BYTES
    assert len(compiled.params) <= PSYCOPG_CACHED_QUERY_PARAMS


def test_no_parameter_is_taken_for_a_column_to_set():
    """SQLAlchemy adds an execution parameter named like a column to an UPDATE's SET."""
    assert str(_compiled()) == str(one_statement.statement().compile(dialect=psycopg.dialect()))


def test_the_statement_locks_the_products_last_in_id_order_and_can_refuse():
    sql = str(_compiled())
    assert "ORDER BY products.id FOR NO KEY UPDATE OF products" in sql
    for reason in ("insufficient_points", "coupon_used", "out_of_stock "):
        assert f"refuse_checkout('{reason}'" in sql


def _spy_on_owners(monkeypatch, module, calls: list) -> None:
    for name in OWNERS:
        real = getattr(module, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)


def test_the_composed_statement_calls_the_owners_in_the_lock_order(monkeypatch):
    calls = []
    _spy_on_owners(monkeypatch, one_statement, calls)
    one_statement.statement.__wrapped__()  # built again, past its cache
    assert calls == list(OWNERS)


def test_the_sqlite_path_calls_the_same_owners_in_the_same_order(
        ctx, monkeypatch, make_user, make_product, give_coupon):
    from app.extensions import db
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL runs the composed statement, checked above")
    user = make_user(balance=100_000)
    product = make_product(price=10_000, stock=5)
    claim = give_coupon(user)
    calls = []
    _spy_on_owners(monkeypatch, checkout, calls)
    order, created = checkout.place_order(user.id, [(product.id, 1)], claim, from_cart=True)
    assert created and order.discount > 0
    assert calls == list(OWNERS)


@pytest.mark.parametrize("model, bumps", [(Wallet, True), (UserCoupon, False)])
def test_compare_and_set_bumps_the_version_of_versioned_rows_and_leaves_the_session_alone(
        model, bumps):
    statement = compare_and_set(model, (), {"user_id": 1})
    assert ("version" in {column.key for column in statement._values}) is bumps
    assert statement.get_execution_options()["synchronize_session"] is False
