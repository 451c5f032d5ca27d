"""The language switcher and the saved preference (POST /language, ``users.locale``).

A signed-in shopper's choice is saved on the account, so it follows them to another device
and wins there over that device's cookie and Accept-Language; the switcher returns to the
page it was pressed on and never leaves the shop."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import PASSWORD
from tests.helpers import post_form

KO_HEADERS = {"Accept-Language": "ko-KR,ko;q=0.9"}
EN_HEADERS = {"Accept-Language": "en-US,en;q=0.9"}


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, html[:200]
    return match.group(1)


def _switch(client, locale: str, next_path: str, **kwargs):
    """The switcher as a signed-in shopper's page sends it: with the CSRF token (a visitor's
    needs none, below)."""
    return post_form(client, "/language", {"locale": locale, "next": next_path},
                     token_from="/wallet", **kwargs)


def _saved_locale(db_snapshot, user_id: int):
    return next(row["locale"] for row in db_snapshot()["users"] if row["id"] == user_id)


def test_switching_on_the_wallet_returns_to_the_wallet_in_the_new_language(
        client, make_user, login, db_snapshot):
    shopper = make_user(balance=5_000)
    login(shopper)
    english = client.get("/wallet", headers=EN_HEADERS).get_data(as_text=True)
    assert _lang(english) == "en" and "My points" in english and "₩5,000" in english

    response = _switch(client, "ko", "/wallet", headers=EN_HEADERS)

    assert response.status_code == 302
    assert response.headers["Location"] == "/wallet"
    korean = client.get("/wallet", headers=EN_HEADERS).get_data(as_text=True)
    assert _lang(korean) == "ko"
    assert "내 포인트" in korean and "충전" in korean and "My points" not in korean
    assert _saved_locale(db_snapshot, shopper.id) == "ko"

    back = _switch(client, "en", "/wallet?page=1")
    assert back.headers["Location"] == "/wallet?page=1"
    page = client.get("/wallet?page=1", headers=KO_HEADERS).get_data(as_text=True)
    assert _lang(page) == "en" and "My points" in page
    assert _saved_locale(db_snapshot, shopper.id) == "en"


def test_the_saved_choice_follows_the_shopper_to_another_device(app, client, make_user,
                                                                login, db_snapshot):
    shopper = make_user()
    login(shopper)
    assert _switch(client, "en", "/wallet").status_code == 302
    assert _saved_locale(db_snapshot, shopper.id) == "en"

    # Another device: a browser asking for Korean, with a Korean cookie from an earlier visit.
    phone = app.test_client()
    phone.set_cookie("lang", "ko")
    assert _lang(phone.get("/coupons", headers=KO_HEADERS).get_data(as_text=True)) == "ko"
    response = post_form(phone, "/login", {"email": shopper.email, "password": PASSWORD},
                         headers=KO_HEADERS)
    assert response.status_code == 302

    page = phone.get("/wallet", headers=KO_HEADERS).get_data(as_text=True)
    assert _lang(page) == "en" and "My points" in page
    coupons = phone.get("/coupons", headers=KO_HEADERS).get_data(as_text=True)
    assert _lang(coupons) == "en" and "Claim while they last" in coupons

    # Logged out, the device's own cookie speaks again.
    post_form(phone, "/logout", {})
    assert _lang(phone.get("/coupons", headers=EN_HEADERS).get_data(as_text=True)) == "ko"


def test_a_shopper_who_never_chose_gets_the_devices_language(app, make_user, db_snapshot):
    shopper = make_user()
    device = app.test_client()
    device.set_cookie("lang", "en")
    post_form(device, "/login", {"email": shopper.email, "password": PASSWORD})
    assert _lang(device.get("/wallet", headers=KO_HEADERS).get_data(as_text=True)) == "en"
    assert _saved_locale(db_snapshot, shopper.id) is None


@pytest.mark.parametrize("locale", ["fr", "", "KO", "ko-KR", "en_US", "x" * 300])
def test_an_unknown_language_is_refused_and_changes_nothing(client, make_user, login,
                                                            db_snapshot, locale):
    shopper = make_user()
    login(shopper)
    before = db_snapshot()

    response = _switch(client, locale, "/wallet", headers=EN_HEADERS)

    assert response.status_code == 422
    assert "Choose one of the shop's languages." in html.unescape(response.get_data(as_text=True))
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert db_snapshot() == before
    assert _lang(client.get("/wallet", headers=EN_HEADERS).get_data(as_text=True)) == "en"


def test_the_refusal_speaks_the_current_language(client):
    response = client.post("/language", data={"locale": "fr", "next": "/"}, headers=KO_HEADERS)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _lang(page) == "ko" and "쇼핑몰에서 지원하는 언어 중 하나를 고르세요." in page


@pytest.mark.parametrize("offsite", [
    "https://evil.example/wallet", "//evil.example/wallet", "/\\evil.example", "\\\\evil.example",
    "/\tevil", "javascript:alert(1)", "http:/wallet",
])
def test_an_offsite_next_is_not_followed(client, offsite):
    response = client.post("/language", data={"locale": "en", "next": offsite})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "lang=en" in response.headers["Set-Cookie"]


def test_a_signed_in_switch_without_the_token_saves_nothing(client, make_user, login,
                                                            db_snapshot):
    login(make_user())
    before = db_snapshot()
    response = client.post("/language", data={"locale": "en", "next": "/wallet"})
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert db_snapshot() == before


def test_anonymous_pages_set_no_session_cookie(client):
    """The switcher is in every page's header; a CSRF token there would hand every visitor a
    session cookie (app/accounts/views.py, switch_language)."""
    for path in ("/", "/products", "/coupons", "/best-sellers"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, (path, response.headers["Set-Cookie"])


def test_a_visitors_switch_takes_no_token_and_sets_only_the_language(client, db_snapshot):
    before = db_snapshot()
    response = client.post("/language", data={"locale": "en", "next": "/products"})
    assert response.status_code == 302 and response.headers["Location"] == "/products"
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("lang=en;"), cookies
    assert db_snapshot() == before