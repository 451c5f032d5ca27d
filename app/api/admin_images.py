"""Admin image calls: upload (multipart), change, delete a product's images (admin token).

    POST   /admin/products/{product_id}/images              field ``file``, optional ``alt``
    PATCH  /admin/products/{product_id}/images/{image_id}   {"position"?, "alt"?, "main"?}
    DELETE /admin/products/{product_id}/images/{image_id}
"""

from flask import request
from flask_babel import gettext

from app.api.catalog import image_json
from app.api.common import admin_required, bp, json_body, only_fields
from app.api.openapi import SECURED, json_content, path_id, problem_responses, ref
from app.catalog import images
from app.catalog.models import MAX_IMAGES_PER_PRODUCT
from app.db import MAX_ID
from app.errors import InvalidInput
from app.hostile_input import takes_body_up_to
from app.media.images import IMAGE_MAX_BYTES, UPLOAD_MAX_BODY

PATCH_FIELDS = {"position", "alt", "main"}
# Plain int, no max: PATCH and DELETE share this path, and werkzeug answers 405 to a DELETE
# whose id is past a converter's max when the PATCH rule also matches the path's shape. The
# service answers 404 for any id past the largest row id.
IMAGE = "/admin/products/<int:product_id>/images/<int:image_id>"


@bp.post(f"/admin/products/<int(max={MAX_ID}):product_id>/images")
@takes_body_up_to(UPLOAD_MAX_BODY)
@admin_required
def admin_upload_image(product_id: int):
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput(gettext("Send the image as the multipart/form-data field 'file'."),
                           field="file")
    # One byte more than allowed is enough to know it is too large.
    image = images.add_image(product_id, upload.read(IMAGE_MAX_BYTES + 1),
                             upload.filename or "", request.form.get("alt", ""))
    return image_json(image), 201


@bp.patch(IMAGE)
@admin_required
def admin_patch_image(product_id: int, image_id: int):
    body = json_body()
    only_fields(body, PATCH_FIELDS)
    main = body.get("main", False)
    if type(main) is not bool:
        raise InvalidInput(gettext("'main' is true or false."), field="main")
    image = images.update_image(product_id, image_id, position=body.get("position"),
                                alt=body.get("alt"), main=main)
    return image_json(image)


@bp.delete(IMAGE)
@admin_required
def admin_delete_image(product_id: int, image_id: int):
    images.delete_image(product_id, image_id)
    return "", 204


_IDS = [path_id("product_id", minimum=1, maximum=MAX_ID),
        path_id("image_id", minimum=1, maximum=MAX_ID)]

OPENAPI_SCHEMAS = {
    "ImageUpload": {
        "type": "object",
        "required": ["file"],
        "additionalProperties": False,
        "properties": {
            "file": {"type": "string", "format": "binary",
                     "description": "A JPEG, PNG or WebP image of at most 10 MB and 50 "
                                    "megapixels; its name may not hold a path"},
            "alt": {"type": "string", "maxLength": images.ALT_MAX,
                    "description": "What the picture shows, for screen readers"},
        },
    },
    "ImagePatch": {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "position": {"type": "integer", "minimum": 0,
                         "maximum": MAX_IMAGES_PER_PRODUCT - 1,
                         "description": "0-based place among the product's images (0 is the "
                                        "main one; past the last: last)"},
            "alt": {"type": "string", "maxLength": images.ALT_MAX},
            "main": {"type": "boolean",
                     "description": "true: make it the main image (position 0, over "
                                    "'position')"},
        },
    },
}

OPENAPI_PATHS = {
    "/admin/products/{product_id}/images": {
        "post": {
            "summary": "Upload an image of a product (admin)",
            "description": "Decoded and stored again as WebP in up to three widths, without "
                           "EXIF or location data; it goes last (the first is the main one). "
                           "At most 8 images a product: 409 too_many_images. Not a usable "
                           "image: 422 invalid_image. Over 10 MB: 413 payload_too_large.",
            "operationId": "adminUploadProductImage",
            "security": SECURED,
            "parameters": _IDS[:1],
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": ref("ImageUpload"),
                "encoding": {"file": {"contentType": "image/jpeg, image/png, image/webp"}}}}},
            "responses": {
                "201": {"description": "Stored", "content": json_content(ref("ProductImage"))},
                **problem_responses(400, 401, 403, 404, 409, 413, 422),
            },
        }
    },
    "/admin/products/{product_id}/images/{image_id}": {
        "patch": {
            "summary": "Move an image, make it the main one, or change its alt text (admin)",
            "operationId": "adminPatchProductImage",
            "security": SECURED,
            "parameters": _IDS,
            "requestBody": {"required": True, "content": json_content(ref("ImagePatch"))},
            "responses": {
                "200": {"description": "The image after the change",
                        "content": json_content(ref("ProductImage"))},
                **problem_responses(400, 401, 403, 404, 422),
            },
        },
        "delete": {
            "summary": "Delete an image (admin); its files go once no image uses them",
            "operationId": "adminDeleteProductImage",
            "security": SECURED,
            "parameters": _IDS,
            "responses": {"204": {"description": "Deleted"},
                          **problem_responses(401, 403, 404)},
        },
    },
}
