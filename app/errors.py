"""The one error hierarchy, and the one place that turns errors into pages and problem+json.

Services raise ``DomainError`` subclasses, declared next to the code that raises them. Each
carries the API's snake_case ``code``, an HTTP ``status`` and a sentence for people. Pages
show the sentence (next to the form field named by ``field`` when there is one); the API
answers RFC 9457 ``application/problem+json``.
"""

from __future__ import annotations

from flask import Flask, current_app, flash, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


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


class InvalidInput(DomainError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    title = "Authentication required"


class ConflictRetryExhausted(DomainError):
    code = "conflict_retry_exhausted"
    status = 409
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


def register_error_handlers(app: Flask) -> None:
    from app.extensions import db  # here: app.extensions imports app.db, which imports us

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
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

    # Only reached outside TESTING/DEBUG, where Flask propagates the original exception.
    # The failure may be the database's: PostgreSQL refuses every statement after a failed
    # one in the same transaction, and the connection may be gone. So the session is
    # discarded and the page is rendered without a query; otherwise this handler would fail
    # too and the server would answer its bare error page, without our security headers.
    @app.errorhandler(InternalServerError)
    def handle_unexpected(error: InternalServerError):
        db.session.remove()
        if wants_problem_json():
            return problem(500, "internal_error", "Internal server error")
        return _render_without_database(
            "errors/500.html", title="Something went wrong",
            detail="We could not finish that. Nothing was charged."), 500
