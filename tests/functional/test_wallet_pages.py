"""The wallet page: balance, top-up form, ledger history."""

import re

import pytest

from app.db import transaction
from app.wallet.services import change_balance
from tests.helpers import csrf_token, field_errors, post_form, wallet_of


def ledger_amounts(html: str) -> list[str]:
    """The Amount column of the history table, top to bottom."""
    table = html.split('data-testid="ledger"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="num text-nowrap text-(?:success|danger)">([^<]+)</td>', table)


def test_the_wallet_needs_a_login(client):
    response = client.get("/wallet")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fwallet"


def test_a_new_wallet_shows_zero_and_a_helpful_empty_history(client, make_user, login):
    login(make_user())
    html = client.get("/wallet").get_data(as_text=True)
    assert 'data-testid="balance">₩0<' in html
    assert 'data-testid="ledger-empty"' in html
    assert "No activity yet." in html
    assert 'data-testid="ledger"' not in html


def test_top_up_adds_points_and_shows_them_everywhere(client, make_user, login, db_snapshot):
    user = make_user()
    login(user)

    response = post_form(client, "/wallet", {"amount": "5000"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/wallet"
    assert wallet_of(db_snapshot(), user.id) == (5_000, [("charge", 5_000, 5_000)])
    html = client.get("/wallet").get_data(as_text=True)
    assert "Added ₩5,000. Your balance is now ₩5,000." in html
    assert 'data-testid="balance">₩5,000<' in html
    assert re.search(r'data-testid="nav-balance">.*?<strong>₩5,000</strong>', html)
    assert ledger_amounts(html) == ["+₩5,000"]
    assert "Top-up" in html


@pytest.mark.parametrize(("typed", "added"), [("5,000", 5_000), (" 7000 ", 7_000),
                                              ("1,000,000", 1_000_000), ("1", 1)])
def test_top_up_accepts_amounts_as_people_type_them(client, make_user, login, typed, added,
                                                    db_snapshot):
    user = make_user()
    login(user)
    assert post_form(client, "/wallet", {"amount": typed}).status_code == 302
    assert wallet_of(db_snapshot(), user.id) == (added, [("charge", added, added)])


def test_quick_top_up_buttons_post_their_amount(client, make_user, login, db_snapshot):
    user = make_user()
    login(user)
    html = client.get("/wallet").get_data(as_text=True)
    assert re.findall(r'name="amount" value="(\d+)"', html) == ["10000", "50000", "100000"]

    response = client.post("/wallet", data={"csrf_token": csrf_token(client, "/wallet"),
                                            "amount": "50000"})

    assert response.status_code == 302
    assert wallet_of(db_snapshot(), user.id) == (50_000, [("charge", 50_000, 50_000)])


def test_top_up_up_to_exactly_the_cap(client, make_user, login, db_snapshot):
    user = make_user(balance=99_000_000)
    login(user)
    assert post_form(client, "/wallet", {"amount": "1000000"}).status_code == 302
    assert wallet_of(db_snapshot(), user.id)[0] == 100_000_000


def test_a_refused_top_up_keeps_what_was_typed(client, make_user, login):
    login(make_user())
    response = post_form(client, "/wallet", {"amount": "-500"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="-500"' in html
    assert 'aria-invalid="true"' in html
    assert field_errors(html, "amount") == ["Enter a whole amount from ₩1 to ₩1,000,000."]


_KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]*)"'
                  r'|type="hidden" name="idempotency_key" value="([^"]*)"')


def page_keys(html: str) -> list[str]:
    """The idempotency key of every top-up form on the page, main form first."""
    return [a or b for a, b in _KEY.findall(html)]


def test_a_page_submitted_twice_tops_up_once(client, make_user, login, db_snapshot):
    user = make_user()
    login(user)
    html = client.get("/wallet").get_data(as_text=True)
    keys = page_keys(html)
    # One key per page, fresh each time, shared by the form and the quick buttons.
    assert len(keys) == 4 and len(set(keys)) == 1 and keys[0]
    assert page_keys(client.get("/wallet").get_data(as_text=True))[0] != keys[0]
    form = {"csrf_token": csrf_token(client, "/wallet"), "idempotency_key": keys[0],
            "amount": "5,000"}

    first = client.post("/wallet", data=form)
    again = client.post("/wallet", data=form)  # a double click, or Back and submit again

    assert first.status_code == again.status_code == 302
    assert wallet_of(db_snapshot(), user.id) == (5_000, [("charge", 5_000, 5_000)])
    html = client.get("/wallet").get_data(as_text=True)
    assert "was already added from this page; it was not added twice." in html
    assert ledger_amounts(html) == ["+₩5,000"]


def test_the_same_page_sending_another_amount_adds_nothing_and_offers_a_new_key(client, make_user,
                                                                                login,
                                                                                db_snapshot):
    user = make_user()
    login(user)
    key = page_keys(client.get("/wallet").get_data(as_text=True))[0]
    token = csrf_token(client, "/wallet")
    client.post("/wallet", data={"csrf_token": token, "idempotency_key": key,
                                 "amount": "10000"})

    # Back, then a quick button on the old page: the same key with another amount.
    response = client.post("/wallet", data={"csrf_token": token, "idempotency_key": key,
                                            "amount": "50000"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This page already added points" in html
    assert key not in page_keys(html)
    assert wallet_of(db_snapshot(), user.id) == (10_000, [("charge", 10_000, 10_000)])


def test_a_forged_page_key_is_refused_and_adds_nothing(client, make_user, login, db_snapshot):
    user = make_user()
    login(user)
    response = post_form(client, "/wallet", {"amount": "5000", "idempotency_key": "a b"})
    assert response.status_code == 422
    assert "An idempotency key is 1 to 100 printable characters" in response.get_data(
        as_text=True)
    assert wallet_of(db_snapshot(), user.id) == (0, [])


def test_history_is_newest_first_and_paginated(app, client, make_user, login):
    user = make_user()
    with app.app_context():
        for amount in range(1, 26):
            with transaction() as uow:
                change_balance(uow.session, user.id, amount, "charge")
        with transaction() as uow:
            change_balance(uow.session, user.id, -20, "payment")
    login(user)

    first = client.get("/wallet").get_data(as_text=True)
    second = client.get("/wallet?page=2").get_data(as_text=True)

    assert ledger_amounts(first) == ["−₩20"] + [f"+₩{n}" for n in range(25, 6, -1)]
    assert ledger_amounts(second) == [f"+₩{n}" for n in range(6, 0, -1)]
    assert 'href="/wallet?page=2"' in first
    assert "Payment" in first


@pytest.mark.parametrize("page", ["3", "0", "-4", "abc", "99999999999999999999", "1e9"])
def test_odd_page_numbers_never_fail(client, make_user, login, page):
    login(make_user(balance=1_000))
    response = client.get(f"/wallet?page={page}")
    assert response.status_code == 200
    assert 'data-testid="balance">₩1,000<' in response.get_data(as_text=True)


def test_a_page_past_the_end_links_back_to_the_latest(client, make_user, login):
    login(make_user(balance=1_000))
    html = client.get("/wallet?page=3").get_data(as_text=True)
    assert "There is nothing on this page." in html
    assert 'data-testid="ledger"' not in html


def test_unknown_pages_get_the_shops_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<title>Page not found · Storefront</title>" in html
    assert "We couldn’t find that page" in html
    assert "requested URL" not in html
    assert 'href="/products">Browse products</a>' in html


def test_the_top_up_limits_are_written_in_each_pages_language(client, make_user, login):
    """English first, then Korean, then English again from the same compiled template: each
    page writes the amounts its own way (a literal in the template would be formatted once,
    when Jinja compiles it, in the first page's language)."""
    login(make_user())

    def limits(language: str) -> str:
        html = client.get("/wallet", headers={"Accept-Language": language}).get_data(as_text=True)
        return html.split('id="amount-help">', 1)[1].split("</div>", 1)[0]

    english, korean, again = limits("en"), limits("ko"), limits("en")
    assert english.startswith("From ₩1 to ₩1,000,000 per top-up, up to a balance of ₩100,000,000")
    assert korean.startswith("한 번에 1원부터 1,000,000원까지, 잔액 100,000,000원까지 충전할 수 있어요")
    assert again == english
