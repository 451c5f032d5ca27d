"""GET /products, GET /products/{id}: the catalog, readable without a token.

A product's ``name`` and ``description`` are in the language ``Accept-Language`` asks for
(English falls back to Korean where the shop wrote none), like the pages."""

from flask import request

from app.api.common import bp, int_arg
from app.api.openapi import json_content, path_id, problem_responses, ref
from app.catalog import services

DEFAULT_PER_PAGE = 20


def product_summary(product) -> dict:
    return {"id": product.id, "name": product.display_name, "price": product.price,
            "stock": product.stock}


@bp.get("/products")
def list_products():
    page = int_arg("page", 1, maximum=services.MAX_PAGE)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, maximum=services.MAX_PER_PAGE)
    result = services.list_products(request.args.get("q"), page, per_page)
    return {"items": [product_summary(p) for p in result.items],
            "page": result.page, "per_page": result.per_page, "total": result.total}


@bp.get("/products/<int:product_id>")
def get_product(product_id: int):
    product = services.get_product(product_id)
    return {**product_summary(product), "description": product.display_description}


_PRODUCT_PROPERTIES = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "price": {"type": "integer", "minimum": 0, "description": "won"},
    "stock": {"type": "integer", "minimum": 0},
}

OPENAPI_SCHEMAS = {
    "ProductSummary": {
        "type": "object",
        "required": list(_PRODUCT_PROPERTIES),
        "properties": _PRODUCT_PROPERTIES,
    },
    "Product": {
        "type": "object",
        "required": [*_PRODUCT_PROPERTIES, "description"],
        "properties": {**_PRODUCT_PROPERTIES, "description": {"type": "string"}},
    },
    "ProductPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": ref("ProductSummary")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": services.MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
        },
    },
}

OPENAPI_PATHS = {
    "/products": {
        "get": {
            "summary": "Active products, newest first, optionally searched",
            "operationId": "listProducts",
            "parameters": [
                {"name": "q", "in": "query", "required": False,
                 "description": ("Words that must all occur, in any order and any case, in the "
                                 "name or description (taken literally)"),
                 "schema": {"type": "string"}},
                {"name": "page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": services.MAX_PAGE,
                            "default": 1}},
                {"name": "per_page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1,
                            "maximum": services.MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}},
            ],
            "responses": {
                "200": {"description": "A page of products",
                        "content": json_content(ref("ProductPage"))},
                **problem_responses(422),
            },
        }
    },
    "/products/{id}": {
        "get": {
            "summary": "One active product",
            "operationId": "getProduct",
            "parameters": [path_id()],
            "responses": {
                "200": {"description": "The product", "content": json_content(ref("Product"))},
                **problem_responses(404),
            },
        }
    },
}
