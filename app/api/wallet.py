"""GET /wallet, POST /wallet/charges: the caller's points."""

from flask import g, request

from app.api.common import bp, int_arg, iso, json_body, token_required
from app.api.openapi import SECURED, json_content, problem_responses, ref
from app.idempotency import IDEMPOTENCY_KEY_MAX
from app.wallet import services

HISTORY_PER_PAGE = 20


@bp.get("/wallet")
@token_required
def get_wallet():
    user_id = g.api_user_id
    history = services.ledger_page(user_id, int_arg("page", 1), HISTORY_PER_PAGE)
    return {
        "balance": services.get_balance(user_id),
        "history": [
            {"id": entry.id, "kind": entry.kind, "amount": entry.amount,
             "balance_after": entry.balance_after, "created_at": iso(entry.created_at),
             "order_id": entry.order_id}
            for entry in history.items
        ],
    }


@bp.post("/wallet/charges")
@token_required
def create_charge():
    body = json_body()
    entry, created = services.charge_wallet(g.api_user_id, body.get("amount"),
                                            request.headers.get("Idempotency-Key"))
    # A replay answers what the first request answered: the balance that top-up left.
    return {
        "balance": entry.balance_after,
        "charge": {"id": entry.id, "amount": entry.amount, "created_at": iso(entry.created_at)},
    }, 201 if created else 200


OPENAPI_SCHEMAS = {
    "LedgerEntry": {
        "type": "object",
        "required": ["id", "kind", "amount", "balance_after", "created_at", "order_id"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": ["charge", "payment", "refund"]},
            "amount": {"type": "integer", "description": "signed won: + charge/refund, - payment"},
            "balance_after": {"type": "integer", "minimum": 0},
            "created_at": {"type": "string", "format": "date-time"},
            "order_id": {"type": ["integer", "null"]},
        },
    },
    "Wallet": {
        "type": "object",
        "required": ["balance", "history"],
        "properties": {
            "balance": {"type": "integer", "minimum": 0},
            "history": {"type": "array", "items": ref("LedgerEntry"),
                        "description": f"Newest first, {HISTORY_PER_PAGE} per page"},
        },
    },
    "NewCharge": {
        "type": "object",
        "required": ["amount"],
        "properties": {"amount": {"type": "integer", "minimum": services.MIN_CHARGE,
                                  "maximum": services.MAX_CHARGE}},
    },
    "Charge": {
        "type": "object",
        "required": ["balance", "charge"],
        "properties": {
            "balance": {"type": "integer", "minimum": 0},
            "charge": {
                "type": "object",
                "required": ["id", "amount", "created_at"],
                "properties": {"id": {"type": "integer"}, "amount": {"type": "integer"},
                               "created_at": {"type": "string", "format": "date-time"}},
            },
        },
    },
}

OPENAPI_PATHS = {
    "/wallet": {
        "get": {
            "summary": "My balance and ledger, newest first",
            "operationId": "getWallet",
            "security": SECURED,
            "parameters": [{"name": "page", "in": "query", "required": False,
                            "schema": {"type": "integer", "minimum": 1,
                                       "maximum": 1_000_000, "default": 1}}],
            "responses": {
                "200": {"description": "The wallet", "content": json_content(ref("Wallet"))},
                **problem_responses(401, 422),
            },
        }
    },
    "/wallet/charges": {
        "post": {
            "summary": "Top up my points (1 to 1,000,000 won, up to a balance of 100,000,000)",
            "operationId": "chargeWallet",
            "security": SECURED,
            "parameters": [{
                "name": "Idempotency-Key", "in": "header", "required": False,
                "description": "Replaying a key with the same amount returns the charge it "
                               "made (200), never a second one; with another amount it is "
                               "422 idempotency_key_reused.",
                "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]+$", "minLength": 1,
                           "maxLength": IDEMPOTENCY_KEY_MAX},
            }],
            "requestBody": {"required": True, "content": json_content(ref("NewCharge"))},
            "responses": {
                "201": {"description": "Charged", "content": json_content(ref("Charge"))},
                "200": {"description": "The charge this Idempotency-Key already made",
                        "content": json_content(ref("Charge"))},
                **problem_responses(400, 401, 409, 422),
            },
        }
    },
}
