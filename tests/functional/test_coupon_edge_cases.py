"""Coupons at their edges, through pages and API: far dates, a holder of a sold-out coupon,
a paused coupon in a shopper's wallet, a fixed discount above its minimum order."""

from datetime import UTC, datetime

import pytest

from tests.helpers import assert_problem, field_errors, post_form


NEW = {"name": "Launch", "discount_type": "percent", "discount_value": 15, "quantity": 100}
FORM = {"name": "Winter", "discount_type": "percent", "discount_value": "10",
        "min_order_amount": "0", "quantity": "50", "valid_days": "7"}


# --- far-future and far-past dates ------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("ends_at", "9999-12-31T23:59:59+00:00"),
    ("ends_at", "9999-12-31T23:59:59-23:59"),
    ("starts_at", "0001-01-01T00:00:00+23:59"),
    ("starts_at", "1999-12-31T23:59:59+00:00"),
    ("ends_at", "2200-01-01T09:00:01+09:00"),
])
def test_the_api_refuses_dates_outside_2000_to_2200(client, make_user, bearer, db_snapshot,
                                                    field, value):
    headers = bearer(make_user(is_admin=True))
    before = db_snapshot()
    response = client.post("/api/v1/admin/coupons", json={**NEW, field: value}, headers=headers)
    body = assert_problem(response, 422, "invalid_input")
    assert f"({field}) must be from 2000-01-01 to 2200-01-01" in body["detail"]
    assert db_snapshot() == before


@pytest.mark.parametrize("field, value", [
    ("starts_at", "0001-01-01T00:00"),
    ("ends_at", "9999-12-31T23:59"),
    ("ends_at", "2200-01-01T09:01"),  # 00:01 UTC
])
def test_the_page_form_refuses_dates_outside_2000_to_2200(admin_client, db_snapshot,
                                                          field, value):
    before = db_snapshot()
    response = post_form(admin_client, "/admin/coupons", {**FORM, field: value},
                         token_from="/admin/coupons")
    assert response.status_code == 422
    [error] = field_errors(response.get_data(as_text=True), field)
    assert "must be from 2000-01-01 to 2200-01-01 (UTC)." in error
    assert db_snapshot() == before


def test_a_stored_far_future_date_breaks_no_page(client, admin_client, make_coupon):
    """Rows written before the rule (or by hand) still show, so the admin can pause them."""
    far = make_coupon(name="Forever", ends_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))

    shop = client.get("/coupons")
    admin = admin_client.get("/admin/coupons")

    assert shop.status_code == 200 and admin.status_code == 200
    assert "Claim by Fri, Dec 31, 9999, 23:59 UTC" in shop.get_data(as_text=True)
    assert "→ Fri, Dec 31, 9999, 23:59 UTC" in admin.get_data(as_text=True)
    response = post_form(admin_client, f"/admin/coupons/{far.id}/status", {"status": "paused"},
                         token_from="/admin/coupons")
    assert response.status_code == 302


# --- a holder of a sold-out coupon ------------------------------------------------------


def test_claiming_again_after_taking_the_last_copy_is_already_claimed(client, make_user,
                                                                      make_coupon, bearer,
                                                                      db_snapshot):
    coupon = make_coupon(name="Last", quantity=1)
    holder = bearer(make_user())
    assert client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=holder).status_code == 201
    assert_problem(client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=bearer(make_user())),
                   409, "coupon_sold_out")
    before = db_snapshot()

    again = client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=holder)

    assert assert_problem(again, 409, "coupon_already_claimed")["detail"] == (
        "You have already claimed Last.")
    paused = client.patch(f"/api/v1/admin/coupons/{coupon.id}", json={"status": "paused"},
                          headers=bearer(make_user(is_admin=True)))
    assert paused.status_code == 200
    assert_problem(client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=bearer(make_user())),
                   422, "coupon_not_claimable")
    assert db_snapshot()["user_coupons"] == before["user_coupons"]


# --- a paused coupon in the shopper's wallet --------------------------------------------


def test_a_paused_coupon_shows_paused_in_my_coupons_checkout_and_the_api(
        client, login, make_user, make_coupon, make_user_coupon, make_product, bearer):
    """The rule: pausing stops claims and use; a copy already claimed says so everywhere,
    keeps its expiry, and works again if the coupon resumes in time."""
    shopper = make_user(balance=20_000)
    coupon = make_coupon(name="Resting", discount_value=1000)
    mine = make_user_coupon(shopper, coupon)
    product = make_product(price=5000)
    admin, api = bearer(make_user(is_admin=True)), bearer(shopper)
    login(shopper)
    post_form(client, f"/cart/add/{product.id}", {"quantity": 1}, token_from="/cart")
    client.patch(f"/api/v1/admin/coupons/{coupon.id}", json={"status": "paused"}, headers=admin)

    my_page = client.get("/coupons").get_data(as_text=True)
    row = my_page.split(f'data-testid="my-coupon-{mine.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'badge text-bg-secondary">Paused' in row and "The shop has paused this coupon" in row
    checkout = client.get("/checkout").get_data(as_text=True)
    assert f'<option value="{mine.id}"  disabled>' in checkout
    assert "Resting — paused by the shop" in checkout
    listed = client.get("/api/v1/me/coupons", headers=api).get_json()["items"]
    assert [(i["id"], i["status"]) for i in listed] == [(mine.id, "paused")]
    refused = client.post("/api/v1/orders", headers=api,
                          json={"items": [{"product_id": product.id, "quantity": 1}],
                                "coupon_id": mine.id})
    assert "Resting is paused" in assert_problem(refused, 409, "coupon_not_usable")["detail"]

    client.patch(f"/api/v1/admin/coupons/{coupon.id}", json={"status": "active"}, headers=admin)
    assert "Resting — −₩1,000" in client.get("/checkout").get_data(as_text=True)
    listed = client.get("/api/v1/me/coupons", headers=api).get_json()["items"]
    assert [(i["id"], i["status"]) for i in listed] == [(mine.id, "available")]


# --- a fixed discount above its minimum order -------------------------------------------


def test_the_api_refuses_a_fixed_discount_above_its_minimum_order(client, make_user, bearer,
                                                                   db_snapshot):
    headers = bearer(make_user(is_admin=True))
    before = db_snapshot()
    response = client.post("/api/v1/admin/coupons", headers=headers,
                           json={"name": "Oops", "discount_type": "fixed",
                                 "discount_value": 50_000, "min_order_amount": 1_000,
                                 "quantity": 10})
    body = assert_problem(response, 422, "invalid_input")
    assert "more than the minimum order of ₩1,000" in body["detail"]
    assert db_snapshot() == before


def test_the_page_form_refuses_a_fixed_discount_above_its_minimum_order(admin_client,
                                                                        db_snapshot):
    before = db_snapshot()
    response = post_form(admin_client, "/admin/coupons",
                         {**FORM, "discount_type": "fixed", "discount_value": "50000",
                          "min_order_amount": "1000"}, token_from="/admin/coupons")
    assert response.status_code == 422
    [error] = field_errors(response.get_data(as_text=True), "discount_value")
    assert error.startswith("A fixed discount of ₩50,000 is more than the minimum order")
    assert db_snapshot() == before
