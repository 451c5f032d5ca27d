"""Best sellers: the ranking rule on real orders, and the cache's freshness rule."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from app.bestsellers import services as bestsellers
from app.catalog.models import Product
from app.db import transaction
from app.extensions import cache, db
from tests.helpers import statements


def ranking_queries():
    """Collects the SELECTs that read ``product_daily_sales`` while the block runs."""
    return statements(db.engine, "product_daily_sales")


@pytest.fixture
def sales(app, make_product, shopper, buy, cancel):
    """Orders today and 1, 2, 3, 4 days ago, two cancellations, ties and a hidden product.

    Expected ranking: p3 (4), then the three-way tie p1, p2, p4 (3 each) by id, then p8
    over p9 (1 each, tie by id). p5, p6 sold only 3 and 4 days ago; p7's order was
    cancelled; p10 is hidden from the shop.
    """
    p = {n: make_product(name=f"P{n}", price=100 * n, stock=1_000) for n in range(1, 11)}
    buy(shopper, {p[1]: 3, p[2]: 2})
    buy(shopper, {p[3]: 4, p[2]: 1}, days_ago=1)
    buy(shopper, {p[4]: 3}, days_ago=2)
    buy(shopper, {p[5]: 50}, days_ago=3)
    buy(shopper, {p[6]: 60}, days_ago=4)
    cancel(shopper, buy(shopper, {p[7]: 10}))
    cancel(shopper, buy(shopper, {p[3]: 2}, days_ago=1))
    buy(shopper, {p[9]: 1})
    buy(shopper, {p[8]: 1}, days_ago=2)
    buy(shopper, {p[10]: 9})
    with app.app_context(), transaction() as uow:
        uow.session.execute(update(Product).where(Product.id == p[10].id)
                            .values(is_active=False, version=Product.version + 1))
    return p


def expected(p) -> list[tuple[str, int]]:
    return [("P3", 4), ("P1", 3), ("P2", 3), ("P4", 3), ("P8", 1)]


def names_units(items) -> list[tuple[str, int]]:
    return [(item["name"], item["units_sold"]) for item in items]


def test_ranking_counts_three_shop_days_paid_orders_only(ctx, sales):
    items = bestsellers.compute_best_sellers()
    assert names_units(items) == expected(sales)
    first = items[0]
    assert first == {"id": sales[3].id, "name": "P3", "name_en": None, "price": 300,
                     "stock": 1_000 - 4, "units_sold": 4}


def test_window_is_today_and_the_two_days_before(ctx, sales):
    """Seen from tomorrow, today's sales stay and the sales of two days ago drop out."""
    from datetime import timedelta

    from app.catalog.sales import shop_day
    from app.db import utcnow

    tomorrow = shop_day(utcnow()) + timedelta(days=1)
    assert names_units(bestsellers.compute_best_sellers(tomorrow)) == [
        ("P3", 4), ("P1", 3), ("P2", 3), ("P9", 1)]


def test_nothing_sold_gives_an_empty_ranking(ctx, make_product):
    make_product()
    assert bestsellers.compute_best_sellers() == []
    assert bestsellers.best_sellers() == []


def test_second_call_is_served_from_the_cache_without_the_query(ctx, sales):
    with ranking_queries() as queries:
        first = bestsellers.best_sellers()
    assert len(queries) == 1
    with ranking_queries() as queries:
        second = bestsellers.best_sellers()
    assert queries == []
    assert second == first


def test_one_cached_entry_names_each_product_in_the_readers_language(app, make_product,
                                                                     shopper, buy):
    """The cache keeps both names; each request reads its own, English falling back to Korean."""
    tea, mug = make_product(name="보성 녹차"), make_product(name="머그컵")
    with app.app_context(), transaction() as uow:
        uow.session.execute(update(Product).where(Product.id == tea.id)
                            .values(name_en="Boseong green tea", version=Product.version + 1))
    buy(shopper, {tea: 2, mug: 1})

    with app.test_request_context(headers={"Accept-Language": "ko"}):
        assert [item["name"] for item in bestsellers.best_sellers()] == ["보성 녹차", "머그컵"]
    with app.test_request_context(headers={"Accept-Language": "en"}), \
            ranking_queries() as queries:
        english = bestsellers.best_sellers()
    assert queries == []  # the entry the Korean request cached
    assert [item["name"] for item in english] == ["Boseong green tea", "머그컵"]
    assert set(english[0]) == {"id", "name", "price", "stock", "units_sold"}


