"""Input at the edges of the pages and the API: page numbers any size, integers as JSON Schema
counts them, the documented ``maxItems``, and 405 answers that say what is allowed."""

from __future__ import annotations

import json

import pytest

from tests.helpers import assert_problem

HUGE = "99999999999999999999"


@pytest.mark.parametrize("path", ["/orders", "/wallet", "/products", "/admin/orders",
                                  "/admin/products"])
@pytest.mark.parametrize("page", [HUGE, "-" + HUGE, "0", "abc"])
def test_any_page_number_gives_a_page(admin_client, one_of_each, path, page):
    response = admin_client.get(path, query_string={"page": page})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def shopper_and_tea(make_user, make_product, bearer):
    shopper = make_user(balance=1_000_000)
    tea = make_product(price=100, stock=500, name="Green Tea")
    return bearer(shopper), tea, shopper


def test_an_integral_float_is_an_integer(client, shopper_and_tea):
    headers, tea, _ = shopper_and_tea
    response = client.post("/api/v1/orders", headers=headers, json={
        "items": [{"product_id": float(tea.id), "quantity": 3.0}]})
    assert response.status_code == 201, response.get_data(as_text=True)
    # Parsed with the standard library, so an int is told apart from a float.
    body = json.loads(response.get_data(as_text=True))
    assert body["items"] == [{"product_id": tea.id, "name": "Green Tea", "unit_price": 100,
                              "quantity": 3}]
    assert type(body["items"][0]["quantity"]) is int and body["total"] == 300


@pytest.mark.parametrize("quantity", [2.5, True, "3", 1e400])
def test_a_fractional_or_non_number_quantity_is_refused(client, shopper_and_tea, quantity,
                                                        db_snapshot):
    headers, tea, shopper = shopper_and_tea
    before = db_snapshot()
    raw = json.dumps({"items": [{"product_id": tea.id, "quantity": quantity}]})
    response = client.post("/api/v1/orders", headers=headers, data=raw,
                           content_type="application/json")
    assert_problem(response, 422, "invalid_input")
    assert db_snapshot() == before


def test_more_than_100_lines_are_refused_even_for_one_product(client, shopper_and_tea,
                                                              db_snapshot):
    headers, tea, shopper = shopper_and_tea
    before = db_snapshot()
    response = client.post("/api/v1/orders", headers=headers, json={
        "items": [{"product_id": tea.id, "quantity": 1}] * 101})
    assert "100" in assert_problem(response, 422, "invalid_input")["detail"]
    assert db_snapshot() == before
    # 100 lines are the documented maximum, and fine.
    response = client.post("/api/v1/orders", headers=headers, json={
        "items": [{"product_id": tea.id, "quantity": 1}] * 100})
    assert response.status_code == 201
    assert response.get_json()["items"][0]["quantity"] == 100


def test_the_document_says_what_the_api_enforces(client):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["NewOrder"]
    assert schema["properties"]["items"]["maxItems"] == 100


@pytest.mark.parametrize("path, allowed", [("/api/v1/orders", {"GET", "POST"}),
                                           ("/api/v1/tokens", {"POST"}),
                                           ("/products", {"GET"})])
def test_a_405_keeps_its_allow_header(client, path, allowed):
    response = client.put(path)
    assert response.status_code == 405
    assert allowed <= {method.strip() for method in response.headers["Allow"].split(",")}
    if path.startswith("/api/"):
        assert_problem(response, 405, "method_not_allowed")
