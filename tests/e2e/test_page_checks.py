"""tests/e2e/checks.py catches what it promises to, on a phone (where Chromium could shrink an
overflowing page to fit) and on a desktop, under the shop's own Content-Security-Policy."""

from __future__ import annotations

import pytest

from app.security import content_security_policy
from tests.e2e.checks import assert_page_ok, assert_pages_ok

pytestmark = pytest.mark.e2e

NONCE = "selftest"
GOOD = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Fine</title></head>
<body><main><h1>Fine</h1><label for="q">Search</label> <input id="q"></main></body></html>"""
BAD = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Broken</title>
<style nonce="{NONCE}">.wide {{ width: 2000px; }}</style></head>
<body><main><h1>Broken</h1><div class="wide" data-testid="too-wide">wide</div>
<input type="text">
<script>console.log("inline without a nonce");</script>
<script nonce="{NONCE}">console.error("boom"); null.crash;</script></main></body></html>"""


def _serve(page, base_url: str, path: str, html: str, status: int = 200) -> str:
    url = f"{base_url}{path}"
    page.route(url, lambda route: route.fulfill(
        status=status, body=html, content_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": content_security_policy(NONCE)}))
    return url


def test_a_good_page_passes(shop_page, base_url):
    shop_page.goto(_serve(shop_page, base_url, "/selftest-good", GOOD))
    assert_page_ok(shop_page, "selftest-good")
    assert_pages_ok(shop_page)


def test_every_kind_of_problem_is_reported(shop_page, base_url):
    shop_page.goto(_serve(shop_page, base_url, "/selftest-bad", BAD))
    assert_page_ok(shop_page, "selftest-bad")

    with pytest.raises(AssertionError) as failure:
        assert_pages_ok(shop_page)

    report = str(failure.value)
    assert "scrolls sideways: scrollWidth 20" in report
    assert "div[data-testid=too-wide].wide" in report
    assert "console error: boom" in report
    assert "page error: " in report and "null" in report
    assert "CSP violation: script-src-elem blocked 'inline'" in report
    assert "axe label (critical)" in report and "input" in report


def test_the_status_is_checked_and_an_expected_error_status_is_no_console_error(shop_page,
                                                                               base_url):
    url = _serve(shop_page, base_url, "/selftest-missing", GOOD, status=404)
    shop_page.goto(url)
    assert_page_ok(shop_page, "selftest-missing", status=404)
    assert_pages_ok(shop_page)

    shop_page.goto(url)
    assert_page_ok(shop_page, "selftest-missing-again")
    with pytest.raises(AssertionError, match="status 404, expected 200"):
        assert_pages_ok(shop_page)


def test_a_phone_that_zooms_out_to_fit_a_wide_page_still_fails_it(phone_ko, base_url):
    # The cart: a 552 px table on a 390 px phone. Chromium's mobile viewport zooms out
    # until it fits, so innerWidth alone grows with the page; the viewport's width does not.
    html = GOOD.replace("<main>", f'<style nonce="{NONCE}">table {{ width: 552px; }}</style>'
                                  "<main><table><tr><td>cart</td></tr></table>")
    phone_ko.goto(_serve(phone_ko, base_url, "/selftest-cart", html))
    assert_page_ok(phone_ko, "selftest-cart")

    wide = r"scrollWidth 5\d\d > innerWidth 5\d\d \(viewport 390\)"
    with pytest.raises(AssertionError, match=wide):
        assert_pages_ok(phone_ko)
