"""The catalog at size: 100,000 products over 200 categories in PostgreSQL, then time the
shopper's product lists, uncached, through the real ``list_products``.

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE sf_catalog"
    DATABASE_URL=postgresql://postgres@127.0.0.1/sf_catalog REDIS_URL= \\
        .venv/bin/python bench/catalog_data.py [--products 100000] [--runs 50] [--reset]
    ... bench/catalog_data.py --measure [--only korean-search,...]   # time the built data again

Builds (Core bulk inserts, then SQL; well under a minute): 20 top categories of 9
subcategories each; products in the subcategories (some shelves much fuller than others),
with Korean and English names and descriptions from bench/catalog_words.py, prices in each
shelf's range, 7% sold out and 8% low on stock, 2% hidden; 1–3 ``product_images`` rows each
(digest and sizes only: no files); an ``initial`` stock movement per stocked product; and
``product_daily_sales`` for the last 30 shop days, where about a third of the products sold
something and a few sold a lot. The text is drawn from a fixed seed, so every build is the
same catalog and the searches below match the same products.

Then, for each query: one warm-up, the median and p95 of ``--runs`` calls of
``list_products`` (what a list page reads: the page with its products' images, and its
count), and ``EXPLAIN (ANALYZE, BUFFERS)`` of every statement the call sent. The calls run
as a GET request's do: in autocommit, so from the fifth run on PostgreSQL may use a prepared
statement's generic plan (app.db.read_in_autocommit), as a busy shop's lists do. Exit 1 when
a p95 reaches 50 ms.

The database is the script's own: it refuses one that already has products unless
``--reset`` is given, which empties every table.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from app import create_app  # noqa: E402
from app.catalog.choices import ListChoices  # noqa: E402
from app.catalog.models import Category, Product  # noqa: E402
from app.catalog.sales import shop_day  # noqa: E402
from app.catalog.services import list_products  # noqa: E402
from app.catalog.shelves import shelf_by_slug  # noqa: E402
from app.db import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from bench.catalog_words import (BRANDS, COLOURS, FEATURES, ORIGINS, PRICE_RANGES,  # noqa: E402
                                 TREE)

BUDGET_MS = 50.0
SALES_DAYS = 30
SEED = 16
# Both searches take two words of three or more characters: pg_trgm serves LIKE '%word%'
# only from the word's own trigrams (three characters in a row, a Hangul syllable being one
# character), so a two-syllable word such as 머그 has none and its condition cannot use the
# index: the planner must then check that word on every row the other word's trigrams found.
KOREAN_SEARCH = "블루투스 스피커"
ENGLISH_SEARCH = "leather backpack"

AFTER_PRODUCTS = [
    # The stock ledger a product created with stock would have (flask audit checks it).
    """INSERT INTO stock_movements (product_id, delta, kind, reason, created_at)
       SELECT id, stock, 'initial', 'bench', created_at FROM products WHERE stock > 0""",
    # image_count rows per product; the digest is unique per image, the files never exist.
    """INSERT INTO product_images (product_id, position, digest, sizes, alt, created_at)
       SELECT p.id, n, encode(sha256(convert_to(p.id || '-' || n, 'UTF8')), 'hex'),
              '[[320, 320], [640, 640], [1280, 1280]]', '', p.created_at
       FROM products p, generate_series(0, p.image_count - 1) AS n""",
    # A third of the products sold in the window; power(random(), 4) makes a few sell on
    # most days and most sell now and then, with more units a day the more popular.
    """INSERT INTO product_daily_sales (product_id, day, units)
       SELECT p.id, d::date, 1 + floor(random() * 12 * p.pull)::int
       FROM (SELECT id, power(random(), 4) AS pull FROM products WHERE random() < 0.35) AS p
       CROSS JOIN generate_series(CAST(:first AS date), CAST(:today AS date),
                                  interval '1 day') AS d
       WHERE random() < p.pull""",
]


def _topic_particle(word: str) -> str:
    """이에요 after a Hangul syllable with a final consonant, 예요 after one without."""
    last = word[-1]
    has_final = "가" <= last <= "힣" and (ord(last) - ord("가")) % 28 != 0
    return "이에요" if has_final else "예요"


def category_rows() -> tuple[list[dict], list[list[dict]]]:
    tops = [{"name": ko, "name_en": en, "slug": slug, "position": i, "is_visible": True}
            for i, (ko, en, slug, _, _) in enumerate(TREE)]
    subs = [[{"name": ko, "name_en": en.capitalize(), "slug": f"{slug}-{j + 1}",
              "position": j, "is_visible": True} for j, (ko, en) in enumerate(nouns)]
            for _, _, slug, _, nouns in TREE]
    return tops, subs


def product_rows(n: int, shelves: list[tuple[int, int, int]], rng: random.Random) -> list[dict]:
    """``n`` products over ``shelves`` (category id, top index, noun index), oldest first."""
    # Some shelves are much fuller than others, as in a real shop.
    weights = [rng.lognormvariate(0, 0.6) for _ in shelves]
    now = utcnow()
    created = sorted(now - timedelta(minutes=rng.uniform(0, 730 * 24 * 60)) for _ in range(n))
    rows = []
    for when, (category_id, top, noun) in zip(created, rng.choices(shelves, weights, k=n)):
        _, _, _, materials, nouns = TREE[top]
        noun_ko, noun_en = nouns[noun]
        material_ko, material_en = rng.choices(materials, [3, 1, 1, 1, 1, 1])[0]
        brand_ko, brand_en = rng.choice(BRANDS)
        colour_ko, colour_en = rng.choice(COLOURS)
        origin_ko, origin_en = rng.choice(ORIGINS)
        features = rng.sample(FEATURES, rng.choice((1, 2)))
        low, high = PRICE_RANGES[top]
        price = round(math.exp(rng.uniform(math.log(low), math.log(high))), -2)
        if rng.random() < 0.6:
            price = max(price // 1000 * 1000 - 100, 900)  # 12,900-style prices
        roll = rng.random()
        stock = 0 if roll < 0.07 else rng.randint(1, 5) if roll < 0.15 else rng.randint(6, 300)
        rows.append({
            "name": f"{brand_ko} {material_ko} {noun_ko} {colour_ko}",
            "name_en": f"{brand_en} {material_en} {noun_en}, {colour_en}",
            "description": f"{origin_ko}에서 만든 {material_ko} {noun_ko}{_topic_particle(noun_ko)}. "
                           + " ".join(ko for ko, _ in features),
            "description_en": f"A {material_en} {noun_en} made in {origin_en}. "
                              + " ".join(en for _, en in features),
            "price": int(price), "stock": stock, "is_active": rng.random() >= 0.02,
            "created_at": when, "version": 1, "category_id": category_id,
            "image_count": rng.choices((1, 2, 3), (5, 3, 2))[0],
        })
    return rows


def build(app, products: int) -> None:
    rng = random.Random(SEED)
    start = time.perf_counter()
    tops, subs = category_rows()
    with db.engine.begin() as conn:
        top_ids = conn.scalars(insert(Category).returning(Category.id,
                                                          sort_by_parameter_order=True),
                               tops).all()
        shelves = []
        for top, (top_id, rows) in enumerate(zip(top_ids, subs)):
            ids = conn.scalars(insert(Category).returning(Category.id,
                                                          sort_by_parameter_order=True),
                               [{**row, "parent_id": top_id} for row in rows]).all()
            shelves += [(category_id, top, noun) for noun, category_id in enumerate(ids)]
        rows = product_rows(products, shelves, rng)
        for first in range(0, len(rows), 10_000):
            conn.execute(insert(Product), rows[first:first + 10_000])
        today = shop_day(utcnow())
        window = {"today": today, "first": today - timedelta(days=SALES_DAYS - 1)}
        conn.execute(text("SELECT setseed(0.16)"))
        for statement in AFTER_PRODUCTS:
            conn.execute(text(statement), window)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # what autovacuum would have done by now
    counts = {table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))
              for table in ("categories", "products", "product_images", "product_daily_sales")}
    db.session.rollback()
    print(f"built in {time.perf_counter() - start:.1f} s: "
          + ", ".join(f"{n:,} {table}" for table, n in counts.items()))


def queries() -> dict[str, dict]:
    """The measured lists, as ``list_products`` arguments: the fullest top category's page
    (its own and its subcategories' products) sorted by price and by recommendation, the two
    searches in the default order (recommended), and every product in it (/products)."""
    fullest = db.session.execute(text("""
        SELECT c.slug FROM categories c JOIN categories s ON s.parent_id = c.id
        JOIN products p ON p.category_id = s.id
        GROUP BY c.slug ORDER BY count(*) DESC LIMIT 1""")).scalar_one()
    shelf = {"category_ids": shelf_by_slug(fullest).category_ids}
    return {
        "category-price": {"choices": ListChoices(sort="price_asc"), **shelf},
        "category-recommended": {"choices": ListChoices(sort="recommended"), **shelf},
        "korean-search": {"choices": ListChoices(q=KOREAN_SEARCH)},
        "english-search": {"choices": ListChoices(q=ENGLISH_SEARCH)},
        "all-recommended": {"choices": ListChoices()},
    }


def show_page(kwargs: dict):
    """What a list page reads: the page of products with their images, and the count."""
    page = list_products(**kwargs)
    for product in page.items:
        product.main_image  # noqa: B018 - read as the template would
    return page


def statements_of(kwargs: dict) -> list[tuple[str, object]]:
    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        show_page(kwargs)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        db.session.rollback()
    return sent


def measure(name: str, kwargs: dict, runs: int) -> tuple[float, float, int, str]:
    total = show_page(kwargs).total  # warm the plans and the buffers
    samples = []
    for _ in range(runs):
        db.session.rollback()  # a fresh session: nothing loaded by the last run is reused
        start = time.perf_counter()
        show_page(kwargs)
        samples.append((time.perf_counter() - start) * 1000)
    db.session.rollback()
    plans = []
    sent = statements_of(kwargs)
    connection = db.session.connection()
    # A statement sent once per product (a lazy load) is explained once, with its count.
    times = collections.Counter(statement for statement, _ in sent)
    first = {}
    for statement, parameters in sent:
        first.setdefault(statement, parameters)
    for statement, parameters in first.items():
        plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                          parameters).scalars().all()
        plans.append(f"sent {times[statement]} ×: {statement}\n" + "\n".join(plan))
    db.session.rollback()
    return (statistics.median(samples), statistics.quantiles(samples, n=20)[-1], total,
            "\n\n".join(plans))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--reset", action="store_true", help="empty every table first")
    parser.add_argument("--measure", action="store_true",
                        help="only time the lists of a catalog built earlier")
    parser.add_argument("--only", help="comma-separated query names to time")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        parser.error("set DATABASE_URL to a PostgreSQL database of its own")

    app = create_app()
    with app.app_context():
        upgrade()
        if not args.measure:
            in_use = db.session.scalar(text("SELECT count(*) FROM products"))
            db.session.rollback()  # TRUNCATE below must not wait on this session's read locks
            if in_use and not args.reset:
                parser.error("the database is not empty; use --reset to empty it")
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            build(app, args.products)

        print(f"machine: {platform.node()} · {os.cpu_count()} CPUs · {platform.platform()} · "
              f"PostgreSQL {db.session.scalar(text('SHOW server_version'))}")
        db.session.remove()
    with app.test_request_context("/products"):  # a GET: its reads run in autocommit
        chosen = queries()
        if args.only:
            chosen = {name: chosen[name] for name in args.only.split(",")}
        results = {name: measure(name, kwargs, args.runs) for name, kwargs in chosen.items()}
        for name, (_, _, _, plans) in results.items():
            print(f"\n=== {name}\n{plans}")
        print(f"\n| query | matches | median ms | p95 ms ({args.runs} runs) |")
        print("|---|---:|---:|---:|")
        for name, (median, p95, total, _) in results.items():
            mark = "" if p95 < BUDGET_MS else " (over budget)"
            print(f"| {name} | {total:,} | {median:.1f} | {p95:.1f}{mark} |")
        return 0 if all(p95 < BUDGET_MS for _, p95, _, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
