"""The admin image API (multipart upload, PATCH, DELETE) and the /media files it points to."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.catalog.models import ProductImage
from app.extensions import db
from app.media.images import IMAGE_MAX_BYTES, UPLOAD_MAX_BODY
from tests.helpers import assert_problem
from tests.image_files import SVG_WITH_SCRIPT, jpeg, png, png_header_only, webp

API = "/api/v1/admin/products"


@pytest.fixture
def admin_headers(admin_user, bearer):
    return bearer(admin_user)


def _upload(client, headers, product_id, data: bytes, name: str = "photo.jpg", **fields):
    return client.post(f"{API}/{product_id}/images", headers=headers,
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), name), **fields})


def test_upload_answers_201_with_every_size_and_the_files_are_served_for_a_year(
        client, admin_headers, make_product):
    product = make_product()
    response = _upload(client, admin_headers, product.id, webp(1000, 800), alt="A bowl")
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "alt": "A bowl", "sizes": [
        {"width": 320, "height": 256, "url": body["sizes"][0]["url"]},
        {"width": 640, "height": 512, "url": body["sizes"][1]["url"]}]}
    for size in body["sizes"]:
        assert re.fullmatch(r"/media/[0-9a-f]{2}/[0-9a-f]{64}-(320|640)\.webp", size["url"])
        served = client.get(size["url"])
        assert served.status_code == 200 and served.mimetype == "image/webp"
        assert served.data[:4] == b"RIFF" and served.data[8:12] == b"WEBP"
        cache = served.headers["Cache-Control"]
        assert {"public", "max-age=31536000", "immutable"} <= set(cache.replace(" ", "")
                                                                 .split(","))


@pytest.mark.parametrize("path", [
    "{d2}/{digest}-1280.webp",               # a width this picture was not stored in
    "{d2}/{digest}-320.png", "{d2}/{digest}.webp", "{D2}/{DIGEST}-320.webp",
    "00/" + "0" * 64 + "-320.webp",          # the right shape, no such picture
    "../secret_key", "{d2}/../../app/__init__.py", "{d2}/x-320.webp"])
def test_media_answers_404_for_anything_but_a_stored_file(client, make_product, add_image,
                                                          path):
    image = add_image(make_product().id, png(400, 300))
    digest = image.digest
    assert client.get(f"/media/{digest[:2]}/{digest}-320.webp").status_code == 200
    url = "/media/" + path.format(d2=digest[:2], digest=digest, D2=digest[:2].upper(),
                                  DIGEST=digest.upper())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("data, name, code, status", [
    (b"not an image at all", "notes.jpg", "invalid_image", 422),
    (SVG_WITH_SCRIPT, "x.svg", "invalid_image", 422),
    (jpeg()[:1500], "cut.jpg", "invalid_image", 422),
    (png_header_only(60_000, 60_000), "bomb.png", "invalid_image", 422),
    (png(), "../../x.png", "invalid_image", 422),
    (png() + b"\0" * (IMAGE_MAX_BYTES + 1 - len(png())), "huge.png", "payload_too_large", 413),
])
def test_refused_uploads_answer_their_code_and_store_nothing(client, admin_headers,
                                                             make_product, db_snapshot,
                                                             media_snapshot, data, name, code,
                                                             status):
    product = make_product()
    tables, files = db_snapshot(), media_snapshot()
    assert_problem(_upload(client, admin_headers, product.id, data, name), status, code)
    assert db_snapshot() == tables and media_snapshot() == files


def test_a_body_over_the_upload_limit_is_413_and_other_calls_keep_4_mb(
        client, admin_headers, make_product, db_snapshot):
    product = make_product()
    before = db_snapshot()
    body = assert_problem(_upload(client, admin_headers, product.id, b"\xff" * UPLOAD_MAX_BODY),
                          413, "payload_too_large")
    assert "at most 10 MB" in body["detail"]
    body = assert_problem(client.patch(f"{API}/{product.id}", headers=admin_headers,
                                       json={"description": "x" * (5 * 1024 * 1024)}),
                          413, "payload_too_large")
    assert "at most 4 MB" in body["detail"]
    assert db_snapshot() == before


def test_upload_refusals_for_the_call_itself(client, admin_headers, make_product, make_user,
                                             bearer, add_image, db_snapshot):
    product = make_product()
    shopper_headers = bearer(make_user())
    before = db_snapshot()
    assert_problem(client.post(f"{API}/{product.id}/images", headers=admin_headers,
                               content_type="multipart/form-data", data={"alt": "no file"}),
                   422, "invalid_input")
    assert_problem(_upload(client, admin_headers, 999, png()), 404, "product_not_found")
    assert_problem(_upload(client, shopper_headers, product.id, png()), 403, "forbidden")
    assert_problem(_upload(client, {}, product.id, png()), 401, "unauthenticated")
    assert db_snapshot() == before
    for n in range(8):
        add_image(product.id, png(400 + n, 300))
    assert_problem(_upload(client, admin_headers, product.id, png(600, 300)), 409,
                   "too_many_images")


def test_patch_moves_makes_main_and_describes(app, client, admin_headers, make_product,
                                             add_image):
    product = make_product()
    first, second, third = (add_image(product.id, png(400 + n, 300)).id for n in range(3))
    url = f"{API}/{product.id}/images"
    response = client.patch(f"{url}/{third}", headers=admin_headers, json={"main": True,
                                                                          "alt": "Lid"})
    assert response.status_code == 200
    assert response.get_json()["alt"] == "Lid" and response.get_json()["id"] == third
    assert _order(app, product.id) == [third, first, second]
    response = client.patch(f"{url}/{third}", headers=admin_headers, json={"position": 7})
    assert response.status_code == 200
    assert _order(app, product.id) == [first, second, third]


def _order(app, product_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(ProductImage.id).where(
            ProductImage.product_id == product_id).order_by(ProductImage.position)))


@pytest.mark.parametrize("body, status, code", [
    ({"position": -1}, 422, "invalid_input"),
    ({"position": "1"}, 422, "invalid_input"),
    ({"main": "yes"}, 422, "invalid_input"),
    ({"alt": "x" * 201}, 422, "invalid_input"),
    ({"stock": 1}, 422, "invalid_input"),
])
def test_patch_refusals(client, admin_headers, make_product, add_image, db_snapshot, body,
                        status, code):
    product = make_product()
    image = add_image(product.id)
    before = db_snapshot()
    assert_problem(client.patch(f"{API}/{product.id}/images/{image.id}", headers=admin_headers,
                                json=body), status, code)
    assert db_snapshot() == before


def test_delete_answers_204_then_404_and_another_products_image_is_not_found(
        client, admin_headers, make_product, add_image, media_snapshot):
    mine, other = make_product(), make_product()
    before = media_snapshot()
    image = add_image(mine.id)
    url = f"{API}/{mine.id}/images/{image.id}"
    assert_problem(client.delete(f"{API}/{other.id}/images/{image.id}", headers=admin_headers),
                   404, "image_not_found")
    assert_problem(client.patch(f"{API}/{other.id}/images/{image.id}", headers=admin_headers,
                                json={"main": True}), 404, "image_not_found")
    response = client.delete(url, headers=admin_headers)
    assert response.status_code == 204 and response.data == b""
    assert media_snapshot() == before
    assert_problem(client.delete(url, headers=admin_headers), 404, "image_not_found")
