"""Every admin route: anonymous → login, shopper → 403, admin → 200 (or its normal answer).

The routes come from ``app.url_map``, not from a hand-kept list, so a new admin page or
admin API call is checked the day it is added. Converters are filled with ids of rows
that exist (``one_of_each``); a route with an argument this test does not know fails.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.helpers import assert_problem, csrf_token

ADMIN_API_PREFIX = "/api/v1/admin/"


def _admin_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    assert len(rules) >= 15  # the whole admin section, not an accidentally empty walk
    return rules


def _api_admin_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(ADMIN_API_PREFIX)]
    assert {r.rule for r in rules} >= {"/api/v1/admin/products",
                                       "/api/v1/admin/products/<int(max=2147483647):product_id>"}
    return rules


def _url(rule, ids: dict) -> str:
    missing = set(rule.arguments) - set(ids)
    assert not missing, f"{rule.rule}: no test id for {missing}; add one to one_of_each"
    return rule.rule if not rule.arguments else _build(rule, ids)


def _build(rule, ids):
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(ids[name]), path)
    assert "<" not in path, path
    return path


def _calls(rules, ids):
    for rule in sorted(rules, key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, _url(rule, ids)


def test_anonymous_visitors_are_sent_to_log_in(app, client, one_of_each):
    token = csrf_token(client, "/login")
    for method, url in _calls(_admin_rules(app), one_of_each):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.headers["Location"].startswith("/login?next="), (method, url)


def test_shoppers_get_403(app, client, login, make_user, one_of_each):
    login(make_user())
    token = csrf_token(client, "/wallet")
    for method, url in _calls(_admin_rules(app), one_of_each):
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (method, url, response.status_code)
        assert "for shop admins" in response.get_data(as_text=True)


def test_admins_get_every_page(app, admin_client, one_of_each):
    for method, url in _calls(_admin_rules(app), one_of_each):
        if method == "GET":
            response = admin_client.get(url)
            assert response.status_code == 200, (url, response.status_code)


def test_admins_pass_the_check_on_every_action(app, admin_client, one_of_each):
    """POSTs without their fields: refused for the content (422) or done (302), never 401/403."""
    token = csrf_token(admin_client, "/admin")
    for method, url in _calls(_admin_rules(app), one_of_each):
        if method != "GET":
            response = admin_client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code in {200, 302, 422}, (method, url, response.status_code)
            assert "/login" not in response.headers.get("Location", "")


def test_the_admin_link_is_shown_to_admins_only(client, login, make_user, admin_user):
    assert b'href="/admin"' not in client.get("/").data
    login(make_user())
    assert b'href="/admin"' not in client.get("/").data
    client.post("/logout", data={"csrf_token": csrf_token(client, "/wallet")})
    login(admin_user)
    assert b'href="/admin"' in client.get("/").data


def test_admin_api_needs_a_token(app, client, one_of_each):
    for method, url in _calls(_api_admin_rules(app), one_of_each):
        response = client.open(url, method=method, json={})
        assert_problem(response, 401, "unauthenticated")
        response = client.open(url, method=method, json={},
                               headers={"Authorization": "Bearer not-a-token"})
        assert_problem(response, 401, "unauthenticated")


def test_admin_api_refuses_shoppers(app, client, make_user, bearer, one_of_each):
    headers = bearer(make_user())
    for method, url in _calls(_api_admin_rules(app), one_of_each):
        assert_problem(client.open(url, method=method, json={}, headers=headers), 403, "forbidden")


def test_admin_api_lets_admins_through(app, client, admin_user, bearer, one_of_each):
    headers = bearer(admin_user)
    for method, url in _calls(_api_admin_rules(app), one_of_each):
        response = client.open(url, method=method, json={}, headers=headers)
        assert response.status_code not in {401, 403}, (method, url, response.status_code)


@pytest.mark.parametrize("path", ["/admin", "/admin/products", "/admin/orders"])
def test_login_brings_the_admin_back(client, admin_user, path):
    from tests.helpers import post_form

    response = client.get(path)
    assert response.status_code == 302
    response = post_form(client, response.headers["Location"],
                         {"email": admin_user.email, "password": "correct-horse-42"})
    assert response.headers["Location"] == path


NASTY_QUERIES = [
    "page=100000000000000000000000000000", "page=-5", "page=abc", "page=",
    "low=1&threshold=100000000000000000000", "low=1&threshold=-1",
    "date_from=0001-01-01&date_to=9999-12-31", "date_from=2026-02-30",
    "email=%25_%5C%27%22", "q=%25%27%22%5C", "q=" + "x" * 5000,
]
# A NUL no text can hold: refused before any view, naming the argument (issue 13).
NUL_QUERIES = {"date_to=%00": "date_to", "status=%00": "status", "q=mug%00": "q"}


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_no_query_string_breaks_an_admin_page(app, admin_client, one_of_each, query):
    """Bad input never 5xx: every admin page answers 200 to junk in its query string."""
    for method, url in _calls(_admin_rules(app), one_of_each):
        if method == "GET":
            response = admin_client.get(f"{url}?{query}")
            assert response.status_code == 200, (url, query, response.status_code)


@pytest.mark.parametrize("query", NUL_QUERIES)
def test_a_nul_in_the_query_string_is_a_422_page_naming_the_argument(app, admin_client,
                                                                     one_of_each, db_snapshot,
                                                                     query):
    before = db_snapshot()
    for method, url in _calls(_admin_rules(app), one_of_each):
        if method == "GET":
            response = admin_client.get(f"{url}?{query}")
            assert response.status_code == 422, (url, query, response.status_code)
            assert response.mimetype == "text/html", url
            assert f"'{NUL_QUERIES[query]}' contains a NUL character" in html.unescape(
                response.get_data(as_text=True)), url
    assert db_snapshot() == before


@pytest.mark.parametrize("big_id", ["2147483648", "99999999999999999999"])
def test_ids_beyond_the_column_range_are_404(app, admin_client, bearer, admin_user, big_id):
    """Never a database error: a 32-bit INTEGER id column cannot hold these."""
    token = csrf_token(admin_client, "/admin")
    for rule in _admin_rules(app):
        if not rule.arguments:
            continue
        url = _build(rule, dict.fromkeys(rule.arguments, big_id))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = admin_client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, url, response.status_code)
    response = admin_client.patch(f"/api/v1/admin/products/{big_id}", json={"price": 1},
                                  headers=bearer(admin_user))
    assert response.status_code == 404
