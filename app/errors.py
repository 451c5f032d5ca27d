"""The one error hierarchy, and the one place that turns errors into pages and problem+json.

Errors come in two levels. This module declares the kinds, each with its HTTP ``status``
once: ``MalformedRequest`` 400, ``Unauthenticated`` 401, ``Forbidden`` 403, ``NotFound`` 404,
``Conflict`` 409, ``PayloadTooLarge`` 413, ``InvalidInput`` 422, ``Unavailable`` 503.
Services raise subclasses of those, declared next to the code that raises them, which add
only the API's snake_case ``code``, a ``title`` and maybe the form ``field``. Pages show the
sentence (next to the form field named by ``field`` when there is one); the API answers RFC 9457
``application/problem+json``. Every handler, the 429 of the rate limits included, is here.

The words are the response's language (app/i18n.py): a ``title`` is a lazy string, declared at
import time and read in the request's language; a ``detail`` is translated where the error is
raised. The ``code`` never changes with the language: clients branch on it.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, flash, g, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext, ngettext
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.i18n import LANGUAGE_NAMES, current_locale
from app.logs import note_problem


class DomainError(Exception):
    code = "domain_error"
    status = 400
    title = lazy_gettext("Request refused")
    field: str | None = None

    def __init__(self, detail: str | None = None, *, field: str | None = None):
        # Read now, in the language of the request that raised it.
        self.detail = str(detail or self.title)
        super().__init__(self.detail)
        if field is not None:
            self.field = field


class MalformedRequest(DomainError):
    code = "malformed_request"
    status = 400
    title = lazy_gettext("Malformed request")


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    title = lazy_gettext("Authentication required")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = lazy_gettext("Forbidden")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = lazy_gettext("Not found")


class Conflict(DomainError):
    """The request was fine but the shop's state refuses it now (sold out, not enough points,
    already done); the same request may succeed later."""

    code = "conflict"
    status = 409
    title = lazy_gettext("Conflict")


class PayloadTooLarge(DomainError):
    """Too large to take, found after the body was read (a file's own limit, below the
    request's); a body over the request's limit is werkzeug's 413, with the same code."""

    code = "payload_too_large"
    status = 413
    title = lazy_gettext("Too large")


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    title = lazy_gettext("Invalid input")


class Unavailable(DomainError):
    code = "unavailable"
    status = 503
    title = lazy_gettext("Temporarily unavailable")


class ConflictRetryExhausted(Conflict):
    code = "conflict_retry_exhausted"
    title = lazy_gettext("Too many concurrent changes, please try again")


_HTTP_CODES = {
    400: "malformed_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


# werkzeug's names and descriptions are English and speak to developers: each status the shop
# answers has its own words. Lazy: read in each response's language.
_HTTP_WORDS = {
    400: (lazy_gettext("Bad request"),
          lazy_gettext("The shop could not read that request. Nothing was changed.")),
    401: (lazy_gettext("Authentication required"), lazy_gettext("Log in and try again.")),
    403: (lazy_gettext("Not allowed"),
          lazy_gettext("This is not open to your account. Nothing was changed.")),
    404: (lazy_gettext("Not found"), lazy_gettext("There is nothing at this address.")),
    405: (lazy_gettext("Method not allowed"),
          lazy_gettext("This address does not take that kind of request. Nothing was changed.")),
    415: (lazy_gettext("Unsupported media type"),
          lazy_gettext("The shop cannot read a body of this type: send JSON with "
                       "Content-Type: application/json. Nothing was changed.")),
}
# A status the shop never answers on purpose still gets words in the shopper's language.
_OTHER_WORDS = (lazy_gettext("Request refused"),
                lazy_gettext("The shop could not answer that request. Nothing was changed."))


def problem(status: int, code: str, title, detail=None, **extra):
    """An ``application/problem+json`` response; ``title`` and ``detail`` may be lazy strings,
    read here in the response's language."""
    body = {
        "type": f"https://storefront.example/problems/{code.replace('_', '-')}",
        "title": str(title),
        "status": status,
        "detail": str(detail or title),
        "code": code,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def show_on_form(form, error: DomainError) -> None:
    """Put a domain error next to its form field, or flash it when it belongs to no field."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.detail]
    else:
        flash(error.detail, "danger")


def _words(error: HTTPException) -> tuple[str, str]:
    """Title and sentence for an HTTP error, in the response's language."""
    if error.code == 413:
        # This request's limit: an upload route takes more than the app's MAX_CONTENT_LENGTH.
        limit = request.max_content_length // (1024 * 1024)
        return gettext("Too large"), gettext(
            "The request is larger than the shop accepts (at most %(limit)s MB). Nothing was "
            "changed.", limit=limit)
    title, detail = _HTTP_WORDS.get(error.code, _OTHER_WORDS)
    # ``abort(403, gettext("…"))``: the shop's own sentence, already in the request's language.
    if error.description != type(error).description:
        detail = error.description
    return str(title), str(detail)


def _render_without_database(template: str, **context) -> str:
    """``template`` rendered without the context processors, which would load the current user
    and the navigation's balance from the database. The template must not use them. Its
    ``_()`` still speaks the visitor's language: app/i18n.py picks it without the database
    (from the cookie or Accept-Language) once ``g.without_database`` is set."""
    g.without_database = True
    return current_app.jinja_env.get_template(template).render(
        current_locale=current_locale(), language_names=LANGUAGE_NAMES, **context)


def _retry_after(error: RateLimitExceeded) -> int:
    """Seconds until every breached window has room again."""
    limiter: Limiter = current_app.extensions["storefront_limiter"]
    now = time.time()
    waits = [min(limit.limit.get_expiry(), math.ceil(limit.reset_at - now))
             for limit in limiter.current_limits if limit.breached]
    return max(1, *waits) if waits else error.limit.limit.get_expiry()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        note_problem(error.code)
        if wants_problem_json():
            return problem(error.status, error.code, error.title, error.detail)
        return render_template("errors/error.html", status=error.status,
                               title=str(error.title), detail=error.detail), error.status

    # Only pages check CSRF (the API is exempt). A shopper who meets this has usually kept a
    # form open across a restart or in another tab; "The CSRF token is missing." tells them
    # nothing.
    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        return render_template(
            "errors/error.html", status=400, title=gettext("This form has expired"),
            detail=gettext("Nothing was changed. Go back, reload the page and try again.")), 400

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        title, detail = _words(error)
        if wants_problem_json():
            response = problem(status, _HTTP_CODES.get(status, "http_error"), title, detail)
        else:
            # A page that is not there gets the shop's own "couldn't find" page, not a title.
            response = app.make_response(
                (render_template("errors/error.html", status=status, title=title,
                                 detail=detail, missing_page=status == 404), status))
        # The exception's own headers (405's Allow above all) outlive the body we swap in.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers.add(name, value)
        return response

    # The rate limits of app/security.py.
    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded):
        retry_after = _retry_after(error)
        note_problem("rate_limited")
        if wants_problem_json():
            response = problem(429, "rate_limited", gettext("Too many requests"), ngettext(
                "Too many attempts. Try again in %(num)d second.",
                "Too many attempts. Try again in %(num)d seconds.", retry_after))
        else:
            response = app.make_response(
                (render_template("errors/429.html", retry_after=retry_after), 429))
        response.headers["Retry-After"] = str(retry_after)
        return response

    # Only reached outside TESTING/DEBUG, where Flask propagates the original exception.
    # The failure may be the database's: PostgreSQL refuses every statement after a failed
    # one in the same transaction, and the connection may be gone. So the session is
    # discarded and the page is rendered without a query; otherwise this handler would fail
    # too and the server would answer its bare error page, without our security headers.
    @app.errorhandler(InternalServerError)
    def handle_unexpected(error: InternalServerError):
        # Flask-SQLAlchemy's own registration, so that this module need not import the
        # extensions (they import app.db, which imports this module).
        current_app.extensions["sqlalchemy"].session.remove()
        if wants_problem_json():
            return problem(500, "internal_error", gettext("Internal server error"),
                           gettext("Something went wrong on our side; nothing was charged. "
                                   "Try again in a moment."))
        # Lazy: read while rendering, once the language is picked without the database.
        return _render_without_database(
            "errors/500.html", title=lazy_gettext("Something went wrong"),
            detail=lazy_gettext("We could not finish that. Nothing was charged.")), 500
