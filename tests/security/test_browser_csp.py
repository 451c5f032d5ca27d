"""In Chromium: every page kind loads with no CSP violation, and hostile names fire no script.

The browser itself enforces the policy here, so this catches what markup parsing cannot:
Bootstrap's script, its data: icons, anything a page loads at run time. Violations are
collected from the console and from ``securitypolicyviolation`` events (recorded by an
init script, which the page's CSP does not govern); a ``dialog`` would mean an ``alert``
from a hostile name ran.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""

ANONYMOUS_PAGES = ["/", "/products", "/login", "/signup", "/coupons", "/best-sellers"]
SHOPPER_PAGES = [
    "/", "/products", "/products?q=Teapot", "/products/{product_id}", "/wallet", "/coupons",
    "/cart", "/checkout", "/checkout?coupon={user_coupon_id}", "/orders",
    "/orders/{order_id}", "/best-sellers", "/no-such-page",
    "/admin", "/admin/products", "/admin/products/{product_id}",
    "/admin/products/{product_id}/edit", "/admin/products/new", "/admin/orders",
    "/admin/orders/{order_id}", "/admin/coupons", "/admin/exports", "/admin/stock-import",
]


@pytest.fixture
def watched(page):
    """The page, with CSP violations, console CSP errors and dialogs recorded."""
    seen = {"console": [], "dialogs": []}
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda message: seen["console"].append(message.text)
            if "Content Security Policy" in message.text else None)

    def dismiss(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)

    def problems() -> dict:
        found = {"events": page.evaluate("window.__cspViolations"), **seen}
        return {key: value for key, value in found.items() if value}

    page.problems = problems
    return page


def _visit_all(page, base_url, paths):
    for path in paths:
        page.goto(base_url + path)
        page.wait_for_load_state("load")
        assert page.problems() == {}, path


def test_anonymous_pages_load_with_no_csp_violation(watched, base_url, hostile_shop):
    _visit_all(watched, base_url, ANONYMOUS_PAGES)


@pytest.mark.slow
def test_every_shopper_and_admin_page_loads_with_no_csp_violation_and_no_script_runs(
        watched, base_url, hostile_shop):
    page = watched
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(hostile_shop["user"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("nav-balance")).to_be_visible()

    _visit_all(page, base_url, [path.format(**hostile_shop) for path in SHOPPER_PAGES])

    # The hostile name is on the product page as text, and Bootstrap's script still works.
    page.goto(f"{base_url}/products/{hostile_shop['product_id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text('<script>alert("product name")')
    page.set_viewport_size({"width": 375, "height": 800})
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Coupons")).to_be_visible()
    assert page.problems() == {}


def test_the_watch_does_see_a_violation(watched, base_url):
    """The control: markup the policy forbids is reported, so an empty report means clean."""
    watched.goto(f"{base_url}/products")
    watched.evaluate("""document.body.insertAdjacentHTML(
        "beforeend", '<img src="https://tracker.invalid/x.gif"><b onclick="1">x</b>')""")
    watched.wait_for_function("window.__cspViolations.length > 0")
    assert "img-src" in " ".join(watched.problems()["events"])
