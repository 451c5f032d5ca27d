"""Small helpers the tests share: CSRF-aware form posts, a real-thread race runner, and a
statement counter."""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from html.parser import HTMLParser

from sqlalchemy import event

from app.errors import DomainError

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token from the form on ``url``, as a browser would see it."""
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no csrf_token on {url}"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST ``data`` to ``url`` with the CSRF token a browser would have (from ``token_from``)."""
    token = csrf_token(client, token_from or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def run_concurrently(app, fn, calls: list[tuple], *, workers: int | None = None) -> list:
    """Run ``fn(*args)`` for every args tuple at once, each in its own thread and app context.

    A barrier releases all threads together so the calls really overlap. Returns one
    outcome per call, in order: the return value, or the exception raised.
    """
    workers = workers or len(calls)
    barrier = threading.Barrier(min(workers, len(calls)))

    def one(args):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass  # later waves (more calls than workers) start as soon as a worker is free
            try:
                return fn(*args)
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts on
                return exc

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, calls))


def outcome_counts(outcomes: list) -> Counter:
    """'ok' for results, the domain error code for refusals, the class name for anything else."""
    counts: Counter = Counter()
    for outcome in outcomes:
        if isinstance(outcome, DomainError):
            counts[outcome.code] += 1
        elif isinstance(outcome, Exception):
            counts[f"{type(outcome).__name__}: {outcome}"] += 1
        else:
            counts["ok"] += 1
    return counts


class _FieldErrors(HTMLParser):
    def __init__(self, name: str):
        super().__init__()
        self.name = name
        self.found = self.invalid = self.passed = self.in_feedback = False
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag in {"input", "select", "textarea"} and attrs.get("name"):
            if self.found:
                self.passed = True  # errors after the next field belong to that field
            elif attrs["name"] == self.name:
                self.found, self.invalid = True, "is-invalid" in classes
        elif tag == "div" and self.found and not self.passed and "invalid-feedback" in classes:
            self.in_feedback = True
            self.errors.append("")

    def handle_endtag(self, tag):
        if tag == "div":
            self.in_feedback = False

    def handle_data(self, data):
        if self.in_feedback:
            self.errors[-1] += data


def field_errors(html: str, name: str) -> list[str]:
    """The error messages shown right after the form field ``name`` (marked ``is-invalid``)."""
    parser = _FieldErrors(name)
    parser.feed(html)
    assert parser.found, f"no field named {name!r} on the page"
    if not parser.invalid:
        return []
    return [" ".join(error.split()) for error in parser.errors]


@contextmanager
def statements(engine, table: str, verb: str = "SELECT"):
    """Collects the ``verb`` statements that name ``table`` while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(verb) and table in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)
