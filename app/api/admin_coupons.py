"""Admin: POST /admin/coupons, PATCH /admin/coupons/{id}.

A coupon's name is Korean (``name``, required) with an optional English ``name_en``; the
answer shows both as stored, whatever language the request asks for.
"""

from datetime import datetime

from flask_babel import gettext

from app.api.common import admin_required, bp, iso, json_body
from app.api.coupons import coupon_json
from app.api.openapi import SECURED, json_content, path_id, problem_responses, ref
from app.coupons import admin as coupons
from app.errors import InvalidInput

_OPTIONAL = {"max_discount": None, "min_order_amount": 0, "starts_at": None, "ends_at": None,
             "valid_days": 7, "name_en": None}


def admin_coupon_json(coupon) -> dict:
    return {**coupon_json(coupon), "name": coupon.name, "name_en": coupon.name_en,
            "valid_days": coupon.valid_days, "status": coupon.status,
            "created_at": iso(coupon.created_at)}


def _parse_moment(body: dict, name: str):
    """An ISO 8601 string with an offset (or null) → an aware datetime, else 422."""
    value = body.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(gettext("'%(field)s' must be an ISO 8601 date-time with an offset, "
                                   "e.g. 2026-12-01T00:00:00+09:00.", field=name), field=name)
    return moment


@bp.post("/admin/coupons")
@admin_required
def create_coupon():
    body = json_body()
    fields = {name: body.get(name, default) for name, default in _OPTIONAL.items()}
    fields.update(starts_at=_parse_moment(body, "starts_at"),
                  ends_at=_parse_moment(body, "ends_at"))
    coupon = coupons.create_coupon(
        name=body.get("name"), discount_type=body.get("discount_type"),
        discount_value=body.get("discount_value"), quantity=body.get("quantity"), **fields,
    )
    return admin_coupon_json(coupon), 201


@bp.patch("/admin/coupons/<int:coupon_id>")
@admin_required
def update_coupon(coupon_id: int):
    body = json_body()
    coupon = coupons.set_coupon_status(coupon_id, body.get("status"))
    return admin_coupon_json(coupon)


OPENAPI_SCHEMAS = {
    "NewCoupon": {
        "type": "object",
        "required": ["name", "discount_type", "discount_value", "quantity"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 120,
                     "description": "Korean name"},
            "name_en": {"type": ["string", "null"], "maxLength": 120,
                        "description": "English name; empty or null: none (English readers "
                                       "see the Korean)"},
            "discount_type": {"type": "string", "enum": ["fixed", "percent"]},
            "discount_value": {"type": "integer", "minimum": 1,
                               "description": "Won for fixed; 1-100 for percent"},
            "max_discount": {"type": ["integer", "null"], "minimum": 1,
                             "description": "Cap in won; percent coupons only"},
            "min_order_amount": {"type": "integer", "minimum": 0, "default": 0,
                                 "description": "For a fixed discount: 0 (none) or at "
                                                "least discount_value"},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
            "starts_at": {"type": ["string", "null"], "format": "date-time",
                          "description": "From 2000-01-01 to 2200-01-01 (UTC)"},
            "ends_at": {"type": ["string", "null"], "format": "date-time",
                        "description": "After starts_at, by 2200-01-01 (UTC); claims allowed "
                                       "while starts_at <= now < ends_at"},
            "valid_days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 7,
                           "description": "How long a claimed copy stays usable"},
        },
    },
    "AdminCoupon": {
        "allOf": [ref("Coupon"), {
            "type": "object",
            "required": ["name_en", "valid_days", "status", "created_at"],
            "properties": {
                "name": {"type": "string", "description": "Korean, as stored"},
                "name_en": {"type": ["string", "null"], "description": "English, if written"},
                "valid_days": {"type": "integer"},
                "status": {"type": "string", "enum": ["active", "paused"]},
                "created_at": {"type": "string", "format": "date-time"},
            },
        }],
    },
    "CouponStatusChange": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["active", "paused"]}},
    },
}

OPENAPI_PATHS = {
    "/admin/coupons": {
        "post": {
            "summary": "Create a coupon (admin)",
            "operationId": "createCoupon",
            "security": SECURED,
            "requestBody": {"required": True, "content": json_content(ref("NewCoupon"))},
            "responses": {
                "201": {"description": "Created", "content": json_content(ref("AdminCoupon"))},
                **problem_responses(400, 401, 403, 422),
            },
        }
    },
    "/admin/coupons/{id}": {
        "patch": {
            "summary": "Pause or re-activate a coupon (admin)",
            "operationId": "updateCoupon",
            "security": SECURED,
            "parameters": [path_id()],
            "requestBody": {"required": True,
                            "content": json_content(ref("CouponStatusChange"))},
            "responses": {
                "200": {"description": "Updated", "content": json_content(ref("AdminCoupon"))},
                **problem_responses(400, 401, 403, 404, 422),
            },
        }
    },
}
