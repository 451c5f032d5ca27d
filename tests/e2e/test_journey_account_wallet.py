"""A shopper's first minutes, in Chromium: sign up, top up, see the points; a refused top-up."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.orders.cancel import cancel_order
from app.orders.checkout import place_order
from app.wallet.models import LedgerEntry, Wallet
from tests.conftest import PASSWORD, SHOP_LOOKS
from tests.e2e.checks import assert_page_ok, assert_pages_ok
from tests.fixtures.security import limited_app_for
from tests.helpers import post_form

pytestmark = pytest.mark.e2e
# A moment as English pages write it in the shop's time zone: "Wed, Dec 2, 2026, 14:05".
WHEN = r"[A-Z][a-z]{2}, [A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d"


def wallet_rows(app, email: str):
    """(balance, [(kind, amount, balance_after)]) straight from the database."""
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        balance = db.session.scalar(select(Wallet.balance).where(Wallet.user_id == user_id))
        ledger = db.session.execute(
            select(LedgerEntry.kind, LedgerEntry.amount, LedgerEntry.balance_after)
            .where(LedgerEntry.user_id == user_id).order_by(LedgerEntry.id)).all()
        db.session.remove()
        return balance, [tuple(row) for row in ledger]


def log_in(page: Page, base_url: str, email: str, password: str = PASSWORD):
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Welcome back")


def test_sign_up_then_top_up_and_see_the_new_balance(page: Page, base_url, app):
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()

    page.get_by_label("Name").fill("Kim Minji")
    page.get_by_label("Email").fill("minji@example.com")
    page.get_by_label("Password", exact=True).fill("long-enough-pw")
    page.get_by_label("Repeat password").fill("long-enough-pw")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{base_url}/wallet")
    expect(page.get_by_role("alert")).to_contain_text("Welcome, Kim Minji!")
    expect(page.get_by_test_id("balance")).to_have_text("₩0")
    expect(page.get_by_test_id("ledger-empty")).to_contain_text("No activity yet.")

    page.get_by_label("Amount (won)").fill("5000")
    page.get_by_role("button", name="Top up", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Added ₩5,000. Your balance is now ₩5,000.")
    expect(page.get_by_test_id("balance")).to_have_text("₩5,000")
    expect(page.get_by_test_id("nav-balance")).to_have_text("Points: ₩5,000")
    rows = page.get_by_test_id("ledger").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td")).to_have_text(
        [re.compile(WHEN), "Top-up", "+₩5,000", "₩5,000"],
        use_inner_text=True)
    assert wallet_rows(app, "minji@example.com") == (5_000, [("charge", 5_000, 5_000)])


def test_a_negative_top_up_is_refused_next_to_the_field(page: Page, base_url, app, make_user):
    user = make_user(balance=10_000)
    log_in(page, base_url, user.email)
    page.goto(f"{base_url}/wallet")

    amount = page.get_by_label("Amount (won)")
    amount.fill("-5000")
    page.get_by_role("button", name="Top up", exact=True).click()

    expect(page.get_by_test_id("amount-error")).to_have_text(
        "Enter a whole amount from ₩1 to ₩1,000,000.")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_value("-5000")
    expect(page.get_by_test_id("balance")).to_have_text("₩10,000")
    expect(page.get_by_test_id("nav-balance")).to_have_text("Points: ₩10,000")
    expect(page.get_by_test_id("ledger").locator("tbody tr")).to_have_count(1)
    assert wallet_rows(app, user.email) == (10_000, [("charge", 10_000, 10_000)])

    # Fixing the amount in place works on the same page.
    amount.fill("2,500")
    page.get_by_role("button", name="Top up", exact=True).click()
    expect(page.get_by_test_id("balance")).to_have_text("₩12,500")
    expect(page.get_by_test_id("amount-error")).to_have_count(0)
    assert wallet_rows(app, user.email)[0] == 12_500


def test_a_wrong_password_is_shown_and_the_shopper_stays_out(page: Page, base_url, make_user):
    user = make_user()
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".invalid-feedback")).to_have_text("Wrong email or password")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("nav-balance")).to_have_count(0)


def test_log_out_from_the_navigation(page: Page, base_url, make_user):
    user = make_user(name="Kim Minji")
    log_in(page, base_url, user.email)
    page.get_by_role("button", name="Log out (Kim Minji)").click()
    expect(page.get_by_role("alert")).to_contain_text("You are logged out.")
    page.goto(f"{base_url}/wallet")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_on_a_phone_the_nav_collapses_and_the_wallet_form_works(page: Page, base_url, app,
                                                               make_user):
    page.set_viewport_size({"width": 375, "height": 740})
    user = make_user(balance=1_000)
    log_in(page, base_url, user.email)
    page.goto(f"{base_url}/wallet")

    toggler = page.get_by_role("button", name="Menu")
    expect(toggler).to_be_visible()
    # The balance stays in the header beside the menu button; the rest waits behind it.
    expect(page.get_by_test_id("nav-balance")).to_be_visible()
    expect(page.get_by_test_id("nav-balance")).to_have_text("Points: ₩1,000")
    log_out = page.get_by_role("button", name=re.compile(r"^Log out"))
    expect(log_out).to_be_hidden()
    toggler.click()
    expect(log_out).to_be_visible()

    # Nothing is wider than the screen, and the form fits on it.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    amount = page.get_by_label("Amount (won)")
    box = amount.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375

    amount.fill("3000")
    page.get_by_role("button", name="Top up", exact=True).click()
    expect(page.get_by_test_id("balance")).to_have_text("₩4,000")
    # The history fits too: the time moves under the kind instead of needing its own column.
    newest = page.get_by_test_id("ledger").locator("tbody tr").first
    expect(newest.locator("td:visible")).to_have_text(
        [re.compile(rf"^Top-up\s+{WHEN}$"), "+₩3,000", "₩4,000"],
        use_inner_text=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    table = page.get_by_test_id("ledger").bounding_box()
    assert table is not None and table["x"] + table["width"] <= 375
    assert wallet_rows(app, user.email)[0] == 4_000


def test_without_javascript_a_phone_still_reaches_the_menu_and_tops_up(browser, base_url, app,
                                                                      make_user):
    user = make_user(balance=1_000)
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        log_in(page, base_url, user.email)

        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        page.get_by_test_id("nav-balance").click()
        expect(page).to_have_url(f"{base_url}/wallet")

        page.get_by_label("Amount (won)").fill("2000")
        page.get_by_role("button", name="Top up", exact=True).click()
        expect(page.get_by_test_id("balance")).to_have_text("₩3,000")
        page.get_by_role("button", name="+₩10,000").click()
        expect(page.get_by_test_id("balance")).to_have_text("₩13,000")
        assert wallet_rows(app, user.email)[0] == 13_000

        page.get_by_role("button", name=re.compile(r"^Log out")).click()
        expect(page.get_by_role("alert")).to_contain_text("You are logged out.")
    finally:
        context.close()


def _show(page: Page, url: str, response) -> None:
    """Serve a response the app drew (through Flask's test client) at ``url`` in the browser,
    its headers (the CSP above all) included: for pages a live test server cannot produce."""
    page.route(url, lambda route: route.fulfill(
        status=response.status_code, body=response.get_data(),
        headers={name: value for name, value in response.headers.items()
                 if name.lower() != "content-length"}))


def _tap_targets_too_small(page: Page) -> list[str]:
    """Visible buttons, button-like links and inputs in the page's content under 44 px tall."""
    return page.evaluate("""() => [...document.querySelectorAll(
        'main button, main a.btn, main input:not([type=hidden]), main select')]
      .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
      .map((el) => `${el.outerHTML.slice(0, 80)} (${Math.round(el.getBoundingClientRect().height)} px)`)""")


def test_account_wallet_and_error_pages_pass_the_page_checks(shop_page, shop_look, words,
                                                            base_url, app, make_user,
                                                            make_product):
    """Sign-up, login, the wallet with every kind of ledger row, and the error pages, in
    Korean on a phone and in English on a desktop: no sideways scroll, no console error or
    CSP violation, no serious axe finding, tap targets of 44 px, the page's language."""
    page, w, language = shop_page, words, words.locale
    shopper = make_user(balance=250_000, name="김민지")
    tea = make_product(price=12_900, name="제주 녹차")
    with app.app_context():
        first, _ = place_order(shopper.id, [(tea.id, 1)])
        cancel_order(shopper.id, first.id)
        place_order(shopper.id, [(tea.id, 2)])
        db.session.remove()

    page.goto(f"{base_url}/signup")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=w("Create your account"))).to_be_visible()
    # The header's switcher is the one place to pick a language.
    expect(page.get_by_test_id("signup-form").locator("[name=locale]")).to_have_count(0)
    assert _tap_targets_too_small(page) == []
    assert_page_ok(page, "signup")
    page.get_by_role("button", name=w("Create account")).click()
    expect(page.get_by_text(w("Enter your name."))).to_be_visible()
    assert_page_ok(page, "signup-refused", status=422)

    page.goto(f"{base_url}/login")
    assert _tap_targets_too_small(page) == []
    assert_page_ok(page, "login")
    page.get_by_label(w("Email")).fill(shopper.email)
    page.get_by_label(w("Password")).fill(PASSWORD)
    page.get_by_test_id("login-form").get_by_role("button", name=w("Log in")).click()
    expect(page.get_by_role("alert")).to_contain_text(w("Welcome back, %(name)s.", name="김민지"))

    page.goto(f"{base_url}/wallet")
    expect(page.get_by_role("heading", name=w("My points"))).to_be_visible()
    expect(page.get_by_test_id("balance")).to_have_text("₩224,200")
    rows = page.get_by_test_id("ledger").locator("tbody tr")
    expect(rows.locator("td.num:not(:last-child)")).to_have_text(
        ["−₩25,800", "+₩12,900", "−₩12,900", "+₩250,000"])
    expect(rows.first).to_contain_text(w("Payment"))
    expect(rows.nth(1)).to_contain_text(w("Refund"))
    assert _tap_targets_too_small(page) == []
    assert_page_ok(page, "wallet")
    page.get_by_label(w("Amount (won)")).fill("0")
    page.get_by_role("button", name=w("Top up"), exact=True).click()
    expect(page.get_by_test_id("amount-error")).to_be_visible()
    assert_page_ok(page, "wallet-refused", status=422)

    page.goto(f"{base_url}/no-such-page")
    expect(page.get_by_role("heading", name=w("We couldn’t find that page"))).to_be_visible()
    assert_page_ok(page, "not-found", status=404)

    headers = {"Accept-Language": SHOP_LOOKS[shop_look]["locale"]}
    with limited_app_for(app, PROPAGATE_EXCEPTIONS=False, RATELIMIT_LOGIN_ACCOUNT="1/minute",
                         RATELIMIT_ENABLED=True) as other:
        other.add_url_rule("/broken", "broken", lambda: 1 / 0)
        client = other.test_client()
        _show(page, f"{base_url}/broken", client.get("/broken", headers=headers))
        for _attempt in range(2):
            limited = post_form(client, "/login", {"email": shopper.email, "password": "x"},
                                headers=headers)
        _show(page, f"{base_url}/too-many", limited)

    page.goto(f"{base_url}/broken")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=w("Something went wrong"))).to_be_visible()
    assert_page_ok(page, "server-error", status=500)
    page.goto(f"{base_url}/too-many")
    expect(page.get_by_role("heading", name=w("Too many attempts"))).to_be_visible()
    assert_page_ok(page, "rate-limited", status=429)
    assert_pages_ok(page)
