"""The image service on the database: what an upload stores, what a refusal leaves alone
(every table and the media folder), the limit of 8 (also under real concurrency on
PostgreSQL), ordering, and deleting files once nothing refers to them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.catalog import images
from app.catalog.models import Product, ProductImage
from app.catalog.stock import ProductNotFound
from app.errors import PayloadTooLarge
from app.extensions import db
from app.media.images import IMAGE_MAX_BYTES, InvalidImage
from app.media.storage import file_path
from tests.helpers import changed_tables, outcome_counts, run_concurrently
from tests.image_files import (SVG_WITH_SCRIPT, jpeg, png, png_header_only, webp, with_gps)


@pytest.fixture
def ctx(app):
    """A request context: an image's URLs are built with url_for."""
    with app.test_request_context():
        yield
        db.session.remove()


def _stored(app, digest: str, width: int) -> Path:
    return Path(app.config["MEDIA_ROOT"]) / file_path(digest, width)


def _count_and_rows(product_id: int) -> tuple[int, int]:
    count = db.session.scalar(select(Product.image_count).where(Product.id == product_id))
    rows = db.session.scalar(select(func.count()).select_from(ProductImage)
                             .where(ProductImage.product_id == product_id))
    return count, rows


@pytest.mark.parametrize("data, name", [(jpeg(1600, 1200), "camera.jpg"),
                                        (png(1600, 1200), "drawing.png"),
                                        (webp(1600, 1200), "web.webp"),
                                        # The content decides, not the name.
                                        (png(1600, 1200), "actually-a-png.jpg")])
def test_a_good_upload_is_stored_as_webp_in_three_widths(app, ctx, make_product, data, name,
                                                         db_snapshot):
    product = make_product()
    image = images.add_image(product.id, data, name, "A teapot on a table")
    assert image.sizes == [[320, 240], [640, 480], [1280, 960]]
    assert (image.position, image.alt) == (0, "A teapot on a table")
    for width, height in image.sizes:
        with Image.open(_stored(app, image.digest, width)) as stored:
            assert (stored.format, stored.size) == ("WEBP", (width, height))
    assert [v["url"] for v in image.variants] == [
        f"/media/{file_path(image.digest, width)}" for width in (320, 640, 1280)]
    assert _count_and_rows(product.id) == (1, 1)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_exif_gps_and_icc_are_gone_and_the_picture_is_upright(app, ctx, make_product, fmt):
    product = make_product()
    data = with_gps(fmt, 800, 600, orientation=6)
    with Image.open(__import__("io").BytesIO(data)) as original:  # the test's own file has them
        assert original.getexif().get_ifd(0x8825) and original.info.get("icc_profile")
    image = images.add_image(product.id, data, f"phone.{fmt.lower()}")
    # Turned a quarter as its EXIF said: 600 wide, 800 tall.
    assert image.sizes == [[320, 427]]
    path = _stored(app, image.digest, 320)
    raw = path.read_bytes()
    assert b"EXIF" not in raw and b"Exif" not in raw and b"ICCP" not in raw
    assert b"Test Camera" not in raw
    with Image.open(path) as stored:
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info and "icc_profile" not in stored.info
        # The red quarter was the left of the top; turned right, it is the right of the top.
        upright = stored.convert("RGB")
        red, green, _ = upright.getpixel((300, 10))
        assert red > 200 and green < 90
        assert upright.getpixel((10, 10))[1] > 200  # white (the bottom-left was)


def test_a_small_picture_is_never_enlarged(app, ctx, make_product):
    product = make_product()
    assert images.add_image(product.id, png(700, 350), "a.png").sizes == [[320, 160],
                                                                        [640, 320]]
    assert images.add_image(product.id, png(200, 100), "b.png").sizes == [[200, 100]]


