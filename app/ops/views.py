"""What operators and their tools ask: readiness (``/readyz``) and metrics (``/metrics``).

``/healthz`` (app/shop/views.py) stays the cheap liveness check for the load balancer; these
two touch the database and Redis, or read every worker's metrics.
"""

from flask import Blueprint, Response, abort, current_app, jsonify, request

from app.metrics import CONTENT_TYPE_LATEST, authorized, render
from app.ops.readiness import readiness

bp = Blueprint("ops", __name__)

_NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/readyz")
def readyz():
    """200 ``{"status": "ready", "checks": {...}}`` when the database (and Redis, when
    configured) answer; 503 ``{"status": "unavailable", ...}`` naming what is down."""
    checks = readiness()
    ready = all(result == "ok" for result in checks.values())
    body = jsonify(status="ready" if ready else "unavailable", checks=checks)
    return body, 200 if ready else 503, _NO_STORE


@bp.get("/metrics")
def metrics():
    """Prometheus' scrape. Off (404) without ``METRICS_TOKEN``; 401 without that token as
    the ``Authorization: Bearer`` header, which Prometheus' ``authorization`` setting sends."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    if not authorized(request.headers.get("Authorization"), token):
        return Response("Unauthorized\n", 401, {"WWW-Authenticate": "Bearer", **_NO_STORE},
                        mimetype="text/plain")
    return Response(render(), 200, _NO_STORE, content_type=CONTENT_TYPE_LATEST)
