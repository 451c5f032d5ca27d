"""GET /coupons, POST /coupons/{id}/claims, GET /me/coupons.

A coupon's ``name`` is in the language ``Accept-Language`` asks for (English falls back to
Korean)."""

from flask import g

from app.api.common import bp, iso, token_required
from app.api.openapi import SECURED, json_content, path_id, problem_responses, ref
from app.coupons import claims as coupons
from app.db import utcnow


def coupon_json(coupon) -> dict:
    """A coupon as the public list shows it."""
    return {
        "id": coupon.id,
        "name": coupon.display_name,
        "discount_type": coupon.discount_type,
        "discount_value": coupon.discount_value,
        "max_discount": coupon.max_discount,
        "min_order_amount": coupon.min_order_amount,
        "remaining": coupon.remaining,
        "quantity": coupon.quantity,
        "starts_at": iso(coupon.starts_at),
        "ends_at": iso(coupon.ends_at),
    }


@bp.get("/coupons")
@token_required
def list_coupons():
    return {"items": [coupon_json(c) for c in coupons.list_claimable_coupons(utcnow())]}


@bp.post("/coupons/<int:coupon_id>/claims")
@token_required
def claim_coupon(coupon_id: int):
    user_coupon = coupons.claim_coupon(g.api_user_id, coupon_id)
    return {
        "id": user_coupon.id,
        "coupon_id": user_coupon.coupon_id,
        "status": "available",
        "expires_at": iso(user_coupon.expires_at),
    }, 201


@bp.get("/me/coupons")
@token_required
def my_coupons():
    return {"items": [
        {
            "id": owned.user_coupon.id,
            "coupon_id": owned.user_coupon.coupon_id,
            "name": owned.coupon.display_name,
            "status": owned.status,
            "used_order_id": owned.user_coupon.used_order_id,
        }
        for owned in coupons.my_coupons(g.api_user_id, utcnow())
    ]}


_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}

OPENAPI_SCHEMAS = {
    "Coupon": {
        "type": "object",
        "required": ["id", "name", "discount_type", "discount_value", "max_discount",
                     "min_order_amount", "remaining", "quantity", "starts_at", "ends_at"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "discount_type": {"type": "string", "enum": ["fixed", "percent"]},
            "discount_value": {"type": "integer", "description": "Won, or percent (1-100)"},
            "max_discount": _NULLABLE_INT,
            "min_order_amount": {"type": "integer"},
            "remaining": {"type": "integer"},
            "quantity": {"type": "integer"},
            "starts_at": _NULLABLE_TIME,
            "ends_at": _NULLABLE_TIME,
        },
    },
    "CouponList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("Coupon")}},
    },
    "CouponClaim": {
        "type": "object",
        "required": ["id", "coupon_id", "status", "expires_at"],
        "properties": {
            "id": {"type": "integer", "description": "The shopper's own coupon id (for orders)"},
            "coupon_id": {"type": "integer"},
            "status": {"type": "string", "enum": ["available"]},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "MyCoupons": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "coupon_id", "name", "status", "used_order_id"],
            "properties": {
                "id": {"type": "integer"},
                "coupon_id": {"type": "integer"},
                "name": {"type": "string"},
                "status": {"type": "string", "enum": ["available", "paused", "used", "expired"],
                           "description": "paused: the shop paused the coupon; unusable "
                                          "until it resumes (the expiry still runs)"},
                "used_order_id": _NULLABLE_INT,
            },
        }}},
    },
}

OPENAPI_PATHS = {
    "/coupons": {
        "get": {
            "summary": "Claimable coupons (active, inside their claim window), with copies left",
            "operationId": "listCoupons",
            "security": SECURED,
            "responses": {
                "200": {"description": "OK", "content": json_content(ref("CouponList"))},
                **problem_responses(401),
            },
        }
    },
    "/coupons/{id}/claims": {
        "post": {
            "summary": "Claim one copy of a coupon, first come first served; one per shopper",
            "operationId": "claimCoupon",
            "security": SECURED,
            "parameters": [path_id()],
            "responses": {
                "201": {"description": "Claimed", "content": json_content(ref("CouponClaim"))},
                **problem_responses(401, 404, 409, 422),
            },
        }
    },
    "/me/coupons": {
        "get": {
            "summary": "My claimed coupons, newest first, with status",
            "operationId": "listMyCoupons",
            "security": SECURED,
            "responses": {
                "200": {"description": "OK", "content": json_content(ref("MyCoupons"))},
                **problem_responses(401),
            },
        }
    },
}
