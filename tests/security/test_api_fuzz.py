"""Schemathesis against /api/v1/openapi.json, in-process (WSGI), with a shopper's token.

One test per documented operation. Each gets ``MAX_EXAMPLES`` generated requests that fit
the document and ``MAX_EXAMPLES`` that do not (wrong types, missing fields, bad paths and
queries). Every answer must be no 5xx and must match the document: a listed status code,
the documented content type and body schema, and input outside the schema refused.

Two deliberate departures from Schemathesis' defaults:
- JSON Schema counts ``14.0`` as an integer; this API (api-v1.md) takes only real JSON
  integers, so generated whole-number floats are sent as integers in the "fits" run (the
  refusal of ``14.0`` is tested in the bad-input tables).
- ``negative_data_rejection`` is off: the API is a tolerant reader (unknown fields and
  query parameters are ignored, an empty ``?page=`` means the default), which that check
  reports as "schema-violating request accepted". Every other check stays on.

(Schemathesis' own ``from_fixture`` loader does not run under pytest 9, so the operation's
Hypothesis strategy is driven from an ordinary test.)
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection

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


def _real_ints(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _real_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_real_ints(item) for item in value]
    return value


@pytest.fixture
def shopper_headers(app, make_user, make_product, api_token):
    """A shopper with points, a paid order (id 1) and products ids 1-2, and a bearer token."""
    from app.orders.services import place_order

    user = make_user(balance=500_000)
    products = [make_product(price=1_000, stock=1_000) for _ in range(2)]
    with app.app_context():
        place_order(user.id, [(products[0].id, 1)])
    return {"Authorization": f"Bearer {api_token(user)}"}


@pytest.mark.parametrize(("mode", "path", "method"), CASES, ids=[
    f"{'fits' if mode is GenerationMode.POSITIVE else 'breaks'}-{method.upper()} {path}"
    for mode, path, method in CASES])
def test_api_matches_its_document_and_never_5xx(app, shopper_headers, path, method, mode):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def fuzz(case):
        if mode is GenerationMode.POSITIVE and case.body is not None:
            case.body = _real_ints(case.body)
        case.call_and_validate(headers=shopper_headers,
                               excluded_checks=[negative_data_rejection])

    fuzz()
