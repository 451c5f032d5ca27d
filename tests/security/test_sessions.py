"""Sessions and cookies, and how API tokens are stored (what a revoked token answers is in
tests/functional/test_api_auth.py)."""

from __future__ import annotations

import hashlib

import pytest

from app import create_app
from app.config import load_config
from app.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import post_form


def _session_cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_login_gives_a_new_session_cookie(client, make_user):
    user = make_user()
    client.get("/login")
    before = _session_cookie(client)
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert _session_cookie(client) != before


def test_a_copied_session_cookie_stops_working_after_logout(app, client, login, make_user):
    user = make_user(balance=5_000)
    login(user)
    stolen = _session_cookie(client)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/wallet").status_code == 200

    post_form(client, "/logout", {}, token_from="/wallet")

    assert client.get("/wallet").status_code == 302
    refused = thief.get("/wallet")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/login")


def test_logout_ends_every_session_of_the_account_but_no_one_elses(app, make_user):
    user, other = make_user(), make_user()
    phone, laptop, neighbour = app.test_client(), app.test_client(), app.test_client()
    for client, who in ((phone, user), (laptop, user), (neighbour, other)):
        post_form(client, "/login", {"email": who.email, "password": PASSWORD})
        assert client.get("/wallet").status_code == 200

    post_form(phone, "/logout", {}, token_from="/wallet")

    assert laptop.get("/wallet").status_code == 302
    assert neighbour.get("/wallet").status_code == 200
    # Logging in again works and gets a token the old cookies do not carry.
    post_form(laptop, "/login", {"email": user.email, "password": PASSWORD})
    assert laptop.get("/wallet").status_code == 200
    assert phone.get("/wallet").status_code == 302


@pytest.mark.parametrize("forged", ["1", "1:", ":abc", "1:wrong-token", "x:y", "", "1:None"])
def test_a_forged_user_id_in_the_session_loads_nobody(app, make_user, forged):
    user = make_user()
    client = app.test_client()
    post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        session["_user_id"] = forged.replace("1", str(user.id), 1)
    assert client.get("/wallet").status_code == 302


def test_production_cookies_are_secure_httponly_and_samesite(monkeypatch, tmp_path, app):
    monkeypatch.setenv("DATABASE_URL", "postgresql://shop@db.internal/storefront")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = load_config(tmp_path)
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["REMEMBER_COOKIE_SECURE"] is True
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "false")
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is False
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE")
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is False  # embedded: plain http

    secure = create_app({"TESTING": True, "SESSION_COOKIE_SECURE": True, "SERVER_NAME": None,
                         "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SQLALCHEMY_ENGINE_OPTIONS": app.config["SQLALCHEMY_ENGINE_OPTIONS"]})
    response = secure.test_client().get("/login", base_url="https://shop.example")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    with secure.app_context():
        db.engine.dispose()


def test_api_tokens_are_stored_only_as_digests(client, make_user, db_snapshot):
    user = make_user()
    token = client.post("/api/v1/tokens", json={"email": user.email,
                                                "password": PASSWORD}).get_json()["token"]
    snapshot = db_snapshot()
    stored = [row["token_hash"] for row in snapshot["api_tokens"]]
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in repr(snapshot)
