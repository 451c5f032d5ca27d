"""Response headers (CSP with a per-request nonce) and the rate limits on abusable forms.

Every page is served with a Content-Security-Policy that allows scripts and styles from our
own origin only, plus inline ``<script>``/``<style>`` that carry this request's nonce
(``{{ csp_nonce() }}`` in templates). Templates therefore use classes and static files, never
``style=`` or ``onclick=`` attributes.

Rate limits (Flask-Limiter) guard what a bot would hammer: logging in (page and API token
share one budget per account), signing up and topping up, each per account and per address.
Their 429 answer is app/errors.py's. ``caller_id`` (the bearer token's user, once per
request) lives here, below the API, because the top-up limit needs it as much as the API.
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from app.accounts.services import normalize_email, user_id_for_token
from app.errors import InvalidInput


def csp_nonce() -> str:
    """This request's nonce for an inline ``<script>`` or ``<style>`` that really must be one."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    # img-src data: is for Bootstrap's navbar and close-button icons (SVG data URIs in its CSS).
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def _set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Only where cookies are HTTPS-only anyway, so the embedded http:// default is unaffected.
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


# --- who is calling ------------------------------------------------------------------------


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def caller_id() -> int | None:
    """The user id of this request's bearer token (None without a live one), looked up
    once per request: the top-up rate limit asks for it before the API's
    ``token_required`` does."""
    if "api_user_id" not in g:
        token = bearer_token()
        g.api_user_id = user_id_for_token(token) if token else None
    return g.api_user_id


# --- rate limits ---------------------------------------------------------------------------


def _address() -> str:
    """The client address: the proxy's unless ``TRUSTED_PROXIES`` says how many to see past."""
    return request.remote_addr or "unknown"


def _submitted_email() -> str:
    """The account a login or sign-up attempt is for, as the form or JSON body names it."""
    if request.is_json:
        body = request.get_json(silent=True)
        raw = body.get("email") if isinstance(body, dict) else None
    else:
        raw = request.form.get("email")
    if not isinstance(raw, str):
        return ""
    try:
        return normalize_email(raw)
    except InvalidInput:
        # Still one bucket per typed value, so junk cannot dodge the limit by varying case.
        return raw.strip().lower()[:254]


def _acting_user_id() -> str:
    """The shopper topping up: the session's user on the page, the token's user on the API."""
    if request.blueprint == "api":
        user_id = caller_id()
        return str(user_id) if user_id else ""
    return str(current_user.id) if current_user.is_authenticated else ""


# Each limited endpoint → its kind; RATELIMIT_<KIND>_ACCOUNT and _ADDRESS hold the limits.
LIMITED_ENDPOINTS = {
    "accounts.login": "LOGIN",
    "api.create_token": "LOGIN",
    "accounts.signup": "SIGNUP",
    "api.create_user": "SIGNUP",
    "wallet.wallet": "TOPUP",
    "api.create_charge": "TOPUP",
}
_ACCOUNT_OF = {"LOGIN": _submitted_email, "SIGNUP": _submitted_email, "TOPUP": _acting_user_id}


def _init_limiter(app: Flask) -> None:
    # One Limiter per app (not a module-level singleton in extensions.py): Flask-Limiter keeps
    # ``enabled`` and its storage on the instance, so a second app (tests build one with
    # limits on) would otherwise switch them for the first.
    limiter = Limiter(
        key_func=_address,
        app=app,
        key_prefix="storefront-ratelimit",
        in_memory_fallback_enabled=True,  # Redis gone: per-process limits, never a 500
    )
    app.extensions["storefront_limiter"] = limiter
    for endpoint, kind in LIMITED_ENDPOINTS.items():
        who = _ACCOUNT_OF[kind]
        # Shared scopes: the login page and the token API draw on one budget, likewise the
        # two sign-up doors and the two top-up doors. A request naming no account (a blank
        # form, an anonymous top-up) is left to the address limit and the view's own refusal.
        per_account = limiter.shared_limit(
            app.config[f"RATELIMIT_{kind}_ACCOUNT"], scope=f"{kind.lower()}-account",
            key_func=lambda who=who: who(), exempt_when=lambda who=who: not who(),
            methods=["POST"],
        )
        per_address = limiter.shared_limit(
            app.config[f"RATELIMIT_{kind}_ADDRESS"], scope=f"{kind.lower()}-address",
            methods=["POST"],
        )
        # Flask-Limiter checks decorated limits when the wrapped view is called (after CSRF
        # and the other before-request checks), so the registered view is replaced.
        app.view_functions[endpoint] = per_account(per_address(app.view_functions[endpoint]))


def init_security(app: Flask) -> None:
    """Security headers on every response, the CSP nonce in templates, the rate limits."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        # Behind a load balancer every request comes from its address; without this one
        # shopper's failed logins would lock out everybody at the address limit.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.after_request(_set_security_headers)
    app.add_template_global(csp_nonce)
    _init_limiter(app)
