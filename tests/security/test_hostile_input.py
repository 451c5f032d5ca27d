"""Hostile input refused at the edge: JSON nested past the parser's stack, bodies over the size
limit, text the database cannot store, and a failing statement that must still end in our own
500 page. None of it may change anything or answer with a bare server error."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import event, text

from app.extensions import db
from tests.fixtures.security import limited_app_for
from tests.helpers import assert_problem, csrf_token, post_form

DEEP_JSON = "[" * 100_000 + "]" * 100_000
TOO_LARGE = 5 * 1024 * 1024  # MAX_CONTENT_LENGTH is 4 MB


def _json_body_operations(client) -> list[tuple[str, str]]:
    """Every documented operation that takes a JSON body, as (method, path template)."""
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    return [(method.upper(), path) for path, operations in paths.items()
            for method, operation in operations.items()
            if "application/json" in operation.get("requestBody", {}).get("content", {})]


def _url(path: str, ids: dict) -> str:
    return "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


# --- item 6: JSON nested too deeply, bodies too large ------------------------------------------


def test_deeply_nested_json_is_malformed_on_every_json_operation(
        client, admin_user, bearer, one_of_each, db_snapshot):
    operations = _json_body_operations(client)
    assert len(operations) >= 8
    headers = bearer(admin_user)
    before = db_snapshot()
    for method, path in operations:
        response = client.open(_url(path, {"id": one_of_each["product_id"], **one_of_each}),
                               method=method, data=DEEP_JSON, headers=headers,
                               content_type="application/json")
        assert_problem(response, 400, "malformed_request")
    assert db_snapshot() == before


@pytest.mark.parametrize("path", ["/api/v1/tokens", "/api/v1/users"])
def test_deeply_nested_json_does_not_break_the_rate_limiter(limited_app, path):
    """The limiter's key function reads the email from the body before the view does."""
    response = limited_app.test_client().post(path, data=DEEP_JSON,
                                              content_type="application/json")
    assert_problem(response, 400, "malformed_request")


def test_an_oversized_api_body_is_413_problem_json(client):
    response = client.post("/api/v1/tokens", data=b" " * TOO_LARGE,
                           content_type="application/json")
    body = assert_problem(response, 413, "payload_too_large")
    assert "at most 4 MB" in body["detail"]


