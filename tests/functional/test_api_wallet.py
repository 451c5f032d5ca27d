"""GET /api/v1/wallet and POST /api/v1/wallet/charges: shapes, every refused top-up (it
changes nothing anywhere), idempotency keys, tokens."""

import json
from datetime import datetime

import pytest
from sqlalchemy.orm.exc import StaleDataError

from app.db import transaction
from app.orders.cancel import cancel_order
from app.orders.checkout import place_order
from app.wallet import services as wallet_services
from app.wallet.services import change_balance
from tests.helpers import assert_problem, wallet_of


def test_new_wallet_is_empty(client, make_user, bearer):
    response = client.get("/api/v1/wallet", headers=bearer(make_user()))
    assert response.status_code == 200
    assert response.get_json() == {"balance": 0, "history": []}


def test_charge_returns_the_new_balance_and_the_ledger_row(client, make_user, bearer,
                                                           db_snapshot):
    user = make_user(balance=5_000)
    headers = bearer(user)

    response = client.post("/api/v1/wallet/charges", json={"amount": 12_000}, headers=headers)

    assert response.status_code == 201
    body = response.get_json()
    assert body["balance"] == 17_000
    assert set(body["charge"]) == {"id", "amount", "created_at"}
    assert body["charge"]["amount"] == 12_000
    assert datetime.fromisoformat(body["charge"]["created_at"]).utcoffset() is not None
    assert wallet_of(db_snapshot(), user.id) == (17_000, [("charge", 5_000, 5_000),
                                                         ("charge", 12_000, 17_000)])
    newest = client.get("/api/v1/wallet", headers=headers).get_json()["history"][0]
    assert newest["id"] == body["charge"]["id"]


def test_wallet_history_is_newest_first_with_every_field(app, client, make_user, bearer):
    user = make_user()
    with app.app_context():
        for delta, kind in [(10_000, "charge"), (-3_000, "payment"), (3_000, "refund")]:
            with transaction() as uow:
                change_balance(uow.session, user.id, delta, kind)

    body = client.get("/api/v1/wallet", headers=bearer(user)).get_json()

    assert body["balance"] == 10_000
    history = body["history"]
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in history] == [
        ("refund", 3_000, 10_000), ("payment", -3_000, 7_000), ("charge", 10_000, 10_000)]
    assert all(set(e) == {"id", "kind", "amount", "balance_after", "created_at", "order_id"}
               for e in history)
    assert [e["order_id"] for e in history] == [None, None, None]
    assert history[0]["id"] > history[1]["id"] > history[2]["id"]


def test_wallet_history_pages(app, client, make_user, bearer):
    user = make_user()
    with app.app_context():
        for _ in range(25):
            wallet_services.charge_wallet(user.id, 100)
    headers = bearer(user)

    pages = [client.get(f"/api/v1/wallet?page={p}", headers=headers).get_json() for p in (1, 2, 3)]

    assert [len(page["history"]) for page in pages] == [20, 5, 0]
    assert pages[0]["history"][0]["balance_after"] == 2_500
    assert pages[1]["history"][-1]["balance_after"] == 100
    assert {page["balance"] for page in pages} == {2_500}


@pytest.mark.parametrize("page", ["0", "-1", "abc"])
def test_wallet_refuses_bad_page(client, make_user, bearer, page):
    assert_problem(client.get(f"/api/v1/wallet?page={page}", headers=bearer(make_user())),
                   422, "invalid_input")


def test_the_wallet_is_the_callers_own(client, make_user, bearer):
    make_user(balance=70_000)
    me = make_user(balance=1_000)
    assert client.get("/api/v1/wallet", headers=bearer(me)).get_json()["balance"] == 1_000


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0},
        {"amount": -1_000},
        {"amount": 1_000_001},
        {"amount": 1000.5},
        {"amount": "1000"},
        {"amount": True},
        {"amount": None},
        {"amount": [1000]},
        {"amount": {"won": 1000}},
        {"amount": False},
        {"amount": 10**30},
        {},
        {"won": 1000},
    ],
    # 1000.0 is not here: JSON numbers follow JSON Schema, where it is the integer 1000
    # (test_a_whole_float_amount_is_that_integer).
    ids=["zero", "negative", "over-limit", "fraction", "text", "bool", "null", "list",
         "object", "false", "huge", "missing", "other-field"],
)
def test_bad_amounts_are_invalid_amount_and_change_nothing(client, make_user, bearer,
                                                           db_snapshot, body):
    user = make_user(balance=5_000)
    headers = bearer(user)
    before = db_snapshot()

    assert_problem(client.post("/api/v1/wallet/charges", json=body, headers=headers),
                   422, "invalid_amount")

    assert db_snapshot() == before
    assert wallet_of(before, user.id) == (5_000, [("charge", 5_000, 5_000)])


