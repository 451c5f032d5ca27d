"""Shared API plumbing: the blueprint, bearer-token auth, JSON body parsing."""

from __future__ import annotations

import functools

from flask import Blueprint, g, request
from flask_babel import gettext

from app.accounts.services import is_admin
from app.db import iso  # noqa: F401 - the API modules import it from here with the rest
from app.errors import Forbidden, InvalidInput, MalformedRequest, Unauthenticated
from app.extensions import csrf
from app.security import caller_id

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token-authenticated: no cookies are read, so there is nothing for CSRF to forge.
csrf.exempt(bp)


def token_required(view):
    """The caller must send a valid ``Authorization: Bearer`` token; sets ``g.api_user_id``."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if caller_id() is None:
            raise Unauthenticated(gettext("Send a valid token: Authorization: Bearer <token>."))
        return view(*args, **kwargs)

    wrapper.api_auth = "token"
    return wrapper


def admin_required(view):
    """Like ``token_required``, and the token's user must be an admin."""

    @functools.wraps(view)
    def check_admin(*args, **kwargs):
        if not is_admin(g.api_user_id):
            raise Forbidden(gettext("This call is for shop admins."))
        return view(*args, **kwargs)

    wrapper = token_required(check_admin)
    wrapper.api_auth = "admin"
    return wrapper


def json_body() -> dict:
    """The request's JSON object, or 400 ``malformed_request``."""
    data = request.get_json(silent=True)
    if data is None:
        raise MalformedRequest(gettext("The body must be valid JSON, nested no deeper than a few "
                                       "hundred levels, with Content-Type: application/json."))
    if not isinstance(data, dict):
        raise MalformedRequest(gettext("The body must be a JSON object."))
    return data


def only_fields(body: dict, allowed: set[str]) -> None:
    """Unknown keys are refused: a typo such as ``"stock"`` in a PATCH must not pass silently."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(gettext("Unknown fields: %(unknown)s. Allowed: %(allowed)s.",
                                   unknown=", ".join(unknown), allowed=", ".join(sorted(allowed))))


def int_arg(name: str, default: int | None, *, minimum: int = 1,
            maximum: int = 1_000_000) -> int | None:
    """A whole-number query parameter within bounds, or 422 ``invalid_input``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(gettext("'%(name)s' must be a whole number.", name=name)) from None
    if not minimum <= value <= maximum:
        raise InvalidInput(gettext("'%(name)s' must be between %(minimum)s and %(maximum)s.",
                                   name=name, minimum=minimum, maximum=maximum))
    return value