def test_each_process_rereads_the_shared_entry_only_after_its_local_ttl(ctx, app, sales,
                                                                       monkeypatch):
    now = 1_000_000.0
    monkeypatch.setattr(bestsellers, "_clock", lambda: now)
    monkeypatch.setitem(app.config, "BEST_SELLERS_LOCAL_TTL", 1)
    monkeypatch.delitem(app.extensions, "best_sellers_entry", raising=False)
    reads = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key: reads.append(key) or real_get(key))
    first = bestsellers.best_sellers()  # computed, stored, and kept by this process
    assert reads == [bestsellers.CACHE_KEY]

    cache.set(bestsellers.CACHE_KEY, {"items": [], "computed_at": now})  # another worker's
    now += 0.5
    assert bestsellers.best_sellers() == first  # this process's copy, no Redis read
    assert reads == [bestsellers.CACHE_KEY]

    now += 0.5
    assert bestsellers.best_sellers() == []  # a second on: the shared entry is read again
    assert reads == [bestsellers.CACHE_KEY] * 2
    app.extensions.pop("best_sellers_entry")


def test_new_sales_show_once_the_ttl_has_passed(ctx, app, sales, shopper, buy,
                                                 monkeypatch):
    now = 1_000_000.0
    monkeypatch.setattr(bestsellers, "_clock", lambda: now)
    assert names_units(bestsellers.best_sellers()) == expected(sales)
    buy(shopper, {sales[9]: 5})

    now += app.config["BEST_SELLERS_TTL"] - 1
    with ranking_queries() as queries:
        assert names_units(bestsellers.best_sellers()) == expected(sales)
    assert queries == []

    now += 1
    db.session.rollback()  # a new request: no snapshot left over from the earlier reads
    with ranking_queries() as queries:
        refreshed = names_units(bestsellers.best_sellers())
    assert len(queries) == 1
    assert refreshed == [("P9", 6), ("P3", 4), ("P1", 3), ("P2", 3), ("P4", 3)]


def test_stale_entry_is_served_while_another_worker_holds_the_lock(ctx, app, sales,
                                                                    monkeypatch):
    now = 1_000_000.0
    monkeypatch.setattr(bestsellers, "_clock", lambda: now)
    before = bestsellers.best_sellers()
    now += app.config["BEST_SELLERS_TTL"] + 1
    assert cache.add(bestsellers.LOCK_KEY, 1, timeout=30)  # another worker is recomputing
    with ranking_queries() as queries:
        assert bestsellers.best_sellers() == before
    assert queries == []
    cache.delete(bestsellers.LOCK_KEY)
    with ranking_queries() as queries:
        bestsellers.best_sellers()
    assert len(queries) == 1


def test_expiry_under_load_recomputes_once(app, sales, shopper, buy, monkeypatch):
    """Eight requests meet a stale entry at once: one recomputes, seven serve the old value.

    The recomputation waits until the seven have answered, so they really overlap it.
    """
    now = [1_000_000.0]
    monkeypatch.setattr(bestsellers, "_clock", lambda: now[0])
    with app.app_context():
        stale = bestsellers.best_sellers()
    buy(shopper, {sales[9]: 5})
    now[0] += app.config["BEST_SELLERS_TTL"] + 1

    others_done = threading.Semaphore(0)
    computations = []
    real_compute = bestsellers.compute_best_sellers

    def slow_compute(*args):
        computations.append(threading.get_ident())
        for _ in range(7):
            assert others_done.acquire(timeout=30)
        return real_compute(*args)

    monkeypatch.setattr(bestsellers, "compute_best_sellers", slow_compute)
    results: list = [None] * 8

    def request(i):
        with app.app_context():
            results[i] = bestsellers.best_sellers()
            if threading.get_ident() not in computations:
                others_done.release()

    threads = [threading.Thread(target=request, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(computations) == 1
    fresh = [names_units(r) for r in results if r != stale]
    assert fresh == [[("P9", 6), ("P3", 4), ("P1", 3), ("P2", 3), ("P4", 3)]]
    assert sum(1 for r in results if r == stale) == 7
    with app.app_context():
        assert cache.get(bestsellers.LOCK_KEY) is None
        assert cache.get(bestsellers.CACHE_KEY)["computed_at"] == now[0]
