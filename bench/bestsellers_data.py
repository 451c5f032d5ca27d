"""Best sellers at size: 1,000,000 order lines in PostgreSQL, then time the uncached ranking.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE sf_bench"
    DATABASE_URL=postgresql://postgres@127.0.0.1/sf_bench REDIS_URL= \\
        .venv/bin/python bench/bestsellers_data.py [--lines 1000000] [--runs 25] [--reset]

Builds (with ``generate_series``, in seconds): 1,000 shoppers, 10,000 products, 250,000
orders spread over the last 90 days with 4 lines each (5% cancelled), and the
``product_daily_sales`` rows checkout and cancellation would have kept: units of paid orders
per product per shop-local day. Product popularity is skewed (a few products sell a lot),
as in a real shop. Then it times ``compute_best_sellers()`` (the query the cache hides)
and, for comparison, the same ranking summed straight from ``order_lines``. Prints the
medians and exits 1 if the ranking takes 50 ms or more, or the two rankings disagree.

The database is the script's own: it refuses a database that already has users or products
unless ``--reset`` is given, which empties every table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.catalog.sales import shop_day  # noqa: E402
from app.bestsellers.services import LIMIT, WINDOW_DAYS, compute_best_sellers  # noqa: E402
from app.db import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402

BUDGET_MS = 50.0
LINES_PER_ORDER = 4
USERS = 1_000
PRODUCTS = 10_000
DAYS = 90

FILL = [
    # One password hash for every bench shopper: nobody logs in as them.
    """INSERT INTO users (email, name, password_hash, is_admin, created_at)
       SELECT 'bench' || i || '@example.com', 'Bench ' || i, 'x', false, now()
       FROM generate_series(1, :users) AS i""",
    """INSERT INTO products (name, description, price, stock, is_active, created_at, version)
       SELECT 'Bench product ' || i, '', 1000 + (i % 50) * 500, 1000, true, now(), 1
       FROM generate_series(1, :products) AS i""",
    # Created at a random moment of the last :days days; every 20th order was cancelled.
    """INSERT INTO orders (user_id, status, subtotal, discount, total, created_at, cancelled_at)
       SELECT 1 + (i % :users),
              CASE WHEN i % 20 = 0 THEN 'cancelled' ELSE 'paid' END,
              0, 0, 0, t, CASE WHEN i % 20 = 0 THEN t + interval '1 hour' END
       FROM (SELECT i, now() - random() * (:days * interval '1 day') AS t
             FROM generate_series(1, :orders) AS i) AS o""",
    # Skewed popularity: power(random(), 3) puts most lines on the low product ids.
    """INSERT INTO order_lines (order_id, product_id, name, unit_price, quantity)
       SELECT o.id, p, 'Bench product ' || p, 1000, 1 + (i % 3)
       FROM (SELECT i, 1 + ((i - 1) / :per_order) AS n,
                    1 + floor(power(random(), 3) * :products)::int AS p
             FROM generate_series(1, :lines) AS i) AS l
       JOIN orders o ON o.id = l.n""",
    """INSERT INTO product_daily_sales (product_id, day, units)
       SELECT l.product_id, (o.created_at AT TIME ZONE :tz)::date, sum(l.quantity)
       FROM order_lines l JOIN orders o ON o.id = l.order_id
       WHERE o.status = 'paid'
       GROUP BY 1, 2""",
    "ANALYZE",
]

FROM_ORDER_LINES = text("""
    SELECT l.product_id, sum(l.quantity) AS units
    FROM order_lines l JOIN orders o ON o.id = l.order_id
    JOIN products p ON p.id = l.product_id AND p.is_active
    WHERE o.status = 'paid' AND (o.created_at AT TIME ZONE :tz)::date BETWEEN :first AND :today
    GROUP BY l.product_id
    ORDER BY units DESC, l.product_id
    LIMIT :limit
""")


def timed(fn, runs: int) -> tuple[float, object]:
    fn()  # warm the plan and the buffers; the cache would otherwise be measured too
    samples = []
    for _ in range(runs):
        db.session.rollback()
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--reset", action="store_true", help="empty every table first")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL database of its own")
    orders = args.lines // LINES_PER_ORDER

    app = create_app()
    with app.app_context():
        upgrade()
        in_use = db.session.scalar(text(
            "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM products)"))
        db.session.rollback()  # TRUNCATE below must not wait on this session's read locks
        if in_use and not args.reset:
            parser.error("the database is not empty; use --reset to empty it")
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        start = time.perf_counter()
        params = {"users": USERS, "products": PRODUCTS, "orders": orders, "days": DAYS,
                  "lines": orders * LINES_PER_ORDER, "per_order": LINES_PER_ORDER,
                  "tz": app.config["SHOP_TIMEZONE"]}
        with db.engine.begin() as conn:
            for statement in FILL[:-1]:
                conn.execute(text(statement), params)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(FILL[-1]))
        counts = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))
                  for table in ("orders", "order_lines", "product_daily_sales")}
        db.session.rollback()
        print(f"built in {time.perf_counter() - start:.1f} s: "
              + ", ".join(f"{n:,} {table}" for table, n in counts.items()))

        today = shop_day(utcnow())
        ranking_ms, ranking = timed(compute_best_sellers, args.runs)
        first = today.fromordinal(today.toordinal() - (WINDOW_DAYS - 1))
        naive_ms, naive = timed(lambda: db.session.execute(FROM_ORDER_LINES, {
            "tz": app.config["SHOP_TIMEZONE"], "first": first, "today": today,
            "limit": LIMIT}).all(), max(3, args.runs // 5))

        print(f"machine: {platform.node()} · {os.cpu_count()} CPUs · {platform.platform()} · "
              f"PostgreSQL {db.session.scalar(text('SHOW server_version'))}")
        print(f"best sellers from product_daily_sales: median {ranking_ms:.2f} ms "
              f"over {args.runs} runs (budget {BUDGET_MS:.0f} ms)")
        print(f"same ranking summed from order_lines:  median {naive_ms:.2f} ms (comparison)")
        for item in ranking:
            print(f"  #{item['id']:>5} {item['name']:<22} {item['units_sold']:>6} units")
        agree = [(item["id"], item["units_sold"]) for item in ranking] == [
            (row.product_id, int(row.units)) for row in naive]
        print("the two rankings agree" if agree else "THE TWO RANKINGS DISAGREE")
        return 0 if ranking_ms < BUDGET_MS and agree else 1


if __name__ == "__main__":
    sys.exit(main())
