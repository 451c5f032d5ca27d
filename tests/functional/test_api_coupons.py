"""The coupon API: list, claim, my coupons, and the admin create / pause calls."""

import pytest

from app.db import utcnow
from tests.helpers import assert_problem


# --- shopper calls ----------------------------------------------------------------------


def test_list_shows_claimable_coupons(client, make_user, make_coupon, bearer):
    coupon = make_coupon(name="Ten", discount_type="percent", discount_value=10,
                         max_discount=3000, min_order_amount=5000, quantity=30, remaining=7)
    make_coupon(name="Paused", status="paused")

    response = client.get("/api/v1/coupons", headers=bearer(make_user()))

    assert response.status_code == 200
    assert response.get_json() == {"items": [{
        "id": coupon.id, "name": "Ten", "discount_type": "percent", "discount_value": 10,
        "max_discount": 3000, "min_order_amount": 5000, "remaining": 7, "quantity": 30,
        "starts_at": coupon.starts_at.isoformat(), "ends_at": coupon.ends_at.isoformat(),
    }]}


def test_claim_then_my_coupons(client, make_user, make_coupon, bearer, db_snapshot):
    headers = bearer(make_user())
    coupon = make_coupon(name="Welcome", valid_days=3)

    response = client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=headers)

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "coupon_id", "status", "expires_at"}
    assert (body["coupon_id"], body["status"]) == (coupon.id, "available")
    assert body["expires_at"].endswith("+00:00")
    assert db_snapshot()["coupons"][0]["remaining"] == 9
    mine = client.get("/api/v1/me/coupons", headers=headers)
    assert mine.status_code == 200
    assert mine.get_json() == {"items": [{"id": body["id"], "coupon_id": coupon.id,
                                          "name": "Welcome", "status": "available",
                                          "used_order_id": None}]}


def test_my_coupons_show_used_and_expired(client, make_user, make_coupon, make_user_coupon,
                                          bearer):
    user = make_user()
    used = make_user_coupon(user, make_coupon(), used=True)
    expired = make_user_coupon(user, make_coupon(), expires_at=utcnow())
    items = client.get("/api/v1/me/coupons", headers=bearer(user)).get_json()["items"]
    assert {(i["id"], i["status"], i["used_order_id"]) for i in items} == {
        (used.id, "used", used.used_order_id), (expired.id, "expired", None)}
    others = client.get("/api/v1/me/coupons", headers=bearer(make_user()))
    assert others.get_json() == {"items": []}


@pytest.mark.parametrize("setup, status, code", [
    ("unknown", 404, "coupon_not_found"),
    ("paused", 422, "coupon_not_claimable"),
    ("ended", 422, "coupon_not_claimable"),
    ("sold-out", 409, "coupon_sold_out"),
    ("already", 409, "coupon_already_claimed"),
])
def test_claim_refusals(client, make_user, make_coupon, make_user_coupon, bearer,
                        db_snapshot, setup, status, code):
    user = make_user()
    fields = {"paused": {"status": "paused"}, "ended": {"ends_at": utcnow()},
              "sold-out": {"remaining": 0}}.get(setup, {})
    coupon = make_coupon(**fields)
    if setup == "already":
        make_user_coupon(user, coupon)
    coupon_id = coupon.id + 50 if setup == "unknown" else coupon.id
    headers = bearer(user)
    before = db_snapshot()

    response = client.post(f"/api/v1/coupons/{coupon_id}/claims", headers=headers)

    assert_problem(response, status, code)
    assert db_snapshot() == before


@pytest.mark.parametrize("path", ["/api/v1/coupons/abc/claims", "/api/v1/coupons/-1/claims",
                                  "/api/v1/coupons/99999999999999999999/claims"])
def test_odd_coupon_ids_are_404(client, make_user, bearer, db_snapshot, path):
    headers = bearer(make_user())
    before = db_snapshot()
    response = client.post(path, headers=headers)
    assert response.status_code == 404
    assert response.get_json()["code"] in {"not_found", "coupon_not_found"}
    assert db_snapshot() == before


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/coupons"), ("post", "/api/v1/coupons/1/claims"),
    ("get", "/api/v1/me/coupons"), ("post", "/api/v1/admin/coupons"),
    ("patch", "/api/v1/admin/coupons/1"),
])
def test_every_coupon_call_needs_a_token(client, make_coupon, db_snapshot, method, path):
    make_coupon()
    before = db_snapshot()
    response = getattr(client, method)(path, json={"status": "paused"},
                                       headers={"Authorization": "Bearer nope"})
    assert_problem(response, 401, "unauthenticated")
    assert_problem(getattr(client, method)(path), 401, "unauthenticated")
    assert db_snapshot() == before


# --- admin calls ------------------------------------------------------------------------

NEW = {"name": "Launch", "discount_type": "percent", "discount_value": 15,
       "max_discount": 3000, "min_order_amount": 10000, "quantity": 100,
       "starts_at": "2026-11-01T00:00:00+09:00", "ends_at": "2099-12-01T00:00:00Z",
       "valid_days": 14}


def test_admin_creates_a_coupon(client, make_user, bearer):
    response = client.post("/api/v1/admin/coupons", json=NEW,
                           headers=bearer(make_user(is_admin=True)))
    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "id": body["id"], "name": "Launch", "name_en": None, "discount_type": "percent",
        "discount_value": 15,
        "max_discount": 3000, "min_order_amount": 10000, "quantity": 100, "remaining": 100,
        "starts_at": "2026-10-31T15:00:00+00:00", "ends_at": "2099-12-01T00:00:00+00:00",
        "valid_days": 14, "status": "active", "created_at": body["created_at"],
    }
    listed = client.get("/api/v1/coupons", headers=bearer(make_user())).get_json()["items"]
    assert [c["id"] for c in listed] == [body["id"]]


