"""Input refused once, where the request enters, so that no field or view can forget it.

- JSON: a body nested deeper than the parser's stack is a parse failure like any other
  (``get_json()`` → 400 ``malformed_request``, ``get_json(silent=True)`` → None), never a
  ``RecursionError``. Numbers follow JSON Schema: ``42.0`` is the integer 42, ``42.5`` stays a
  float (and is refused wherever a whole number is required).
- Text: a NUL character or a lone UTF-16 surrogate (``"\\ud800"`` in JSON) cannot be stored
  (PostgreSQL refuses the first, UTF-8 cannot encode the second), so any query argument, form
  field or JSON string holding one, as a key or a value, is a 422 ``invalid_input`` naming
  the field before any view runs.
- Multipart: a part whose name cannot be read (a raw CR in it) names no field any form has;
  werkzeug would file it under the key ``None``, which Flask-WTF's CSRF check and the text
  check below cannot handle (500), so such parts are dropped as the body is parsed.
- Size: a body over ``MAX_CONTENT_LENGTH`` is refused (413) before it is read, except on the
  few views marked ``@takes_body_up_to(limit)`` (file uploads), whose own limit replaces it
  for their requests alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from flask import Flask, Request, current_app, request
from flask_babel import gettext
from flask.json.provider import DefaultJSONProvider
from werkzeug.formparser import FormDataParser

from app.errors import InvalidInput

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _json_number(literal: str) -> int | float:
    value = float(literal)
    return int(value) if value.is_integer() else value


class SafeJSONProvider(DefaultJSONProvider):
    """The app's JSON: request bodies go through ``loads`` (Flask sets it on each request)."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_float", _json_number)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # werkzeug turns a ValueError into its parse-failure path (400, or None when silent).
            raise ValueError("The JSON document is nested too deeply.") from None


class _NamedFieldsOnly(FormDataParser):
    def parse(self, *args, **kwargs):
        stream, form, files = super().parse(*args, **kwargs)
        return stream, self.cls(_named(form)), self.cls(_named(files))


def _named(fields) -> list[tuple]:
    return [(name, value) for name, value in fields.items(multi=True) if name is not None]


class ShopRequest(Request):
    """The app's request: its form parser drops parts without a readable name."""

    form_data_parser_class = _NamedFieldsOnly


def _shown(name: str) -> str:
    """A field name fit for a message: NUL and surrogates escaped, anything else as typed."""
    return repr(name)[1:-1] if _UNSTORABLE.search(name) else name


def _json_texts(body) -> Iterator[tuple[str, str]]:
    """Every ``(field path, text)`` in a JSON document, keys included; iterative, as a
    document just under the parser's depth limit would overflow a recursive walk."""
    pending = [("", body)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            yield path or "body", value
        elif isinstance(value, dict):
            for key, item in value.items():
                field = f"{path}.{_shown(key)}" if path else _shown(key)
                yield field, key
                pending.append((field, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))


def _field_texts(fields) -> Iterator[tuple[str, str]]:
    for key, values in fields.lists():
        yield _shown(key), key
        for value in values:
            yield _shown(key), value


def _request_texts() -> Iterator[tuple[str, str]]:
    yield from _field_texts(request.args)
    # Form fields and JSON both need a Content-Type; without one (every plain GET) there is
    # no body to read, and parsing nothing cost each request half of this check.
    if not request.want_form_data_parsed:
        return
    yield from _field_texts(request.form)
    if request.is_json:
        yield from _json_texts(request.get_json(silent=True))


def refuse_unstorable_text() -> None:
    for field, text in _request_texts():
        if _UNSTORABLE.search(text):
            if "\x00" in text:
                detail = gettext("'%(field)s' contains a NUL character, which text may not "
                                 "hold. Nothing was changed.", field=field)
            else:
                detail = gettext("'%(field)s' contains an unpaired UTF-16 surrogate, which text "
                                 "may not hold. Nothing was changed.", field=field)
            raise InvalidInput(detail, field=field)


def init_hostile_input(app: Flask) -> None:
    app.json = SafeJSONProvider(app)
    app.request_class = ShopRequest
    app.before_request(refuse_unstorable_text)


def takes_body_up_to(limit: int):
    """Mark a view that takes bodies up to ``limit`` bytes instead of ``MAX_CONTENT_LENGTH``."""

    def mark(view):
        view.max_body_bytes = limit
        return view

    return mark


def apply_view_body_limit() -> None:
    view = current_app.view_functions.get(request.endpoint)
    limit = getattr(view, "max_body_bytes", None)
    if limit is not None:
        request.max_content_length = limit


def init_body_limits(app: Flask) -> None:
    """Registered before CSRF and the text check, which read the body: the limit in force
    when a body is first read is the one that counts."""
    app.before_request(apply_view_body_limit)
