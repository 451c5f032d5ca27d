"""A product's images: add, reorder, pick the main one, describe, delete. Every write to
``product_images`` and to ``products.image_count`` is here, for the pages, the API and the
demo seed alike.

Rules:
- At most ``MAX_IMAGES_PER_PRODUCT`` images: an upload claims a slot with a compare-and-set
  on ``image_count < MAX_IMAGES_PER_PRODUCT`` in the transaction that inserts its row, so
  uploads racing for the last slots can never pass the limit, and ``image_count`` always
  equals the product's rows.
- Positions are 0, 1, 2, … in the order shown; the first is the main image. Every change
  of order takes the product's row lock first, so two admins reordering at once queue up.
- Files are named by the upload's content hash (app/media/storage.py), so one picture
  uploaded twice, to one product or two, is stored once. They are written before the row
  commits; when the transaction fails, or an image is deleted, files that no row refers to
  any more are removed.
"""

from __future__ import annotations

import logging

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select

from app.catalog.editing import check_product_id, check_text
from app.catalog.models import MAX_IMAGES_PER_PRODUCT, Product, ProductImage
from app.catalog.stock import no_such_product
from app.db import is_id, retry_on_conflict, transaction
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.media import images as processing
from app.media import storage
from app.writes import compare_and_set, constant

log = logging.getLogger(__name__)

ALT_MAX = 200
WRITE_ATTEMPTS = 5


class TooManyImages(Conflict):
    code = "too_many_images"
    title = lazy_gettext("Too many images")
    field = "file"


class ImageNotFound(NotFound):
    code = "image_not_found"
    title = lazy_gettext("Image not found")


def check_alt(value) -> str:
    """What the picture shows, for screen readers: text of at most ``ALT_MAX`` characters;
    empty means pages use the product's name."""
    return "" if value is None else check_text(value, "alt", ALT_MAX)


def _too_many() -> TooManyImages:
    return TooManyImages(gettext("A product has at most %(limit)s images: delete one first. "
                                 "Nothing was stored.", limit=MAX_IMAGES_PER_PRODUCT))


def add_image(product_id: int, data: bytes, filename: str, alt: str = "") -> ProductImage:
    """Store an uploaded picture as the product's last image and return it.

    Refusals change nothing, on disk or in the database: ``ProductNotFound``,
    ``InvalidImage`` (422: not a JPEG/PNG/WebP, damaged, too many pixels, a path in the
    file name), ``PayloadTooLarge`` (413: over 10 MB), ``TooManyImages`` (409).
    """
    product_id = check_product_id(product_id)
    alt = check_alt(alt)
    # Cheap refusals before the decoding work; the compare-and-set below is the authority.
    count = db.session.scalar(select(Product.image_count).where(Product.id == product_id))
    if count is None:
        raise no_such_product(product_id)
    if count >= MAX_IMAGES_PER_PRODUCT:
        raise _too_many()
    processed = processing.process(data, filename)
    storage.write_files(processed.digest, processed.files)
    try:
        image = _insert_image(product_id, processed, alt)
    except BaseException:
        _remove_if_unreferenced(processed.digest)
        raise
    # A delete of another image with the same picture, committed while this upload ran,
    # may have removed the files after they were written: put back what is missing.
    missing = storage.missing_widths(processed.digest, processed.files)
    if missing:
        storage.write_files(processed.digest, {width: processed.files[width]
                                               for width in missing})
    return image


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def _insert_image(product_id: int, processed: processing.ProcessedImage,
                  alt: str) -> ProductImage:
    with transaction() as uow:
        claimed = uow.session.execute(compare_and_set(
            Product, (Product.id == product_id,
                      Product.image_count < constant(MAX_IMAGES_PER_PRODUCT)),
            {"image_count": Product.image_count + constant(1)}).returning(Product.id)
        ).one_or_none()
        if claimed is None:
            exists = uow.session.scalar(select(Product.id).where(Product.id == product_id))
            raise _too_many() if exists else no_such_product(product_id)
        # The claim holds the product's row lock: no other write of its images runs now.
        last = uow.session.scalar(select(func.max(ProductImage.position))
                                  .where(ProductImage.product_id == product_id))
        image = ProductImage(product_id=product_id, position=0 if last is None else last + 1,
                             digest=processed.digest, sizes=processed.sizes, alt=alt)
        uow.session.add(image)
        uow.session.flush()
    return image


