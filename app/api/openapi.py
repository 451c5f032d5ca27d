"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, assembled from every API module."""

from __future__ import annotations

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


def build_document() -> dict:
    import app.api as api_package

    paths: dict = {}
    schemas: dict = dict(BASE_SCHEMAS)
    for info in pkgutil.iter_modules(api_package.__path__):
        module = importlib.import_module(f"app.api.{info.name}")
        for path, operations in getattr(module, "OPENAPI_PATHS", {}).items():
            paths.setdefault(path, {}).update(operations)
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
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
