"""Every route has its check: walked from ``app.url_map`` and the OpenAPI document.

A new page that forgets ``login_required``, a new API call that forgets ``token_required``,
an undocumented API route or a form route that skips CSRF fails here the day it is added.
Public routes are listed by name below, so making one public is a visible decision.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import csrf_token

PUBLIC_PAGES = {
    "shop.home", "catalog.product_list", "catalog.product_detail",
    "bestsellers.best_seller_list", "coupons.coupon_list", "accounts.login",
    "accounts.signup", "accounts.switch_language", "shop.healthz", "ops.readyz", "static",
    "media.file",
}
# Answer Prometheus' bearer token, not a login (tests/functional/test_operations.py).
SCRAPER_ONLY = {"ops.metrics"}
PUBLIC_API = {
    ("GET", "/products"), ("GET", "/products/{}"), ("GET", "/products/best-sellers"),
    ("POST", "/users"), ("POST", "/tokens"),
}
API_PREFIX = "/api/v1"
# The document does not describe itself.
UNDOCUMENTED_API = {("GET", "/openapi.json")}
# Plausible fields for every form, so a POST that slipped past CSRF would really act.
FORM_FIELDS = {
    "amount": "1000", "quantity": "1", "email": "csrf@example.com", "password": "long-enough-1",
    "confirm": "long-enough-1", "name": "Forged", "price": "1000", "stock": "5",
    "description": "forged", "delta": "5", "kind": "receipt", "reason": "forged",
    "status": "paused", "discount_type": "fixed", "discount_value": "100",
    "coupon_id": "", "idempotency_key": "forged-key", "expected_total": "0", "locale": "en",
}


def _path(rule, ids: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        assert name in ids, f"{rule.rule}: no test id for {name}; add one to one_of_each"
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(ids[name]), path)
    return path


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _page_rules(app):
    rules = [r for r in app.url_map.iter_rules() if not r.rule.startswith(API_PREFIX + "/")]
    assert len(rules) >= 30
    return sorted(rules, key=lambda r: r.rule)


def _api_shape(rule: str) -> str:
    """``/api/v1/orders/<int:order_id>`` and ``/orders/{order_id}`` both → ``/orders/{}``."""
    rule = rule.removeprefix(API_PREFIX)
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", rule)


@pytest.fixture
def document(client):
    return client.get(f"{API_PREFIX}/openapi.json").get_json()


def _documented_operations(document) -> dict[tuple[str, str], dict]:
    return {(method.upper(), _api_shape(path)): operation
            for path, operations in document["paths"].items()
            for method, operation in operations.items()}


def test_every_non_public_page_sends_anonymous_visitors_to_log_in(app, client, one_of_each):
    token = csrf_token(client, "/login")
    walked = 0
    for rule in _page_rules(app):
        if rule.endpoint in PUBLIC_PAGES | SCRAPER_ONLY:
            continue
        for method in _methods(rule):
            url = _path(rule, one_of_each)
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login?next="), (method, url)
            walked += 1
    assert walked >= 25


def test_public_pages_are_only_the_listed_ones_and_they_answer(app, client, one_of_each):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_PAGES <= endpoints, PUBLIC_PAGES - endpoints
    for rule in _page_rules(app):
        if rule.endpoint in PUBLIC_PAGES - {"static"}:
            if "GET" in rule.methods:
                assert client.get(_path(rule, one_of_each)).status_code == 200, rule.rule
            else:  # the language switcher (no CSRF token): back to the page it was on
                response = client.post(_path(rule, one_of_each), data={"locale": "en"})
                assert response.status_code == 302, rule.rule


def test_every_documented_path_is_routed_and_every_route_documented(app, document):
    routed = {(method, _api_shape(rule.rule))
              for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX + "/")
              for method in _methods(rule)}
    documented = set(_documented_operations(document))
    assert documented - routed == set(), "documented but not routed"
    assert routed - documented == UNDOCUMENTED_API, "routed but not documented"


def test_every_operation_not_public_answers_401_without_a_valid_token(client, document,
                                                                      one_of_each):
    ids = {"{}": one_of_each["order_id"]}
    walked = 0
    for (method, shape), operation in sorted(_documented_operations(document).items()):
        secured = "security" in operation
        assert secured != ((method, shape) in PUBLIC_API), (method, shape)
        if not secured:
            continue
        url = API_PREFIX + shape.replace("{}", str(ids["{}"]))
        for headers in ({}, {"Authorization": "Bearer not-a-token"},
                        {"Authorization": "Basic c2hvcDpzaG9w"}):
            response = client.open(url, method=method, headers=headers, json={})
            assert response.status_code == 401, (method, url, headers, response.status_code)
            assert response.get_json()["code"] == "unauthenticated"
        assert "401" in operation["responses"], (method, shape)
        walked += 1
    assert walked >= 14


def test_admin_operations_are_admin_only_in_code_and_document(app, client, document,
                                                               make_user, bearer,
                                                               one_of_each):
    headers = bearer(make_user())
    admin_shapes = [key for key in _documented_operations(document) if key[1].startswith(
        "/admin/")]
    assert len(admin_shapes) >= 5
    for method, shape in admin_shapes:
        url = API_PREFIX + shape.replace("{}", str(one_of_each["product_id"]))
        response = client.open(url, method=method, headers=headers, json={})
        assert (response.status_code, response.get_json()["code"]) == (403, "forbidden"), url
        assert "403" in _documented_operations(document)[(method, shape)]["responses"]
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.rule.startswith(API_PREFIX + "/admin/"):
            assert getattr(view, "api_auth", None) == "admin", rule.rule


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(app, admin_client,
                                                                     one_of_each, db_snapshot):
    """Logged in as an admin, so every form route would otherwise act (admins pass every
    check a shopper passes). The API is token-only and exempt; it is not walked here."""
    walked = 0
    for rule in _page_rules(app):
        if "POST" not in rule.methods:
            continue
        url = _path(rule, one_of_each)
        before = db_snapshot()
        response = admin_client.post(url, data=FORM_FIELDS)
        assert response.status_code == 400, (url, response.status_code)
        assert "This form has expired" in response.get_data(as_text=True)
        assert db_snapshot() == before, url
        walked += 1
    assert walked >= 17
    # Still logged in: the refusals were about the missing token alone.
    assert admin_client.get("/wallet").status_code == 200
