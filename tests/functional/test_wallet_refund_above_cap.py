"""The balance cap limits top-ups only: a refund always gives the shopper's points back."""

from app.audit.services import run_audit
from app.extensions import db
from app.orders.models import Order
from app.wallet.models import MAX_BALANCE
from tests.helpers import assert_problem, post_form, wallet_of


def audit_findings(app) -> list[str]:
    with app.app_context():
        findings = [finding.check.name for finding in run_audit()]
        db.session.remove()
        return findings


def test_a_shopper_cancelling_above_the_cap_gets_every_point_back(
        app, client, make_user, make_product, bearer, db_snapshot):
    user = make_user(balance=MAX_BALANCE)
    product = make_product(price=10_000, stock=5)
    headers = bearer(user)
    order = client.post("/api/v1/orders", json={"items": [{"product_id": product.id,
                                                           "quantity": 1}]},
                        headers=headers).get_json()
    topped_up = client.post("/api/v1/wallet/charges", json={"amount": 10_000}, headers=headers)
    assert topped_up.get_json()["balance"] == MAX_BALANCE

    cancelled = client.post(f"/api/v1/orders/{order['id']}/cancel", headers=headers)

    assert cancelled.status_code == 200, cancelled.get_data(as_text=True)
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["balance"] == MAX_BALANCE + 10_000
    balance, entries = wallet_of(db_snapshot(), user.id)
    assert (balance, len(entries)) == (MAX_BALANCE + 10_000, 4)
    assert audit_findings(app) == []

    # Above the cap, a top-up says why it is refused, and changes nothing.
    refused = assert_problem(client.post("/api/v1/wallet/charges", json={"amount": 1},
                                         headers=headers), 422, "balance_limit_exceeded")
    assert "reached the ₩100,000,000 limit" in refused["detail"]
    balance, entries = wallet_of(db_snapshot(), user.id)
    assert (balance, len(entries)) == (MAX_BALANCE + 10_000, 4)

    # Points above the cap still pay, also when the payment leaves the balance above it.
    paid = client.post("/api/v1/orders", json={"items": [{"product_id": product.id,
                                                          "quantity": 1}]}, headers=headers)
    assert paid.status_code == 201, paid.get_data(as_text=True)
    assert paid.get_json()["balance"] == MAX_BALANCE
    assert audit_findings(app) == []


def test_an_admin_can_cancel_an_order_whose_refund_passes_the_cap(
        app, client, login, make_user, make_product, bearer, db_snapshot):
    shopper = make_user(balance=MAX_BALANCE)
    product = make_product(price=250_000, stock=5)
    headers = bearer(shopper)
    order_id = client.post("/api/v1/orders", json={"items": [{"product_id": product.id,
                                                              "quantity": 2}]},
                           headers=headers).get_json()["id"]
    client.post("/api/v1/wallet/charges", json={"amount": 500_000}, headers=headers)
    login(make_user(is_admin=True))

    response = post_form(client, f"/admin/orders/{order_id}/cancel", {},
                         token_from=f"/admin/orders/{order_id}")

    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Order, order_id).status == "cancelled"
        db.session.remove()
    balance, entries = wallet_of(db_snapshot(), shopper.id)
    assert (balance, len(entries)) == (MAX_BALANCE + 500_000, 4)
    assert audit_findings(app) == []
