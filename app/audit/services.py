"""The shop's invariants, each checked by one set-based query over the whole database.

Every check is a SELECT that returns the rows breaking its rule (none when the shop is
sound), so the audit costs a handful of GROUP BY scans whatever the size of the shop, and
what it prints is exactly what needs looking at. The queries are plain SQL that SQLite and
PostgreSQL both run.

The rules, and why they must hold:

- a wallet's balance is the sum of its ledger, and a product's stock the sum of its stock
  movements: ``change_balance`` and ``change_stock`` write the counter and its row together;
- the units a product's ``sale``/``cancel`` movements took out equal the units of its paid
  (not cancelled) order lines, and so do its ``product_daily_sales`` totals;
- a coupon's claimed copies (``quantity - remaining``) equal its shoppers' rows, never more
  than ``quantity``;
- every order was paid once: one payment of its total and one ``payment`` ledger row of
  minus its total, by its shopper; its lines add up to its subtotal;
- a paid order has no refund; a cancelled one has exactly one ``refund`` ledger row of its
  total and its payment marked refunded;
- a used shopper coupon points at a paid order of the same shopper that uses it, and every
  paid order with a coupon is the one that coupon points at;
- no balance, stock or coupon ``remaining`` is negative.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from app.extensions import db


@dataclass(frozen=True)
class Check:
    name: str
    rule: str
    sql: str


CHECKS: tuple[Check, ...] = (
    Check("wallet_ledger", "wallet balance = Σ its ledger entries", """
        SELECT w.user_id, w.balance, COALESCE(l.total, 0) AS ledger_sum
          FROM wallets w
          LEFT JOIN (SELECT user_id, SUM(amount) AS total FROM ledger_entries
                      GROUP BY user_id) l ON l.user_id = w.user_id
         WHERE w.balance <> COALESCE(l.total, 0)
         ORDER BY w.user_id"""),
    Check("stock_movements", "product stock = Σ its stock movements", """
        SELECT p.id AS product_id, p.stock, COALESCE(m.total, 0) AS movements_sum
          FROM products p
          LEFT JOIN (SELECT product_id, SUM(delta) AS total FROM stock_movements
                      GROUP BY product_id) m ON m.product_id = p.id
         WHERE p.stock <> COALESCE(m.total, 0)
         ORDER BY p.id"""),
    Check("units_sold",
          "units taken by sale/cancel movements = units of paid, not cancelled order lines", """
        SELECT p.id AS product_id, COALESCE(m.units, 0) AS movement_units,
               COALESCE(l.units, 0) AS order_line_units
          FROM products p
          LEFT JOIN (SELECT product_id, -SUM(delta) AS units FROM stock_movements
                      WHERE kind IN ('sale', 'cancel') GROUP BY product_id) m
                 ON m.product_id = p.id
          LEFT JOIN (SELECT ol.product_id, SUM(ol.quantity) AS units
                       FROM order_lines ol JOIN orders o ON o.id = ol.order_id
                      WHERE o.status = 'paid' GROUP BY ol.product_id) l
                 ON l.product_id = p.id
         WHERE COALESCE(m.units, 0) <> COALESCE(l.units, 0)
         ORDER BY p.id"""),
    Check("daily_sales",
          "Σ product_daily_sales units = units of paid, not cancelled order lines", """
        SELECT p.id AS product_id, COALESCE(d.units, 0) AS daily_sales_units,
               COALESCE(l.units, 0) AS order_line_units
          FROM products p
          LEFT JOIN (SELECT product_id, SUM(units) AS units FROM product_daily_sales
                      GROUP BY product_id) d ON d.product_id = p.id
          LEFT JOIN (SELECT ol.product_id, SUM(ol.quantity) AS units
                       FROM order_lines ol JOIN orders o ON o.id = ol.order_id
                      WHERE o.status = 'paid' GROUP BY ol.product_id) l
                 ON l.product_id = p.id
         WHERE COALESCE(d.units, 0) <> COALESCE(l.units, 0)
         ORDER BY p.id"""),
    Check("coupon_claims", "coupon quantity - remaining = its claimed copies ≤ quantity", """
        SELECT c.id AS coupon_id, c.quantity, c.remaining,
               COALESCE(u.claimed, 0) AS claimed_rows
          FROM coupons c
          LEFT JOIN (SELECT coupon_id, COUNT(*) AS claimed FROM user_coupons
                      GROUP BY coupon_id) u ON u.coupon_id = c.id
         WHERE c.quantity - c.remaining <> COALESCE(u.claimed, 0)
            OR COALESCE(u.claimed, 0) > c.quantity
         ORDER BY c.id"""),
    Check("order_payment",
          "every order has one payment of its total and one 'payment' ledger row of -total "
          "by its shopper", """
        SELECT o.id AS order_id, o.total, COALESCE(p.n, 0) AS payments,
               p.amount AS payment_amount, COALESCE(l.n, 0) AS payment_entries,
               l.amount AS ledger_amount
          FROM orders o
          LEFT JOIN (SELECT order_id, COUNT(*) AS n, SUM(amount) AS amount FROM payments
                      GROUP BY order_id) p ON p.order_id = o.id
          LEFT JOIN (SELECT order_id, user_id, COUNT(*) AS n, SUM(amount) AS amount
                       FROM ledger_entries WHERE kind = 'payment'
                      GROUP BY order_id, user_id) l
                 ON l.order_id = o.id AND l.user_id = o.user_id
         WHERE COALESCE(p.n, 0) <> 1 OR p.amount <> o.total
            OR COALESCE(l.n, 0) <> 1 OR l.amount <> -o.total
            OR EXISTS (SELECT 1 FROM ledger_entries x
                        WHERE x.order_id = o.id AND x.kind = 'payment'
                          AND x.user_id <> o.user_id)
         ORDER BY o.id"""),
    Check("order_subtotal", "an order's subtotal = Σ its lines' unit price × quantity", """
        SELECT o.id AS order_id, o.subtotal, COALESCE(l.amount, 0) AS lines_amount
          FROM orders o
          LEFT JOIN (SELECT order_id, SUM(unit_price * quantity) AS amount FROM order_lines
                      GROUP BY order_id) l ON l.order_id = o.id
         WHERE o.subtotal <> COALESCE(l.amount, 0)
         ORDER BY o.id"""),
    Check("order_refund",
          "a cancelled order has one 'refund' ledger row of +total by its shopper and its "
          "payment refunded; a paid order has neither", """
        SELECT o.id AS order_id, o.status, o.total, COALESCE(r.n, 0) AS refund_entries,
               r.amount AS refund_amount, p.refunded_at
          FROM orders o
          LEFT JOIN payments p ON p.order_id = o.id
          LEFT JOIN (SELECT order_id, user_id, COUNT(*) AS n, SUM(amount) AS amount
                       FROM ledger_entries WHERE kind = 'refund'
                      GROUP BY order_id, user_id) r
                 ON r.order_id = o.id AND r.user_id = o.user_id
         WHERE (o.status = 'cancelled'
                AND (COALESCE(r.n, 0) <> 1 OR r.amount <> o.total OR p.refunded_at IS NULL))
            OR (o.status = 'paid' AND (COALESCE(r.n, 0) <> 0 OR p.refunded_at IS NOT NULL))
            OR EXISTS (SELECT 1 FROM ledger_entries x
                        WHERE x.order_id = o.id AND x.kind = 'refund'
                          AND x.user_id <> o.user_id)
         ORDER BY o.id"""),
    Check("coupon_use",
          "a used shopper coupon points at a paid order of its shopper that uses it, and a "
          "paid order's coupon points back at it", """
        SELECT uc.id AS user_coupon_id, uc.used_order_id AS order_id,
               o.user_coupon_id AS order_coupon_id, o.status AS order_status
          FROM user_coupons uc
          LEFT JOIN orders o ON o.id = uc.used_order_id
         WHERE uc.used_order_id IS NOT NULL
           AND (o.id IS NULL OR o.status <> 'paid' OR o.user_id <> uc.user_id
                OR o.user_coupon_id IS NULL OR o.user_coupon_id <> uc.id)
        UNION ALL
        SELECT o.user_coupon_id, o.id, o.user_coupon_id, o.status
          FROM orders o
          LEFT JOIN user_coupons uc ON uc.id = o.user_coupon_id
         WHERE o.status = 'paid' AND o.user_coupon_id IS NOT NULL
           AND (uc.id IS NULL OR uc.used_order_id IS NULL OR uc.used_order_id <> o.id)
         ORDER BY 2"""),
    Check("not_negative", "no negative balance, stock or coupon remaining", """
        SELECT 'wallet' AS kind, user_id AS id, balance AS value FROM wallets WHERE balance < 0
        UNION ALL
        SELECT 'product', id, stock FROM products WHERE stock < 0
        UNION ALL
        SELECT 'coupon', id, remaining FROM coupons WHERE remaining < 0
         ORDER BY 1, 2"""),
)


@dataclass(frozen=True)
class Finding:
    check: Check
    columns: tuple[str, ...]
    rows: list[tuple]


def run_audit(session=None, *, limit: int = 50) -> list[Finding]:
    """Run every check in one read-only transaction; returns the checks that found rows.

    One REPEATABLE READ snapshot on PostgreSQL, so a shop taking orders during the audit is
    judged at a single instant instead of half before and half after a commit. Each
    finding keeps at most ``limit + 1`` rows: enough to show, and to say that there are more.
    """
    session = session or db.session
    session.rollback()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    findings = []
    try:
        for check in CHECKS:
            result = connection.execute(text(check.sql))
            rows = result.fetchmany(limit + 1)
            if rows:
                findings.append(Finding(check, tuple(result.keys()), [tuple(r) for r in rows]))
            result.close()
    finally:
        session.rollback()
    return findings


def shop_totals(session=None) -> dict[str, int]:
    """Row counts for the clean audit's one-line summary."""
    session = session or db.session
    counts = session.execute(text(
        "SELECT (SELECT COUNT(*) FROM wallets), (SELECT COUNT(*) FROM products),"
        " (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM ledger_entries),"
        " (SELECT COUNT(*) FROM stock_movements), (SELECT COUNT(*) FROM coupons)")).one()
    session.rollback()
    return dict(zip(("wallets", "products", "orders", "ledger entries", "stock movements",
                     "coupons"), counts))
