"""The Images section of the admin product page: upload, make main, move, delete; refusals
shown next to the form with nothing stored; the upload route's larger body limit."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.catalog.models import ProductImage
from app.extensions import db
from app.media.images import IMAGE_MAX_BYTES, UPLOAD_MAX_BODY
from tests.helpers import csrf_token, field_errors
from tests.image_files import SVG_WITH_SCRIPT, jpeg, png


def _upload(client, product_id: int, data: bytes, name: str = "photo.jpg", alt: str = ""):
    page = f"/admin/products/{product_id}"
    return client.post(f"{page}/images", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, page), "alt": alt, "file": (io.BytesIO(data), name)})


def _action(client, product_id: int, image_id: int, action: str, **fields):
    page = f"/admin/products/{product_id}"
    return client.post(f"{page}/images/{image_id}/{action}",
                       data={"csrf_token": csrf_token(client, page), **fields})


def _shown(client, product_id: int) -> list[str]:
    """The image ids in the Images section, in the order shown."""
    html = client.get(f"/admin/products/{product_id}").get_data(as_text=True)
    return re.findall(r'data-testid="admin-image" data-image-id="(\d+)"', html)


def _ids(app, product_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(ProductImage.id).where(
            ProductImage.product_id == product_id).order_by(ProductImage.position)))


def test_the_product_page_offers_an_upload_for_images_only(admin_client, make_product):
    product = make_product()
    html = admin_client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert 'id="images"' in html and "No images yet" in html
    form = html.split('data-testid="image-form"', 1)[1].split("</form>", 1)[0]
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="image/jpeg,image/png,image/webp"' in form and 'name="alt"' in form


def test_upload_then_make_main_move_and_delete(app, admin_client, make_product):
    product = make_product(name="Celadon cup")
    response = _upload(admin_client, product.id, jpeg(1400, 1000), alt="Cup from above")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/products/{product.id}#images"
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Image added." in html and 'alt="Cup from above"' in html
    assert html.count('data-testid="main-image"') == 1
    first = _ids(app, product.id)[0]
    for n in range(2):
        assert _upload(admin_client, product.id, png(500 + n, 400)).status_code == 302
    first, second, third = _ids(app, product.id)
    assert _shown(admin_client, product.id) == [str(first), str(second), str(third)]

    response = _action(admin_client, product.id, third, "main")
    assert response.status_code == 302
    assert "This is now the main image." in admin_client.get(response.headers["Location"]) \
        .get_data(as_text=True)
    assert _ids(app, product.id) == [third, first, second]
    assert _action(admin_client, product.id, first, "move", position="2").status_code == 302
    assert _ids(app, product.id) == [third, second, first]
    assert _action(admin_client, product.id, third, "delete").status_code == 302
    assert _ids(app, product.id) == [second, first]
    assert _shown(admin_client, product.id) == [str(second), str(first)]


@pytest.mark.parametrize("data, name, words", [
    (b"plain text\n", "notes.jpg", "not a JPEG, PNG or WebP image"),
    (SVG_WITH_SCRIPT, "logo.svg", "SVG and other text files are not accepted"),
    (jpeg()[:2000], "cut.jpg", "damaged"),
    (png(), "../../x.png", "may not contain a path"),
])
def test_a_refused_upload_is_a_form_error_and_stores_nothing(admin_client, make_product,
                                                             db_snapshot, media_snapshot,
                                                             data, name, words):
    product = make_product()
    tables, files = db_snapshot(), media_snapshot()
    response = _upload(admin_client, product.id, data, name)
    assert response.status_code == 422
    assert any(words in error for error in field_errors(response.get_data(as_text=True),
                                                        "file"))
    assert db_snapshot() == tables and media_snapshot() == files


def test_no_file_chosen_is_a_form_error(admin_client, make_product, db_snapshot):
    product = make_product()
    before = db_snapshot()
    page = f"/admin/products/{product.id}"
    response = admin_client.post(f"{page}/images", data={
        "csrf_token": csrf_token(admin_client, page), "alt": "x"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "file") == ["Choose an image file."]
    assert db_snapshot() == before


def test_the_ninth_image_is_a_409_form_error_and_the_form_is_gone_at_eight(
        admin_client, make_product, add_image, db_snapshot):
    product = make_product()
    for n in range(8):
        add_image(product.id, png(400 + n, 300))
    html = admin_client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert 'data-testid="image-form"' not in html and "at most 8 images" in html
    before = db_snapshot()
    response = _upload(admin_client, product.id, png(600, 300))
    assert response.status_code == 409
    assert "at most 8 images" in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_an_image_just_over_10_mb_is_a_413_form_error(admin_client, make_product,
                                                      db_snapshot, media_snapshot):
    """Within the request's limit, over the image's: the service says so on the form."""
    product = make_product()
    data = png() + b"\0" * (IMAGE_MAX_BYTES + 1 - len(png()))
    tables, files = db_snapshot(), media_snapshot()
    response = _upload(admin_client, product.id, data, "huge.png")
    assert response.status_code == 413
    assert field_errors(response.get_data(as_text=True), "file") == [
        "The image is larger than 10 MB. Nothing was stored."]
    assert db_snapshot() == tables and media_snapshot() == files


def test_a_body_over_the_upload_limit_is_the_shops_413_page_and_others_keep_4_mb(
        admin_client, make_product, db_snapshot):
    product = make_product()
    before = db_snapshot()
    response = _upload(admin_client, product.id, b"\xff" * UPLOAD_MAX_BODY, "huge.jpg")
    assert response.status_code == 413
    assert "at most 10 MB" in response.get_data(as_text=True)
    # Only the upload route takes more than the app's 4 MB.
    page = f"/admin/products/{product.id}"
    response = admin_client.post(f"{page}/stock", data={
        "csrf_token": csrf_token(admin_client, page), "kind": "receipt", "delta": "1",
        "reason": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "at most 4 MB" in response.get_data(as_text=True)
    assert db_snapshot() == before


def test_actions_on_another_products_image_change_nothing(admin_client, make_product,
                                                          add_image, db_snapshot):
    mine, other = make_product(), make_product()
    image = add_image(mine.id)
    add_image(other.id, png(500, 300))
    before = db_snapshot()
    for action, fields in (("main", {}), ("move", {"position": "0"}), ("delete", {})):
        response = _action(admin_client, other.id, image.id, action, **fields)
        assert response.status_code == 302
        html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"This product has no image #{image.id}." in html
    response = _action(admin_client, mine.id, image.id, "move", position="-1")
    assert "reload the page" in admin_client.get(response.headers["Location"]) \
        .get_data(as_text=True)
    assert db_snapshot() == before
