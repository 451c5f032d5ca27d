"""Where export events go: the data platform over HTTP(S), or a JSON Lines file.

The body is the exact JSON bytes that are signed: ``X-Storefront-Signature:
sha256=<hex HMAC-SHA256(body, DATA_PLATFORM_SECRET)>``; ``Idempotency-Key`` is the event id,
so the platform can drop the duplicates that at-least-once delivery produces.

Each POST has a connect timeout and a read timeout of its own
(``EXPORT_CONNECT_TIMEOUT``, ``EXPORT_READ_TIMEOUT``): a platform that hangs costs a
sender that long, never a whole drain.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_READ_TIMEOUT = 10.0
JSONL_NAME = "data-platform-events.jsonl"


class DeliveryError(Exception):
    """The platform did not take the event; the message is kept on the outbox row."""


def encode(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Platform:
    """The data platform's endpoint and key, read from the config once, so that sender
    threads need no app context."""

    url: str
    secret: str
    connect_timeout: float
    read_timeout: float

    def post(self, event_id: int, body: bytes) -> None:
        """One POST; raises ``DeliveryError`` unless the platform answered 2xx in time."""
        target = urlsplit(self.url)
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        if target.scheme == "https":
            connection = http.client.HTTPSConnection(
                target.hostname, target.port, timeout=self.connect_timeout,
                context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(target.hostname, target.port,
                                                    timeout=self.connect_timeout)
        try:
            try:
                connection.connect()
            except TimeoutError as exc:
                raise DeliveryError(
                    f"no connection within {self.connect_timeout:g} s") from exc
            connection.sock.settimeout(self.read_timeout)
            connection.request("POST", path, body=body, headers={
                "Content-Type": "application/json",
                "Idempotency-Key": str(event_id),
                "X-Storefront-Signature": sign(body, self.secret),
            })
            response = connection.getresponse()
            response.read()
        except TimeoutError as exc:
            raise DeliveryError(f"no answer within {self.read_timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            connection.close()
        if not 200 <= response.status < 300:
            raise DeliveryError(f"HTTP {response.status} {response.reason}")


def platform() -> Platform | None:
    """The configured platform, or ``None`` when events go to the JSON Lines file."""
    config = current_app.config
    if not config.get("DATA_PLATFORM_URL"):
        return None
    return Platform(
        url=config["DATA_PLATFORM_URL"], secret=config["DATA_PLATFORM_SECRET"],
        connect_timeout=float(config.get("EXPORT_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)),
        read_timeout=float(config.get("EXPORT_READ_TIMEOUT", DEFAULT_READ_TIMEOUT)))


def send(event_id: int, payload: dict) -> None:
    """Deliver one event; raises ``DeliveryError`` unless the platform took it."""
    target = platform()
    if target is None:
        append_jsonl([encode(payload)])
    else:
        target.post(event_id, encode(payload))


def append_jsonl(bodies) -> None:
    path = Path(current_app.instance_path) / JSONL_NAME
    # One write() of whole lines in append mode: concurrent writers never interleave lines.
    with path.open("ab") as sink:
        sink.write(b"".join(body + b"\n" for body in bodies))
