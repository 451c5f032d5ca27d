"""`flask audit`: a shop built by the services is clean; each kind of corruption is caught."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.audit.services import CHECKS, run_audit
from app.catalog.editing import adjust_stock
from app.coupons.claims import claim_coupon
from app.extensions import db
from app.orders.cancel import cancel_order
from app.orders.checkout import place_order
from app.wallet.services import charge_wallet
from tests.conftest import USING_POSTGRES


@pytest.fixture
def shop(app, make_user, make_product, make_coupon):
    """A shop after a mix of operations: top-ups, claims, orders with and without a coupon,
    a cancelled order (with its coupon given back), a stock receipt. Returns the ids."""
    alice, bob = make_user(balance=50_000), make_user(balance=30_000)
    mug, tea = make_product(price=4_000, stock=20), make_product(price=1_500, stock=5)
    coupon = make_coupon(quantity=3, discount_value=500)
    with app.app_context():
        charge_wallet(bob.id, 7_000)
        alice_coupon = claim_coupon(alice.id, coupon.id).id
        bob_coupon = claim_coupon(bob.id, coupon.id).id
        paid = place_order(alice.id, [(mug.id, 2), (tea.id, 1)], alice_coupon)[0].id
        plain = place_order(bob.id, [(tea.id, 3)])[0].id
        cancelled = place_order(bob.id, [(mug.id, 1)], bob_coupon)[0].id
        cancel_order(bob.id, cancelled)
        adjust_stock(mug.id, 10, "receipt", "delivery", None)
        db.session.remove()
    return {"alice": alice.id, "bob": bob.id, "mug": mug.id, "tea": tea.id,
            "coupon": coupon.id, "alice_coupon": alice_coupon, "bob_coupon": bob_coupon,
            "paid": paid, "plain": plain, "cancelled": cancelled}


def failed_checks(app) -> set[str]:
    with app.app_context():
        try:
            return {finding.check.name for finding in run_audit()}
        finally:
            db.session.remove()


def execute(app, sql: str, **params) -> None:
    with app.app_context():
        with db.engine.begin() as conn:
            assert conn.execute(text(sql), params).rowcount >= 1, sql
        db.session.remove()


def test_clean_shop_passes(app, runner, shop):
    assert failed_checks(app) == set()
    result = runner.invoke(args=["audit"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("audit: clean (2 wallets, 2 products, 3 orders, ")


def test_empty_shop_passes(runner):
    result = runner.invoke(args=["audit"])
    assert result.exit_code == 0, result.output
    assert "audit: clean (0 wallets" in result.output


# (what is broken, the statement that breaks it, the checks that must fail, a row shown)
CORRUPTIONS = [
    ("balance off its ledger", "UPDATE wallets SET balance = balance + 1 WHERE user_id = :alice",
     {"wallet_ledger"}, "alice"),
    ("stock off its movements", "UPDATE products SET stock = stock + 1 WHERE id = :mug",
     {"stock_movements"}, "mug"),
    ("a sale movement without an order line",
     "INSERT INTO stock_movements (product_id, delta, kind, reason, created_at) "
     "VALUES (:tea, -1, 'sale', 'ghost', CURRENT_TIMESTAMP)",
     {"units_sold", "stock_movements"}, "tea"),
    ("daily sales off the order lines",
     "UPDATE product_daily_sales SET units = units + 1 WHERE product_id = :mug",
     {"daily_sales"}, "mug"),
    ("coupon remaining off its claims", "UPDATE coupons SET remaining = remaining + 1 WHERE id = :coupon",
     {"coupon_claims"}, "coupon"),
    ("more claims than copies", "UPDATE coupons SET quantity = 1, remaining = 0 WHERE id = :coupon",
     {"coupon_claims"}, "coupon"),
    ("a paid order without its payment", "DELETE FROM payments WHERE order_id = :plain",
     {"order_payment"}, "plain"),
    ("a payment not equal to the total",
     "UPDATE payments SET amount = amount + 1 WHERE order_id = :paid",
     {"order_payment"}, "paid"),
    ("a payment ledger row not equal to -total",
     "UPDATE ledger_entries SET amount = amount + 1, balance_after = balance_after + 1 "
     "WHERE order_id = :plain AND kind = 'payment'",
     {"order_payment", "wallet_ledger"}, "plain"),
    ("a second payment ledger row",
     "INSERT INTO ledger_entries (user_id, kind, amount, balance_after, order_id, created_at) "
     "SELECT user_id, kind, 0, balance_after, order_id, created_at FROM ledger_entries "
     "WHERE order_id = :paid AND kind = 'payment'",
     {"order_payment"}, "paid"),
    ("order lines not adding up to the subtotal",
     "UPDATE order_lines SET unit_price = unit_price + 1 WHERE order_id = :paid "
     "AND product_id = :tea",
     {"order_subtotal"}, "paid"),
    ("a cancelled order without its refund row",
     "DELETE FROM ledger_entries WHERE order_id = :cancelled AND kind = 'refund'",
     {"order_refund", "wallet_ledger"}, "cancelled"),
    ("a cancelled order whose payment is not marked refunded",
     "UPDATE payments SET refunded_at = NULL WHERE order_id = :cancelled",
     {"order_refund"}, "cancelled"),
    ("a paid order marked refunded",
     "UPDATE payments SET refunded_at = CURRENT_TIMESTAMP WHERE order_id = :paid",
     {"order_refund"}, "paid"),
    ("a paid order's coupon not marked used",
     "UPDATE user_coupons SET used_order_id = NULL, used_at = NULL WHERE id = :alice_coupon",
     {"coupon_use"}, "paid"),
    ("a coupon marked used by a cancelled order",
     "UPDATE user_coupons SET used_order_id = :cancelled WHERE id = :bob_coupon",
     {"coupon_use"}, "bob_coupon"),
]


@pytest.mark.parametrize("sql, expected, shown",
                         [case[1:] for case in CORRUPTIONS], ids=[case[0] for case in CORRUPTIONS])
def test_corruption_is_reported(app, runner, shop, sql, expected, shown):
    execute(app, sql, **shop)
    assert failed_checks(app) == expected
    result = runner.invoke(args=["audit"])
    assert result.exit_code == 1
    for name in expected:
        assert f"FAIL {name}:" in result.output
    assert f"\n    {shop[shown]}  " in result.output, result.output
    assert result.output.rstrip().endswith(f"audit: {len(expected)} check(s) failed")


def _without_check_constraint(app, table: str, name: str, expression: str):
    """Let a test write a row the CHECK forbids (the audit is the net under the net)."""
    if USING_POSTGRES:
        execute_ddl(app, f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        return lambda: execute_ddl(app, f"ALTER TABLE {table} ADD CONSTRAINT {name} "
                                        f"CHECK ({expression})")
    return lambda: None


def execute_ddl(app, sql: str) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(sql))


def test_negative_stock_is_reported(app, runner, shop):
    restore = _without_check_constraint(app, "products", "ck_products_stock_not_negative",
                                        "stock >= 0")
    try:
        with app.app_context(), db.engine.begin() as conn:
            if not USING_POSTGRES:
                conn.execute(text("PRAGMA ignore_check_constraints = ON"))
            # stock and its movements agree, so only the sign is wrong
            conn.execute(text("UPDATE products SET stock = -1 WHERE id = :id"),
                         {"id": shop["mug"]})
            conn.execute(text(
                "INSERT INTO stock_movements (product_id, delta, kind, reason, created_at) "
                "SELECT :id, -1 - SUM(delta), 'correction', 'bad recount', CURRENT_TIMESTAMP "
                "FROM stock_movements WHERE product_id = :id"), {"id": shop["mug"]})
            if not USING_POSTGRES:
                conn.execute(text("PRAGMA ignore_check_constraints = OFF"))
        assert failed_checks(app) == {"not_negative"}
        result = runner.invoke(args=["audit"])
        assert result.exit_code == 1
        assert f"    product  {shop['mug']}  -1" in result.output
    finally:
        execute(app, "UPDATE products SET stock = 0 WHERE id = :mug", **shop)
        restore()


def test_every_check_is_exercised():
    broken = set().union(*(case[2] for case in CORRUPTIONS)) | {"not_negative"}
    assert broken == {check.name for check in CHECKS}


def test_limit_caps_the_rows_printed(app, runner, make_product):
    ids = [make_product(stock=1).id for _ in range(3)]
    execute(app, "UPDATE products SET stock = stock + 5")
    result = runner.invoke(args=["audit", "--limit", "2"])
    assert result.exit_code == 1
    assert "FAIL stock_movements: product stock = Σ its stock movements: 2 row(s) " \
           "(more not shown)" in result.output
    assert f"\n    {ids[0]}  6  1" in result.output
    assert f"\n    {ids[2]}  " not in result.output
