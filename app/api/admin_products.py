"""Admin product calls: POST /admin/products, PATCH /admin/products/{id} (admin token).

Bodies carry the Korean text (``name``, ``description``) and the optional English
(``name_en``, ``description_en``); the answer shows all four as stored, so an admin sees
what is written in each language rather than the request language's pick.
"""

from flask import g
from flask_babel import gettext

from app.api.common import admin_required, bp, json_body, only_fields
from app.api.openapi import SECURED, json_content, path_id, problem_responses, ref
from app.catalog import editing
from app.db import MAX_ID
from app.errors import InvalidInput

TEXT_FIELDS = ("name", "name_en", "description", "description_en")
CREATE_FIELDS = {"price", "stock", "category_id", *TEXT_FIELDS}
PATCH_FIELDS = {"price", "stock_delta", "reason", "category_id", *TEXT_FIELDS}


def product_json(product) -> dict:
    return {"id": product.id, "name": product.name, "name_en": product.name_en,
            "price": product.price, "stock": product.stock, "description": product.description,
            "description_en": product.description_en, "is_active": product.is_active,
            "category_id": product.category_id}


@bp.post("/admin/products")
@admin_required
def admin_create_product():
    body = json_body()
    only_fields(body, CREATE_FIELDS)
    for required in ("name", "price", "stock"):
        if required not in body:
            raise InvalidInput(gettext("'%(field)s' is required.", field=required),
                               field=required)
    product = editing.create_product(body["name"], body["price"], body["stock"],
                                     body.get("description", ""), actor_id=g.api_user_id,
                                     name_en=body.get("name_en"),
                                     description_en=body.get("description_en"),
                                     category_id=body.get("category_id"))
    return product_json(product), 201


@bp.patch(f"/admin/products/<int(max={MAX_ID}):product_id>")
@admin_required
def admin_patch_product(product_id: int):
    body = json_body()
    only_fields(body, PATCH_FIELDS)
    fields = {name: body[name] for name in ("price", "category_id", *TEXT_FIELDS)
              if name in body}
    product = editing.patch_product(product_id, fields, body.get("stock_delta"),
                                    body.get("reason"), actor_id=g.api_user_id)
    return product_json(product)


# The Korean name is required; the English text may be empty or null (none).
_TEXT_SCHEMAS = {
    "name": {"type": "string", "minLength": 1, "maxLength": editing.NAME_MAX,
             "description": "Korean name"},
    "name_en": {"type": ["string", "null"], "maxLength": editing.NAME_MAX,
                "description": "English name; empty or null: none (English readers see the "
                               "Korean)"},
    "description": {"type": "string", "maxLength": editing.DESCRIPTION_MAX,
                    "description": "Korean description"},
    "description_en": {"type": ["string", "null"], "maxLength": editing.DESCRIPTION_MAX,
                       "description": "English description; empty or null: none"},
}
_CATEGORY_ID_SCHEMA = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID,
                       "description": "The product's category (GET /categories); null: none. "
                                      "An unknown id is 422 invalid_input."}

OPENAPI_SCHEMAS = {
    "NewProduct": {
        "type": "object",
        "required": ["name", "price", "stock"],
        "additionalProperties": False,
        "properties": {
            **_TEXT_SCHEMAS,
            "category_id": _CATEGORY_ID_SCHEMA,
            "price": {"type": "integer", "minimum": 0, "maximum": editing.PRICE_MAX},
            "stock": {"type": "integer", "minimum": 0, "maximum": editing.STOCK_MAX,
                      "description": "Initial stock, recorded as an 'initial' stock movement."},
        },
    },
    "ProductPatch": {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            **_TEXT_SCHEMAS,
            "category_id": _CATEGORY_ID_SCHEMA,
            "price": {"type": "integer", "minimum": 0, "maximum": editing.PRICE_MAX},
            "stock_delta": {
                "type": "integer", "minimum": -editing.DELTA_MAX,
                "maximum": editing.DELTA_MAX, "not": {"const": 0},
                "description": "Added to the stock (a 'receipt' when positive, a 'correction' "
                               "when negative). The stock never goes below 0: 409 out_of_stock. "
                               "Requires 'reason'.",
            },
            "reason": {"type": "string", "minLength": 1, "maxLength": editing.REASON_MAX},
        },
        "dependentRequired": {"stock_delta": ["reason"], "reason": ["stock_delta"]},
    },
    "AdminProduct": {
        "type": "object",
        "required": ["id", "name", "name_en", "price", "stock", "description",
                     "description_en", "is_active", "category_id"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string", "description": "Korean"},
            "name_en": {"type": ["string", "null"], "description": "English, if written"},
            "price": {"type": "integer"}, "stock": {"type": "integer"},
            "description": {"type": "string", "description": "Korean"},
            "description_en": {"type": ["string", "null"], "description": "English, if written"},
            "is_active": {"type": "boolean", "description": "Shown in the shop."},
            "category_id": {"type": ["integer", "null"], "description": "Its category, if any"},
        },
    },
}

OPENAPI_PATHS = {
    "/admin/products": {
        "post": {
            "summary": "Create a product (admin)",
            "operationId": "adminCreateProduct",
            "security": SECURED,
            "requestBody": {"required": True, "content": json_content(ref("NewProduct"))},
            "responses": {
                "201": {"description": "Created", "content": json_content(ref("AdminProduct"))},
                **problem_responses(400, 401, 403, 422),
            },
        }
    },
    "/admin/products/{product_id}": {
        "patch": {
            "summary": "Change a product's name, price or category, and/or adjust its stock "
                       "(admin)",
            "description": "All changes in one transaction: when the stock change is refused, "
                           "nothing else changes either.",
            "operationId": "adminPatchProduct",
            "security": SECURED,
            "parameters": [path_id("product_id", minimum=1, maximum=MAX_ID)],
            "requestBody": {"required": True, "content": json_content(ref("ProductPatch"))},
            "responses": {
                "200": {"description": "The product after the change",
                        "content": json_content(ref("AdminProduct"))},
                **problem_responses(400, 401, 403, 404, 409, 422),
            },
        }
    },
}
