"""Sign up, log in, log out through the pages: sessions, cookies and redirects."""

from http.cookies import SimpleCookie

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.wallet.models import Wallet
from tests.conftest import PASSWORD
from tests.helpers import csrf_token, post_form


def session_cookie(response) -> SimpleCookie:
    """The ``session`` cookie as the browser receives it (with its attributes)."""
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    cookie = SimpleCookie()
    cookie.load(headers[0])
    return cookie


def decode_session(app, value: str) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(value)


def test_signup_creates_the_account_and_an_empty_wallet_and_logs_in(app, client):
    response = post_form(client, "/signup", {"name": "  Kim Minji ", "email": "Minji@Example.com",
                                             "password": "long-enough-pw",
                                             "confirm": "long-enough-pw"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/wallet"
    with app.app_context():
        users = db.session.scalars(select(User)).all()
        assert [(u.email, u.name, u.is_admin) for u in users] == [
            ("minji@example.com", "Kim Minji", False)]
        assert "long-enough-pw" not in users[0].password_hash
        assert db.session.scalar(select(Wallet.balance).where(Wallet.user_id == users[0].id)) == 0
    page = client.get("/wallet").get_data(as_text=True)
    assert "Welcome, Kim Minji!" in page
    assert "Log out (Kim Minji)" in page


def test_signup_page_offers_autocomplete_hints(client):
    html = client.get("/signup").get_data(as_text=True)
    assert 'autocomplete="name"' in html
    assert 'autocomplete="email"' in html
    assert html.count('autocomplete="new-password"') == 2


def test_login_page_offers_autocomplete_hints(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html


def test_login_with_the_email_in_another_case(client, make_user):
    make_user(email="minji@example.com", name="Kim Minji")
    response = post_form(client, "/login", {"email": "  MINJI@example.COM ",
                                            "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Welcome back, Kim Minji." in client.get("/").get_data(as_text=True)


def test_logged_in_shoppers_skip_the_login_and_signup_pages(client, make_user, login):
    login(make_user())
    assert client.get("/login").headers["Location"] == "/"
    assert client.get("/signup").headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    morsel = session_cookie(response)["session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    # A session cookie (no Expires): it ends with the browser, and login sets no remember-me.
    assert morsel["expires"] == ""
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_")]


def test_login_rotates_the_session(app, client, make_user):
    """A session planted before login (fixation) carries nothing into the logged-in one."""
    user = make_user()
    login_page = client.get("/login")
    pre_login = session_cookie(login_page)["session"].value
    pre_login_csrf = decode_session(app, pre_login)["csrf_token"]

    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    post_login = session_cookie(response)["session"].value

    assert post_login != pre_login
    data = decode_session(app, post_login)
    assert data["_user_id"].startswith(f"{user.id}:")  # "<id>:<session token>"
    assert data.get("csrf_token") != pre_login_csrf
    # The planted cookie is still anonymous after the victim logged in.
    attacker = app.test_client()
    attacker.set_cookie("session", pre_login)
    assert attacker.get("/wallet").status_code == 302
    # And the old form token no longer passes this session's CSRF check.
    refused = client.post("/wallet", data={"amount": "1000", "csrf_token": pre_login_csrf})
    assert refused.status_code == 400


def test_logout_is_post_only(client, make_user, login):
    login(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/wallet").status_code == 200


def test_logout_needs_the_csrf_token(client, make_user, login):
    login(make_user())
    assert client.post("/logout").status_code == 400
    assert client.get("/wallet").status_code == 200


def test_logout_ends_the_session(client, make_user, login):
    login(make_user())
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/wallet")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "You are logged out." in client.get("/").get_data(as_text=True)
    assert client.get("/wallet").headers["Location"].startswith("/login")


def test_pages_behind_login_send_you_back_after_logging_in(client, make_user):
    user = make_user()
    response = client.get("/wallet?page=2")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    assert "Please log in to continue." in client.get(login_url).get_data(as_text=True)

    response = post_form(client, login_url, {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/wallet?page=2"


@pytest.mark.parametrize(("target", "location"), [
    ("/wallet", "/wallet"),
    ("/wallet?page=2", "/wallet?page=2"),
    ("/products?q=red shoes", "/products?q=red%20shoes"),
    ("/products/3#reviews", "/products/3#reviews"),
])
def test_next_may_point_anywhere_on_this_site(client, make_user, target, location):
    user = make_user()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD},
                         query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == location


@pytest.mark.parametrize("target", [
    "https://evil.example/login",
    "//evil.example/login",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "evil.example",
    "",
])
def test_next_never_redirects_off_site(client, make_user, target):
    user = make_user()
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD},
                         query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
