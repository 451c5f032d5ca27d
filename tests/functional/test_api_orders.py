"""The orders API against api-v1.md: shapes, codes, problem+json, nothing changed on refusal."""

import json

import pytest

from tests.helpers import assert_problem, bearer_header, column


@pytest.fixture
def shopper(make_user, bearer):
    user = make_user(balance=20_000)
    return user, bearer(user)


def _post(client, headers, body, **extra_headers):
    return client.post("/api/v1/orders", json=body, headers={**headers, **extra_headers})


def test_place_an_order_with_a_coupon(client, shopper, make_product, give_coupon, db_snapshot):
    user, headers = shopper
    mug = make_product(price=3_000, stock=5, name="Mug")
    tea = make_product(price=4_000, stock=5, name="Tea")
    claim = give_coupon(user, discount_value=1_500)

    response = _post(client, headers, {"items": [{"product_id": tea.id, "quantity": 1},
                                                 {"product_id": mug.id, "quantity": 2}],
                                       "coupon_id": claim})

    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/orders/{body['id']}"
    assert {k: body[k] for k in ("status", "subtotal", "discount", "total", "balance",
                                 "coupon_id")} == {
        "status": "paid", "subtotal": 10_000, "discount": 1_500, "total": 8_500,
        "balance": 11_500, "coupon_id": claim}
    assert body["items"] == [
        {"product_id": mug.id, "name": "Mug", "unit_price": 3_000, "quantity": 2},
        {"product_id": tea.id, "name": "Tea", "unit_price": 4_000, "quantity": 1}]
    assert body["created_at"].endswith("+00:00")
    assert column(db_snapshot(), "products", "stock") == {mug.id: 3, tea.id: 4}


