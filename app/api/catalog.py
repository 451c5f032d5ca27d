"""GET /products, GET /products/{id}: the catalog, readable without a token.

A product's ``name`` and ``description`` are in the language ``Accept-Language`` asks for
(English falls back to Korean where the shop wrote none), like the pages. The list takes the
same choices as the shop's pages, read strictly (app/catalog/choices.py): a value outside the
document is 422 ``invalid_input`` naming the parameter; ``category`` names a shown category
(else 404 ``category_not_found``, as its page would be) and lists it with its subcategories.
"""

from flask import request

from app.api.common import bp, int_arg
from app.api.openapi import json_content, path_id, problem_responses, ref
from app.catalog import services, shelves
from app.catalog.choices import SORTS, ListChoices
from app.catalog.editing import PRICE_MAX
from app.db import MAX_ID

DEFAULT_PER_PAGE = 20


def image_json(image, *, alt: str | None = None) -> dict:
    """An image with every stored size. Admin answers show ``alt`` as stored (empty: pages
    use the product's name); product answers pass the text a page would read out."""
    return {"id": image.id, "alt": image.alt if alt is None else alt, "sizes": image.variants}


def product_summary(product, category) -> dict:
    """A product as lists show it: with ``category``, its category if shoppers can see it
    (else None, shown as null), and its images, main first, each in every stored size."""
    return {"id": product.id, "name": product.display_name, "price": product.price,
            "stock": product.stock,
            "category": {"id": category.id, "name": category.display_name} if category else None,
            "images": [image_json(image, alt=image.alt or product.display_name)
                       for image in product.images]}


@bp.get("/products")
def list_products():
    page = int_arg("page", 1, maximum=services.MAX_PAGE)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, maximum=services.MAX_PER_PAGE)
    choices = ListChoices.from_api_args(request.args)
    category_id = int_arg("category", None, maximum=MAX_ID)
    shelf = shelves.shelf_by_id(category_id) if category_id else None
    result = services.list_products(choices, page, per_page,
                                     category_ids=shelf.category_ids if shelf else None)
    # A category's list holds its own and its subcategories' products only, all shown: its
    # shelf knows them without reading the tree again.
    shown = ({category.id: category for category in shelf.categories} if shelf
             else shelves.shown_by_id())
    return {"items": [product_summary(p, shown.get(p.category_id)) for p in result.items],
            "page": result.page, "per_page": result.per_page, "total": result.total}


@bp.get("/products/<int:product_id>")
def get_product(product_id: int):
    product = services.get_product(product_id)
    category = product.category if shelves.is_shown(product.category) else None
    return {**product_summary(product, category), "description": product.display_description}


_PRODUCT_PROPERTIES = {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "price": {"type": "integer", "minimum": 0, "description": "won"},
    "stock": {"type": "integer", "minimum": 0},
    "category": {
        "description": "The product's category, null when it has none shown",
        "oneOf": [{"type": "null"}, {
            "type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}],
    },
    "images": {
        "type": "array",
        "description": "Main image first; alt is the product's name where the shop wrote none",
        "items": ref("ProductImage"),
    },
}

OPENAPI_SCHEMAS = {
    "ImageSize": {
        "type": "object",
        "required": ["width", "height", "url"],
        "properties": {"width": {"type": "integer", "minimum": 1},
                       "height": {"type": "integer", "minimum": 1},
                       "url": {"type": "string", "description": "A WebP file, cacheable for "
                                                                "a year"}},
    },
    "ProductImage": {
        "type": "object",
        "required": ["id", "alt", "sizes"],
        "properties": {
            "id": {"type": "integer"},
            "alt": {"type": "string", "description": "What the picture shows"},
            "sizes": {"type": "array", "items": ref("ImageSize"),
                      "description": "Every stored width, smallest first"},
        },
    },
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
            "summary": "Active products, sorted, filtered, optionally searched",
            "operationId": "listProducts",
            "parameters": [
                {"name": "q", "in": "query", "required": False,
                 "description": ("Words that must all occur, in any order and any case, in the "
                                 "name or description (taken literally)"),
                 "schema": {"type": "string"}},
                {"name": "category", "in": "query", "required": False,
                 "description": ("A shown category's id: its products and its shown "
                                 "subcategories' (404 category_not_found otherwise)"),
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}},
                {"name": "sort", "in": "query", "required": False,
                 "description": ("recommended: most units sold in the last "
                                 f"{services.RECOMMENDED_DAYS} shop days first; newest; "
                                 "price_asc; price_desc. Ties: newest first"),
                 "schema": {"type": "string", "enum": list(SORTS), "default": "recommended"}},
                {"name": "min_price", "in": "query", "required": False,
                 "description": ("Lowest price in won, inclusive (above max_price: nothing "
                                 "matches)"),
                 "schema": {"type": "integer", "minimum": 0, "maximum": PRICE_MAX}},
                {"name": "max_price", "in": "query", "required": False,
                 "description": "Highest price in won, inclusive",
                 "schema": {"type": "integer", "minimum": 0, "maximum": PRICE_MAX}},
                {"name": "in_stock", "in": "query", "required": False,
                 "description": "true: only products with stock left",
                 "schema": {"type": "boolean", "default": False}},
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
                **problem_responses(404, 422),
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
