"""Every request's id, metrics and log line.

The first hook of every request (registered before any other) gives it an id and starts its
clock; the last (``after_request``, which Flask runs for error responses too) counts it in
``storefront_http_requests_total`` and ``storefront_http_request_duration_seconds`` by
endpoint, method and status, returns the id in ``X-Request-ID``, and, with JSON logs, writes
its line: method, path, endpoint, status, duration, the user when the request loaded one,
and the problem code it was refused with (``app.logs``).

The id is the proxy's ``X-Request-ID`` when ``TRUSTED_PROXIES`` says a proxy is in front
(nginx sets ``$request_id``, so its access log and ours share it) and the value looks like
an id: 1 to 128 letters, digits, ``.``, ``_``, ``:`` or ``-``. Anything else, or no proxy,
gets a fresh one: a client must not be able to forge lines into someone else's request.

Per request this costs two ``prometheus_client`` writes (an mmap'ed value each in
multiprocess mode) and, with JSON logs, one line: the metric children are kept per label
combination here, so no label lookup is paid per request (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import logging
import random
import re
import time

from flask import Flask, g, request

from app.metrics import HTTP_LATENCY, HTTP_REQUESTS

log = logging.getLogger("storefront.request")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Any other method (anyone can send one) is counted as "other", so a scanner cannot grow
# the number of series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# (endpoint, method, status) → (counter child, histogram child)
_children: dict[tuple, tuple] = {}


def _metric_children(key: tuple) -> tuple:
    children = _children.get(key)
    if children is None:
        children = _children[key] = (HTTP_REQUESTS.labels(*key), HTTP_LATENCY.labels(*key))
    return children


def init_telemetry(app: Flask) -> None:
    """Register the first and the last hook of every request; call before anything else
    registers a ``before_request``."""
    trust_header = app.config.get("TRUSTED_PROXIES", 0) > 0
    write_lines = app.config.get("LOG_FORMAT") == "json" and log.isEnabledFor(logging.INFO)

    def start() -> None:
        g.request_started = time.perf_counter()
        sent = request.headers.get(REQUEST_ID_HEADER) if trust_header else None
        # Unique, not secret: 128 random bits from the process's generator (reseeded in each
        # forked worker), a tenth of the cost of asking the kernel.
        g.request_id = (sent if sent and _REQUEST_ID.fullmatch(sent)
                        else f"{random.getrandbits(128):032x}")

    def finish(response):
        context = g._get_current_object()
        started = getattr(context, "request_started", None)
        if started is None:  # a hook before ours refused the request (none is, by design)
            return response
        elapsed = time.perf_counter() - started
        asked = request._get_current_object()
        endpoint = asked.endpoint or "unmatched"
        method = asked.method if asked.method in _METHODS else "other"
        status = response.status_code
        counter, histogram = _metric_children((endpoint, method, str(status)))
        counter.inc()
        histogram.observe(elapsed)
        response.headers[REQUEST_ID_HEADER] = context.request_id
        if write_lines:
            # A record made here skips logging's search of the stack for its caller.
            record = logging.LogRecord(log.name, logging.INFO, __file__, 0, "request", None,
                                       None)
            record.__dict__.update(method=asked.method, path=asked.path, endpoint=endpoint,
                                   status=status, duration_ms=round(elapsed * 1000, 2),
                                   remote_addr=asked.remote_addr)
            log.handle(record)
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request(finish)
