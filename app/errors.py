"""The one error hierarchy, and the one place that turns errors into pages and problem+json.

Errors come in two levels. This module declares the kinds, each with its HTTP ``status``
once: ``MalformedRequest`` 400, ``Unauthenticated`` 401, ``Forbidden`` 403, ``NotFound`` 404,
``Conflict`` 409, ``InvalidInput`` 422, ``Unavailable`` 503. Services raise subclasses of
those, declared next to the code that raises them, which add only the API's snake_case
``code``, a ``title`` and maybe the form ``field``. Pages show the sentence (next to the form
field named by ``field`` when there is one); the API answers RFC 9457
``application/problem+json``. Every handler, the 429 of the rate limits included, is here.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, flash, jsonify, render_template, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.logs import note_problem


class DomainError(Exception):
    code = "domain_error"
    status = 400
    title = "Request refused"
    field: str | None = None

    def __init__(self, detail: str | None = None, *, field: str | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if field is not None:
            self.field = field


class MalformedRequest(DomainError):
    code = "malformed_request"
    status = 400
    title = "Malformed request"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request was fine but the shop's state refuses it now (sold out, not enough points,
    already done); the same request may succeed later."""

    code = "conflict"
    status = 409
    title = "Conflict"


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"


class Unavailable(DomainError):
    code = "unavailable"
    status = 503
    title = "Temporarily unavailable"


class ConflictRetryExhausted(Conflict):
    code = "conflict_retry_exhausted"
    title = "Too many concurrent changes, please try again"


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


def problem(status: int, code: str, title: str, detail: str | None = None, **extra):
    """An ``application/problem+json`` response."""
    body = {
        "type": f"https://storefront.example/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail or title,
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
    """Title and sentence for an HTTP error; werkzeug's 413 text speaks to developers."""
    if error.code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return "Too large", (f"The request is larger than the shop accepts (at most {limit} "
                             "MB). Nothing was changed.")
    return error.name, error.description


def _render_without_database(template: str, **context) -> str:
    """``template`` rendered without the context processors, which would load the current user
    and the navigation's balance from the database. The template must not use them."""
    return current_app.jinja_env.get_template(template).render(**context)


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
                               title=error.title, detail=error.detail), error.status

    # Only pages check CSRF (the API is exempt). A shopper who meets this has usually kept a
    # form open across a restart or in another tab; "The CSRF token is missing." tells them
    # nothing.
    @app.errorhandler(CSRFError)
    def handle_csrf_error(error: CSRFError):
        return render_template("errors/error.html", status=400, title="This form has expired",
                               detail="Nothing was changed. Go back, reload the page and try "
                                      "again."), 400

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        title, detail = _words(error)
        if wants_problem_json():
            response = problem(status, _HTTP_CODES.get(status, "http_error"), title, detail)
        else:
            response = app.make_response(
                (render_template("errors/error.html", status=status, title=title,
                                 detail=detail), status))
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
        detail = f"Too many attempts. Try again in {retry_after} seconds."
        if wants_problem_json():
            response = problem(429, "rate_limited", "Too many requests", detail)
        else:
            response = app.make_response(
                (render_template("errors/429.html", detail=detail), 429))
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
            return problem(500, "internal_error", "Internal server error")
        return _render_without_database(
            "errors/500.html", title="Something went wrong",
            detail="We could not finish that. Nothing was charged."), 500
