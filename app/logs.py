"""Logs: JSON lines in production, Python's plain logging in the embedded mode.

``LOG_FORMAT=json`` (the default once ``DATABASE_URL`` or ``REDIS_URL`` is set) puts one
handler on the root logger that writes every record, the app's, the RQ worker's and the
relay's, as one JSON object per line on stderr (``JsonLineFormatter``):
``timestamp``, ``level``, ``logger``, ``message``, the record's ``extra`` fields, and inside
a request its ``request_id`` and, when the request has already loaded them, the ``user_id``
and the ``problem`` code it was refused with. Fields bound with ``structlog.contextvars``
are added too (the worker binds an export event's ``event_id``,
``order_id`` and the ``request_id`` of the checkout that wrote it). One line per request is
written by ``app.telemetry``. ``LOG_FORMAT=text`` (the embedded default) leaves logging as
Python and Flask set it up, human-readable and without the per-request line (the
development server prints its own).

Production defaults to JSON because its logs go to journald or a collector, where a request
is found by ``request_id`` and a shopper's refusals by ``user_id`` and ``problem``: fields,
not text to grep.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import g, has_request_context
from structlog.contextvars import get_contextvars


def note_problem(code: str) -> None:
    """Record the problem code this request is refused with, for its log line."""
    if has_request_context():
        g.problem_code = code


def current_request_id() -> str | None:
    """This request's id (``app.telemetry``), or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def request_user_id(context=None) -> int | None:
    """The user this request acts for, if something already loaded it: never a query.
    ``context``: the request's ``g`` (resolved once by a caller that reads more of it)."""
    context = context or g._get_current_object()
    user_id = getattr(context, "api_user_id", None)
    if user_id is None:
        user = getattr(context, "_login_user", None)  # Flask-Login's, once current_user was read
        user_id = getattr(user, "id", None)
    return user_id


def _request_fields(line: dict) -> None:
    if has_request_context():
        context = g._get_current_object()
        line.setdefault("request_id", getattr(context, "request_id", None))
        user_id = request_user_id(context)
        if user_id is not None:
            line.setdefault("user_id", user_id)
        problem = getattr(context, "problem_code", None)
        if problem is not None:
            line.setdefault("problem", problem)


# One encoder for every line: json.dumps(default=…) would build a new one each time.
_encode = json.JSONEncoder(default=str).encode


# What every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLineFormatter(logging.Formatter):
    """A record as one JSON object: the record's ``extra`` fields, then the fields bound with
    ``structlog.contextvars``, then the request's, then ``level``, ``logger``, ``message``,
    ``timestamp`` (UTC) and ``exception``. Written for the request line every response
    costs: it takes half the time of structlog's ``ProcessorFormatter``, which copies each
    record before rendering it (docs/BENCHMARKS.md)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {name: value for name, value in vars(record).items()
                if name not in _RECORD_ATTRIBUTES}
        for name, value in get_contextvars().items():
            line.setdefault(name, value)
        _request_fields(line)
        line["level"] = record.levelname.lower()
        line["logger"] = record.name
        line["message"] = record.getMessage()
        line["timestamp"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds")
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _encode(line)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (as ``logging.lastResort`` does), so
    that a test capturing stderr sees the lines."""

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


def configure_logging(log_format: str, level: str) -> None:
    """Install the JSON handler on the root logger (once per process; ``text`` installs
    nothing). Idempotent: every app a process builds shares it."""
    if log_format != "json":
        return
    root = logging.getLogger()
    if not any(isinstance(handler, _StderrHandler) for handler in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonLineFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    # Seven lines at every `flask` command, about alembic's own plugins loading.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
