"""Dashboard: 14 shop days of revenue and units, the SVG chart, today's orders, lists."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from app.admin import reports
from app.admin.charts import BOTTOM, HEIGHT, TOP, nice_step, sales_chart
from app.catalog.sales import record_units, shop_day
from app.db import transaction, utcnow
from app.orders.models import Order


@pytest.fixture
def order_on(app, make_user):
    """order_on(moment, total, status='paid') → a committed order placed at ``moment``."""
    shopper = make_user(email="buyer@example.com")

    def make(moment, total: int, status: str = "paid") -> int:
        with app.app_context(), transaction() as uow:
            order = Order(user_id=shopper.id, status=status, subtotal=total, discount=0,
                          total=total, created_at=moment)
            uow.session.add(order)
            uow.session.flush()
            return order.id

    return make


def _units(app, product_id: int, day: date, units: int):
    with app.app_context(), transaction() as uow:
        record_units(uow.session, product_id, units, day)


def test_daily_sales_covers_14_shop_days_and_ignores_cancelled_orders(app, ctx, order_on,
                                                                      make_product):
    today = shop_day(utcnow())
    start_today = reports.day_start(today)
    order_on(start_today, 3_000)
    order_on(start_today + timedelta(hours=1), 5_000, status="cancelled")
    order_on(start_today - timedelta(seconds=1), 1_000)        # 23:59:59 yesterday, shop time
    order_on(start_today - timedelta(hours=20), 2_000)
    order_on(reports.day_start(today - timedelta(days=13)), 700)
    order_on(reports.day_start(today - timedelta(days=13)) - timedelta(seconds=1), 999)
    product = make_product()
    for days_ago, units in ((0, 4), (1, 3), (13, 1), (14, 9)):
        _units(app, product.id, today - timedelta(days=days_ago), units)

    points = reports.daily_sales()
    assert len(points) == 14
    assert [p.day for p in points] == [today - timedelta(days=d) for d in range(13, -1, -1)]
    by_day = {(today - p.day).days: (p.revenue, p.orders, p.units) for p in points}
    assert by_day[0] == (3_000, 1, 4)
    assert by_day[1] == (3_000, 2, 3)
    assert by_day[13] == (700, 1, 1)
    assert all(by_day[d] == (0, 0, 0) for d in range(2, 13))


def test_nice_step():
    values = (0, 0.5, 1, 1.2, 2.2, 3, 10, 11, 21, 26, 99, 101, 4_300, 73_000)
    assert [nice_step(v) for v in values] == [
        1, 1, 1, 2, 5, 5, 10, 20, 25, 50, 100, 200, 5_000, 100_000]


def test_chart_geometry():
    points = [SimpleNamespace(day=date(2026, 11, d), revenue=r, units=u, orders=o)
              for d, r, u, o in ((24, 0, 0, 0), (25, 50_000, 2, 1), (26, 100_000, 8, 3))]
    chart = sales_chart(points)
    plot_h = HEIGHT - TOP - BOTTOM
    assert [b.height for b in chart.bars] == [0, round(plot_h / 2, 1), plot_h]
    assert [b.label for b in chart.bars] == ["11-24", "11-25", "11-26"]
    assert chart.bars[2].y == TOP and chart.bars[0].y == TOP + plot_h
    assert [b.point_y for b in chart.bars] == [TOP + plot_h, TOP + plot_h * 3 / 4, TOP]
    assert [t.revenue for t in chart.ticks] == [0, 25_000, 50_000, 75_000, 100_000]
    assert [t.units for t in chart.ticks] == [0, 2, 4, 6, 8]
    assert chart.line.count(",") == 3


def test_chart_of_a_quiet_fortnight_is_flat():
    points = [SimpleNamespace(day=date(2026, 11, d), revenue=0, units=0, orders=0)
              for d in range(1, 15)]
    chart = sales_chart(points)
    assert {b.height for b in chart.bars} == {0}
    assert [t.units for t in chart.ticks] == [0, 1, 2, 3, 4]


def test_dashboard_page(admin_client, app, make_user, make_product):
    from app.orders.cancel import cancel_order
    from app.orders.checkout import place_order

    shopper = make_user(balance=100_000, email="kim@example.com")
    tea = make_product(name="Tea", price=2_000, stock=30)
    cup = make_product(name="Cup", price=5_000, stock=3)
    make_product(name="Hidden", stock=0, is_active=False)
    with app.app_context():
        first, _ = place_order(shopper.id, [(tea.id, 4), (cup.id, 1)])
        second, _ = place_order(shopper.id, [(tea.id, 1)])
        cancel_order(shopper.id, second.id)

    html = admin_client.get("/admin").get_data(as_text=True)
    svg = html.split('data-testid="sales-chart"', 1)[1].split("</svg>", 1)[0]
    assert len(re.findall(r"<rect ", svg)) == 14
    assert f'data-revenue="{13_000}"' in svg
    assert re.findall(r'data-units="(\d+)"', svg)[-1] == "5"
    assert 'data-testid="today-count">1<' in html
    assert 'data-testid="today-revenue">₩13,000<' in html
    today = html.split('data-testid="today-orders"', 1)[1].split("</table>", 1)[0]
    assert today.count("kim@example.com") == 2 and "cancelled" in today
    best = html.split('data-testid="admin-best-sellers"', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r">(\w+)</a>", best) == ["Tea", "Cup"]
    low = html.split('data-testid="low-stock"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r">(\w+)</a>", low) == ["Cup"]  # 2 left; the hidden product is not listed


def test_empty_dashboard(admin_client):
    html = admin_client.get("/admin").get_data(as_text=True)
    assert "No orders yet today." in html
    assert "Nothing sold in the last 3 days." in html
    assert 'data-testid="today-revenue">₩0<' in html
