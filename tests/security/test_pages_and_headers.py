"""Every page: security headers, a CSP the markup satisfies, and hostile text shown as text.

The pages are walked from ``app.url_map`` (every GET page route, as an admin who also
shops, so each template renders with data) and parsed: no ``style=`` or ``on…=``
attribute, no inline ``<script>``/``<style>`` without this response's nonce, no
``javascript:`` URL. The hostile product, coupon and user names from ``hostile_shop``
would break exactly these rules if any template rendered them unescaped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from app.security import content_security_policy
from tests.conftest import PASSWORD
from tests.fixtures.security import HOSTILE, limited_app_for
from tests.helpers import post_form

NON_HTML = {"static", "shop.healthz", "admin.export_products", "media.file"}
# A logged-in shopper is sent on from these; the anonymous walk covers them.
ANONYMOUS_ONLY = {"accounts.login", "accounts.signup"}


class _Markup(HTMLParser):
    """Collects every violation of the page CSP found in the markup."""

    def __init__(self, nonce: str):
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []
        self.in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction"} and value and \
                    value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in {"script", "style"} and "src" not in attrs and attrs.get("nonce") != self.nonce:
            self.problems.append(f"inline <{tag}> without this response's nonce")


def _check_page(response) -> str:
    assert response.status_code in {200, 404, 429}, response.status_code
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert csp == content_security_policy(nonce)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    html = response.get_data(as_text=True)
    parser = _Markup(nonce)
    parser.feed(html)
    assert parser.problems == []
    return html


def _page_urls(app, ids: dict) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint in NON_HTML | ANONYMOUS_ONLY or \
                "GET" not in rule.methods:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(ids[name]), path)
        urls.append(path)
    return sorted(urls)


@pytest.fixture
def shop_client(app, hostile_shop):
    client = app.test_client()
    post_form(client, "/login", {"email": hostile_shop["user"].email, "password": PASSWORD})
    return client


def test_the_policy_allows_only_our_origin_and_forbids_framing():
    csp = content_security_policy("abc")
    assert "script-src 'self' 'nonce-abc'" in csp
    assert "style-src 'self' 'nonce-abc'" in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp


def test_every_page_has_the_headers_and_markup_the_policy_allows(app, shop_client,
                                                                 hostile_shop, one_of_each):
    ids = {**one_of_each, **{k: v for k, v in hostile_shop.items() if k.endswith("_id")}}
    urls = _page_urls(app, ids)
    assert len(urls) >= 20
    extra = ["/products?q=Teapot", f"/checkout?coupon={hostile_shop['user_coupon_id']}",
             "/no-such-page", "/admin/orders?q=%3Cscript%3E"]
    nonces = set()
    for url in urls + extra:
        response = shop_client.get(url)
        _check_page(response)
        nonces.add(re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
                   .group(1))
    assert len(nonces) == len(urls) + len(extra)  # a fresh nonce for every response

    anonymous = app.test_client()
    for url in ("/", "/login", "/signup", "/products", "/coupons", "/best-sellers"):
        _check_page(anonymous.get(url))


def test_api_answers_and_downloads_carry_the_headers_too(shop_client, hostile_shop):
    for response in (shop_client.get("/api/v1/products"), shop_client.get("/admin/products.csv"),
                     shop_client.get("/static/css/shop.css"), shop_client.get("/healthz")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_429_page_satisfies_the_policy(app, make_user):
    user = make_user()
    with limited_app_for(app, RATELIMIT_LOGIN_ACCOUNT="1/minute") as limited:
        client = limited.test_client()
        post_form(client, "/login", {"email": user.email, "password": "wrong-password"})
        response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 429
        _check_page(response)


@pytest.mark.parametrize("url", [
    "/", "/products", "/products/{product_id}", "/cart", "/checkout", "/orders",
    "/orders/{order_id}", "/coupons", "/admin/products", "/admin/products/{product_id}",
    "/admin/orders/{order_id}", "/admin/coupons", "/admin",
])
def test_hostile_names_render_as_text(shop_client, hostile_shop, url):
    html = _check_page(shop_client.get(url.format(**hostile_shop)))
    escaped = {key: value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               for key, value in HOSTILE.items()}
    for key, raw in HOSTILE.items():
        assert raw not in html, key
    # Each page shows at least one of them, escaped (which one depends on the page).
    shown = [key for key, value in escaped.items()
             if value in html or value.replace('"', "&#34;").replace("'", "&#39;") in html]
    assert shown, url
