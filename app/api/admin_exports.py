"""GET /admin/exports: the outbox at a glance, for shop admins."""

from app.api.common import admin_required, bp, iso
from app.api.openapi import SECURED, json_content, problem_responses, ref
from app.exports.services import FAILED_SHOWN, export_summary


def failed_event(event) -> dict:
    return {"id": event.id, "order_id": event.order_id, "kind": event.kind,
            "attempts": event.attempts, "last_error": event.last_error,
            "created_at": iso(event.created_at), "enqueued_at": iso(event.enqueued_at)}


@bp.get("/admin/exports")
@admin_required
def admin_exports():
    summary = export_summary()
    return {"counts": summary["counts"],
            "oldest_pending_at": iso(summary["oldest_pending"]),
            "failed": [failed_event(event) for event in summary["failed"]]}


OPENAPI_SCHEMAS = {
    "ExportFailure": {
        "type": "object",
        "required": ["id", "order_id", "kind", "attempts", "last_error", "created_at",
                     "enqueued_at"],
        "properties": {
            "id": {"type": "integer"},
            "order_id": {"type": "integer"},
            "kind": {"type": "string", "enum": ["order_paid", "order_cancelled"]},
            "attempts": {"type": "integer", "minimum": 0},
            "last_error": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "enqueued_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "ExportSummary": {
        "type": "object",
        "required": ["counts", "oldest_pending_at", "failed"],
        "properties": {
            "oldest_pending_at": {
                "type": ["string", "null"], "format": "date-time",
                "description": "When the oldest event still pending was written; null when "
                               "none is pending. Old means delivery is stuck.",
            },
            "counts": {
                "type": "object",
                "required": ["pending", "delivered", "failed"],
                "properties": {status: {"type": "integer", "minimum": 0}
                               for status in ("pending", "delivered", "failed")},
            },
            "failed": {"type": "array", "maxItems": FAILED_SHOWN,
                       "items": ref("ExportFailure")},
        },
    },
}

OPENAPI_PATHS = {
    "/admin/exports": {
        "get": {
            "summary": "Export outbox: counts by status and the failed events (admin)",
            "description": f"The {FAILED_SHOWN} most recent failed events, newest first.",
            "operationId": "getExportSummary",
            "security": SECURED,
            "responses": {
                "200": {"description": "The outbox summary",
                        "content": json_content(ref("ExportSummary"))},
                **problem_responses(401, 403),
            },
        }
    },
}
