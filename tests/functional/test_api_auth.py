"""POST /api/v1/users, POST /api/v1/tokens, DELETE /api/v1/tokens/current, and the
problem+json shape every refusal shares."""

import pytest
from sqlalchemy import update

from app.accounts.models import User
from app.accounts import services as accounts
from app.extensions import cache, db
from tests.conftest import PASSWORD
from tests.helpers import assert_problem, bearer_header, column, statements

NEW_USER = {"email": "Mina@Example.com", "password": "s3cret-pass", "name": "Mina Park"}


def test_sign_up_creates_the_user_and_an_empty_wallet(client, db_snapshot):
    response = client.post("/api/v1/users", json=NEW_USER)

    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "email": "mina@example.com", "name": "Mina Park"}
    assert type(body["id"]) is int
    snapshot = db_snapshot()
    assert column(snapshot, "users", "email") == {body["id"]: "mina@example.com"}
    assert column(snapshot, "wallets", "balance", by="user_id") == {body["id"]: 0}
    assert snapshot["api_tokens"] == []


@pytest.mark.parametrize("email", ["mina@example.com", "MINA@EXAMPLE.COM", " mina@example.com "])
def test_sign_up_with_a_taken_email_is_email_taken(client, db_snapshot, email):
    assert client.post("/api/v1/users", json=NEW_USER).status_code == 201
    before = db_snapshot()
    assert_problem(client.post("/api/v1/users", json={**NEW_USER, "email": email}), 409,
                   "email_taken")
    assert db_snapshot() == before


@pytest.mark.parametrize(
    "changes",
    [
        {"email": None}, {"email": ""}, {"email": "not-an-email"}, {"email": "a@b"},
        {"email": 42}, {"email": "x" * 250 + "@example.com"},
        {"password": None}, {"password": "short"}, {"password": "x" * 129}, {"password": 12345678},
        {"name": None}, {"name": "   "}, {"name": "x" * 81}, {"name": ["Mina"]},
    ],
    ids=["email-missing", "email-empty", "email-malformed", "email-no-dot", "email-number",
         "email-overlong", "password-missing", "password-short", "password-overlong",
         "password-number", "name-missing", "name-blank", "name-overlong", "name-list"],
)
def test_sign_up_with_bad_input_is_invalid_input(client, db_snapshot, changes):
    body = {key: value for key, value in {**NEW_USER, **changes}.items() if value is not None}
    before = db_snapshot()
    assert_problem(client.post("/api/v1/users", json=body), 422, "invalid_input")
    assert db_snapshot() == before


def test_sign_up_with_malformed_json_is_malformed_request(client, db_snapshot):
    before = db_snapshot()
    response = client.post("/api/v1/users", data='{"email": "mina@example.com",',
                           content_type="application/json")
    assert_problem(response, 400, "malformed_request")
    assert db_snapshot() == before


def test_log_in_issues_a_token_that_works(client, make_user, db_snapshot):
    user = make_user(balance=3_000)

    response = client.post("/api/v1/tokens", json={"email": user.email.upper(),
                                                   "password": PASSWORD})

    assert response.status_code == 201
    token = response.get_json()["token"]
    assert set(response.get_json()) == {"token"} and len(token) >= 32
    assert len(db_snapshot()["api_tokens"]) == 1
    wallet = client.get("/api/v1/wallet", headers=bearer_header(token))
    assert wallet.get_json()["balance"] == 3_000


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "shopper@example.com", "password": "wrong-password"},
        {"email": "nobody@example.com", "password": PASSWORD},
        {"email": "shopper@example.com"},
        {"email": "shopper@example.com", "password": 12345678},
        {"email": "not-an-email", "password": PASSWORD},
        {},
    ],
    ids=["wrong-password", "unknown-email", "no-password", "numeric-password", "bad-email",
         "empty"],
)
def test_bad_credentials_are_invalid_credentials(client, make_user, db_snapshot, credentials):
    make_user(email="shopper@example.com")
    before = db_snapshot()
    body = assert_problem(client.post("/api/v1/tokens", json=credentials), 401,
                          "invalid_credentials")
    # The same words whatever was wrong: the answer never tells whether an account exists.
    reference = client.post("/api/v1/tokens", json={"email": "nobody@example.com",
                                                    "password": "wrong-password"})
    assert body["detail"] == reference.get_json()["detail"]
    assert db_snapshot() == before


