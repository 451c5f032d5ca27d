"""Checkout, my orders, order detail and cancel, through the test client with CSRF tokens."""

import re

import pytest

from tests.helpers import column, post_form


def _add(client, product_id, quantity):
    response = post_form(client, f"/cart/add/{product_id}", {"quantity": quantity},
                         token_from="/cart")
    assert response.headers["Location"].endswith("/cart"), response.headers["Location"]


def _checkout_page(client, coupon=None):
    response = client.get("/checkout" + (f"?coupon={coupon}" if coupon else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _pay_fields(html):
    """What the rendered pay form would submit."""
    fields = dict(re.findall(r'<input[^>]*name="(csrf_token|idempotency_key|expected_total|'
                             r'coupon_id)"[^>]*value="([^"]*)"', html))
    assert "idempotency_key" in fields
    return fields


def _testid(html, name):
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, f"no {name}"
    return match.group(1).strip()


@pytest.fixture
def shopper(login, make_user):
    user = make_user(balance=20_000)
    login(user)
    return user


def test_checkout_pages_need_a_login(client):
    for path in ("/checkout", "/orders", "/orders/1"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_check_out_with_a_coupon(client, shopper, make_product, give_coupon, db_snapshot):
    mug = make_product(price=3_000, stock=5, name="Mug")
    tea = make_product(price=4_000, stock=5, name="Tea")
    claim = give_coupon(shopper, name="Welcome 10%", discount_type="percent",
                        discount_value=10, max_discount=5_000)
    _add(client, mug.id, 2)
    _add(client, tea.id, 1)

    html = _checkout_page(client, claim)
    assert "Welcome 10%" in html
    assert (_testid(html, "subtotal"), _testid(html, "discount"), _testid(html, "total")) == (
        "₩10,000", "−₩1,000", "₩9,000")
    assert _testid(html, "balance-after") == "₩11,000"

    response = client.post("/checkout", data=_pay_fields(html))
    assert response.status_code == 302
    order_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is paid: ₩9,000 in points" in order_page
    assert _testid(order_page, "discount") == "−₩1,000"
    assert _testid(order_page, "total") == "₩9,000"
    assert _testid(order_page, "payment-balance-after") == "₩11,000"
    assert "Welcome 10%" in order_page
    state = db_snapshot()
    assert column(state, "products", "stock") == {mug.id: 3, tea.id: 4}
    assert column(state, "wallets", "balance", by="user_id") == {shopper.id: 11_000}
    assert len(state["cart_items"]) == 0
    assert column(state, "user_coupons", "used_order_id")[claim] is not None


def test_a_double_submitted_checkout_makes_one_order(client, shopper, make_product, db_snapshot):
    product = make_product(price=1_000, stock=5)
    _add(client, product.id, 2)
    fields = _pay_fields(_checkout_page(client))
    first = client.post("/checkout", data=fields)
    second = client.post("/checkout", data=fields)
    assert first.headers["Location"] == second.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "was already placed from this page; you were not charged twice" in page
    state = db_snapshot()
    assert len(state["orders"]) == 1
    assert column(state, "wallets", "balance", by="user_id") == {shopper.id: 18_000}


def test_an_empty_cart_cannot_be_checked_out(client, shopper, make_product, db_snapshot):
    html = _checkout_page(client)
    assert 'data-testid="empty-cart"' in html
    before = db_snapshot()
    response = post_form(client, "/checkout", {"idempotency_key": "k1", "expected_total": 0},
                         token_from="/cart")
    assert response.status_code == 422
    assert "Your cart is empty" in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_short_of_points_the_page_says_so_and_paying_is_refused(client, login, make_user,
                                                                make_product, db_snapshot):
    login(make_user(balance=1_000))
    product = make_product(price=1_500)
    _add(client, product.id, 1)
    html = _checkout_page(client)
    assert "You need ₩500 more." in html
    assert re.search(r'data-testid="pay"\s+disabled', html)
    before = db_snapshot()
    response = client.post("/checkout", data=_pay_fields(html))
    assert response.status_code == 422
    assert "costs ₩1,500 but your balance is ₩1,000" in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_a_coupon_below_its_minimum_is_refused(client, shopper, make_product, give_coupon,
                                               db_snapshot):
    product = make_product(price=4_000)
    claim = give_coupon(shopper, name="Big spender", min_order_amount=10_000)
    _add(client, product.id, 1)
    html = _checkout_page(client)
    assert "needs an order of ₩10,000" in html
    before = db_snapshot()
    response = client.post("/checkout", data={**_pay_fields(html), "coupon_id": claim})
    assert response.status_code == 422
    assert "Big spender needs an order of at least ₩10,000" in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_someone_elses_coupon_is_refused(client, shopper, make_user, make_product, give_coupon,
                                         db_snapshot):
    product = make_product(price=4_000)
    theirs = give_coupon(make_user())
    _add(client, product.id, 1)
    html = _checkout_page(client, theirs)
    assert "That coupon cannot be used on this order." in html
    assert _testid(html, "discount") == "₩0"
    before = db_snapshot()
    response = client.post("/checkout", data={**_pay_fields(html), "coupon_id": theirs})
    assert response.status_code == 422
    assert f"You have no coupon #{theirs}." in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_a_product_sold_out_since_it_was_added_is_refused(app, client, shopper, make_product,
                                                          db_snapshot):
    from app.db import transaction
    from app.extensions import db

    product = make_product(stock=3, name="Hot item")
    _add(client, product.id, 2)
    fields = _pay_fields(_checkout_page(client))
    with app.app_context(), transaction() as uow:
        uow.session.execute(db.text("UPDATE products SET stock = 0 WHERE id = :id"),
                            {"id": product.id})
    before = db_snapshot()
    response = client.post("/checkout", data=fields)
    assert response.status_code == 422
    assert "Hot item is sold out." in response.get_data(as_text=True)
    assert db_snapshot() == before


def _place(client, product_id, quantity=1):
    _add(client, product_id, quantity)
    response = client.post("/checkout", data=_pay_fields(_checkout_page(client)))
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_my_orders_newest_first_with_pages(client, shopper, make_product):
    product = make_product(price=100, stock=100, name="Pencil")
    ids = [_place(client, product.id) for _ in range(22)]
    html = client.get("/orders").get_data(as_text=True)
    listed = [int(n) for n in re.findall(r'href="/orders/(\d+)"', html)]
    assert listed == ids[::-1][:20]
    page2 = client.get("/orders?page=2").get_data(as_text=True)
    assert [int(n) for n in re.findall(r'href="/orders/(\d+)"', page2)] == ids[1::-1]


def test_someone_elses_order_is_404(client, shopper, login, make_user, make_product, app):
    from app.orders.checkout import place_order

    other = make_user(balance=5_000)
    product = make_product()
    with app.app_context():
        theirs, _ = place_order(other.id, [(product.id, 1)])
    response = client.get(f"/orders/{theirs.id}")
    assert response.status_code == 404
    assert client.get("/orders/999999").status_code == 404


def test_cancel_restores_points_and_stock(client, shopper, make_product, db_snapshot):
    product = make_product(price=2_500, stock=4)
    order_id = _place(client, product.id, 2)
    html = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-testid="cancel-order"' in html
    response = post_form(client, f"/orders/{order_id}/cancel", {}, token_from="/cart")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is cancelled; ₩5,000 is back in your points" in page
    assert _testid(page, "order-status") == "Cancelled"
    assert _testid(page, "refund-balance-after") == "₩20,000"
    assert 'data-testid="cancel-order"' not in page
    state = db_snapshot()
    assert column(state, "wallets", "balance", by="user_id") == {shopper.id: 20_000}
    assert column(state, "products", "stock") == {product.id: 4}

    before = db_snapshot()
    again = post_form(client, f"/orders/{order_id}/cancel", {}, token_from="/cart")
    assert f"Order #{order_id} is already cancelled." in client.get(
        again.headers["Location"]).get_data(as_text=True)
    assert db_snapshot() == before


def test_cancelling_someone_elses_order_is_404_and_changes_nothing(client, shopper, make_user,
                                                                   make_product, app,
                                                                   db_snapshot):
    from app.orders.checkout import place_order

    other = make_user(balance=5_000)
    product = make_product()
    with app.app_context():
        theirs, _ = place_order(other.id, [(product.id, 1)])
    before = db_snapshot()
    response = post_form(client, f"/orders/{theirs.id}/cancel", {}, token_from="/cart")
    assert response.status_code == 404
    assert db_snapshot() == before


def test_a_post_without_csrf_token_is_refused(client, shopper, make_product, db_snapshot):
    product = make_product()
    _add(client, product.id, 1)
    before = db_snapshot()
    assert client.post("/checkout", data={"idempotency_key": "x"}).status_code == 400
    assert db_snapshot() == before


def test_ids_beyond_any_row_are_404_never_5xx(client, shopper, db_snapshot):
    huge = 10**20
    before = db_snapshot()
    assert client.get(f"/orders/{huge}").status_code == 404
    assert post_form(client, f"/orders/{huge}/cancel", {}, token_from="/cart").status_code == 404
    assert client.get(f"/checkout?coupon={huge}").status_code == 200
    assert db_snapshot() == before


def test_a_price_raised_after_the_page_was_shown_is_not_charged(app, client, shopper,
                                                               make_product, db_snapshot):
    from app.db import transaction
    from app.extensions import db

    product = make_product(price=1_000, name="Kettle")
    _add(client, product.id, 2)
    fields = _pay_fields(_checkout_page(client))
    assert fields["expected_total"] == "2000"
    with app.app_context(), transaction() as uow:
        uow.session.execute(db.text("UPDATE products SET price = 1500 WHERE id = :id"),
                            {"id": product.id})
    before = db_snapshot()
    response = client.post("/checkout", data=fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "the total is now ₩3,000, not ₩2,000" in html
    assert _testid(html, "total") == "₩3,000"
    assert db_snapshot() == before
    # The page now shows the new total; paying it goes through.
    paid = client.post("/checkout", data=_pay_fields(html))
    assert paid.status_code == 302
    assert column(db_snapshot(), "wallets", "balance", by="user_id") == {shopper.id: 17_000}


def test_a_checkout_form_without_its_hidden_fields_is_refused(client, shopper, make_product,
                                                              db_snapshot):
    product = make_product()
    _add(client, product.id, 1)
    before = db_snapshot()
    response = post_form(client, "/checkout", {}, token_from="/cart")
    assert response.status_code == 422
    assert "This checkout page expired" in response.get_data(as_text=True)
    assert db_snapshot() == before
