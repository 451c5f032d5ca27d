"""Where export events go: the data platform over HTTPS, or a JSON Lines file.

The body is the exact JSON bytes that are signed: ``X-Storefront-Signature:
sha256=<hex HMAC-SHA256(body, DATA_PLATFORM_SECRET)>``; ``Idempotency-Key`` is the event id,
so the platform can drop the duplicates that at-least-once delivery produces.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from pathlib import Path

from flask import current_app

HTTP_TIMEOUT = 5.0
JSONL_NAME = "data-platform-events.jsonl"


class DeliveryError(Exception):
    """The platform did not take the event; the message is kept on the outbox row."""


def encode(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(event_id: int, payload: dict) -> None:
    """Deliver one event; raises ``DeliveryError`` unless the platform answered 2xx."""
    failures = send_batch([(event_id, payload)])
    if failures:
        raise failures[event_id]


def send_batch(events: list[tuple[int, dict]]) -> dict[int, DeliveryError]:
    """Deliver ``(event_id, payload)`` pairs; returns the ones not taken, by event id."""
    bodies = [(event_id, encode(payload)) for event_id, payload in events]
    url = current_app.config.get("DATA_PLATFORM_URL")
    if not url:
        _append_jsonl(body for _, body in bodies)
        return {}
    failures = {}
    for event_id, body in bodies:
        try:
            _post(url, event_id, body)
        except DeliveryError as exc:
            failures[event_id] = exc
    return failures


def _post(url: str, event_id: int, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "Idempotency-Key": str(event_id),
        "X-Storefront-Signature": sign(body, current_app.config["DATA_PLATFORM_SECRET"]),
    })
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")


def _append_jsonl(bodies) -> None:
    path = Path(current_app.instance_path) / JSONL_NAME
    # One write() of whole lines in append mode: concurrent writers never interleave lines.
    with path.open("ab") as sink:
        sink.write(b"".join(body + b"\n" for body in bodies))
