"""POST /api/v1/admin/products and PATCH /api/v1/admin/products/{id} per api-v1.md."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog.models import StockMovement
from app.extensions import db
from tests.helpers import assert_problem


@pytest.fixture
def admin_headers(admin_user, bearer):
    return bearer(admin_user)


def test_create_product(client, admin_headers, admin_user, app):
    response = client.post("/api/v1/admin/products", headers=admin_headers, json={
        "name": "Jasmine tea", "price": 7_000, "stock": 25, "description": "Floral."})
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "name": "Jasmine tea", "name_en": None, "price": 7_000,
                    "stock": 25, "description": "Floral.", "description_en": None,
                    "is_active": True, "category_id": None}
    with app.app_context():
        assert db.session.execute(select(StockMovement.delta, StockMovement.kind,
                                         StockMovement.actor_id)).all() == [
            (25, "initial", admin_user.id)]
    # The shop sees it at once.
    assert client.get(f"/api/v1/products/{body['id']}").get_json()["stock"] == 25


def test_description_is_optional(client, admin_headers):
    response = client.post("/api/v1/admin/products", headers=admin_headers,
                           json={"name": "Plain", "price": 0, "stock": 0})
    assert response.status_code == 201
    assert response.get_json()["description"] == ""


@pytest.mark.parametrize("body", [
    {"price": 100, "stock": 1},
    {"name": "Tea", "stock": 1},
    {"name": "Tea", "price": 100},
    {"name": "", "price": 100, "stock": 1},
    {"name": "Tea", "price": "100", "stock": 1},
    {"name": "Tea", "price": 100.5, "stock": 1},  # 100.0 is the integer 100, as JSON Schema says
    {"name": "Tea", "price": True, "stock": 1},
    {"name": "Tea", "price": -1, "stock": 1},
    {"name": "Tea", "price": 100, "stock": -1},
    {"name": "Tea", "price": 100, "stock": 1.5},
    {"name": "Tea", "price": 100, "stock": None},
    {"name": "Tea", "price": 100, "stock": 1, "description": 7},
    {"name": "Tea", "price": 100, "stock": 1, "is_active": False},
    {"name": "Tea", "price": 100, "stock": 1, "stock_delta": 5},
    {"name": ["Tea"], "price": 100, "stock": 1},
    {"name": "Tea", "price": 100, "stock": 1, "name_en": "x" * 121},
    {"name": "Tea", "price": 100, "stock": 1, "name_en": 5},
    {"name": "Tea", "price": 100, "stock": 1, "description_en": ["Floral"]},
    {"name": "Tea", "price": 100, "stock": 1, "description_en": "x" * 5_001},
])
def test_create_refuses_bad_bodies(client, admin_headers, db_snapshot, body):
    before = db_snapshot()
    assert_problem(client.post("/api/v1/admin/products", headers=admin_headers, json=body),
                   422, "invalid_input")
    assert db_snapshot() == before


@pytest.mark.parametrize("data", ["{not json", "[1, 2]", ""])
def test_malformed_bodies(client, admin_headers, data):
    response = client.post("/api/v1/admin/products", headers=admin_headers, data=data,
                           content_type="application/json")
    assert_problem(response, 400, "malformed_request")


def test_patch_name_price_and_stock_together(client, admin_headers, admin_user, make_product,
                                             app):
    product = make_product(name="Old", price=1_000, stock=5, description="keep")
    response = client.patch(f"/api/v1/admin/products/{product.id}", headers=admin_headers,
                            json={"name": "New", "price": 1_500, "stock_delta": 10,
                                  "reason": "delivery 12"})
    assert response.status_code == 200
    assert response.get_json() == {"id": product.id, "name": "New", "name_en": None,
                                   "price": 1_500, "stock": 15, "description": "keep",
                                   "description_en": None, "is_active": True,
                                   "category_id": None}
    response = client.patch(f"/api/v1/admin/products/{product.id}", headers=admin_headers,
                            json={"stock_delta": -15, "reason": "recount"})
    assert response.get_json()["stock"] == 0
    response = client.patch(f"/api/v1/admin/products/{product.id}", headers=admin_headers,
                            json={"price": 900})
    assert response.get_json()["price"] == 900
    with app.app_context():
        assert db.session.execute(
            select(StockMovement.delta, StockMovement.kind, StockMovement.reason,
                   StockMovement.actor_id).order_by(StockMovement.id)).all() == [
            (5, "initial", "test fixture", None),
            (10, "receipt", "delivery 12", admin_user.id),
            (-15, "correction", "recount", admin_user.id),
        ]


def test_patch_below_zero_is_409_and_changes_nothing(client, admin_headers, make_product,
                                                     db_snapshot):
    product = make_product(name="Old", price=1_000, stock=5)
    before = db_snapshot()
    body = assert_problem(client.patch(f"/api/v1/admin/products/{product.id}",
                                       headers=admin_headers,
                                       json={"name": "New", "stock_delta": -6, "reason": "x"}),
                          409, "out_of_stock")
    assert body["detail"] == "Stock cannot go below 0 (5 in stock)."
    assert db_snapshot() == before
    assert client.get(f"/api/v1/products/{product.id}").get_json()["name"] == "Old"


@pytest.mark.parametrize("body", [
    {},
    {"stock_delta": 5},
    {"reason": "why"},
    {"stock_delta": 0, "reason": "zero"},
    {"stock_delta": 1.5, "reason": "fractional"},
    {"stock_delta": "1", "reason": "text"},
    {"stock_delta": True, "reason": "bool"},
    {"stock_delta": 2_000_000, "reason": "huge"},
    {"stock_delta": 1, "reason": ""},
    {"stock_delta": 1, "reason": "x" * 201},
    {"stock": 9},
    {"price": -1},
    {"price": "cheap"},
    {"name": ""},
    {"name": None},
    {"name_en": "x" * 121},
    {"description": 7},
    {"is_active": False},
])
def test_patch_refuses_bad_bodies(client, admin_headers, make_product, db_snapshot,
                                  body):
    product = make_product(stock=5)
    before = db_snapshot()
    assert_problem(client.patch(f"/api/v1/admin/products/{product.id}", headers=admin_headers,
                                json=body), 422, "invalid_input")
    assert db_snapshot() == before


def test_patch_unknown_product(client, admin_headers):
    assert_problem(client.patch("/api/v1/admin/products/999", headers=admin_headers,
                                json={"price": 5}), 404, "product_not_found")


def test_openapi_documents_the_admin_product_calls(client):
    document = client.get("/api/v1/openapi.json").get_json()
    create = document["paths"]["/admin/products"]["post"]
    patch = document["paths"]["/admin/products/{product_id}"]["patch"]
    assert create["security"] == patch["security"] == [{"bearerAuth": []}]
    # 413: every operation with a body may meet a body over the size limit.
    assert set(create["responses"]) == {"201", "400", "401", "403", "413", "422"}
    assert set(patch["responses"]) == {"200", "400", "401", "403", "404", "409", "413", "422"}
    schemas = document["components"]["schemas"]
    assert schemas["NewProduct"]["required"] == ["name", "price", "stock"]
    assert set(schemas["ProductPatch"]["properties"]) == {
        "name", "name_en", "description", "description_en", "price", "stock_delta", "reason",
        "category_id"}
    assert set(schemas["NewProduct"]["properties"]) == {
        "name", "name_en", "description", "description_en", "price", "stock", "category_id"}
    assert {"name_en", "description_en"} <= set(schemas["AdminProduct"]["required"])
    assert schemas["AdminProduct"]["properties"]["name_en"]["type"] == ["string", "null"]


def test_create_with_korean_and_english_text(client, admin_headers):
    response = client.post("/api/v1/admin/products", headers=admin_headers, json={
        "name": " 자스민차 ", "description": "꽃향기.", "name_en": " Jasmine tea ",
        "description_en": "Floral.", "price": 7_000, "stock": 1})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["name"], body["name_en"], body["description"], body["description_en"]) == (
        "자스민차", "Jasmine tea", "꽃향기.", "Floral.")
    # Shoppers read the text in their language; English falls back to Korean where empty.
    read = client.get(f"/api/v1/products/{body['id']}", headers={"Accept-Language": "en"})
    assert read.get_json()["name"] == "Jasmine tea"
    read = client.get(f"/api/v1/products/{body['id']}", headers={"Accept-Language": "ko"})
    assert read.get_json()["name"] == "자스민차"


def test_patch_english_text_and_clear_it_again(client, admin_headers, make_product):
    product = make_product(name="녹차", price=1_000, stock=5, description="잎차")
    url = f"/api/v1/admin/products/{product.id}"
    body = client.patch(url, headers=admin_headers, json={
        "name_en": "Green tea", "description_en": "Loose leaf"}).get_json()
    assert (body["name"], body["name_en"], body["description_en"]) == (
        "녹차", "Green tea", "Loose leaf")
    # Empty English is no English (NULL): English readers see the Korean again.
    body = client.patch(url, headers=admin_headers, json={
        "name_en": "  ", "description_en": None}).get_json()
    assert (body["name_en"], body["description_en"]) == (None, None)
    body = client.patch(url, headers=admin_headers, json={"description": "새 설명"}).get_json()
    assert body["description"] == "새 설명"
