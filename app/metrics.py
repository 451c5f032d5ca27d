"""Prometheus metrics: what the shop counts, and how a scrape reads it.

The metrics are module-level ``prometheus_client`` objects, created once per process. Under
gunicorn each worker is a process of its own, so the values must be summed across them: with
``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts; ``gunicorn.conf.py`` empties the
folder when the master starts and drops a dead worker's live gauges), every value is kept in
a memory-mapped file there, and a scrape of any worker reads them all
(``MultiProcessCollector``). Without it (the embedded mode, a single worker or relay process)
the default registry serves, with the process's own CPU and memory too.

Who counts what, each in one place: HTTP requests by endpoint, method and status
(``app.telemetry``); checkouts, coupon claims and top-ups by outcome (``count_outcomes``
on the service); optimistic-lock retries and exhausted retries (``app.db.retry_on_conflict``);
export deliveries (``app.exports.outcomes``); the pool's connections in use
(``watch_pool``). The outbox's pending/failed/delivered counts and its oldest pending event's
age are read from the database at scrape time by the relay (``app.exports.gauges``).

``/metrics`` (``app.ops.views``) and the worker's and relay's own listener (``serve``) answer
only ``Authorization: Bearer <METRICS_TOKEN>``.
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge,
                               Histogram, generate_latest)
from prometheus_client.multiprocess import MultiProcessCollector

from app.errors import DomainError
from app.logs import note_problem

log = logging.getLogger(__name__)

# Request latency buckets (s): a cached page takes ~5 ms, a checkout ~50 ms under load.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter("storefront_http_requests", "HTTP requests answered",
                        ["endpoint", "method", "status"])
HTTP_LATENCY = Histogram("storefront_http_request_duration_seconds",
                         "Time from the request's first hook to its response",
                         ["endpoint", "method", "status"], buckets=LATENCY_BUCKETS)
CHECKOUTS = Counter("storefront_checkouts", "Checkouts by outcome: paid, replayed (an "
                    "Idempotency-Key seen before) or the problem code", ["outcome"])
COUPON_CLAIMS = Counter("storefront_coupon_claims", "Coupon claims by outcome: claimed or the "
                        "problem code", ["outcome"])
TOPUPS = Counter("storefront_topups", "Wallet top-ups by outcome: charged, replayed or the "
                 "problem code", ["outcome"])
CONFLICT_RETRIES = Counter("storefront_conflict_retries", "Units of work retried after an "
                           "optimistic-lock or serialization conflict", ["operation"])
CONFLICT_RETRIES_EXHAUSTED = Counter(
    "storefront_conflict_retries_exhausted",
    "Units of work refused because every attempt conflicted", ["operation"])
EXPORT_DELIVERIES = Counter("storefront_export_deliveries", "Export event attempts: delivered, "
                            "attempt_failed (retried later) or failed (no attempt left)",
                            ["outcome"])
RELAY_HANDED_OVER = Counter("storefront_export_relay_handed_over", "Pending export events the "
                            "relay handed to the queue again: enqueued or not_enqueued",
                            ["result"])
# livesum: the connections of the live processes, added up (a dead worker's are gone).
DB_POOL_IN_USE = Gauge("storefront_db_pool_connections_in_use",
                       "Database connections checked out of this process's pool",
                       multiprocess_mode="livesum")


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def count_outcomes(counter: Counter, outcome_of):
    """Count each call of the decorated service once, by outcome: ``outcome_of(result)``
    when it returns, the ``code`` of the ``DomainError`` it refuses with (also noted for the
    request's log line), or ``error``. Put it above ``retry_on_conflict``, so a retried
    call counts once."""

    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                result = fn(*args, **kwargs)
            except DomainError as error:
                counter.labels(error.code).inc()
                note_problem(error.code)
                raise
            except Exception:
                counter.labels("error").inc()
                raise
            counter.labels(outcome_of(result)).inc()
            return result

        return wrapper

    return decorator


def watch_pool(engine) -> None:
    """Keep ``DB_POOL_IN_USE`` at this process's checked-out connections. Listen after
    ``app.db.ping_idle_connections``: a checkout its ping refuses is retried by the pool and
    never checked in, and must not be counted."""
    from sqlalchemy import event

    event.listen(engine, "checkout", lambda *_: DB_POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: DB_POOL_IN_USE.dec())


class _Together:
    """What ``generate_latest`` reads: a registry's metrics and some collectors'."""

    def __init__(self, *sources):
        self.sources = sources

    def collect(self):
        for source in self.sources:
            yield from source.collect()


def render(extra=()) -> bytes:
    """This process's metrics (every worker's in multiprocess mode), and ``extra``
    collectors', in Prometheus' text format."""
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(_Together(registry, *extra))


def authorized(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>`` (constant time)."""
    expected = f"Bearer {token}".encode()
    return hmac.compare_digest((header or "").encode("latin-1", "replace"), expected)


# --- the worker's and the relay's own listener -------------------------------------------


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass  # a scrape every 15 s is not worth a log line


def serve(address: str, token: str, extra=()) -> WSGIServer:
    """Serve ``/metrics`` on ``address`` (``host:port``) from a daemon thread, to callers
    with ``token``; returns the server (``shutdown()`` stops it)."""
    host, _, port = address.rpartition(":")

    def metrics_app(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found\n"]
        if not authorized(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"),
                                                ("WWW-Authenticate", "Bearer")])
            return [b"Unauthorized\n"]
        body = render(extra)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST),
                                  ("Content-Length", str(len(body)))])
        return [body]

    server = make_server(host or "127.0.0.1", int(port), metrics_app, server_class=_Server,
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics served", extra={"address": f"{host or '127.0.0.1'}:{port}"})
    return server
