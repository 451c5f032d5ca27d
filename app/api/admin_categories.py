"""Admin category calls: POST /admin/categories, PATCH and DELETE /admin/categories/{id}.

The same service as the admin pages (app/catalog/categories.py): a refusal is problem+json
with a stable code: 422 ``invalid_input`` (with the field in the detail), 404
``category_not_found``, 409 ``slug_taken``, ``category_not_empty`` or
``category_has_subcategories``. The answer shows both names as stored, whatever language the
request asks for.
"""

from flask_babel import gettext

from app.api.common import admin_required, bp, json_body, only_fields
from app.api.openapi import SECURED, json_content, path_id, problem_responses, ref
from app.catalog import categories, category_rules
from app.db import MAX_ID
from app.errors import InvalidInput

CREATE_FIELDS = {"name", "name_en", "parent_id", "slug", "is_visible"}
PATCH_FIELDS = {"name", "name_en", "parent_id", "slug", "is_visible", "position"}


def admin_category_json(category) -> dict:
    return {"id": category.id, "name": category.name, "name_en": category.name_en,
            "slug": category.slug, "parent_id": category.parent_id,
            "position": category.position, "is_visible": category.is_visible}


@bp.post("/admin/categories")
@admin_required
def admin_create_category():
    body = json_body()
    only_fields(body, CREATE_FIELDS)
    if "name" not in body:
        raise InvalidInput(gettext("'%(field)s' is required.", field="name"), field="name")
    category = categories.create_category(
        body["name"], name_en=body.get("name_en"), parent_id=body.get("parent_id"),
        slug=body.get("slug"), is_visible=body.get("is_visible", True))
    return admin_category_json(category), 201


# A plain int: an id past MAX_ID is the service's 404 (category_id_or_404). With
# int(max=…) on two methods of one path, werkzeug answers such an id 405 for one of them.
@bp.patch("/admin/categories/<int:category_id>")
@admin_required
def admin_patch_category(category_id: int):
    body = json_body()
    only_fields(body, PATCH_FIELDS)
    return admin_category_json(categories.update_category(category_id, **body))


@bp.delete("/admin/categories/<int:category_id>")
@admin_required
def admin_delete_category(category_id: int):
    categories.delete_category(category_id)
    return "", 204


# Something besides spaces, and (as everywhere, see app/api/openapi.py) no NUL.
_NAME = {"type": "string", "minLength": 1, "maxLength": category_rules.NAME_MAX,
         "pattern": r"^[^\u0000]*[^\s\u0000][^\u0000]*$", "description": "Korean name (trimmed)"}
_FIELDS = {
    "name": _NAME,
    "name_en": {"type": ["string", "null"], "maxLength": category_rules.NAME_MAX,
                "description": "English name; empty or null: none (English readers see the "
                               "Korean)"},
    "parent_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID,
                  "description": "A top category's id; null: this is a top category. "
                                 "Categories are two levels deep."},
    "slug": {"type": "string", "minLength": 1, "maxLength": category_rules.SLUG_MAX,
             "pattern": category_rules.SLUG_PATTERN.pattern.join("^$"),
             "description": "The category's address name; unique (409 slug_taken)."},
    "is_visible": {"type": "boolean", "description": "Shown in the shop."},
}

OPENAPI_SCHEMAS = {
    "NewCategory": {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {
            **_FIELDS,
            "slug": {**_FIELDS["slug"], "type": ["string", "null"],
                     "description": "Left out or null: made from name_en, else category-<n>. "
                                    "Unique (409 slug_taken)."},
        },
    },
    "CategoryPatch": {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": {
            **_FIELDS,
            "position": {"type": "integer", "minimum": 0,
                         "maximum": category_rules.POSITION_MAX,
                         "description": "Its place among its siblings, from 0; past the end: "
                                        "last. The siblings are renumbered 0..n-1."},
        },
    },
    "AdminCategory": {
        "type": "object",
        "required": ["id", "name", "name_en", "slug", "parent_id", "position", "is_visible"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string", "description": "Korean"},
            "name_en": {"type": ["string", "null"], "description": "English, if written"},
            "slug": {"type": "string"}, "parent_id": {"type": ["integer", "null"]},
            "position": {"type": "integer"}, "is_visible": {"type": "boolean"},
        },
    },
}

_ID = path_id("category_id", minimum=1, maximum=MAX_ID)

OPENAPI_PATHS = {
    "/admin/categories": {
        "post": {
            "summary": "Create a category (admin)",
            "description": "Last among its siblings. 409 slug_taken when another category has "
                           "the slug, also when it was created a moment ago.",
            "operationId": "adminCreateCategory",
            "security": SECURED,
            "requestBody": {"required": True, "content": json_content(ref("NewCategory"))},
            "responses": {
                "201": {"description": "Created", "content": json_content(ref("AdminCategory"))},
                **problem_responses(400, 401, 403, 409, 422),
            },
        }
    },
    "/admin/categories/{category_id}": {
        "patch": {
            "summary": "Rename, hide or show, move or reorder a category (admin)",
            "description": "A category with subcategories cannot go under another: 409 "
                           "category_has_subcategories.",
            "operationId": "adminPatchCategory",
            "security": SECURED,
            "parameters": [_ID],
            "requestBody": {"required": True, "content": json_content(ref("CategoryPatch"))},
            "responses": {
                "200": {"description": "The category after the change",
                        "content": json_content(ref("AdminCategory"))},
                **problem_responses(400, 401, 403, 404, 409, 422),
            },
        },
        "delete": {
            "summary": "Delete an empty category (admin)",
            "description": "Only without subcategories and products: else 409 "
                           "category_not_empty.",
            "operationId": "adminDeleteCategory",
            "security": SECURED,
            "parameters": [_ID],
            "responses": {
                "204": {"description": "Deleted"},
                **problem_responses(401, 403, 404, 409),
            },
        },
    },
}
