"""The product list, search, pagination and the product page, through the test client."""

import re

import pytest
from sqlalchemy import func, select

from app.catalog.models import Product
from app.extensions import db


def _names(html: str) -> list[str]:
    """Product names on a list page, in the order shown."""
    return re.findall(r'class="stretched-link[^"]*" href="/products/\d+">([^<]+)</a>', html)


def _product_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Product))


def test_list_shows_active_products_newest_first_with_price_and_stock(client, make_product):
    make_product(name="Green Tea", price=24_000, stock=35)
    make_product(name="Hidden Lamp", is_active=False)
    make_product(name="Brass Bowl", price=54_000, stock=3)
    make_product(name="Pear Box", price=59_000, stock=0)

    response = client.get("/products")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _names(html) == ["Pear Box", "Brass Bowl", "Green Tea"]
    assert "Hidden Lamp" not in html
    assert "₩24,000" in html and "₩54,000" in html and "₩59,000" in html
    assert "35 in stock" in html
    assert "Only 3 left" in html
    assert html.count('data-testid="sold-out"') == 1
    assert "3 products" in html


def test_empty_shop_says_so(client):
    response = client.get("/products")
    assert response.status_code == 200
    assert "No products yet" in response.get_data(as_text=True)


def test_search_is_case_insensitive_and_keeps_the_query_in_the_box(client, make_product):
    make_product(name="Boseong Green Tea")
    make_product(name="Teapot, Cast Iron")
    make_product(name="Coffee Beans")

    html = client.get("/products?q=TEA").get_data(as_text=True)

    assert _names(html) == ["Teapot, Cast Iron", "Boseong Green Tea"]
    assert 'name="q" value="TEA"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("%", ["100% Cotton Socks"]),
        ("_", ["snake_case Mug"]),
        ("\\", ["Back\\slash Poster"]),
        ("'", ["Chef's Knife"]),
        ('"', ['The "Best" Mug']),
        ("'; DROP TABLE products; --", []),
        ("' OR '1'='1", []),
        ("%%", []),
    ],
)
def test_search_treats_sql_metacharacters_as_plain_text(app, client, make_product, query, expected):
    for name in ["100% Cotton Socks", "snake_case Mug", "Back\\slash Poster", "Chef's Knife",
                 'The "Best" Mug', "Plain Bowl"]:
        make_product(name=name)

    response = client.get("/products", query_string={"q": query})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Names are HTML-escaped on the page.
    shown = [n.replace("&#39;", "'").replace("&#34;", '"') for n in _names(html)]
    assert shown == expected
    if not expected:
        assert 'data-testid="no-results"' in html
    assert _product_count(app) == 6


def test_search_with_a_nul_character_is_a_422_page_naming_q(client, make_product, db_snapshot):
    """No text can hold a NUL (issue 13): the shopper gets the error page, not a result list."""
    make_product(name="Green Tea")
    before = db_snapshot()
    response = client.get("/products", query_string={"q": "Tea\x00"})
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "&#39;q&#39; contains a NUL character" in html
    assert _names(html) == []
    assert db_snapshot() == before


def test_pagination_pages_through_every_product_once(app, client, make_product):
    per_page = app.config["PER_PAGE"]
    for n in range(per_page + 2):
        make_product(name=f"Item {n:02d}")

    first = client.get("/products").get_data(as_text=True)
    second = client.get("/products?page=2").get_data(as_text=True)

    assert len(_names(first)) == per_page
    assert _names(second) == ["Item 01", "Item 00"]
    assert sorted(_names(first) + _names(second)) == [f"Item {n:02d}" for n in range(per_page + 2)]
    assert 'href="/products?page=2"' in first
    assert "page 2 of 2" in second


def test_pagination_keeps_the_search_query(app, client, make_product):
    per_page = app.config["PER_PAGE"]
    for n in range(per_page + 1):
        make_product(name=f"Lamp {n:02d}")
    make_product(name="Chair")

    first = client.get("/products?q=lamp").get_data(as_text=True)
    second = client.get("/products?q=lamp&page=2").get_data(as_text=True)

    assert re.search(r'href="/products\?(page=2&amp;q=lamp|q=lamp&amp;page=2)"', first)
    assert _names(second) == ["Lamp 00"]
    assert "Chair" not in first + second


@pytest.mark.parametrize("page", ["0", "-3", "abc", "1.5", "99999999999999999999999"])
def test_odd_page_numbers_give_a_page_not_an_error(client, make_product, page):
    make_product(name="Only One")
    response = client.get(f"/products?page={page}")
    assert response.status_code == 200


def test_a_page_past_the_last_offers_the_first(client, make_product):
    make_product(name="Only One")
    html = client.get("/products?page=5").get_data(as_text=True)
    assert _names(html) == []
    assert "There is no page 5" in html


def test_product_page_shows_name_price_description_and_stock(client, make_product):
    product = make_product(name="Onggi Crock, 5 L", price=68_000, stock=12,
                           description="A breathable crock.\n\nThrown by hand.")

    response = client.get(f"/products/{product.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Onggi Crock, 5 L" in html
    assert "₩68,000" in html
    assert "<p data-testid=\"description\">A breathable crock.</p>" in html
    assert "<p data-testid=\"description\">Thrown by hand.</p>" in html
    assert "12 in stock" in html
    assert 'data-testid="sold-out"' not in html


def test_sold_out_product_page_says_so(client, make_product):
    product = make_product(name="Pear Box", stock=0)
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert 'data-testid="sold-out"' in html
    assert "This product is sold out." in html


def test_product_names_and_descriptions_are_escaped(client, make_product):
    product = make_product(name="<script>alert(1)</script>", description="<b>bold</b>")
    html = client.get(f"/products/{product.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.parametrize("path", ["/products/999", "/products/0", "/products/abc",
                                  "/products/99999999999999999999"])
def test_unknown_product_is_the_shops_404_page(client, make_product, path):
    make_product()
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Back to the shop" in html and "navbar" in html


def test_hidden_product_is_404(client, make_product):
    product = make_product(name="Retired Lamp", is_active=False)
    response = client.get(f"/products/{product.id}")
    assert response.status_code == 404
    assert "Retired Lamp" not in response.get_data(as_text=True)


def test_home_page_shows_the_newest_products(client, make_product):
    for n in range(10):
        make_product(name=f"Gift {n}")
    make_product(name="Hidden Gift", is_active=False)

    response = client.get("/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="hero"' in html
    assert _names(html)[:8] == [f"Gift {n}" for n in range(9, 1, -1)]
    assert "Hidden Gift" not in html
