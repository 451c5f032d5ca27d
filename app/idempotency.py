"""The one rule for an ``Idempotency-Key``, shared by checkout and top-ups: each stores the key
on its row under a unique constraint per shopper, so a retried request finds the first one's
result instead of doing it twice."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext
from sqlalchemy.exc import IntegrityError

from app.errors import InvalidInput

Result = TypeVar("Result")

IDEMPOTENCY_KEY_MAX = 100
# Printable ASCII without spaces: what clients send as UUIDs or tokens, safe in logs and URLs.
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,%d}" % IDEMPOTENCY_KEY_MAX)


def check_idempotency_key(key) -> str | None:
    """None, or 1 to 100 printable ASCII characters without spaces."""
    if key is None:
        return None
    if not isinstance(key, str) or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(gettext("An idempotency key is 1 to %(max)s printable characters "
                                   "without spaces.", max=IDEMPOTENCY_KEY_MAX),
                           field="idempotency_key")
    return key


def once_per_key(key: str | None, made_with_key: Callable[[], Result | None],
                 make: Callable[[], Result]) -> tuple[Result, bool]:
    """``(result, created)``: what ``key`` already made (``made_with_key()``), else
    ``make()``'s result. A concurrent request that commits the same key first makes
    ``make`` fail on the unique constraint, and then its result is the answer too."""
    if key is not None and (made := made_with_key()) is not None:
        return made, False
    try:
        return make(), True
    except IntegrityError:
        made = made_with_key() if key is not None else None
        if made is None:
            raise
        return made, False
