"""Search with SQL and LIKE metacharacters: each matches itself, nothing changes, never a 5xx.
A NUL, which no text can hold, is refused naming the field."""

from __future__ import annotations

import html

import pytest

from tests.helpers import assert_problem, post_form

NAMES = ["100% cotton towel", "snake_case mug", "Plain mug", "C:\\Windows teapot",
         "O'Brien's kettle"]

# query → the names it must find (a literal substring match, case-insensitive)
QUERIES = {
    "%": ["100% cotton towel"],
    "_": ["snake_case mug"],
    "\\": ["C:\\Windows teapot"],
    "'": ["O'Brien's kettle"],
    "O'Brien": ["O'Brien's kettle"],
    "' OR 1=1 --": [],
    "' OR '1'='1": [],
    "\"; DROP TABLE products; --": [],
    "%' UNION SELECT password_hash FROM users --": [],
    "mug' AND 1=(SELECT COUNT(*) FROM users) --": [],
    "MUG": ["Plain mug", "snake_case mug"],
    "x" * 5_000: [],
}


@pytest.fixture
def catalog(make_product):
    return {name: make_product(name=name, stock=3) for name in NAMES}


@pytest.mark.parametrize("query", QUERIES, ids=[repr(q[:30]) for q in QUERIES])
def test_search_matches_metacharacters_literally_and_changes_nothing(
        client, catalog, db_snapshot, query):
    before = db_snapshot()

    api = client.get("/api/v1/products", query_string={"q": query, "per_page": 50})
    assert api.status_code == 200
    assert sorted(item["name"] for item in api.get_json()["items"]) == QUERIES[query]
    page = client.get("/products", query_string={"q": query})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in NAMES:
        shown = name.replace("&", "&amp;").replace("'", "&#39;") in html
        assert shown == (name in QUERIES[query]), name

    assert db_snapshot() == before


@pytest.mark.parametrize("query", ["\x00", "mug\x00", "\x00' OR 1=1 --"])
def test_a_search_holding_a_nul_is_refused_naming_q(client, catalog, db_snapshot,
                                                    query):
    before = db_snapshot()

    api = client.get("/api/v1/products", query_string={"q": query, "per_page": 50})
    assert "'q' contains a NUL character" in assert_problem(api, 422, "invalid_input")["detail"]
    page = client.get("/products", query_string={"q": query})
    assert page.status_code == 422
    shown = html.unescape(page.get_data(as_text=True))
    assert "'q' contains a NUL character" in shown
    assert not any(name in shown for name in NAMES)

    assert db_snapshot() == before


@pytest.mark.parametrize("query, status", [("%", 200), ("' OR 1=1 --", 200), ("\x00", 422),
                                           ("_", 200)])
def test_admin_search_and_filters_survive_metacharacters(admin_client, catalog, db_snapshot,
                                                         query, status):
    before = db_snapshot()
    products = admin_client.get("/admin/products", query_string={"q": query})
    assert products.status_code == status
    if status == 422:
        assert "'q' contains a NUL character" in html.unescape(products.get_data(as_text=True))
    for field in ("q", "status", "since", "until", "from", "to"):
        assert admin_client.get("/admin/orders",
                                query_string={field: query}).status_code in {200, 422}
    assert db_snapshot() == before


def test_a_hostile_product_created_through_the_admin_form_renders_as_text(admin_client):
    name = "<script>alert(1)</script>"
    response = post_form(admin_client, "/admin/products/new",
                         {"name": name, "price": "1000", "stock": "1",
                          "description": "<img src=x onerror=alert(2)>"},
                         follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert name not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
