"""POST /orders, GET /orders, GET /orders/{id}, POST /orders/{id}/cancel."""

from flask import g, request, url_for
from flask_babel import gettext

from app.api.common import bp, int_arg, iso, json_body, token_required
from app.api.openapi import SECURED, json_content, path_id, problem_responses, ref
from app.errors import InvalidInput
from app.orders import cancel, queries
from app.orders.checkout import place_order
from app.orders.placed import PlacedOrder
from app.idempotency import IDEMPOTENCY_KEY_MAX
from app.orders.rules import MAX_LINES
from app.orders.models import Order


def order_json(order: Order | PlacedOrder, *, balance: int | None = None) -> dict:
    body = {
        "id": order.id,
        "status": order.status,
        "subtotal": order.subtotal,
        "discount": order.discount,
        "total": order.total,
        "coupon_id": order.user_coupon_id,
        "items": [{"product_id": line.product_id, "name": line.name,
                   "unit_price": line.unit_price, "quantity": line.quantity}
                  for line in order.lines],
        "created_at": iso(order.created_at),
        "cancelled_at": iso(order.cancelled_at),
    }
    if balance is not None:
        body["balance"] = balance
    return body


def _items_from(body: dict) -> list[tuple]:
    """``[{"product_id", "quantity"}]`` as pairs; the values' rules are place_order's."""
    items = body.get("items")
    if not isinstance(items, list):
        raise InvalidInput(gettext(
            "'items' must be a list of {\"product_id\", \"quantity\"} objects."))
    pairs = []
    for item in items:
        if not isinstance(item, dict) or "product_id" not in item or "quantity" not in item:
            raise InvalidInput(gettext(
                "Each item is an object with 'product_id' and 'quantity'."))
        pairs.append((item["product_id"], item["quantity"]))
    return pairs


@bp.post("/orders")
@token_required
def create_order():
    body = json_body()
    order, created = place_order(
        g.api_user_id, _items_from(body), body.get("coupon_id"),
        request.headers.get("Idempotency-Key"),
    )
    response = order_json(order, balance=order.balance)
    headers = {"Location": url_for("api.get_order", order_id=order.id)}
    return response, 201 if created else 200, headers


@bp.get("/orders")
@token_required
def list_orders():
    page = queries.orders_page(g.api_user_id, int_arg("page", 1),
                                int_arg("per_page", 20, maximum=100))
    return {"items": [order_json(order) for order in page.items], "page": page.page,
            "per_page": page.per_page, "total": page.total}


@bp.get("/orders/<int:order_id>")
@token_required
def get_order(order_id: int):
    return order_json(queries.get_order(g.api_user_id, order_id))


@bp.post("/orders/<int:order_id>/cancel")
@token_required
def cancel_order(order_id: int):
    order = cancel.cancel_order(g.api_user_id, order_id)
    return order_json(order, balance=queries.balance_after(order, "refund"))


_ORDER_PROPERTIES = {
    "id": {"type": "integer"},
    "status": {"type": "string", "enum": ["paid", "cancelled"]},
    "subtotal": {"type": "integer", "description": "won"},
    "discount": {"type": "integer", "description": "won"},
    "total": {"type": "integer", "description": "won: subtotal − discount, paid in points"},
    "coupon_id": {"type": ["integer", "null"], "description": "the shopper's coupon used"},
    "items": {"type": "array", "items": ref("OrderItem")},
    "created_at": {"type": "string", "format": "date-time"},
    "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
}

OPENAPI_SCHEMAS = {
    "NewOrder": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array", "minItems": 1, "maxItems": MAX_LINES,
                "description": "Lines for the same product are added together.",
                "items": {
                    "type": "object",
                    "required": ["product_id", "quantity"],
                    "properties": {
                        "product_id": {"type": "integer", "minimum": 1},
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 10_000},
                    },
                },
            },
            "coupon_id": {"type": ["integer", "null"], "minimum": 1,
                          "description": "one of my claimed coupons (GET /me/coupons)"},
        },
    },
    "OrderItem": {
        "type": "object",
        "required": ["product_id", "name", "unit_price", "quantity"],
        "properties": {
            "product_id": {"type": "integer"},
            "name": {"type": "string", "description": "the name when bought"},
            "unit_price": {"type": "integer", "description": "won, the price when bought"},
            "quantity": {"type": "integer"},
        },
    },
    "Order": {
        "type": "object",
        "required": ["id", "status", "subtotal", "discount", "total", "items", "created_at"],
        "properties": _ORDER_PROPERTIES,
    },
    "OrderWithBalance": {
        "type": "object",
        "required": ["id", "status", "subtotal", "discount", "total", "items", "created_at",
                     "balance"],
        "properties": {**_ORDER_PROPERTIES,
                       "balance": {"type": "integer",
                                   "description": "my points right after this payment or refund"}},
    },
    "OrderPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {"items": {"type": "array", "items": ref("Order")},
                       "page": {"type": "integer"}, "per_page": {"type": "integer"},
                       "total": {"type": "integer"}},
    },
}

_ORDER_ID = path_id("order_id")

OPENAPI_PATHS = {
    "/orders": {
        "post": {
            "summary": "Buy with points: stock, coupon and points in one transaction",
            "operationId": "createOrder",
            "security": SECURED,
            "parameters": [{
                "name": "Idempotency-Key", "in": "header", "required": False,
                "description": "Replaying a key returns the order it made (200), "
                               "never a second one.",
                "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]+$", "minLength": 1,
                           "maxLength": IDEMPOTENCY_KEY_MAX},
            }],
            "requestBody": {"required": True, "content": json_content(ref("NewOrder"))},
            "responses": {
                "201": {"description": "Paid", "content": json_content(ref("OrderWithBalance"))},
                "200": {"description": "The order this Idempotency-Key already made",
                        "content": json_content(ref("OrderWithBalance"))},
                **problem_responses(400, 401, 404, 409, 422),
            },
        },
        "get": {
            "summary": "My orders, newest first",
            "operationId": "listOrders",
            "security": SECURED,
            "parameters": [
                {"name": "page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
                {"name": "per_page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            ],
            "responses": {"200": {"description": "OK", "content": json_content(ref("OrderPage"))},
                          **problem_responses(401, 422)},
        },
    },
    "/orders/{order_id}": {
        "get": {
            "summary": "One of my orders",
            "operationId": "getOrder",
            "security": SECURED,
            "parameters": [_ORDER_ID],
            "responses": {"200": {"description": "OK", "content": json_content(ref("Order"))},
                          **problem_responses(401, 404)},
        },
    },
    "/orders/{order_id}/cancel": {
        "post": {
            "summary": "Cancel a paid order: stock, points and coupon restored",
            "operationId": "cancelOrder",
            "security": SECURED,
            "parameters": [_ORDER_ID],
            "responses": {
                "200": {"description": "Cancelled",
                        "content": json_content(ref("OrderWithBalance"))},
                **problem_responses(401, 404, 409),
            },
        },
    },
}