def _remove_if_unreferenced(digest: str) -> None:
    """Runs after a failed upload or a committed delete: neither may fail because of it (the
    upload's own error, or the done delete, is what the caller must hear), and a file left
    behind costs only disk space."""
    try:
        used = db.session.scalar(select(ProductImage.id).where(ProductImage.digest == digest)
                                 .limit(1))
        if used is None:
            storage.remove_files(digest)
    except Exception:
        log.exception("could not remove the files of %s", digest)


def _locked_images(session, product_id: int) -> list[ProductImage]:
    """The product's images in order, after taking its row lock (PostgreSQL; SQLite's
    writers queue anyway), so that positions are renumbered by one writer at a time."""
    locked = session.scalar(select(Product.id).where(Product.id == product_id)
                            .with_for_update())
    if locked is None:
        raise no_such_product(product_id)
    return list(session.scalars(select(ProductImage).where(ProductImage.product_id == product_id)
                                .order_by(ProductImage.position, ProductImage.id)))


def _image_in(images: list[ProductImage], image_id) -> ProductImage:
    for image in images:
        if image.id == image_id:
            return image
    raise ImageNotFound(gettext("This product has no image #%(id)s.", id=image_id))


def _renumber(images: list[ProductImage]) -> None:
    for position, image in enumerate(images):
        if image.position != position:
            image.position = position


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def update_image(product_id: int, image_id: int, *, position=None, alt=None,
                 main: bool = False) -> ProductImage:
    """Change an image's place, its alt text, or make it the main one, in one transaction.

    ``position`` is its 0-based place among the product's images (past the last: last);
    ``main=True`` is position 0 and wins over ``position``. The others keep their order.
    """
    product_id = check_product_id(product_id)
    if not is_id(image_id):
        raise ImageNotFound(gettext("This product has no image #%(id)s.", id=image_id))
    if position is not None and (type(position) is not int or position < 0):
        raise InvalidInput(gettext("A position is a whole number from 0."), field="position")
    alt = None if alt is None else check_alt(alt)
    if main:
        position = 0
    with transaction() as uow:
        images = _locked_images(uow.session, product_id)
        image = _image_in(images, image_id)
        if alt is not None:
            image.alt = alt
        if position is not None:
            images.remove(image)
            images.insert(min(position, len(images)), image)
            _renumber(images)
        uow.session.flush()
    return image


def move_image(product_id: int, image_id: int, position: int) -> ProductImage:
    return update_image(product_id, image_id, position=position)


def make_main(product_id: int, image_id: int) -> ProductImage:
    return update_image(product_id, image_id, main=True)


def set_alt(product_id: int, image_id: int, alt: str) -> ProductImage:
    return update_image(product_id, image_id, alt=alt)


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def delete_image(product_id: int, image_id: int) -> None:
    """Remove the image (the next one becomes main when it was); its files go once the
    delete has committed and no other image, of this product or another, shows the same
    picture."""
    product_id = check_product_id(product_id)
    if not is_id(image_id):
        raise ImageNotFound(gettext("This product has no image #%(id)s.", id=image_id))
    with transaction() as uow:
        images = _locked_images(uow.session, product_id)
        image = _image_in(images, image_id)
        images.remove(image)
        uow.session.delete(image)
        _renumber(images)
        uow.session.execute(compare_and_set(
            Product, (Product.id == product_id, Product.image_count > constant(0)),
            {"image_count": Product.image_count - constant(1)}))
        digest = image.digest
        uow.after_commit(lambda: _remove_if_unreferenced(digest))
