"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, assembled from every API module."""

from __future__ import annotations

import copy
import importlib
import pkgutil

from flask import jsonify

from app.api.common import bp

PROBLEM = {"$ref": "#/components/responses/Problem"}


def problem_responses(*statuses: int) -> dict:
    return {str(status): PROBLEM for status in statuses}


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def path_id(name: str = "id", **schema) -> dict:
    """A whole-number id in the path, e.g. ``{product_id}``; ``schema`` adds bounds."""
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", **schema}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


SECURED = [{"bearerAuth": []}]

# Every operation answers in the language the client asks for (app/i18n.py): problem titles
# and details, product and coupon names. Codes, field names and values never change. The
# enum gives the fuzzer values clients send; the server takes any Accept-Language.
ACCEPT_LANGUAGE = {
    "name": "Accept-Language", "in": "header", "required": False,
    "description": "ko or en for the human text (problem title and detail, product and coupon "
                   "names; English falls back to Korean where the shop wrote none). Without "
                   "it, the shop's language (SHOP_LOCALE, Korean by default).",
    "schema": {"type": "string", "enum": ["ko", "en", "ko-KR", "en-US",
                                          "ko-KR,ko;q=0.9,en;q=0.8", "en-US,en;q=0.9"]},
}

BASE_SCHEMAS = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
        },
    },
}


# Any text the API takes, key or value, is refused with 422 when it holds a NUL character
# (app/hostile_input.py); the document says so on every operation that takes text and on
# every free-text schema.
NO_NUL = "^[^\\u0000]*$"
# What an object schema takes beyond its listed properties (the API ignores such fields, but
# refuses NUL in them like anywhere else).
ANY_JSON = {
    "description": "Any JSON value whose keys and strings hold no NUL character",
    "anyOf": [
        {"type": ["null", "boolean", "number"]},
        {"type": "string", "pattern": NO_NUL},
        {"type": "array", "items": {"$ref": "#/components/schemas/AnyJSON"}},
        {"type": "object", "propertyNames": {"pattern": NO_NUL},
         "additionalProperties": {"$ref": "#/components/schemas/AnyJSON"}},
    ],
}


def _types(node: dict) -> set:
    """A schema's types; empty for anything else (e.g. a ``properties`` map with a property
    named ``type``)."""
    kind = node.get("type")
    if isinstance(kind, str):
        return {kind}
    return {item for item in kind if isinstance(item, str)} if isinstance(kind, list) else set()


def _refuse_nul(root) -> None:
    """Adds ``NO_NUL``, in place, to every free-text string schema under ``root`` and to the
    keys of every object schema that takes more than its listed properties."""
    pending = [root]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        if "string" in _types(node) and not {"pattern", "format", "enum", "const"} & set(node):
            node["pattern"] = NO_NUL
        if "object" in _types(node) and node.get("additionalProperties", True) is True:
            node.update(propertyNames={"pattern": NO_NUL}, additionalProperties=ref("AnyJSON"))
        pending.extend(node.values())


def build_document() -> dict:
    import app.api as api_package

    paths: dict = {}
    schemas: dict = dict(BASE_SCHEMAS)
    for info in pkgutil.iter_modules(api_package.__path__):
        module = importlib.import_module(f"app.api.{info.name}")
        for path, operations in getattr(module, "OPENAPI_PATHS", {}).items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    # The modules' declarations stay as written; the additions go on a copy.
    paths, schemas = copy.deepcopy(paths), copy.deepcopy(schemas)
    for operations in paths.values():
        for operation in operations.values():
            operation["parameters"] = [*operation.get("parameters", ()), ACCEPT_LANGUAGE]
            queried = any(param["in"] == "query" for param in operation.get("parameters", ()))
            if queried or "requestBody" in operation:
                operation["responses"].setdefault("422", PROBLEM)
            if "requestBody" in operation:
                # Not JSON, nested too deeply, or over MAX_CONTENT_LENGTH.
                operation["responses"].setdefault("400", PROBLEM)
                operation["responses"].setdefault("413", PROBLEM)
    _refuse_nul([paths, schemas])
    schemas["AnyJSON"] = ANY_JSON
    return {
        "openapi": "3.1.0",
        "info": {"title": "Storefront API", "version": "1.0.0",
                 "description": "Points wallet, catalog, coupons and orders. Money is integer won."},
        "servers": [{"url": "/api/v1"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "responses": {
                "Problem": {
                    "description": "An RFC 9457 problem",
                    "content": {"application/problem+json": {"schema": ref("Problem")}},
                },
            },
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_document())
