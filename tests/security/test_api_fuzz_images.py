"""Schemathesis on the admin image calls with an ADMIN token, so that generated uploads
reach the decoder and generated changes reach the service (the shared fuzz test,
test_api_fuzz.py, calls every operation as a shopper, who is refused before either).

Every answer must be no 5xx and match the document (status, content type, body schema).
``positive_data_acceptance`` is off here: bytes that fit ``format: binary`` are rarely a
picture, and the documented answer to them is 422 ``invalid_image``. The product starts
with three images; data that fits the document is aimed at it and them (generated ids
would almost never name a row), data that does not keeps its generated path.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.image_files import png
from tests.security.test_api_fuzz import DERANDOMIZE, MAX_EXAMPLES

OPERATIONS = [("/admin/products/{product_id}/images", "post"),
              ("/admin/products/{product_id}/images/{image_id}", "patch"),
              ("/admin/products/{product_id}/images/{image_id}", "delete")]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["fits", "breaks"])
@pytest.mark.parametrize(("path", "method"), OPERATIONS,
                         ids=[f"{method.upper()} {path}" for path, method in OPERATIONS])
def test_admin_image_calls_never_5xx_and_match_the_document(app, make_user, make_product,
                                                            add_image, bearer, path, method,
                                                            mode):
    headers = bearer(make_user(is_admin=True))
    product = make_product()
    image_ids = [add_image(product.id, png(400 + n, 300)).id for n in range(3)]
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def fuzz(case):
        if mode is GenerationMode.POSITIVE:
            aimed = {"product_id": product.id}
            if "image_id" in case.path_parameters:
                aimed["image_id"] = image_ids[case.path_parameters["image_id"] % 3]
            case.path_parameters = {**case.path_parameters, **aimed}
        case.call_and_validate(headers=headers, excluded_checks=[
            negative_data_rejection, positive_data_acceptance])

    fuzz()
