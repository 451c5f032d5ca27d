"""Admin coupons, orders and exports pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.catalog.models import Product
from app.coupons.models import Coupon
from app.db import transaction, utcnow
from app.exports.models import ExportEvent
from app.extensions import db
from app.orders.models import Order
from app.wallet.models import Wallet
from tests.helpers import post_form

COUPON_FORM = {"name": "Winter 10%", "discount_type": "percent", "discount_value": "10",
               "max_discount": "3000", "min_order_amount": "10000", "quantity": "50",
               "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-31T23:30",
               "valid_days": "14"}


def _coupons(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(select(
            Coupon.name, Coupon.discount_type, Coupon.discount_value, Coupon.max_discount,
            Coupon.min_order_amount, Coupon.quantity, Coupon.remaining, Coupon.starts_at,
            Coupon.ends_at, Coupon.valid_days, Coupon.status).order_by(Coupon.id)).all()


# --- coupons ----------------------------------------------------------------------------


def test_create_a_coupon_with_every_field(admin_client, app):
    response = post_form(admin_client, "/admin/coupons", COUPON_FORM, token_from="/admin/coupons")
    assert response.status_code == 302
    # Times typed in the shop's zone (Asia/Seoul, UTC+9) are stored in UTC.
    assert _coupons(app) == [(
        "Winter 10%", "percent", 10, 3000, 10000, 50, 50,
        datetime(2026, 12, 1, 0, 0, tzinfo=UTC), datetime(2026, 12, 31, 14, 30, tzinfo=UTC),
        14, "active")]
    page = admin_client.get("/admin/coupons").get_data(as_text=True)
    assert "Created coupon Winter 10% (50 copies)." in page
    assert "10% (max ₩3,000)" in page and "Tue, Dec 1, 2026, 09:00" in page


def test_a_fixed_coupon_with_open_window(admin_client, app):
    data = {"name": "₩2,000 off", "discount_type": "fixed", "discount_value": "2000",
            "min_order_amount": "0", "quantity": "5", "valid_days": "7"}
    assert post_form(admin_client, "/admin/coupons", data).status_code == 302
    assert _coupons(app) == [("₩2,000 off", "fixed", 2000, None, 0, 5, 5, None, None, 7,
                              "active")]


@pytest.mark.parametrize("change, message", [
    ({"name": ""}, "Give the coupon a name."),
    ({"discount_value": "101"}, "A percent discount must be a whole number from 1 to 100."),
    ({"discount_value": "0"}, "A percent discount must be a whole number from 1 to 100."),
    ({"discount_value": "ten"}, "Not a valid integer value."),
    ({"discount_type": "fixed"}, "Only a percent discount can have a maximum."),
    ({"discount_type": "bogus"}, "Not a valid choice"),
    ({"quantity": "0"}, "The quantity must be a whole number from 1 to 1,000,000."),
    ({"min_order_amount": "-1"}, "The minimum order must be a whole number"),
    ({"valid_days": "366"}, "The validity must be a whole number from 1 to 365."),
    ({"ends_at": "2026-11-30T09:00"}, "The claim window must start before it ends."),
    ({"starts_at": "tomorrow"}, "Not a valid datetime value."),
])
def test_coupon_form_errors_rerender_with_422_and_create_nothing(admin_client, app, change,
                                                                 message):
    response = post_form(admin_client, "/admin/coupons", {**COUPON_FORM, **change},
                         token_from="/admin/coupons")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert _coupons(app) == []


def test_pause_and_resume(admin_client, app, make_coupon):
    coupon = make_coupon(name="Flash")
    response = post_form(admin_client, f"/admin/coupons/{coupon.id}/status",
                         {"status": "paused"}, token_from="/admin/coupons")
    assert response.status_code == 302
    assert _coupons(app)[0][-1] == "paused"
    page = admin_client.get("/admin/coupons").get_data(as_text=True)
    assert "Flash is paused." in page and ">Resume</button>" in page
    post_form(admin_client, f"/admin/coupons/{coupon.id}/status", {"status": "active"},
              token_from="/admin/coupons")
    assert _coupons(app)[0][-1] == "active"


def test_bad_status_changes_nothing(admin_client, app, make_coupon):
    coupon = make_coupon()
    response = post_form(admin_client, f"/admin/coupons/{coupon.id}/status",
                         {"status": "deleted"}, token_from="/admin/coupons")
    assert response.status_code == 422
    response = post_form(admin_client, "/admin/coupons/999/status", {"status": "paused"},
                         token_from="/admin/coupons")
    assert response.status_code == 404
    assert _coupons(app)[0][-1] == "active"


def test_claimed_and_used_counts(admin_client, make_coupon, make_user, make_user_coupon):
    coupon = make_coupon(quantity=10, remaining=7)
    untouched = make_coupon(quantity=3)
    for used in (True, False, False):
        make_user_coupon(make_user(), coupon, used=used)
    html = admin_client.get("/admin/coupons").get_data(as_text=True)

    def row(coupon_id):
        return html.split(f'data-coupon-id="{coupon_id}"', 1)[1].split("</tr>", 1)[0]

    assert re.search(r'data-testid="claimed">3<', row(coupon.id))
    assert re.search(r'data-testid="used">1<', row(coupon.id))
    assert "7 / 10" in row(coupon.id)
    assert re.search(r'data-testid="claimed">0<', row(untouched.id))


# --- orders -----------------------------------------------------------------------------


@pytest.fixture
def three_orders(app, make_user, make_product):
    """Orders by kim (paid, 3 days ago), lee (paid, today) and kim (cancelled, today)."""
    from app.orders.cancel import cancel_order
    from app.orders.checkout import place_order

    kim = make_user(balance=50_000, email="kim@example.com")
    lee = make_user(balance=50_000, email="lee@shop.kr")
    product = make_product(price=1_000, stock=50)
    with app.app_context():
        old = place_order(kim.id, [(product.id, 1)])[0].id
        with transaction() as uow:
            uow.session.execute(Order.__table__.update().where(Order.id == old)
                                .values(created_at=utcnow() - timedelta(days=3)))
        paid = place_order(lee.id, [(product.id, 2)])[0].id
        cancelled = place_order(kim.id, [(product.id, 3)])[0].id
        cancel_order(kim.id, cancelled)
    return SimpleNamespace(old=old, paid=paid, cancelled=cancelled, kim=kim.id,
                           lee=lee.id, product=product.id)


def _listed(client, query: str = "") -> list[int]:
    html = client.get("/admin/orders" + query).get_data(as_text=True)
    table = html.split('data-testid="orders"', 1)[1].split("</table>", 1)[0] \
        if 'data-testid="orders"' in html else ""
    return [int(n) for n in re.findall(r'href="/admin/orders/(\d+)"', table)]


def test_order_filters(admin_client, app, three_orders):
    from app.catalog.sales import shop_day

    o = three_orders
    with app.app_context():
        today = shop_day(utcnow())
    assert _listed(admin_client) == [o.cancelled, o.paid, o.old]
    assert _listed(admin_client, "?status=paid") == [o.paid, o.old]
    assert _listed(admin_client, "?status=cancelled") == [o.cancelled]
    assert _listed(admin_client, "?email=KIM@") == [o.cancelled, o.old]
    assert _listed(admin_client, "?email=%25") == []  # a literal %, not a wildcard
    assert _listed(admin_client, f"?date_from={today.isoformat()}") == [o.cancelled, o.paid]
    assert _listed(admin_client, f"?date_to={(today - timedelta(days=1)).isoformat()}") == [
        o.old]
    assert _listed(admin_client, f"?status=paid&email=kim&date_to={today.isoformat()}") == [
        o.old]


def test_unreadable_filters_are_named_and_ignored(admin_client, three_orders):
    response = admin_client.get("/admin/orders?status=lost&date_from=yesterday")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Unknown status &#39;lost&#39;." in html
    assert "&#39;yesterday&#39; is not a date (YYYY-MM-DD)." in html
    assert "3 orders" in html


def test_order_detail(admin_client, three_orders):
    html = admin_client.get(f"/admin/orders/{three_orders.paid}").get_data(as_text=True)
    assert "lee@shop.kr" in html and 'data-testid="order-status">Paid<' in html
    assert 'data-testid="cancel-form"' in html
    html = admin_client.get(f"/admin/orders/{three_orders.cancelled}").get_data(as_text=True)
    assert 'data-testid="cancel-form"' not in html and "Refunded" in html
    assert admin_client.get("/admin/orders/999").status_code == 404


def test_admin_cancels_on_the_shoppers_behalf(admin_client, app, three_orders):
    o = three_orders
    with app.app_context():
        stock_before = db.session.get(Product, o.product).stock
        balance_before = db.session.scalar(select(Wallet.balance).where(Wallet.user_id == o.lee))
    response = post_form(admin_client, f"/admin/orders/{o.paid}/cancel", {},
                         token_from=f"/admin/orders/{o.paid}")
    assert response.status_code == 302
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Order #{o.paid} is cancelled; ₩2,000 refunded." in html
    with app.app_context():
        assert db.session.get(Order, o.paid).status == "cancelled"
        assert db.session.get(Product, o.product).stock == stock_before + 2
        assert db.session.scalar(
            select(Wallet.balance).where(Wallet.user_id == o.lee)) == balance_before + 2_000


def test_cancelling_twice_refunds_once(admin_client, app, three_orders):
    o = three_orders
    with app.app_context():
        balance_before = db.session.scalar(select(Wallet.balance).where(Wallet.user_id == o.kim))
    response = post_form(admin_client, f"/admin/orders/{o.cancelled}/cancel", {},
                         token_from=f"/admin/orders/{o.paid}")
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Order #{o.cancelled} is already cancelled." in html
    with app.app_context():
        assert db.session.scalar(
            select(Wallet.balance).where(Wallet.user_id == o.kim)) == balance_before
    response = post_form(admin_client, "/admin/orders/999/cancel", {},
                         token_from=f"/admin/orders/{o.paid}")
    assert response.status_code == 404


# --- exports ----------------------------------------------------------------------------


def test_exports_page_counts_and_retries_failed_events(admin_client, app, three_orders,
                                                       monkeypatch):
    import app.exports.services as exports

    queued = []
    monkeypatch.setattr(exports, "enqueue_delivery", queued.append)
    with app.app_context(), transaction() as uow:
        uow.session.execute(ExportEvent.__table__.delete())
        for status, error in (("delivered", None), ("pending", None),
                              ("failed", "HTTP 500 Internal Server Error"),
                              ("failed", "URLError: timed out")):
            uow.session.add(ExportEvent(order_id=three_orders.paid, kind="order_paid",
                                        payload={}, status=status, attempts=3,
                                        last_error=error, created_at=utcnow()))
    html = admin_client.get("/admin/exports").get_data(as_text=True)
    counts = dict(re.findall(r'data-status="(\w+)">(\d+)<', html))
    assert counts == {"pending": "1", "delivered": "1", "failed": "2"}
    failed = html.split('data-testid="failed-events"', 1)[1].split("</table>", 1)[0]
    assert "HTTP 500 Internal Server Error" in failed and "URLError: timed out" in failed
    event_id = int(re.findall(r'/admin/exports/(\d+)/retry', failed)[0])

    response = post_form(admin_client, f"/admin/exports/{event_id}/retry", {},
                         token_from="/admin/exports")
    assert response.status_code == 302
    assert queued == [event_id]
    html = admin_client.get("/admin/exports").get_data(as_text=True)
    assert f"Export event #{event_id} is queued again." in html
    assert dict(re.findall(r'data-status="(\w+)">(\d+)<', html)) == {
        "pending": "2", "delivered": "1", "failed": "1"}
    with app.app_context():
        delivered = db.session.scalar(select(ExportEvent.id).where(
            ExportEvent.status == "delivered"))
        assert db.session.scalar(select(func.count()).select_from(ExportEvent)) == 4
    response = post_form(admin_client, f"/admin/exports/{delivered}/retry", {},
                         token_from="/admin/exports")
    assert "already delivered" in admin_client.get(
        response.headers["Location"]).get_data(as_text=True)
    assert queued == [event_id]


def test_a_reversed_date_range_is_swapped_with_a_note(admin_client, app, three_orders):
    """From after To would match nothing and read as "no sales"; the admin meant the range."""
    from app.catalog.sales import shop_day

    o = three_orders
    with app.app_context():
        today = shop_day(utcnow())
    earlier = today - timedelta(days=5)
    html = admin_client.get(f"/admin/orders?date_from={today}&date_to={earlier}"
                            ).get_data(as_text=True)
    assert f"&#39;From&#39; was after &#39;To&#39;; showing {earlier} to {today}." in html
    assert f'name="date_from" value="{earlier}"' in html
    assert f'name="date_to" value="{today}"' in html
    assert "3 orders" in html
    assert _listed(admin_client, f"?date_from={today}&date_to={earlier}") == [
        o.cancelled, o.paid, o.old]
