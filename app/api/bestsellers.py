"""GET /products/best-sellers: the cached ranking, readable without a token.

A static path segment: werkzeug tries it before ``/products/<int:product_id>``, and the
``int`` converter would not match it anyway.
"""

from app.api.common import bp
from app.api.openapi import json_content, ref
from app.bestsellers.services import LIMIT, WINDOW_DAYS, best_sellers


@bp.get("/products/best-sellers")
def list_best_sellers():
    return {"items": best_sellers(), "window_days": WINDOW_DAYS}


OPENAPI_SCHEMAS = {
    "BestSeller": {
        "type": "object",
        "required": ["id", "name", "price", "stock", "units_sold"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "price": {"type": "integer", "minimum": 0, "description": "won"},
            "stock": {"type": "integer", "minimum": 0,
                      "description": "as of the cached computation"},
            "units_sold": {"type": "integer", "minimum": 1},
        },
    },
    "BestSellers": {
        "type": "object",
        "required": ["items", "window_days"],
        "properties": {
            "items": {"type": "array", "maxItems": LIMIT, "items": ref("BestSeller")},
            "window_days": {"type": "integer", "const": WINDOW_DAYS},
        },
    },
}

OPENAPI_PATHS = {
    "/products/best-sellers": {
        "get": {
            "summary": "Top products by units sold over the last shop days (cached)",
            "description": (
                f"At most {LIMIT} active products, most units first, ties by id; units from "
                f"paid, not-cancelled orders of the last {WINDOW_DAYS} calendar days in the "
                "shop's time zone. Served from a cache refreshed about every minute."
            ),
            "operationId": "listBestSellers",
            "responses": {
                "200": {"description": "The ranking",
                        "content": json_content(ref("BestSellers"))},
            },
        }
    },
}
