"""Admin product images, on the product page: upload, make main, move, delete.

Each action is a POST form (CSRF) that redirects back to the product page with a flash
(post/redirect/get); a refused upload shows the product page again with the form's error.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask_babel import gettext

from app.admin.blueprint import ID, bp
from app.admin.forms import ActionForm, ImageMoveForm, ImageUploadForm
from app.admin.inventory_views import product_page
from app.catalog import images
from app.errors import DomainError, show_on_form
from app.hostile_input import takes_body_up_to
from app.media.images import IMAGE_MAX_BYTES, UPLOAD_MAX_BODY

IMAGE = f"/products/<{ID}:product_id>/images/<{ID}:image_id>"


def _back_to_images(product_id: int):
    return redirect(url_for("admin.product", product_id=product_id, _anchor="images"))


@bp.post(f"/products/<{ID}:product_id>/images")
@takes_body_up_to(UPLOAD_MAX_BODY)
def upload_image(product_id: int):
    form = ImageUploadForm()
    status = 422
    if form.validate_on_submit():
        upload = form.file.data
        try:
            # One byte more than allowed is enough to know it is too large.
            images.add_image(product_id, upload.read(IMAGE_MAX_BYTES + 1),
                             upload.filename or "", form.alt.data or "")
        except DomainError as error:
            show_on_form(form, error)
            status = error.status
        else:
            flash(gettext("Image added."), "success")
            return _back_to_images(product_id)
    return product_page(product_id, status=status, image_form=form)


def _image_action(product_id: int, form, action: Callable[[], object], done: str):
    if not form.validate_on_submit():
        flash(gettext("That did not work: reload the page and try again. Nothing was "
                      "changed."), "danger")
    else:
        try:
            action()
        except DomainError as error:
            flash(error.detail, "danger")
        else:
            flash(done, "success")
    return _back_to_images(product_id)


@bp.post(f"{IMAGE}/main")
def make_main_image(product_id: int, image_id: int):
    return _image_action(product_id, ActionForm(),
                         lambda: images.make_main(product_id, image_id),
                         gettext("This is now the main image."))


@bp.post(f"{IMAGE}/move")
def move_image(product_id: int, image_id: int):
    form = ImageMoveForm()
    return _image_action(product_id, form,
                         lambda: images.move_image(product_id, image_id, form.position.data),
                         gettext("Image moved."))


@bp.post(f"{IMAGE}/delete")
def delete_image(product_id: int, image_id: int):
    return _image_action(product_id, ActionForm(),
                         lambda: images.delete_image(product_id, image_id),
                         gettext("Image deleted."))
