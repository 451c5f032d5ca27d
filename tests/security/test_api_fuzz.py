"""Schemathesis against /api/v1/openapi.json, in-process (WSGI), with a shopper's token.

One test per documented operation. Each gets ``MAX_EXAMPLES`` generated requests that fit
the document and ``MAX_EXAMPLES`` that do not (wrong types, missing fields, bad paths and
queries). Every answer must be no 5xx and must match the document: a listed status code,
the documented content type and body schema, and input outside the schema refused.

Two deliberate departures from Schemathesis' defaults:
- ``negative_data_rejection`` is off: the API is a tolerant reader (unknown fields and
  query parameters are ignored, an empty ``?page=`` means the default), which that check
  reports as "schema-violating request accepted". Every other check stays on.
- The examples of one test share a database, so a generated ``Idempotency-Key`` may come
  back with another amount: a top-up that fits the document but must be refused with the
  documented 422 ``idempotency_key_reused``, which ``positive_data_acceptance`` cannot know.
  The test keeps the keys it has spent and asserts exactly that answer for such a replay
  (every other check still runs on it); any other 422 to valid data still fails.

(Schemathesis' own ``from_fixture`` loader does not run under pytest 9, so the operation's
Hypothesis strategy is driven from an ordinary test.)
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from app.api.openapi import build_document

# 50 per operation and mode (~20 s on SQLite); FUZZ_EXAMPLES=500 for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
# CI replays the same examples every run, so main cannot turn red by the luck of the draw;
# a local run draws new ones and is where new findings come from.
DERANDOMIZE = bool(os.environ.get("CI"))

DOCUMENT = build_document()
CASES = sorted(
    (mode, path, method)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    # Nothing to get wrong in a call with no parameters, body or credentials.
    if mode is GenerationMode.POSITIVE or any(
        key in operation for key in ("parameters", "requestBody", "security"))
)


TOP_UP = ("post", "/wallet/charges")


def _top_up_key_and_amount(case) -> tuple[str | None, object]:
    key = next((value for name, value in (case.headers or {}).items()
                if name.lower() == "idempotency-key"), None)
    return key, case.body.get("amount") if isinstance(case.body, dict) else None


@pytest.fixture
def shopper_headers(app, make_user, make_product, bearer):
    """A shopper with points, a paid order (id 1) and products ids 1-2, and a bearer token."""
    from app.orders.checkout import place_order

    user = make_user(balance=500_000)
    products = [make_product(price=1_000, stock=1_000) for _ in range(2)]
    with app.app_context():
        place_order(user.id, [(products[0].id, 1)])
    return bearer(user)


# Each case takes 1 to 4 s; about 40 s together.
@pytest.mark.slow
@pytest.mark.parametrize(("mode", "path", "method"), CASES, ids=[
    f"{'fits' if mode is GenerationMode.POSITIVE else 'breaks'}-{method.upper()} {path}"
    for mode, path, method in CASES])
def test_api_matches_its_document_and_never_5xx(app, shopper_headers, path, method, mode):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    spent_keys: dict[str, object] = {}  # Idempotency-Key → the amount its top-up charged

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def fuzz(case):
        key, amount = _top_up_key_and_amount(case) if (method, path) == TOP_UP else (None, None)
        if mode is GenerationMode.POSITIVE and key in spent_keys and spent_keys[key] != amount:
            response = case.call(headers=shopper_headers)
            assert response.status_code == 422, response.text
            assert response.json()["code"] == "idempotency_key_reused", response.text
            case.validate_response(response, headers=shopper_headers, excluded_checks=[
                negative_data_rejection, positive_data_acceptance])
            return
        response = case.call_and_validate(headers=shopper_headers,
                                          excluded_checks=[negative_data_rejection])
        if key is not None and response.status_code == 201:
            spent_keys[key] = amount

    fuzz()