def test_an_oversized_upload_is_a_clear_413_page(admin_client, db_snapshot):
    before = db_snapshot()
    upload = (io.BytesIO(b"product_id,quantity,reason\n" + b"1,1,x\n" * (TOO_LARGE // 6)),
              "huge.csv")
    response = post_form(admin_client, "/admin/stock-import", {"file": upload},
                         content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "(at most 4 MB). Nothing was changed." in response.get_data(as_text=True)
    assert db_snapshot() == before


# --- item 7: NUL and unpaired surrogates, refused where text enters -----------------------------

API_TEXT_CASES = [
    ("POST", "/admin/products", {"name": "Tea\x00", "price": 1000, "stock": 1}, "name"),
    ("POST", "/admin/products",
     {"name": "Tea", "price": 1000, "stock": 1, "description": "leaves\x00"}, "description"),
    ("PATCH", "/admin/products/{product_id}", {"name": "T\x00ea"}, "name"),
    ("PATCH", "/admin/products/{product_id}", {"stock_delta": 1, "reason": "\x00"}, "reason"),
    ("POST", "/admin/coupons",
     {"name": "Sale\x00", "discount_type": "fixed", "discount_value": 100, "quantity": 5},
     "name"),
    ("POST", "/admin/products", {"name": "Tea", "price": 1000, "stock": 1, "k\x00": 1},
     "k\\x00"),
    ("POST", "/admin/products", {"name": "Tea\ud800", "price": 1000, "stock": 1}, "name"),
]


@pytest.mark.parametrize("method, path, body, field", API_TEXT_CASES)
def test_unstorable_text_in_an_api_body_is_422_naming_the_field(
        client, admin_user, bearer, one_of_each, db_snapshot, method, path, body,
        field):
    headers = bearer(admin_user)
    before = db_snapshot()
    response = client.open(_url(path, one_of_each), method=method, json=body, headers=headers)
    assert f"'{field}'" in assert_problem(response, 422, "invalid_input")["detail"]
    assert db_snapshot() == before


def _refused_page(response, field: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert f"'{field}' contains a NUL character" in html.unescape(
        response.get_data(as_text=True))


PAGE_FORM_CASES = [
    ("/admin/products/new", {"name": "Tea\x00", "price": "1000", "stock": "1"}, "name"),
    ("/admin/products/new", {"name": "Tea", "price": "1000", "stock": "1",
                             "description": "\x00"}, "description"),
    ("/admin/coupons", {"name": "Sale\x00", "discount_type": "fixed", "discount_value": "100",
                        "quantity": "5", "min_order_amount": "0", "valid_days": "7"}, "name"),
]


@pytest.mark.parametrize("url, data, field", PAGE_FORM_CASES)
def test_unstorable_text_in_a_page_form_is_422_naming_the_field(
        admin_client, db_snapshot, url, data, field):
    before = db_snapshot()
    _refused_page(post_form(admin_client, url, data), field)
    assert db_snapshot() == before


def test_unstorable_text_in_stock_reason_and_csv_apply_is_422(admin_client, one_of_each,
                                                              db_snapshot):
    before = db_snapshot()
    product_url = f"/admin/products/{one_of_each['product_id']}"
    _refused_page(post_form(admin_client, f"{product_url}/stock",
                            {"kind": "receipt", "delta": "3", "reason": "box\x00"},
                            token_from=product_url), "reason")
    csv_text = f"product_id,quantity,reason\n{one_of_each['product_id']},3,box\x00\n"
    _refused_page(post_form(admin_client, "/admin/stock-import/apply", {"csv_text": csv_text},
                            token_from="/admin/stock-import"), "csv_text")
    assert db_snapshot() == before


def test_unstorable_text_in_a_query_argument_is_422_naming_it(admin_client):
    _refused_page(admin_client.get("/admin/orders", query_string={"email": "a\x00"}), "email")


def test_refusing_a_nul_in_the_body_happens_before_any_view(client):
    """Anonymous sign-up via the API: nothing else in the request is even looked at."""
    response = client.post("/api/v1/users", json={"email": "kim@example.com",
                                                  "password": "long-enough-pw",
                                                  "name": ["Kim", {"nick": "\x00"}]})
    assert "'name[1].nick'" in assert_problem(response, 422, "invalid_input")["detail"]


# --- item 8: the 500 page, after a real failing statement ---------------------------------------


@pytest.fixture
def failing_app(app):
    """A second app on the same database that does not propagate exceptions (as in production)
    and has a page and an API route whose statement fails in the database."""
    with limited_app_for(app, PROPAGATE_EXCEPTIONS=False, RATELIMIT_ENABLED=False) as failing:

        def broken_statement():
            db.session.execute(text("SELECT no_such_column FROM users"))
            return "unreachable"

        failing.add_url_rule("/broken", "broken_page", broken_statement)
        failing.add_url_rule("/api/v1/broken", "broken_api", broken_statement)
        yield failing


def _statements_run(engine, during):
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        during()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("language, words", [
    ("en", {"text/html": ["Something went wrong", "Please try again in a moment."],
            "application/problem+json": ["Internal server error"]}),
    ("ko", {"text/html": ["문제가 생겼어요", "잠시 후 다시 시도해 주세요."],
            "application/problem+json": ["서버 오류"]}),
])
@pytest.mark.parametrize("path, mimetype", [("/broken", "text/html"),
                                            ("/api/v1/broken", "application/problem+json")])
def test_the_500_page_never_queries_the_broken_session_and_keeps_the_headers(
        failing_app, make_user, path, mimetype, language, words):
    """Drawn without the database, the page still speaks the visitor's language (their
    Accept-Language here: the saved choice would need the broken session)."""
    shopper = make_user(balance=5_000)
    client = failing_app.test_client()
    post_form(client, "/login", {"email": shopper.email, "password": "correct-horse-42"})
    responses = []
    with failing_app.app_context():
        engine = db.engine
    seen = _statements_run(engine, lambda: responses.append(
        client.get(path, headers={"Accept-Language": language})))

    response = responses[0]
    assert response.status_code == 500
    assert response.mimetype == mimetype
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    if mimetype == "text/html":
        body = response.get_data(as_text=True)
        assert f'<html lang="{language}">' in body
    else:
        assert response.json["code"] == "internal_error"
        body = response.json["title"]
    assert all(word in body for word in words[mimetype])
    failed = next(i for i, statement in enumerate(seen) if "no_such_column" in statement)
    assert seen[failed + 1:] == []
    # The broken transaction went with the request: the next page is served normally.
    assert client.get("/wallet").status_code == 200
    assert csrf_token(client, "/wallet")


# A raw CR in a part's name: werkzeug cannot read the name (found by Schemathesis on the
# multipart image upload, the first multipart call in the API document).
UNNAMED_PART = b'--XX\r\nContent-Disposition: form-data; name="\r"\r\n\r\nnull\r\n--XX--\r\n'


def test_a_multipart_part_without_a_readable_name_is_ignored_not_a_500(
        client, admin_client, one_of_each, bearer, admin_user, db_snapshot):
    headers = bearer(admin_user)
    before = db_snapshot()
    response = client.post(f"/api/v1/admin/products/{one_of_each['product_id']}/images",
                           headers=headers, data=UNNAMED_PART,
                           content_type="multipart/form-data; boundary=XX")
    assert_problem(response, 422, "invalid_input")
    for url in (f"/admin/products/{one_of_each['product_id']}/images", "/login"):
        response = admin_client.post(url, data=UNNAMED_PART,
                                     content_type="multipart/form-data; boundary=XX")
        assert response.status_code == 400, url
        assert "This form has expired" in response.get_data(as_text=True)
    assert db_snapshot() == before
