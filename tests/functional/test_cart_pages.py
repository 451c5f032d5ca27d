"""The cart page and the add-to-cart form, through the Flask test client with real CSRF tokens."""

import pytest

from tests.helpers import post_form


def _add(client, product_id, quantity):
    return post_form(client, f"/cart/add/{product_id}", {"quantity": quantity},
                     token_from="/cart")


def _follow(client, response):
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def test_the_cart_needs_a_login(client):
    response = client.get("/cart")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_add_then_see_lines_stock_and_subtotal(client, login, make_user, make_product,
                                               db_snapshot):
    login(make_user())
    mug = make_product(price=3_000, stock=7, name="Blue mug")
    tea = make_product(price=1_250, stock=100, name="Green tea")

    response = _add(client, mug.id, 2)
    assert response.headers["Location"].endswith("/cart")
    _add(client, tea.id, 4)
    page = _follow(client, _add(client, mug.id, 1)).get_data(as_text=True)

    assert "Added 1 × Blue mug to your cart (3 in the cart now)." in page
    assert "Blue mug" in page and "Green tea" in page
    assert "₩14,000" in page  # 3 × 3,000 + 4 × 1,250
    assert "7 in stock" in page
    assert len(db_snapshot()["cart_items"]) == 2


def test_the_product_page_offers_a_quantity_and_a_button(client, login, make_user, make_product):
    product = make_product(stock=3)
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "Log in to buy" in html
    login(make_user())
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'data-testid="add-to-cart"' in html
    assert 'name="quantity"' in html and 'max="3"' in html


def test_a_sold_out_product_has_no_usable_button_and_cannot_be_added(client, login, make_user,
                                                                    make_product, db_snapshot):
    login(make_user())
    product = make_product(stock=0, name="Gone")
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'data-testid="add-to-cart-disabled"' in html
    assert 'data-testid="add-to-cart"' not in html
    before = db_snapshot()
    page = _follow(client, _add(client, product.id, 1)).get_data(as_text=True)
    assert "Gone is sold out." in page
    assert db_snapshot() == before


def test_more_than_the_stock_is_refused(client, login, make_user, make_product, db_snapshot):
    login(make_user())
    product = make_product(stock=3, name="Rare tea")
    _add(client, product.id, 2)
    before = db_snapshot()
    response = _add(client, product.id, 2)
    assert response.headers["Location"].endswith(f"/products/{product.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only 3 of Rare tea left and you already have 2 in your cart." in page
    assert db_snapshot() == before


def test_a_hidden_or_unknown_product_cannot_be_added(client, login, make_user, make_product,
                                                     db_snapshot):
    login(make_user())
    hidden = make_product(is_active=False)
    before = db_snapshot()
    for product_id in (hidden.id, hidden.id + 1000):
        response = _add(client, product_id, 1)
        assert response.headers["Location"].endswith("/products")
        assert "That product is not available." in client.get("/products").get_data(as_text=True)
    assert db_snapshot() == before


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "10001", "abc", ""])
def test_bad_quantities_are_refused(client, login, make_user, make_product, db_snapshot,
                                    quantity):
    login(make_user())
    product = make_product(stock=50_000)
    before = db_snapshot()
    page = _follow(client, _add(client, product.id, quantity)).get_data(as_text=True)
    assert "Enter a whole number from 1 to 10,000." in page
    assert db_snapshot() == before


def test_change_a_quantity(client, login, make_user, make_product):
    login(make_user())
    product = make_product(price=1_000, stock=10)
    _add(client, product.id, 1)
    response = post_form(client, f"/cart/items/{product.id}", {"quantity": 4}, token_from="/cart")
    page = _follow(client, response).get_data(as_text=True)
    assert "Quantity updated." in page and "₩4,000" in page


@pytest.mark.parametrize("quantity, message", [
    ("11", "Only 10 of Kettle left; you asked for 11."),
    ("0", "Enter a whole number from 1 to 10,000."),
    ("2.5", "Enter a whole number from 1 to 10,000."),
    ("many", "Enter a whole number from 1 to 10,000."),
])
def test_a_refused_quantity_shows_on_its_line_with_422(client, login, make_user, make_product,
                                                        db_snapshot, quantity, message):
    login(make_user())
    product = make_product(price=1_000, stock=10, name="Kettle")
    _add(client, product.id, 1)
    before = db_snapshot()
    response = post_form(client, f"/cart/items/{product.id}", {"quantity": quantity},
                         token_from="/cart")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'data-testid="quantity-error"' in html
    assert db_snapshot() == before


def test_remove_a_line(client, login, make_user, make_product, db_snapshot):
    login(make_user())
    kept, removed = make_product(name="Kept"), make_product(name="Removed")
    _add(client, kept.id, 1)
    _add(client, removed.id, 1)
    page = _follow(client, post_form(client, f"/cart/items/{removed.id}/remove", {},
                                     token_from="/cart")).get_data(as_text=True)
    assert "Removed from your cart." in page
    assert len(db_snapshot()["cart_items"]) == 1
    assert "Kept" in page


def test_a_line_that_no_longer_fits_the_stock_blocks_checkout(app, client, login, make_user,
                                                             make_product):
    from app.db import transaction
    from app.extensions import db

    login(make_user())
    product = make_product(stock=5, name="Popular")
    _add(client, product.id, 4)
    with app.app_context(), transaction() as uow:
        uow.session.execute(db.text("UPDATE products SET stock = 2 WHERE id = :id"),
                            {"id": product.id})
    html = client.get("/cart").get_data(as_text=True)
    assert "Only 2 left." in html
    assert 'data-testid="go-to-checkout"' not in html


def test_an_empty_cart_says_so(client, login, make_user):
    login(make_user())
    html = client.get("/cart").get_data(as_text=True)
    assert 'data-testid="empty-cart"' in html


def test_ids_beyond_any_row_are_refused_never_5xx(client, login, make_user, db_snapshot):
    login(make_user())
    huge = 10**20
    before = db_snapshot()
    assert _add(client, huge, 1).headers["Location"].endswith("/products")
    response = post_form(client, f"/cart/items/{huge}", {"quantity": 1}, token_from="/cart")
    assert "That product is not in your cart." in _follow(client, response).get_data(as_text=True)
    assert post_form(client, f"/cart/items/{huge}/remove", {},
                     token_from="/cart").status_code == 302
    assert db_snapshot() == before


def test_a_line_whose_product_was_hidden_blocks_checkout_until_removed(app, client, login,
                                                                        make_user, make_product):
    from app.db import transaction
    from app.extensions import db

    login(make_user(balance=10_000))
    product = make_product(name="Withdrawn")
    _add(client, product.id, 1)
    with app.app_context(), transaction() as uow:
        uow.session.execute(db.text("UPDATE products SET is_active = false WHERE id = :id"),
                            {"id": product.id})
    html = client.get("/cart").get_data(as_text=True)
    assert "No longer available: please remove it." in html
    assert 'data-testid="go-to-checkout"' not in html
    response = post_form(client, f"/cart/items/{product.id}", {"quantity": 1}, token_from="/cart")
    assert response.status_code == 422
    assert "That product is not available." in response.get_data(as_text=True)
    post_form(client, f"/cart/items/{product.id}/remove", {}, token_from="/cart")
    assert 'data-testid="empty-cart"' in client.get("/cart").get_data(as_text=True)
