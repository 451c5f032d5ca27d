"""POST/PATCH/DELETE /api/v1/admin/categories[/{id}] and category_id on the admin product calls."""

from __future__ import annotations

import pytest

from app.catalog import editing
from tests.helpers import assert_problem

API = "/api/v1/admin/categories"


@pytest.fixture
def admin_headers(admin_user, bearer):
    return bearer(admin_user)


def test_create_patch_and_delete(client, admin_headers):
    response = client.post(API, headers=admin_headers, json={"name": "차", "name_en": "Tea"})
    assert response.status_code == 201
    tea = response.get_json()
    assert tea == {"id": tea["id"], "name": "차", "name_en": "Tea", "slug": "tea",
                   "parent_id": None, "position": 0, "is_visible": True}
    green = client.post(API, headers=admin_headers, json={
        "name": "녹차", "parent_id": tea["id"], "slug": "green-tea", "is_visible": False,
        "name_en": None}).get_json()
    assert (green["parent_id"], green["position"], green["is_visible"]) == (tea["id"], 0, False)

    response = client.patch(f"{API}/{green['id']}", headers=admin_headers,
                            json={"parent_id": None, "position": 0, "is_visible": True})
    assert response.status_code == 200
    assert response.get_json() == {**green, "parent_id": None, "position": 0,
                                   "is_visible": True}
    response = client.delete(f"{API}/{green['id']}", headers=admin_headers)
    assert (response.status_code, response.get_data()) == (204, b"")
    assert_problem(client.delete(f"{API}/{green['id']}", headers=admin_headers),
                   404, "category_not_found")


@pytest.mark.parametrize("body", [
    {},
    {"name": ""},
    {"name": " "},
    {"name": 5},
    {"name": "가" * 61},
    {"name": "차", "slug": "Tea"},
    {"name": "차", "slug": "-"},
    {"name": "차", "parent_id": "1"},
    {"name": "차", "parent_id": 999},
    {"name": "차", "is_visible": "true"},
    {"name": "차", "position": 0},
    {"name": "차", "colour": "red"},
])
def test_create_refuses_bad_bodies(client, admin_headers, db_snapshot, body):
    before = db_snapshot()
    assert_problem(client.post(API, headers=admin_headers, json=body), 422, "invalid_input")
    assert db_snapshot() == before


def test_refusals_with_their_codes(client, admin_headers, add_category, make_product,
                                   db_snapshot, app):
    tea = add_category("차", slug="tea")
    green = add_category("녹차", parent_id=tea.id)
    cups = add_category("컵")
    with app.app_context():
        editing.update_product(make_product().id, category_id=cups.id)
    before = db_snapshot()
    body = assert_problem(client.post(API, headers=admin_headers,
                                      json={"name": "다른 차", "slug": "tea"}), 409, "slug_taken")
    assert "tea" in body["detail"]
    assert_problem(client.patch(f"{API}/{cups.id}", headers=admin_headers,
                                json={"slug": "tea"}), 409, "slug_taken")
    assert_problem(client.patch(f"{API}/{tea.id}", headers=admin_headers,
                                json={"parent_id": cups.id}), 409, "category_has_subcategories")
    assert_problem(client.patch(f"{API}/{cups.id}", headers=admin_headers,
                                json={"parent_id": green.id}), 422, "invalid_input")
    assert_problem(client.patch(f"{API}/{cups.id}", headers=admin_headers,
                                json={"parent_id": cups.id}), 422, "invalid_input")
    assert_problem(client.delete(f"{API}/{tea.id}", headers=admin_headers),
                   409, "category_not_empty")
    assert_problem(client.delete(f"{API}/{cups.id}", headers=admin_headers),
                   409, "category_not_empty")
    assert_problem(client.patch(f"{API}/999", headers=admin_headers, json={"name": "x"}),
                   404, "category_not_found")
    for patch in ({}, {"name": None}, {"position": -1}, {"slug": None}, {"stock": 1}):
        assert_problem(client.patch(f"{API}/{tea.id}", headers=admin_headers, json=patch),
                       422, "invalid_input")
    assert db_snapshot() == before


def test_shoppers_and_strangers_are_refused(client, make_user, bearer, add_category):
    tea = add_category("차")
    shopper = bearer(make_user())
    assert_problem(client.post(API, headers=shopper, json={"name": "x"}), 403, "forbidden")
    assert_problem(client.delete(f"{API}/{tea.id}", headers=shopper), 403, "forbidden")
    assert_problem(client.patch(f"{API}/{tea.id}", json={"name": "x"}), 401, "unauthenticated")


def test_openapi_documents_the_category_calls(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths["/admin/categories"]) == {"post"}
    assert set(paths["/admin/categories/{category_id}"]) == {"patch", "delete"}
    assert set(paths["/admin/categories/{category_id}"]["delete"]["responses"]) == {
        "204", "401", "403", "404", "409"}
    schemas = document["components"]["schemas"]
    assert set(schemas["AdminCategory"]["required"]) == {
        "id", "name", "name_en", "slug", "parent_id", "position", "is_visible"}
    assert schemas["NewCategory"]["required"] == ["name"]


# --- category_id on the admin product calls -----------------------------------------------


def test_products_take_and_show_their_category(client, admin_headers, add_category):
    tea = add_category("차")
    response = client.post("/api/v1/admin/products", headers=admin_headers, json={
        "name": "세작", "price": 9_000, "stock": 3, "category_id": tea.id})
    assert response.status_code == 201
    product = response.get_json()
    assert product["category_id"] == tea.id
    response = client.patch(f"/api/v1/admin/products/{product['id']}", headers=admin_headers,
                            json={"category_id": None})
    assert (response.status_code, response.get_json()["category_id"]) == (200, None)


@pytest.mark.parametrize("category_id", [999, "1", 0, True, 1.5])
def test_products_refuse_an_unknown_category(client, admin_headers, add_category, make_product,
                                             db_snapshot, category_id):
    add_category("차")
    product = make_product()
    before = db_snapshot()
    assert_problem(client.post("/api/v1/admin/products", headers=admin_headers, json={
        "name": "세작", "price": 9_000, "stock": 3, "category_id": category_id}),
        422, "invalid_input")
    assert_problem(client.patch(f"/api/v1/admin/products/{product.id}", headers=admin_headers,
                                json={"category_id": category_id}), 422, "invalid_input")
    assert db_snapshot() == before