def test_a_replayed_idempotency_key_returns_the_same_order(client, shopper, make_product,
                                                           db_snapshot):
    _, headers = shopper
    product = make_product(price=1_000)
    body = {"items": [{"product_id": product.id, "quantity": 2}]}
    first = _post(client, headers, body, **{"Idempotency-Key": "abc-123"})
    before = db_snapshot()
    again = _post(client, headers, body, **{"Idempotency-Key": "abc-123"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert db_snapshot() == before
    third = _post(client, headers, body, **{"Idempotency-Key": "abc-124"})
    assert third.status_code == 201 and third.get_json()["id"] != first.get_json()["id"]


def test_list_and_get_my_orders_newest_first(client, shopper, make_user, bearer,
                                             make_product):
    _, headers = shopper
    product = make_product(price=100, stock=100)
    ids = [_post(client, headers, {"items": [{"product_id": product.id, "quantity": 1}]})
           .get_json()["id"] for _ in range(3)]
    other = make_user(balance=1_000)
    other_headers = bearer(other)
    theirs = _post(client, other_headers,
                   {"items": [{"product_id": product.id, "quantity": 1}]}).get_json()["id"]

    listing = client.get("/api/v1/orders?per_page=2", headers=headers).get_json()
    assert [o["id"] for o in listing["items"]] == ids[::-1][:2]
    assert (listing["page"], listing["per_page"], listing["total"]) == (1, 2, 3)
    page2 = client.get("/api/v1/orders?per_page=2&page=2", headers=headers).get_json()
    assert [o["id"] for o in page2["items"]] == [ids[0]]

    one = client.get(f"/api/v1/orders/{ids[0]}", headers=headers)
    assert one.status_code == 200 and one.get_json()["items"][0]["quantity"] == 1
    assert_problem(client.get(f"/api/v1/orders/{theirs}", headers=headers), 404, "order_not_found")
    assert_problem(client.get("/api/v1/orders/99999", headers=headers), 404, "order_not_found")
    assert_problem(client.get("/api/v1/orders?per_page=0", headers=headers), 422, "invalid_input")


def test_cancel_refunds_and_reports_the_balance(client, shopper, make_product, db_snapshot):
    user, headers = shopper
    product = make_product(price=5_000, stock=3)
    order = _post(client, headers, {"items": [{"product_id": product.id, "quantity": 2}]})
    order_id = order.get_json()["id"]

    response = client.post(f"/api/v1/orders/{order_id}/cancel", headers=headers)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["balance"]) == ("cancelled", 20_000)
    assert body["cancelled_at"] is not None
    assert column(db_snapshot(), "products", "stock") == {product.id: 3}
    before = db_snapshot()
    assert_problem(client.post(f"/api/v1/orders/{order_id}/cancel", headers=headers),
                   409, "order_not_cancellable")
    assert db_snapshot() == before


def test_cancelling_someone_elses_order_is_not_found(client, shopper, make_user, bearer,
                                                     make_product, db_snapshot):
    _, headers = shopper
    other = make_user(balance=10_000)
    product = make_product()
    theirs = _post(client, bearer(other),
                   {"items": [{"product_id": product.id, "quantity": 1}]}).get_json()["id"]
    before = db_snapshot()
    assert_problem(client.post(f"/api/v1/orders/{theirs}/cancel", headers=headers),
                   404, "order_not_found")
    assert db_snapshot() == before


@pytest.mark.parametrize("body", [
    pytest.param({}, id="no items"),
    pytest.param({"items": []}, id="empty items"),
    pytest.param({"items": "1"}, id="items not a list"),
    pytest.param({"items": [1]}, id="item not an object"),
    pytest.param({"items": [{"product_id": "P"}]}, id="no quantity"),
    pytest.param({"items": [{"product_id": "P", "quantity": 0}]}, id="quantity 0"),
    pytest.param({"items": [{"product_id": "P", "quantity": -2}]}, id="negative"),
    pytest.param({"items": [{"product_id": "P", "quantity": 1.5}]}, id="fractional"),
    # 1.0 is the integer 1 (test_input_edges); a fractional id names no product.
    pytest.param({"items": [{"product_id": "P.5", "quantity": 1}]}, id="fractional product id"),
    pytest.param({"items": [{"product_id": "P", "quantity": "1"}]}, id="string"),
    pytest.param({"items": [{"product_id": "P", "quantity": True}]}, id="bool"),
    pytest.param({"items": [{"product_id": "P", "quantity": None}]}, id="null"),
    pytest.param({"items": [{"product_id": "P", "quantity": 10_001}]}, id="huge"),
    pytest.param({"items": [{"product_id": "P", "quantity": 10**40}]}, id="enormous"),
    pytest.param({"items": [{"product_id": "1", "quantity": 1}]}, id="string product id"),
    pytest.param({"items": [{"product_id": "P", "quantity": 1}], "coupon_id": "1"},
                 id="string coupon id"),
    pytest.param({"items": [{"product_id": "P", "quantity": 1}], "coupon_id": 0},
                 id="coupon id 0"),
])
def test_bad_bodies_are_422_and_change_nothing(client, shopper, make_product, db_snapshot, body):
    _, headers = shopper
    product = make_product(stock=50_000, price=1)
    text = json.dumps(body).replace('"P"', str(product.id)).replace('"P.5"', f"{product.id}.5")
    body = json.loads(text)
    before = db_snapshot()
    assert_problem(_post(client, headers, body), 422, "invalid_input")
    assert db_snapshot() == before


def test_a_bad_idempotency_key_is_422(client, shopper, make_product, db_snapshot):
    _, headers = shopper
    product = make_product()
    before = db_snapshot()
    assert_problem(_post(client, headers, {"items": [{"product_id": product.id, "quantity": 1}]},
                         **{"Idempotency-Key": "k" * 101}), 422, "invalid_input")
    assert db_snapshot() == before


def test_malformed_json_is_400(client, shopper, db_snapshot):
    _, headers = shopper
    before = db_snapshot()
    response = client.post("/api/v1/orders", data="{not json",
                           headers={**headers, "Content-Type": "application/json"})
    assert_problem(response, 400, "malformed_request")
    assert_problem(client.post("/api/v1/orders", json=[1], headers=headers), 400,
                   "malformed_request")
    assert db_snapshot() == before


def test_refusals_carry_their_codes(client, shopper, make_user, make_product, give_coupon,
                                    db_snapshot):
    user, headers = shopper
    product = make_product(price=1_000, stock=2)
    hidden = make_product(is_active=False)
    dear = make_product(price=30_000, stock=5)
    used = give_coupon(user)
    _post(client, headers, {"items": [{"product_id": product.id, "quantity": 1}],
                            "coupon_id": used})
    theirs = give_coupon(make_user())
    cases = [
        ({"items": [{"product_id": 99_999, "quantity": 1}]}, 404, "product_not_found"),
        ({"items": [{"product_id": hidden.id, "quantity": 1}]}, 404, "product_not_found"),
        ({"items": [{"product_id": product.id, "quantity": 2}]}, 409, "out_of_stock"),
        ({"items": [{"product_id": product.id, "quantity": 1}], "coupon_id": theirs},
         404, "coupon_not_found"),
        ({"items": [{"product_id": product.id, "quantity": 1}], "coupon_id": used},
         409, "coupon_not_usable"),
        ({"items": [{"product_id": dear.id, "quantity": 1}]}, 409, "insufficient_points"),
    ]
    before = db_snapshot()
    for body, status, code in cases:
        assert_problem(_post(client, headers, body), status, code)
    assert db_snapshot() == before


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/orders"), ("get", "/api/v1/orders"), ("get", "/api/v1/orders/1"),
    ("post", "/api/v1/orders/1/cancel"),
])
def test_every_orders_call_needs_a_token(client, method, path):
    assert_problem(getattr(client, method)(path, json={}), 401, "unauthenticated")
    assert_problem(getattr(client, method)(path, json={}, headers=bearer_header("nope")),
                   401, "unauthenticated")


def test_the_openapi_document_describes_the_orders_calls(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(document["paths"]["/orders"]) == {"get", "post"}
    assert "post" in document["paths"]["/orders/{order_id}/cancel"]
    assert "get" in document["paths"]["/orders/{order_id}"]
    schemas = document["components"]["schemas"]
    assert {"NewOrder", "Order", "OrderItem", "OrderWithBalance", "OrderPage"} <= set(schemas)
    assert "balance" in schemas["OrderWithBalance"]["required"]


HUGE = 10**20  # a valid JSON integer that no PostgreSQL integer id can hold


def test_ids_beyond_any_row_are_not_found_never_5xx(client, shopper, make_product, db_snapshot):
    _, headers = shopper
    product = make_product()
    before = db_snapshot()
    assert_problem(_post(client, headers, {"items": [{"product_id": HUGE, "quantity": 1}]}),
                   404, "product_not_found")
    assert_problem(_post(client, headers, {"items": [{"product_id": product.id, "quantity": 1}],
                                           "coupon_id": HUGE}), 404, "coupon_not_found")
    assert_problem(client.get(f"/api/v1/orders/{HUGE}", headers=headers), 404, "order_not_found")
    assert_problem(client.post(f"/api/v1/orders/{HUGE}/cancel", headers=headers),
                   404, "order_not_found")
    assert db_snapshot() == before
