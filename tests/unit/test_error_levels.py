"""Errors in two levels: app/errors.py declares each kind with its HTTP status once, every
capability error is one of those kinds, and every handler is registered by app/errors.py."""

import importlib
import pkgutil

from flask import Flask
from flask_limiter.errors import RateLimitExceeded

import app as app_package
from app.errors import (Conflict, ConflictRetryExhausted, DomainError, Forbidden,
                        InvalidInput, MalformedRequest, NotFound, PayloadTooLarge,
                        Unauthenticated, Unavailable, register_error_handlers)

KINDS = (MalformedRequest, Unauthenticated, Forbidden, NotFound, Conflict, PayloadTooLarge,
         InvalidInput, Unavailable)


def _every_domain_error() -> set[type[DomainError]]:
    for info in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(info.name)
    found, todo = set(), [DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found - set(KINDS)


def test_every_capability_error_is_one_kind_and_keeps_its_status():
    errors = _every_domain_error()
    assert len(errors) > 20  # the walk found the capabilities' errors
    restated = sorted(e.__qualname__ for e in errors if "status" in vars(e))
    kindless = sorted(e.__qualname__ for e in errors if not issubclass(e, KINDS))
    assert restated == [], "a capability error restates its kind's status"
    assert kindless == [], "a capability error is none of the kinds in app/errors.py"


def test_each_kind_states_its_status_once():
    assert [kind.status for kind in KINDS] == [400, 401, 403, 404, 409, 413, 422, 503]
    assert all("status" in vars(kind) for kind in KINDS)


def test_retry_exhausted_is_a_conflict():
    assert issubclass(ConflictRetryExhausted, Conflict)
    assert ConflictRetryExhausted.status == 409


def test_the_rate_limit_handler_is_registered_with_the_others():
    app = Flask(__name__)
    register_error_handlers(app)
    assert RateLimitExceeded in app.error_handler_spec[None][429]
