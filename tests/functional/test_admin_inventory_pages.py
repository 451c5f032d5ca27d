"""Admin inventory pages: list and low-stock filter, create, edit, product ledger, adjustments."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.catalog.models import Product, StockMovement
from app.extensions import db
from tests.helpers import changed_tables, column, field_errors, post_form


def _rows(html: str, testid: str) -> list[str]:
    table = html.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]


def test_inventory_lists_every_product_hidden_ones_too(admin_client, make_product):
    make_product(name="Visible tea", stock=20)
    make_product(name="Hidden tea", stock=3, is_active=False)
    html = admin_client.get("/admin/products").get_data(as_text=True)
    rows = _rows(html, "inventory")
    assert len(rows) == 2
    assert "Visible tea" in rows[0] and "Visible" in rows[0]
    assert "Hidden tea" in rows[1] and "Hidden<" in rows[1]


@pytest.mark.parametrize("query, expected", [
    ("", ["p0", "p3", "p5", "p6", "p40"]),
    ("?low=1", ["p0", "p3", "p5"]),
    ("?low=1&threshold=6", ["p0", "p3", "p5", "p6"]),
    ("?low=1&threshold=0", ["p0"]),
    ("?low=1&threshold=abc", ["p0", "p3", "p5"]),
    ("?low=1&threshold=-4", ["p0", "p3", "p5"]),
    ("?threshold=1", ["p0", "p3", "p5", "p6", "p40"]),
])
def test_low_stock_filter(admin_client, make_product, query, expected):
    for stock in (40, 5, 0, 6, 3):
        make_product(name=f"p{stock}", stock=stock)
    html = admin_client.get("/admin/products" + query).get_data(as_text=True)
    names = re.findall(r'href="/admin/products/\d+">(p\d+)</a>', html)
    if "low=1" in query:
        assert names == expected  # emptiest first
    else:
        assert sorted(names, key=lambda n: int(n[1:])) == sorted(expected, key=lambda n: int(n[1:]))


def test_create_product_through_the_form(admin_client, admin_user, app):
    response = post_form(admin_client, "/admin/products/new", {
        "name": "Barley tea", "price": "4500", "stock": "12", "description": "Nutty.",
        "is_active": "y"})
    assert response.status_code == 302
    with app.app_context():
        product = db.session.scalar(select(Product).where(Product.name == "Barley tea"))
        assert (product.price, product.stock, product.is_active) == (4500, 12, True)
        movement = db.session.execute(select(StockMovement.delta, StockMovement.kind,
                                             StockMovement.actor_id)).one()
        assert tuple(movement) == (12, "initial", admin_user.id)
    assert response.headers["Location"] == f"/admin/products/{product.id}"
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Created Barley tea with 12 in stock." in page


@pytest.mark.parametrize("data, message", [
    ({"name": "", "price": "100", "stock": "1"}, "Enter the product's name."),
    ({"name": "Tea", "price": "", "stock": "1"}, "Enter a whole number."),
    ({"name": "Tea", "price": "1.5", "stock": "1"}, "Not a valid integer value."),
    ({"name": "Tea", "price": "-1", "stock": "1"}, "From ₩0 to ₩100,000,000."),
    ({"name": "Tea", "price": "100", "stock": "-1"}, "From 0 to 1,000,000."),
    ({"name": "Tea", "price": "100", "stock": "9999999"}, "From 0 to 1,000,000."),
    ({"name": "x" * 121, "price": "100", "stock": "1"}, "At most 120 characters."),
    ({"name": "Tea", "name_en": "x" * 121, "price": "100", "stock": "1"},
     "At most 120 characters."),
])
def test_create_form_errors_rerender_with_422_and_change_nothing(admin_client, db_snapshot,
                                                                 data, message):
    before = db_snapshot()
    response = post_form(admin_client, "/admin/products/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_a_form_without_csrf_token_is_refused(admin_client, db_snapshot):
    before = db_snapshot()
    response = admin_client.post("/admin/products/new",
                                 data={"name": "Tea", "price": "1", "stock": "1"})
    assert response.status_code == 400
    assert db_snapshot() == before


def test_edit_product(admin_client, make_product, app, db_snapshot):
    product = make_product(name="Old", price=1000, stock=4)
    form = admin_client.get(f"/admin/products/{product.id}/edit").get_data(as_text=True)
    assert 'value="Old"' in form and 'value="1000"' in form
    before = db_snapshot()
    response = post_form(admin_client, f"/admin/products/{product.id}/edit",
                         {"name": "New", "price": "1200", "description": "d"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Product, product.id)
        # Unchecked box: hidden from the shop. Stock and the ledger are untouched.
        assert (row.name, row.price, row.description, row.is_active) == ("New", 1200, "d", False)
    after = db_snapshot()
    assert changed_tables(before, after) == {"products"}
    assert column(after, "products", "stock") == column(before, "products", "stock")


def test_edit_with_errors_rerenders_and_changes_nothing(admin_client, make_product, app):
    product = make_product(name="Old", price=1000)
    response = post_form(admin_client, f"/admin/products/{product.id}/edit",
                         {"name": "New", "price": "lots", "is_active": "y"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Product, product.id).name == "Old"


def test_unknown_product_pages_are_404(admin_client):
    assert admin_client.get("/admin/products/999").status_code == 404
    assert admin_client.get("/admin/products/999/edit").status_code == 404


def test_product_page_shows_the_ledger_and_adjustments_add_to_it(admin_client, admin_user,
                                                                  make_product, make_user, app):
    from app.orders.checkout import place_order

    product = make_product(price=1000, stock=5)
    shopper = make_user(balance=10_000)
    with app.app_context():
        order, _ = place_order(shopper.id, [(product.id, 2)])
    response = post_form(admin_client, f"/admin/products/{product.id}/stock",
                         {"kind": "receipt", "delta": "10", "reason": "delivery 4711"},
                         token_from=f"/admin/products/{product.id}")
    assert response.status_code == 302
    html = admin_client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert "Stock is now 13." in html
    assert 'data-testid="stock">13<' in html
    rows = _rows(html, "movements")
    assert len(rows) == 3
    assert admin_user.email in rows[0] and "receipt" in rows[0] and "+10" in rows[0]
    assert "delivery 4711" in rows[0]
    assert shopper.email in rows[1] and "sale" in rows[1] and "-2" in rows[1]
    assert f'href="/admin/orders/{order.id}"' in rows[1]
    assert "initial" in rows[2] and "+5" in rows[2]


@pytest.mark.parametrize("data, message", [
    ({"kind": "correction", "delta": "-6", "reason": "recount"},
     "Stock cannot go below 0 (5 in stock)."),
    ({"kind": "receipt", "delta": "3", "reason": ""}, "Say why the stock changes."),
    ({"kind": "receipt", "delta": "-3", "reason": "x"}, "A receipt adds stock"),
    ({"kind": "correction", "delta": "0", "reason": "x"}, "not 0"),
    ({"kind": "correction", "delta": "2.5", "reason": "x"}, "Not a valid integer value."),
    ({"kind": "sale", "delta": "2", "reason": "x"}, "Not a valid choice"),
    ({"kind": "receipt", "delta": "2000000", "reason": "x"}, "From −1,000,000"),
])
def test_bad_adjustments_show_an_error_and_change_nothing(admin_client, make_product,
                                                          db_snapshot, data, message):
    product = make_product(stock=5)
    before = db_snapshot()
    response = post_form(admin_client, f"/admin/products/{product.id}/stock", data,
                         token_from=f"/admin/products/{product.id}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_adjusting_an_unknown_product_is_404(admin_client, db_snapshot, make_product):
    product = make_product()
    before = db_snapshot()
    response = post_form(admin_client, "/admin/products/999/stock",
                         {"kind": "receipt", "delta": "1", "reason": "x"},
                         token_from=f"/admin/products/{product.id}")
    assert response.status_code == 404
    assert db_snapshot() == before


def test_a_correction_below_zero_names_the_rule_next_to_the_change(admin_client, make_product,
                                                                   db_snapshot):
    """Admins hear the floor rule, not the shopper's "Only 15 of … left"."""
    product = make_product(name="Tea", stock=15)
    before = db_snapshot()
    response = post_form(admin_client, f"/admin/products/{product.id}/stock",
                         {"kind": "correction", "delta": "-16", "reason": "recount"},
                         token_from=f"/admin/products/{product.id}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "delta") == ["Stock cannot go below 0 (15 in stock)."]
    assert "Only 15" not in page
    assert db_snapshot() == before


def test_a_description_typed_in_the_browser_keeps_its_paragraphs_as_text(admin_client,
                                                                         make_product, client):
    """A textarea sends \\r\\n; both line ends split paragraphs, and markup stays text."""
    product = make_product(name="Tea")
    response = post_form(admin_client, f"/admin/products/{product.id}/edit", {
        "name": "Tea", "price": "1000", "is_active": "y",
        "description": "Picked in May.\r\n\r\nSteep <b>3</b> minutes.\r\nNot longer."
                       "\n\nStore dry."})
    assert response.status_code == 302
    page = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert re.findall(r'<p data-testid="description">(.*?)</p>', page, re.S) == [
        "Picked in May.", "Steep &lt;b&gt;3&lt;/b&gt; minutes.\nNot longer.", "Store dry."]