def test_log_in_with_malformed_json_is_malformed_request(client, make_user, db_snapshot):
    make_user()
    before = db_snapshot()
    assert_problem(client.post("/api/v1/tokens", data="email=a", content_type="application/json"),
                   400, "malformed_request")
    assert db_snapshot() == before


def test_revoking_the_current_token_ends_it_and_only_it(client, make_user, bearer, db_snapshot):
    user = make_user()
    kept = bearer(user)
    revoked = bearer(user)

    response = client.delete("/api/v1/tokens/current", headers=revoked)

    assert response.status_code == 204
    for method, url in (("GET", "/api/v1/wallet"), ("DELETE", "/api/v1/tokens/current"),
                        ("GET", "/api/v1/orders")):
        assert_problem(client.open(url, method=method, headers=revoked), 401, "unauthenticated")
    assert client.get("/api/v1/wallet", headers=kept).status_code == 200
    tokens = db_snapshot()["api_tokens"]
    assert [token["revoked_at"] is None for token in tokens] == [True, False]


def test_a_new_token_is_answered_from_the_cache(app, client, make_user, bearer):
    headers = bearer(make_user())
    with app.app_context(), statements(db.engine, "api_tokens") as seen:
        assert client.get("/api/v1/wallet", headers=headers).status_code == 200
    assert seen == []


def test_a_token_missing_from_the_cache_is_looked_up_once(app, client, make_user, bearer):
    headers = bearer(make_user())
    with app.app_context():
        cache.clear()  # Redis flushed, or the entry expired
        with statements(db.engine, "api_tokens") as seen:
            for _ in range(3):
                assert client.get("/api/v1/wallet", headers=headers).status_code == 200
    assert len(seen) == 1


def test_a_lookup_racing_a_revocation_cannot_bring_the_token_back(app, make_user, api_token):
    token = api_token(make_user())
    with app.app_context():
        user_id = accounts.user_id_for_token(token)
        accounts.revoke_token(token)
        # What a lookup that read the row just before the revocation would now try to do:
        key = accounts._token_cache_key(accounts._token_digest(token))
        assert not cache.add(key, user_id, timeout=accounts.TOKEN_CACHE_SECONDS)
        assert accounts.user_id_for_token(token) is None


def test_a_demoted_admin_is_refused_at_once(app, client, make_user, bearer):
    admin = make_user(is_admin=True)
    headers = bearer(admin)
    assert client.get("/api/v1/admin/exports", headers=headers).status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == admin.id).values(is_admin=False))
        db.session.commit()
    assert_problem(client.get("/api/v1/admin/exports", headers=headers), 403, "forbidden")


def test_revoking_without_a_token_is_unauthenticated(client):
    assert_problem(client.delete("/api/v1/tokens/current"), 401, "unauthenticated")


def test_problem_json_shape(client):
    response = client.get("/api/v1/wallet")
    body = assert_problem(response, 401, "unauthenticated")
    assert response.headers["Content-Type"] == "application/problem+json"
    assert body["type"] == "https://storefront.example/problems/unauthenticated"
    assert body["title"] == "Authentication required"


def test_unknown_api_paths_and_methods_are_problems(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert_problem(client.put("/api/v1/tokens", json={}), 405, "method_not_allowed")


def test_openapi_describes_auth(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    # A body may be over the size limit (413) or hold a NUL, which no text can (422).
    assert set(document["paths"]["/users"]["post"]["responses"]) == {"201", "400", "409", "413",
                                                                      "422"}
    assert set(document["paths"]["/tokens"]["post"]["responses"]) == {"201", "400", "401", "413",
                                                                       "422"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
