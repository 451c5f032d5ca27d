"""GET /api/v1/categories, and GET /api/v1/products with category, sort, filters, and each
product's category and images."""

from __future__ import annotations

import pytest

from app.catalog.models import ProductImage
from app.catalog.sales import shop_day
from app.db import transaction, utcnow
from tests.helpers import assert_problem


@pytest.fixture
def shop(category_row, kitchen_and_garden_products):
    ids = {"kitchen": category_row("주방", name_en="Kitchen", slug="kitchen", position=1)}
    ids["mugs"] = category_row("머그", name_en="Mugs", slug="mugs", parent=ids["kitchen"])
    ids["knives"] = category_row("칼", slug="knives", parent=ids["kitchen"], visible=False)
    ids["garden"] = category_row("정원", slug="garden", position=0)
    return {**ids, **kitchen_and_garden_products(ids)}


def names(client, **query) -> list[str]:
    body = client.get("/api/v1/products", query_string=query).get_json()
    return [item["name"] for item in body["items"]]


def test_categories_are_the_shown_tree_in_order_in_the_callers_language(client, shop):
    english = client.get("/api/v1/categories", headers={"Accept-Language": "en"})
    korean = client.get("/api/v1/categories", headers={"Accept-Language": "ko"})

    assert english.status_code == 200
    assert english.get_json() == {"items": [
        {"id": shop["garden"], "name": "정원", "slug": "garden", "parent_id": None,
         "children": []},
        {"id": shop["kitchen"], "name": "Kitchen", "slug": "kitchen", "parent_id": None,
         "children": [{"id": shop["mugs"], "name": "Mugs", "slug": "mugs",
                       "parent_id": shop["kitchen"], "children": []}]},
    ]}
    assert [item["name"] for item in korean.get_json()["items"]] == ["정원", "주방"]


def test_a_category_lists_its_shown_subcategories_products(client, shop):
    assert names(client, category=shop["kitchen"], sort="newest") == [
        "Red Mug", "Blue Mug", "Bowl"]
    assert names(client, category=shop["mugs"], sort="newest") == ["Red Mug", "Blue Mug"]


def test_a_categorys_list_names_each_products_own_category(client, shop):
    body = client.get("/api/v1/products", query_string={"category": shop["kitchen"]},
                      headers={"Accept-Language": "en"}).get_json()

    assert {item["name"]: item["category"] for item in body["items"]} == {
        "Bowl": {"id": shop["kitchen"], "name": "Kitchen"},
        "Blue Mug": {"id": shop["mugs"], "name": "Mugs"},
        "Red Mug": {"id": shop["mugs"], "name": "Mugs"}}


@pytest.mark.parametrize("category", ["knives", "unknown"])
def test_a_hidden_or_unknown_category_is_404(client, shop, category):
    category_id = shop.get(category, 9_999)
    response = client.get(f"/api/v1/products?category={category_id}")
    assert_problem(response, 404, "category_not_found")


def test_sorts_and_filters(client, shop, sold, app):
    with app.app_context():
        sold(shop["Bowl"], 3, shop_day(utcnow()))
    assert names(client) == ["Bowl", "Rake", "Chef Knife", "Red Mug", "Blue Mug"]
    assert names(client, sort="price_asc") == ["Blue Mug", "Chef Knife", "Red Mug", "Bowl",
                                               "Rake"]
    assert names(client, sort="price_desc", min_price=2_000, max_price=3_000,
                 in_stock="true") == ["Red Mug", "Bowl", "Chef Knife"]
    assert names(client, sort="newest", in_stock="false") == [
        "Rake", "Chef Knife", "Red Mug", "Blue Mug", "Bowl"]
    assert names(client, min_price=3_001, max_price=2_999) == []
    assert names(client, q="mug", sort="price_desc") == ["Red Mug", "Blue Mug"]


def test_paging_with_filters_counts_the_filtered_total(client, shop):
    first = client.get("/api/v1/products?sort=price_asc&in_stock=true&per_page=2").get_json()
    second = client.get("/api/v1/products?sort=price_asc&in_stock=true&per_page=2&page=2"
                        ).get_json()
    assert first["total"] == second["total"] == 4
    assert [item["name"] for item in first["items"] + second["items"]] == [
        "Chef Knife", "Red Mug", "Bowl", "Rake"]


@pytest.mark.parametrize(("query", "parameter"), [
    ("sort=cheapest", "sort"), ("sort=PRICE_ASC", "sort"),
    ("min_price=abc", "min_price"), ("min_price=-1", "min_price"),
    ("max_price=1.5", "max_price"), ("max_price=100000001", "max_price"),
    ("in_stock=1", "in_stock"), ("in_stock=yes", "in_stock"),
    ("category=abc", "category"), ("category=0", "category"),
    ("category=99999999999", "category"),
])
def test_bad_choices_are_422_naming_the_parameter(client, shop, query, parameter):
    body = assert_problem(client.get(f"/api/v1/products?{query}"), 422, "invalid_input")
    assert f"'{parameter}'" in body["detail"]


def test_each_product_has_its_shown_category_and_its_images_main_first(app, client, shop):
    with app.app_context(), transaction() as uow:
        uow.session.add_all([
            ProductImage(product_id=shop["Red Mug"], digest="b" * 64, position=1,
                         sizes=[[320, 240], [640, 480]], alt="Side view"),
            ProductImage(product_id=shop["Red Mug"], digest="a" * 64, position=0,
                         sizes=[[320, 320]], alt=""),
        ])

    product = client.get(f"/api/v1/products/{shop['Red Mug']}",
                         headers={"Accept-Language": "en"}).get_json()
    listed = {item["id"]: item for item in client.get(
        "/api/v1/products", headers={"Accept-Language": "en"}).get_json()["items"]}

    assert product["category"] == {"id": shop["mugs"], "name": "Mugs"}
    assert [(image["alt"], [(size["width"], size["height"]) for size in image["sizes"]])
            for image in product["images"]] == [("Red Mug", [(320, 320)]),
                                                ("Side view", [(320, 240), (640, 480)])]
    assert product["images"][0]["sizes"][0]["url"].endswith(f"/aa/{'a' * 64}-320.webp")
    assert listed[shop["Red Mug"]]["images"] == product["images"]
    assert listed[shop["Chef Knife"]]["category"] is None  # its category is hidden
    assert listed[shop["Rake"]]["category"] == {"id": shop["garden"], "name": "정원"}


def test_the_document_lists_the_choices_with_their_bounds(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p["schema"] for p in
                  document["paths"]["/products"]["get"]["parameters"]}
    assert parameters["sort"]["enum"] == ["recommended", "newest", "price_asc", "price_desc"]
    assert parameters["min_price"]["minimum"] == parameters["max_price"]["minimum"] == 0
    assert parameters["category"]["minimum"] == 1
    assert parameters["in_stock"]["type"] == "boolean"
    assert "404" in document["paths"]["/products"]["get"]["responses"]
    assert "/categories" in document["paths"]