def test_a_whole_float_amount_is_that_integer(client, make_user, bearer, db_snapshot):
    """JSON Schema counts 1000.0 as the integer 1000, and so does the API (issue 13)."""
    user = make_user(balance=10_000)

    response = client.post("/api/v1/wallet/charges", data='{"amount": 1000.0}',
                           content_type="application/json", headers=bearer(user))

    assert response.status_code == 201, response.get_data(as_text=True)
    # Parsed with the standard library, so an int is told apart from a float.
    body = json.loads(response.get_data(as_text=True))
    assert body["balance"] == 11_000
    assert type(body["charge"]["amount"]) is int and body["charge"]["amount"] == 1000
    assert wallet_of(db_snapshot(), user.id)[1][-1] == ("charge", 1000, 11_000)


def test_amount_bounds_are_inclusive(client, make_user, bearer, db_snapshot):
    user = make_user()
    headers = bearer(user)
    for amount in (1, 1_000_000):
        assert client.post("/api/v1/wallet/charges", json={"amount": amount},
                           headers=headers).status_code == 201
    assert wallet_of(db_snapshot(), user.id) == (1_000_001, [("charge", 1, 1),
                                                            ("charge", 1_000_000, 1_000_001)])


@pytest.mark.parametrize("balance, amount, room", [(99_500_000, 500_001, "500,000"),
                                                   (99_999_000, 1_001, "1,000")])
def test_balance_cap_is_balance_limit_exceeded_and_changes_nothing(client, make_user, bearer,
                                                                   db_snapshot, balance, amount,
                                                                   room):
    user = make_user(balance=balance)
    headers = bearer(user)
    before = db_snapshot()

    body = assert_problem(client.post("/api/v1/wallet/charges", json={"amount": amount},
                                      headers=headers), 422, "balance_limit_exceeded")

    assert room in body["detail"]
    assert db_snapshot() == before
    assert client.post("/api/v1/wallet/charges", json={"amount": amount - 1},
                       headers=headers).get_json()["balance"] == 100_000_000


def test_a_replayed_idempotency_key_returns_the_first_charge(client, make_user, bearer,
                                                            db_snapshot):
    user = make_user(balance=5_000)
    headers = {**bearer(user), "Idempotency-Key": "top-up-7f3a"}

    first = client.post("/api/v1/wallet/charges", json={"amount": 12_000}, headers=headers)
    client.post("/api/v1/wallet/charges", json={"amount": 1_000}, headers=bearer(user))
    again = client.post("/api/v1/wallet/charges", json={"amount": 12_000}, headers=headers)

    assert first.status_code == 201
    assert again.status_code == 200
    # The first answer, balance included, though a later top-up has moved the balance on.
    assert again.get_json() == first.get_json() == {
        "balance": 17_000, "charge": first.get_json()["charge"]}
    balance, entries = wallet_of(db_snapshot(), user.id)
    assert (balance, len(entries)) == (18_000, 3)


def test_an_idempotency_key_belongs_to_its_shopper(client, make_user, bearer):
    me, other = make_user(), make_user()
    for user in (me, other):
        response = client.post("/api/v1/wallet/charges", json={"amount": 3_000},
                               headers={**bearer(user), "Idempotency-Key": "same-key"})
        assert response.status_code == 201
        assert response.get_json()["balance"] == 3_000


def test_a_key_replayed_with_another_amount_is_refused_and_changes_nothing(
        client, make_user, bearer, db_snapshot):
    user = make_user()
    headers = {**bearer(user), "Idempotency-Key": "top-up-1"}
    client.post("/api/v1/wallet/charges", json={"amount": 10_000}, headers=headers)
    before = db_snapshot()

    body = assert_problem(client.post("/api/v1/wallet/charges", json={"amount": 50_000},
                                      headers=headers), 422, "idempotency_key_reused")

    assert "10,000" in body["detail"]
    assert db_snapshot() == before
    assert wallet_of(before, user.id) == (10_000, [("charge", 10_000, 10_000)])


def test_a_refused_top_up_keeps_no_key(client, make_user, bearer, db_snapshot):
    user = make_user(balance=99_995_000)
    headers = {**bearer(user), "Idempotency-Key": "retry-me"}
    assert_problem(client.post("/api/v1/wallet/charges", json={"amount": 10_000},
                               headers=headers), 422, "balance_limit_exceeded")

    # Nothing was charged, so the key is still free for a top-up that fits.
    response = client.post("/api/v1/wallet/charges", json={"amount": 5_000}, headers=headers)

    assert response.status_code == 201
    balance, entries = wallet_of(db_snapshot(), user.id)
    assert (balance, len(entries)) == (100_000_000, 2)