REFUSED = [
    pytest.param(jpeg(800, 600)[:4000], "cut.jpg", InvalidImage, "damaged", id="truncated-jpeg"),
    pytest.param(png(800, 600)[:-30], "cut.png", InvalidImage, "damaged", id="truncated-png"),
    pytest.param(SVG_WITH_SCRIPT, "logo.svg", InvalidImage, "SVG", id="svg-with-script"),
    pytest.param(b"  \n<?xml version='1.0'?>" + SVG_WITH_SCRIPT, "logo.png", InvalidImage,
                 "SVG", id="svg-named-png"),
    pytest.param(png_header_only(60_000, 60_000), "bomb.png", InvalidImage, "too many pixels",
                 id="60000x60000-bomb"),
    # Under Pillow's own limit, over the shop's: refused from the header, before decoding
    # (its pixels are not there, so decoding would have said "damaged").
    pytest.param(png_header_only(8_000, 8_000), "big.png", InvalidImage, "too many pixels",
                 id="64-megapixel-header"),
    pytest.param(b"Just some notes, not a photo.\n", "notes.jpg", InvalidImage, "damaged",
                 id="text-named-jpg"),
    pytest.param(b"", "empty.jpg", InvalidImage, "damaged", id="empty"),
    pytest.param(png(), "../../x.png", InvalidImage, "path", id="dot-dot-path"),
    pytest.param(png(), "a/b.png", InvalidImage, "path", id="slash-path"),
    pytest.param(png(), "a\\b.png", InvalidImage, "path", id="backslash-path"),
    pytest.param(png(), "", InvalidImage, "no name", id="no-name"),
    pytest.param(png() + b"\0" * (IMAGE_MAX_BYTES + 1 - len(png())), "huge.png",
                 PayloadTooLarge, "10 MB", id="over-10-MB"),
    pytest.param(png(8, 300), "thin.png", InvalidImage, "too small", id="8-px-wide"),
    pytest.param(png(1300, 100), "banner.png", InvalidImage, "long and thin", id="13-to-1"),
]


@pytest.mark.parametrize("data, name, error, words", REFUSED)
def test_a_refused_upload_changes_no_table_and_no_file(app, ctx, make_product, db_snapshot,
                                                       media_snapshot, data, name, error,
                                                       words):
    product = make_product()
    tables, files = db_snapshot(), media_snapshot()
    with pytest.raises(error) as refused:
        images.add_image(product.id, data, name)
    assert words in refused.value.detail
    assert refused.value.code == ("payload_too_large" if error is PayloadTooLarge
                                  else "invalid_image")
    assert changed_tables(tables, db_snapshot()) == set()
    assert media_snapshot() == files


