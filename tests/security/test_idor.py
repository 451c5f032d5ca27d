"""The IDOR table: a shopper who sends another shopper's ids gets 404 and changes nothing.

For every object kind a shopper owns (wallet, claimed coupon, cart line, order) the
victim's object is addressed by the attacker through the pages and through the API; each
answer is checked, then the whole database is compared with the snapshot taken before.
"""

from __future__ import annotations

import pytest

from app.cart.services import add_to_cart
from app.coupons.claims import claim_coupon
from app.orders.checkout import place_order
from tests.helpers import assert_problem, csrf_token, post_form, wallet_of

VICTIM_BALANCE = 77_000
ATTACKER_BALANCE = 20_000


@pytest.fixture
def victim(app, make_user, make_product, make_coupon):
    """A shopper with points, a claimed coupon, a cart line and a paid order."""
    user = make_user(balance=VICTIM_BALANCE, name="Victoria Victim")
    product = make_product(price=3_000, stock=20, name="Victim's teapot")
    coupon = make_coupon(name="Victim-only 1000 off")
    with app.app_context():
        order, _ = place_order(user.id, [(product.id, 2)])
        user_coupon = claim_coupon(user.id, coupon.id)
        add_to_cart(user.id, product.id, 3)
        return {"user": user, "product": product, "order_id": order.id,
                "user_coupon_id": user_coupon.id}


@pytest.fixture
def attacker(app, make_user, make_product, login, bearer, client):
    """A logged-in shopper with an API token and one product of their own in the cart."""
    user = make_user(balance=ATTACKER_BALANCE, name="Mallory")
    product = make_product(price=2_000, stock=5)
    with app.app_context():
        add_to_cart(user.id, product.id, 1)
    login(user)
    return {"user": user, "client": client, "product": product,
            "headers": bearer(user)}


def test_someone_elses_order_is_404_on_pages_and_api(victim, attacker, db_snapshot):
    client, headers, order_id = attacker["client"], attacker["headers"], victim["order_id"]
    before = db_snapshot()

    page = client.get(f"/orders/{order_id}")
    assert page.status_code == 404
    assert "Victoria" not in page.get_data(as_text=True)
    assert "teapot" not in page.get_data(as_text=True)
    token = csrf_token(client, "/orders")
    assert client.post(f"/orders/{order_id}/cancel",
                       data={"csrf_token": token}).status_code == 404
    assert f"/orders/{order_id}" not in client.get("/orders").get_data(as_text=True)

    api = client.get(f"/api/v1/orders/{order_id}", headers=headers)
    assert_problem(api, 404, "order_not_found")
    cancel = client.post(f"/api/v1/orders/{order_id}/cancel", headers=headers)
    assert_problem(cancel, 404, "order_not_found")
    assert client.get("/api/v1/orders", headers=headers).get_json()["items"] == []

    assert db_snapshot() == before


def test_someone_elses_coupon_cannot_be_used_or_seen(victim, attacker, db_snapshot):
    client, headers, stolen = attacker["client"], attacker["headers"], victim["user_coupon_id"]
    before = db_snapshot()

    mine = client.get("/api/v1/me/coupons", headers=headers).get_json()["items"]
    assert mine == []
    assert "Victim-only" not in client.get("/coupons").get_data(as_text=True).split(
        "My coupons")[-1]

    api = client.post("/api/v1/orders", headers=headers, json={
        "items": [{"product_id": attacker["product"].id, "quantity": 1}], "coupon_id": stolen})
    assert_problem(api, 404, "coupon_not_found")

    page = client.get(f"/checkout?coupon={stolen}")
    assert page.status_code == 200
    assert "That coupon cannot be used on this order." in page.get_data(as_text=True)
    assert "Victim-only" not in page.get_data(as_text=True)
    paid = post_form(client, "/checkout", {"coupon_id": str(stolen),
                                           "idempotency_key": "stolen-coupon-try",
                                           "expected_total": "1000"})
    assert paid.status_code == 422

    assert db_snapshot() == before


def test_someone_elses_cart_line_cannot_be_changed(victim, attacker, db_snapshot):
    """Cart lines are addressed by product within the caller's own cart: naming the product
    the victim holds reaches only the attacker's cart, where there is no such line."""
    client, product_id = attacker["client"], victim["product"].id
    before = db_snapshot()

    changed = post_form(client, f"/cart/items/{product_id}", {"quantity": "9"},
                        token_from="/cart", follow_redirects=True)
    assert "That product is not in your cart." in changed.get_data(as_text=True)
    post_form(client, f"/cart/items/{product_id}/remove", {}, token_from="/cart")
    cart = client.get("/cart").get_data(as_text=True)
    assert "teapot" not in cart

    assert db_snapshot() == before


def test_wallet_reads_and_top_ups_are_the_callers_own(victim, attacker, db_snapshot):
    client, headers = attacker["client"], attacker["headers"]
    before = db_snapshot()

    wallet = client.get("/api/v1/wallet", headers=headers).get_json()
    assert wallet["balance"] == ATTACKER_BALANCE
    assert [row["amount"] for row in wallet["history"]] == [ATTACKER_BALANCE]
    page = client.get("/wallet").get_data(as_text=True)
    assert "₩20,000" in page and "₩77,000" not in page

    # Fields naming someone else are ignored: the charge lands in the caller's wallet.
    charged = client.post("/api/v1/wallet/charges", headers=headers,
                          json={"amount": 1_000, "user_id": victim["user"].id})
    assert (charged.status_code, charged.get_json()["balance"]) == (201, ATTACKER_BALANCE + 1_000)
    after = db_snapshot()
    victim_id = victim["user"].id
    assert wallet_of(after, victim_id) == wallet_of(before, victim_id)
    assert len(after["ledger_entries"]) == len(before["ledger_entries"]) + 1
