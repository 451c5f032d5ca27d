"""Admin product calls: POST /admin/products, PATCH /admin/products/{id} (admin token)."""

from flask import g

from app.api.common import admin_required, bp, json_body
from app.api.openapi import SECURED, json_content, path_id, problem_responses, ref
from app.catalog import editing
from app.db import MAX_ID
from app.errors import InvalidInput

CREATE_FIELDS = {"name", "price", "stock", "description"}
PATCH_FIELDS = {"name", "price", "stock_delta", "reason"}


def _only(body: dict, allowed: set[str]) -> None:
    """Unknown keys are refused: a typo such as ``"stock"`` in a PATCH must not pass silently."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(unknown)}. Allowed: "
                           f"{', '.join(sorted(allowed))}.")


def product_json(product) -> dict:
    return {"id": product.id, "name": product.name, "price": product.price,
            "stock": product.stock, "description": product.description,
            "is_active": product.is_active}


@bp.post("/admin/products")
@admin_required
def admin_create_product():
    body = json_body()
    _only(body, CREATE_FIELDS)
    for required in ("name", "price", "stock"):
        if required not in body:
            raise InvalidInput(f"'{required}' is required.", field=required)
    product = editing.create_product(body["name"], body["price"], body["stock"],
                                     body.get("description", ""), actor_id=g.api_user_id)
    return product_json(product), 201


@bp.patch(f"/admin/products/<int(max={MAX_ID}):product_id>")
@admin_required
def admin_patch_product(product_id: int):
    body = json_body()
    _only(body, PATCH_FIELDS)
    fields = {name: body[name] for name in ("name", "price") if name in body}
    product = editing.patch_product(product_id, fields, body.get("stock_delta"),
                                    body.get("reason"), actor_id=g.api_user_id)
    return product_json(product)


OPENAPI_SCHEMAS = {
    "NewProduct": {
        "type": "object",
        "required": ["name", "price", "stock"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": editing.NAME_MAX},
            "price": {"type": "integer", "minimum": 0, "maximum": editing.PRICE_MAX},
            "stock": {"type": "integer", "minimum": 0, "maximum": editing.STOCK_MAX,
                      "description": "Initial stock, recorded as an 'initial' stock movement."},
            "description": {"type": "string", "maxLength": editing.DESCRIPTION_MAX},
        },
    },
    "ProductPatch": {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": editing.NAME_MAX},
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
        "required": ["id", "name", "price", "stock", "description", "is_active"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "price": {"type": "integer"}, "stock": {"type": "integer"},
            "description": {"type": "string"},
            "is_active": {"type": "boolean", "description": "Shown in the shop."},
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
            "summary": "Change a product's name or price, and/or adjust its stock (admin)",
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
