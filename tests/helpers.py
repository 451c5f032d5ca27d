"""Small helpers the tests share: CSRF-aware form posts, the problem+json check, bearer
headers, the whole-database snapshot, a real-thread race runner, and a statement counter."""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from html.parser import HTMLParser

from sqlalchemy import event, select

from app.errors import DomainError
from app.extensions import db

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


def assert_problem(response, status: int, code: str) -> dict:
    """The problem+json body of ``response``, after checking its status, code and shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == {"type", "title", "status", "detail", "code"}
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith("/" + code.replace("_", "-"))
    assert body["title"] and body["detail"]
    return body


def bearer_header(token: str) -> dict:
    """Request headers carrying the API token ``token``."""
    return {"Authorization": f"Bearer {token}"}


def every_row(app) -> dict[str, list[dict]]:
    """Every row of every table, as dicts, in primary-key order.

    Equal snapshots before and after a refused call mean it changed nothing anywhere.
    """
    with app.app_context():
        rows = {}
        for table in db.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [dict(row._mapping) for row in db.session.execute(query)]
        db.session.remove()
        return rows


def changed_tables(before: dict, after: dict) -> set[str]:
    """The names of the tables whose rows differ between two snapshots."""
    return {table for table in before if before[table] != after[table]}


def column(snapshot: dict, table: str, name: str, *, by: str = "id") -> dict:
    """``{row[by]: row[name]}`` for the rows of ``table`` in a snapshot."""
    return {row[by]: row[name] for row in snapshot[table]}


def wallet_of(snapshot: dict, user_id: int) -> tuple[int | None, list[tuple]]:
    """One shopper's balance and ledger rows ``(kind, amount, balance_after)``, oldest first."""
    balance = column(snapshot, "wallets", "balance", by="user_id").get(user_id)
    entries = [(entry["kind"], entry["amount"], entry["balance_after"])
               for entry in snapshot["ledger_entries"] if entry["user_id"] == user_id]
    return balance, entries


def totals(snapshot: dict, table: str, name: str, *, by: str) -> dict:
    """The sum of ``name`` per ``by`` over the rows of ``table`` (movements, daily sales)."""
    sums: Counter = Counter()
    for row in snapshot[table]:
        sums[row[by]] += row[name]
    return dict(sums)


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