def test_pillows_own_bomb_guard_is_a_refusal_too(app, ctx, make_product, monkeypatch,
                                                 db_snapshot, media_snapshot):
    """With Pillow's limit lowered below the shop's, Pillow refuses first (its warning is
    an error in the test run, its error past twice the limit): still InvalidImage."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    product = make_product()
    tables, files = db_snapshot(), media_snapshot()
    for data in (png(400, 300), png(700, 700)):  # 120,000 px: warning; 490,000: error
        with pytest.raises(InvalidImage, match="too many pixels"):
            images.add_image(product.id, data, "photo.png")
    assert db_snapshot() == tables and media_snapshot() == files


def test_an_unknown_product_stores_nothing(app, ctx, db_snapshot, media_snapshot):
    tables, files = db_snapshot(), media_snapshot()
    for product_id in (404, 0, -1, 2**40, "1"):
        with pytest.raises(ProductNotFound):
            images.add_image(product_id, png(), "photo.png")
    assert db_snapshot() == tables and media_snapshot() == files


def test_the_ninth_image_is_refused_and_stores_nothing(app, ctx, make_product, add_image,
                                                       db_snapshot, media_snapshot):
    product = make_product()
    for n in range(8):
        add_image(product.id, png(400 + n, 300))
    tables, files = db_snapshot(), media_snapshot()
    with pytest.raises(images.TooManyImages) as refused:
        images.add_image(product.id, png(500, 300), "ninth.png")
    assert refused.value.status == 409 and refused.value.code == "too_many_images"
    assert db_snapshot() == tables and media_snapshot() == files
    assert _count_and_rows(product.id) == (8, 8)


def test_a_failed_transaction_removes_the_files_it_wrote(app, ctx, make_product, monkeypatch,
                                                         db_snapshot, media_snapshot):
    """The files are written before the row commits; when the commit fails, they go again."""
    product = make_product()
    tables, files = db_snapshot(), media_snapshot()

    def broken_insert(*_args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(images, "_insert_image", broken_insert)
    with pytest.raises(RuntimeError):
        images.add_image(product.id, png(), "photo.png")
    assert db_snapshot() == tables and media_snapshot() == files


def test_the_same_upload_is_stored_once(app, ctx, make_product, media_snapshot):
    first, second = make_product(), make_product()
    data = jpeg(900, 600)
    before = media_snapshot()
    a = images.add_image(first.id, data, "a.jpg")
    b = images.add_image(second.id, data, "b.jpg")
    assert a.digest == b.digest and a.id != b.id
    assert len(media_snapshot()) == len(before) + 2  # 320 and 640 wide, once


def test_delete_keeps_files_another_image_uses_and_removes_the_last_ones(
        app, ctx, make_product, add_image, media_snapshot):
    first, second = make_product(), make_product()
    data = png(700, 500)
    before = media_snapshot()
    shared = add_image(first.id, data)
    again = add_image(second.id, data)
    stored = media_snapshot()
    images.delete_image(first.id, shared.id)
    assert media_snapshot() == stored  # the second product still shows it
    assert _count_and_rows(first.id) == (0, 0)
    images.delete_image(second.id, again.id)
    assert media_snapshot() == before
    assert _count_and_rows(second.id) == (0, 0)


def _order(product_id: int) -> list[tuple[int, int]]:
    return [tuple(row) for row in db.session.execute(
        select(ProductImage.id, ProductImage.position).where(ProductImage.product_id == product_id)
        .order_by(ProductImage.position))]


def test_move_make_main_alt_and_delete_keep_positions_0_to_n(app, ctx, make_product,
                                                             add_image):
    product = make_product()
    a, b, c, d = (add_image(product.id, png(400 + n, 300)).id for n in range(4))
    assert _order(product.id) == [(a, 0), (b, 1), (c, 2), (d, 3)]
    images.move_image(product.id, d, 1)
    assert _order(product.id) == [(a, 0), (d, 1), (b, 2), (c, 3)]
    images.make_main(product.id, c)
    assert _order(product.id) == [(c, 0), (a, 1), (d, 2), (b, 3)]
    images.move_image(product.id, c, 99)  # past the last: last
    assert _order(product.id) == [(a, 0), (d, 1), (b, 2), (c, 3)]
    images.set_alt(product.id, b, "  The lid  ")
    assert db.session.get(ProductImage, b).alt == "The lid"
    images.delete_image(product.id, a)  # the main one: the next takes its place
    assert _order(product.id) == [(d, 0), (b, 1), (c, 2)]
    shown = db.session.get(Product, product.id, populate_existing=True)
    assert shown.main_image.id == d and [i.id for i in shown.images] == [d, b, c]
    assert _count_and_rows(product.id) == (3, 3)


def test_changes_to_another_products_image_or_bad_values_are_refused(app, ctx, make_product,
                                                                     add_image, db_snapshot):
    mine, other = make_product(), make_product()
    image = add_image(mine.id)
    before = db_snapshot()
    for change in (lambda: images.make_main(other.id, image.id),
                   lambda: images.delete_image(other.id, image.id),
                   lambda: images.move_image(mine.id, image.id + 1, 0)):
        with pytest.raises(images.ImageNotFound):
            change()
    with pytest.raises(ProductNotFound):
        images.delete_image(999, image.id)
    for position in (-1, "1", 1.5, True):
        with pytest.raises(images.InvalidInput):
            images.move_image(mine.id, image.id, position)
    with pytest.raises(images.InvalidInput):
        images.set_alt(mine.id, image.id, "x" * 201)
    assert db_snapshot() == before


@pytest.mark.postgres
def test_ten_uploads_racing_for_two_free_slots_store_exactly_two(app, ctx, make_product,
                                                                 add_image, media_snapshot):
    product = make_product()
    for n in range(6):
        add_image(product.id, png(400 + n, 300))
    uploads = [(product.id, jpeg(500 + n, 400), f"race-{n}.jpg") for n in range(10)]
    before = media_snapshot()
    outcomes = run_concurrently(app, images.add_image, uploads, workers=10)
    assert outcome_counts(outcomes) == {"ok": 2, "too_many_images": 8}
    assert _count_and_rows(product.id) == (8, 8)
    assert [position for _, position in _order(product.id)] == list(range(8))
    # The losers' files are gone again; the winners' are there.
    winners = {image.digest for image in outcomes if isinstance(image, ProductImage)}
    added = set(media_snapshot()) - set(before)
    assert {name.split("/")[1].split("-")[0] for name in added} == winners


def test_a_delete_stands_when_its_files_cannot_be_removed(app, ctx, make_product, add_image,
                                                          monkeypatch, caplog):
    """The row is gone once the delete commits; a file the disk would not let go is logged
    and left behind, not turned into an error for a delete that happened."""
    product = make_product()
    image = add_image(product.id)

    def stuck(_digest):
        raise PermissionError("read-only volume")

    monkeypatch.setattr(images.storage, "remove_files", stuck)
    images.delete_image(product.id, image.id)
    assert _count_and_rows(product.id) == (0, 0)
    assert f"could not remove the files of {image.digest}" in caplog.text
