"""POST /users, POST /tokens, DELETE /tokens/current."""

from flask import g

from app.accounts import services as accounts
from app.api.common import bp, json_body, token_required
from app.api.openapi import SECURED, json_content, problem_responses, ref
from app.security import bearer_token


@bp.post("/users")
def create_user():
    body = json_body()
    user = accounts.register_user(body.get("email"), body.get("password"), body.get("name"))
    return {"id": user.id, "email": user.email, "name": user.name}, 201


@bp.post("/tokens")
def create_token():
    body = json_body()
    user = accounts.authenticate(body.get("email"), body.get("password"))
    return {"token": accounts.issue_token(user)}, 201


@bp.delete("/tokens/current")
@token_required
def revoke_current_token():
    accounts.revoke_token(bearer_token())
    g.pop("api_user_id", None)
    return "", 204


_NOT_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f"
NAME_PATTERN = f"^[^{_NOT_CONTROL}]*[^\\s{_NOT_CONTROL}][^{_NOT_CONTROL}]*$"

OPENAPI_SCHEMAS = {
    "NewUser": {
        "type": "object",
        "required": ["email", "password", "name"],
        "properties": {
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "password": {"type": "string", "minLength": 8, "maxLength": 128},
            # No control characters, and something besides spaces (names are trimmed).
            "name": {"type": "string", "minLength": 1, "maxLength": 80,
                     "pattern": NAME_PATTERN},
        },
    },
    "User": {
        "type": "object",
        "required": ["id", "email", "name"],
        "properties": {"id": {"type": "integer"}, "email": {"type": "string"},
                       "name": {"type": "string"}},
    },
    "Credentials": {
        "type": "object",
        "required": ["email", "password"],
        "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
    },
    "Token": {
        "type": "object",
        "required": ["token"],
        "properties": {"token": {"type": "string"}},
    },
}

OPENAPI_PATHS = {
    "/users": {
        "post": {
            "summary": "Sign up",
            "operationId": "createUser",
            "requestBody": {"required": True, "content": json_content(ref("NewUser"))},
            "responses": {
                "201": {"description": "Created", "content": json_content(ref("User"))},
                **problem_responses(400, 409, 422),
            },
        }
    },
    "/tokens": {
        "post": {
            "summary": "Log in: exchange credentials for a bearer token",
            "operationId": "createToken",
            "requestBody": {"required": True, "content": json_content(ref("Credentials"))},
            "responses": {
                "201": {"description": "Created", "content": json_content(ref("Token"))},
                **problem_responses(400, 401),
            },
        }
    },
    "/tokens/current": {
        "delete": {
            "summary": "Revoke the token used for this call",
            "operationId": "revokeToken",
            "security": SECURED,
            "responses": {"204": {"description": "Revoked"}, **problem_responses(401, 503)},
        }
    },
}
