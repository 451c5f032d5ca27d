"""GET /categories: the shown category tree, readable without a token.

Names follow ``Accept-Language`` like product names (English falls back to Korean)."""

from app.api.common import bp
from app.api.openapi import json_content, ref
from app.catalog import shelves


def _node(category, children) -> dict:
    return {"id": category.id, "name": category.display_name, "slug": category.slug,
            "parent_id": category.parent_id, "children": children}


@bp.get("/categories")
def list_categories():
    return {"items": [
        _node(top.category, [_node(child, []) for child in top.children])
        for top in shelves.visible_tree()]}


OPENAPI_SCHEMAS = {
    "CategoryNode": {
        "type": "object",
        "required": ["id", "name", "slug", "parent_id", "children"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "slug": {"type": "string", "description": "Its page: /categories/{slug}"},
            "parent_id": {"type": ["integer", "null"],
                          "description": "null for a top category"},
            "children": {"type": "array", "items": ref("CategoryNode"),
                         "description": "Shown subcategories in order (empty below the top)"},
        },
    },
    "CategoryTree": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("CategoryNode")}},
    },
}

OPENAPI_PATHS = {
    "/categories": {
        "get": {
            "summary": "The shown categories: top ones in order, each with its subcategories",
            "operationId": "listCategories",
            "responses": {
                "200": {"description": "The category tree",
                        "content": json_content(ref("CategoryTree"))},
            },
        }
    },
}
