"""When every attempt of a checkout or a coupon claim loses its conflict, the shopper hears
conflict_retry_exhausted (409) on the API and the reason on the page, after exactly the
documented number of attempts, and nothing has changed.

The conflict is real where the database allows it: on SQLite a competing connection holds
the write lock, so each attempt's ``BEGIN IMMEDIATE`` meets "database is locked". On
PostgreSQL at READ COMMITTED a competing writer only makes an attempt wait, so the contended
statement is swapped for one the server itself refuses with serialization_failure (40001).
Either way the attempts are counted at the driver.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.coupons.claims import CLAIM_ATTEMPTS
from app.extensions import db
from app.orders.rules import ORDER_ATTEMPTS
from tests.helpers import assert_problem, post_form

# What a shopper reads names no function of ours ("place_order lost 10 conflicts in a row").
_INTERNAL_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")
_SERIALIZATION_FAILURE = ("DO $$ BEGIN RAISE EXCEPTION 'a competing writer won' "
                          "USING ERRCODE = 'serialization_failure'; END $$")


@contextmanager
def every_write_conflicts(app, table: str):
    """Every attempt to write ``table`` loses a conflict; yields the list of attempts."""
    with app.app_context():
        engine = db.engine
    attempts: list[str] = []
    if engine.dialect.name == "sqlite":
        def short_wait(dbapi_connection, _record):
            # The app waits 30 s for a busy database; a lost attempt here should not.
            dbapi_connection.execute("PRAGMA busy_timeout=5")

        def count(conn, cursor, statement, *args):
            if statement == "BEGIN IMMEDIATE":
                attempts.append(statement)

        engine.dispose()  # new connections, so every one gets the short wait
        event.listen(engine, "connect", short_wait)
        event.listen(engine, "before_cursor_execute", count)
        rival = sqlite3.connect(engine.url.database, isolation_level=None)
        rival.execute("BEGIN IMMEDIATE")
        try:
            yield attempts
        finally:
            rival.execute("ROLLBACK")
            rival.close()
            event.remove(engine, "before_cursor_execute", count)
            event.remove(engine, "connect", short_wait)
            engine.dispose()
    else:
        def refuse(conn, cursor, statement, parameters, context, executemany):
            if f"UPDATE {table}" in statement or f"update {table}" in statement:
                attempts.append(statement)
                return _SERIALIZATION_FAILURE, None
            return statement, parameters

        event.listen(engine, "before_cursor_execute", refuse, retval=True)
        try:
            yield attempts
        finally:
            event.remove(engine, "before_cursor_execute", refuse)


def danger_alerts(html: str) -> list[str]:
    """The text of the page's red flash messages."""
    return [" ".join(text.split()) for text in re.findall(
        r'class="alert alert-danger[^"]*"[^>]*>(.*?)<button', html, re.S)]


def assert_shopper_words(text: str):
    assert "try again" in text.lower(), text
    assert not _INTERNAL_NAME.search(text), text


def assert_page_gave_up(html: str, attempts: list, documented: int, before: dict, after: dict):
    """The page says so in the shopper's words, after exactly ``documented`` attempts, and
    nothing changed."""
    [alert] = danger_alerts(html)
    assert_shopper_words(alert)
    assert len(attempts) == documented
    assert after == before


@pytest.fixture
def shopper(make_user, make_product, make_coupon, bearer):
    """A shopper with a product to buy and a coupon to claim."""
    user = make_user(balance=10_000)
    return user, bearer(user), make_product(price=1_000, stock=5), make_coupon(quantity=5)


def _buy(client, headers, product, _coupon):
    return client.post("/api/v1/orders", headers=headers, json={
        "items": [{"product_id": product.id, "quantity": 1}]})


def _claim(client, headers, _product, coupon):
    return client.post(f"/api/v1/coupons/{coupon.id}/claims", headers=headers)


# (the call, the table its contended write changes, the attempts it documents)
WRITES = [pytest.param(_buy, "products", ORDER_ATTEMPTS, id="checkout"),
          pytest.param(_claim, "coupons", CLAIM_ATTEMPTS, id="coupon-claim")]


@pytest.mark.parametrize("call, table, documented", WRITES)
def test_losing_every_attempt_is_409_on_the_api(app, client, shopper, db_snapshot, call, table,
                                                documented):
    _, headers, product, coupon = shopper
    before = db_snapshot()

    with every_write_conflicts(app, table) as attempts:
        response = call(client, headers, product, coupon)

    body = assert_problem(response, 409, "conflict_retry_exhausted")
    assert body["title"] == "Too many concurrent changes, please try again"
    assert_shopper_words(body["detail"])
    assert len(attempts) == documented
    assert db_snapshot() == before


def test_a_checkout_that_loses_every_attempt_says_so_on_the_page(app, client, login, shopper,
                                                                 db_snapshot):
    user, _, product, _ = shopper
    login(user)
    post_form(client, f"/cart/add/{product.id}", {"quantity": 1}, token_from="/cart")
    page = client.get("/checkout").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="(idempotency_key|expected_total)"'
                             r'[^>]*value="([^"]*)"', page))
    before = db_snapshot()

    with every_write_conflicts(app, "products") as attempts:
        response = post_form(client, "/checkout", fields)

    assert response.status_code == 422
    assert_page_gave_up(response.get_data(as_text=True), attempts, ORDER_ATTEMPTS, before,
                        db_snapshot())


def test_a_claim_that_loses_every_attempt_says_so_on_the_page(app, client, login, shopper,
                                                              db_snapshot):
    user, _, _, coupon = shopper
    login(user)
    before = db_snapshot()

    with every_write_conflicts(app, "coupons") as attempts:
        response = post_form(client, f"/coupons/{coupon.id}/claim", {}, token_from="/coupons")

    assert response.status_code == 302
    assert_page_gave_up(client.get(response.headers["Location"]).get_data(as_text=True),
                        attempts, CLAIM_ATTEMPTS, before, db_snapshot())