def test_admin_creates_with_defaults(client, make_user, bearer):
    response = client.post("/api/v1/admin/coupons", headers=bearer(make_user(is_admin=True)),
                           json={"name": "Flat", "discount_type": "fixed",
                                 "discount_value": 2000, "quantity": 5})
    body = response.get_json()
    assert response.status_code == 201
    assert (body["max_discount"], body["min_order_amount"], body["starts_at"],
            body["ends_at"], body["valid_days"]) == (None, 0, None, None, 7)


@pytest.mark.parametrize("changes", [
    {"name": ""}, {"name": None}, {"discount_type": "gift"}, {"discount_value": 0},
    {"discount_value": 101}, {"discount_value": 15.5}, {"discount_value": "15"},
    {"discount_value": True}, {"discount_type": "fixed", "max_discount": 100},
    {"min_order_amount": -5}, {"quantity": 0}, {"quantity": 1_000_001}, {"quantity": None},
    {"quantity": 10**30}, {"starts_at": "yesterday"}, {"starts_at": "2026-11-01T00:00:00"},
    {"starts_at": 1700000000}, {"ends_at": "2026-10-01T00:00:00Z"}, {"valid_days": 0},
    {"valid_days": 400},
])
def test_admin_create_refuses_bad_fields(client, make_user, bearer, db_snapshot, changes):
    headers = bearer(make_user(is_admin=True))
    before = db_snapshot()
    response = client.post("/api/v1/admin/coupons", json={**NEW, **changes}, headers=headers)
    assert_problem(response, 422, "invalid_input")
    assert db_snapshot() == before


@pytest.mark.parametrize("body, content_type", [
    ("not json", "application/json"), ("[1, 2]", "application/json"),
])
def test_admin_create_refuses_malformed_bodies(client, make_user, bearer, db_snapshot, body,
                                               content_type):
    headers = bearer(make_user(is_admin=True))
    before = db_snapshot()
    response = client.post("/api/v1/admin/coupons", data=body, content_type=content_type,
                           headers=headers)
    assert_problem(response, 400, "malformed_request")
    assert db_snapshot() == before


def test_admin_pauses_and_reactivates(client, make_user, make_coupon, bearer):
    coupon = make_coupon()
    admin, shopper = bearer(make_user(is_admin=True)), bearer(make_user())

    paused = client.patch(f"/api/v1/admin/coupons/{coupon.id}", json={"status": "paused"},
                          headers=admin)
    assert paused.status_code == 200
    assert (paused.get_json()["id"], paused.get_json()["status"]) == (coupon.id, "paused")
    assert client.get("/api/v1/coupons", headers=shopper).get_json() == {"items": []}
    assert_problem(client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=shopper),
                   422, "coupon_not_claimable")

    active = client.patch(f"/api/v1/admin/coupons/{coupon.id}", json={"status": "active"},
                          headers=admin)
    assert active.get_json()["status"] == "active"
    assert client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=shopper).status_code == 201


@pytest.mark.parametrize("body, status, code", [
    ({"status": "deleted"}, 422, "invalid_input"),
    ({}, 422, "invalid_input"),
    ({"status": True}, 422, "invalid_input"),
])
def test_admin_patch_refusals(client, make_user, make_coupon, bearer, db_snapshot, body,
                              status, code):
    coupon = make_coupon()
    headers = bearer(make_user(is_admin=True))
    before = db_snapshot()
    response = client.patch(f"/api/v1/admin/coupons/{coupon.id}", json=body, headers=headers)
    assert_problem(response, status, code)
    assert db_snapshot() == before


def test_admin_patch_unknown_coupon(client, make_user, bearer, db_snapshot):
    headers = bearer(make_user(is_admin=True))
    before = db_snapshot()
    response = client.patch("/api/v1/admin/coupons/777", json={"status": "paused"},
                            headers=headers)
    assert_problem(response, 404, "coupon_not_found")
    assert db_snapshot() == before


def test_shoppers_are_forbidden_admin_calls(client, make_user, make_coupon, bearer,
                                            db_snapshot):
    coupon = make_coupon()
    headers = bearer(make_user())
    before = db_snapshot()
    assert_problem(client.post("/api/v1/admin/coupons", json=NEW, headers=headers), 403,
                   "forbidden")
    assert_problem(client.patch(f"/api/v1/admin/coupons/{coupon.id}", json={"status": "paused"},
                                headers=headers), 403, "forbidden")
    assert db_snapshot() == before


def test_openapi_documents_the_coupon_calls(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths["/coupons"]) == {"get"}
    assert set(paths["/coupons/{id}/claims"]) == {"post"}
    assert set(paths["/me/coupons"]) == {"get"}
    assert set(paths["/admin/coupons"]) == {"post"}
    assert set(paths["/admin/coupons/{id}"]) == {"patch"}
    schemas = document["components"]["schemas"]
    assert {"Coupon", "CouponList", "CouponClaim", "MyCoupons", "NewCoupon", "AdminCoupon",
            "CouponStatusChange"} <= set(schemas)
    refs = str(paths["/coupons/{id}/claims"]) + str(paths["/admin/coupons"])
    assert all(f"#/components/schemas/{name}" in refs for name in ("CouponClaim", "NewCoupon"))