@pytest.mark.parametrize("key", ["", "has space", "x" * 101, "clé"],
                         ids=["empty", "space", "too-long", "not-ascii"])
def test_bad_idempotency_keys_are_invalid_input(client, make_user, bearer, db_snapshot, key):
    user = make_user(balance=5_000)
    headers = {**bearer(user), "Idempotency-Key": key}
    before = db_snapshot()
    assert_problem(client.post("/api/v1/wallet/charges", json={"amount": 1_000},
                               headers=headers), 422, "invalid_input")
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"amount": 1000', "application/json"),
        ("amount=1000", "application/json"),
        ("", "application/json"),
        ('{"amount": 1000}', "text/plain"),
        ("[1000]", "application/json"),
        ('"1000"', "application/json"),
        ("{amount: 1000", "application/json"),
        ("amount=1000", "application/x-www-form-urlencoded"),
    ],
    ids=["truncated", "form-encoded", "empty", "wrong-content-type", "array", "string",
         "not-json", "form-content-type"],
)
def test_malformed_body_is_malformed_request(client, make_user, bearer, db_snapshot, data,
                                             content_type):
    user = make_user(balance=5_000)
    headers = bearer(user)
    before = db_snapshot()
    response = client.post("/api/v1/wallet/charges", data=data, content_type=content_type,
                           headers=headers)
    assert_problem(response, 400, "malformed_request")
    assert db_snapshot() == before


def test_exhausted_retries_are_conflict_retry_exhausted(client, make_user, bearer, db_snapshot,
                                                         monkeypatch):
    user = make_user(balance=5_000)
    headers = bearer(user)
    before = db_snapshot()
    attempts = []

    def always_stale(*args, **kwargs):
        attempts.append(args)
        raise StaleDataError("simulated concurrent update")

    monkeypatch.setattr(wallet_services, "change_balance", always_stale)

    assert_problem(client.post("/api/v1/wallet/charges", json={"amount": 1_000},
                               headers=headers), 409, "conflict_retry_exhausted")

    assert len(attempts) == wallet_services.TOP_UP_ATTEMPTS
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-real-token"}, {"Authorization": "Bearer "},
     {"Authorization": "Bearer"}, {"Authorization": "Basic c2hvcHBlcjpwYXNz"},
     {"Authorization": "not-a-real-token"}],
    ids=["missing", "unknown", "empty", "scheme-only", "basic", "no-scheme"],
)
def test_wallet_calls_need_a_valid_token(client, make_user, db_snapshot, headers):
    make_user(balance=5_000)
    before = db_snapshot()

    assert_problem(client.get("/api/v1/wallet", headers=headers), 401, "unauthenticated")
    assert_problem(client.post("/api/v1/wallet/charges", json={"amount": 1_000},
                               headers=headers), 401, "unauthenticated")

    assert db_snapshot() == before


def test_a_revoked_token_is_refused(client, make_user, bearer, db_snapshot):
    user = make_user(balance=10_000)
    headers = bearer(user)
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    before = db_snapshot()
    assert_problem(client.post("/api/v1/wallet/charges", json={"amount": 1_000},
                               headers=headers), 401, "unauthenticated")
    assert db_snapshot() == before


def test_openapi_describes_the_wallet(client):
    document = client.get("/api/v1/openapi.json").get_json()
    charges = document["paths"]["/wallet/charges"]["post"]
    assert charges["security"] == [{"bearerAuth": []}]
    assert set(charges["responses"]) == {"200", "201", "400", "401", "409", "413", "422"}
    assert [(p["name"], p["in"], p["required"]) for p in charges["parameters"]] == [
        ("Idempotency-Key", "header", False), ("Accept-Language", "header", False)]
    assert document["paths"]["/wallet"]["get"]["security"] == [{"bearerAuth": []}]
    new_charge = document["components"]["schemas"]["NewCharge"]["properties"]["amount"]
    assert (new_charge["minimum"], new_charge["maximum"]) == (1, 1_000_000)


def test_payments_and_refunds_carry_their_order_id(app, client, make_user, make_product, bearer):
    user = make_user(balance=10_000)
    product = make_product(price=4_000, stock=5)
    with app.app_context():
        order, created = place_order(user.id, [(product.id, 2)])
        cancel_order(user.id, order.id)
    assert created

    body = client.get("/api/v1/wallet", headers=bearer(user)).get_json()

    assert body["balance"] == 10_000
    assert [(e["kind"], e["amount"], e["balance_after"], e["order_id"]) for e in body["history"]] == [
        ("refund", 8_000, 10_000, order.id), ("payment", -8_000, 2_000, order.id),
        ("charge", 10_000, 10_000, None)]
