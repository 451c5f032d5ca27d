"""Which language a response speaks, and text that exists in both of the shop's languages.

The shop speaks Korean (its default, ``SHOP_LOCALE``) and English; message catalogs live in
``app/translations`` (English is the source language, so only Korean has one). A page's
language is, in order: the signed-in shopper's saved choice, the ``lang`` cookie the
language switcher sets, the browser's ``Accept-Language``, the shop default. The API has no
cookies or page switcher: it follows ``Accept-Language`` alone.
"""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import current_user

LOCALES = ("ko", "en")
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}
LOCALE_COOKIE = "lang"

babel = Babel()


def _saved_choice() -> str | None:
    # Loading the shopper costs no extra query: every page's navigation loads them anyway.
    # The 500 page must not touch a database that may be what failed.
    if g.get("without_database"):
        return None
    if current_user.is_authenticated:
        return current_user.locale
    return None


def select_locale() -> str:
    default = current_app.config["SHOP_LOCALE"]
    if not has_request_context():
        return default
    if not request.path.startswith("/api/"):
        for choice in (_saved_choice(), request.cookies.get(LOCALE_COOKIE)):
            if choice in LOCALES:
                return choice
    return request.accept_languages.best_match(LOCALES) or default


def current_locale() -> str:
    """The response's language code, ``ko`` or ``en``."""
    locale = get_locale()  # a babel Locale, whose str() costs more than its language
    return locale.language if locale else current_app.config["SHOP_LOCALE"]


def in_locale(korean: str, english: str | None) -> str:
    """Text kept in both languages, as the current language reads it: Korean is always there,
    English only when someone wrote it, so English pages fall back to Korean."""
    if english and current_locale() == "en":
        return english
    return korean


def init_i18n(app: Flask) -> None:
    if app.config["SHOP_LOCALE"] not in LOCALES:
        raise ValueError(f"SHOP_LOCALE must be one of {', '.join(LOCALES)}")
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations",
                   default_timezone=app.config["SHOP_TIMEZONE"])

    # A refusal is often translated inside a unit of work whose flush just failed, where
    # reading the shopper's saved choice would query a session that must roll back first:
    # so the language of a request that may carry a signed-in shopper (a session or
    # remember-me cookie) is picked before the view runs. The rest (the API, which reads no
    # saved choice, health checks, static files) pick one only if they ever need it.
    login_cookies = (app.config["SESSION_COOKIE_NAME"],
                     app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))

    @app.before_request
    def pick_language_first():
        if request.path.startswith("/api/") or request.endpoint == "static":
            return
        if any(name in request.cookies for name in login_cookies):
            get_locale()

    @app.context_processor
    def language_context():
        return {"current_locale": current_locale(), "language_names": LANGUAGE_NAMES}
