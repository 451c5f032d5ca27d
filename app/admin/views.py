"""Work in progress: replaced by the admin capability."""

from flask import Blueprint

bp = Blueprint("admin", __name__)


@bp.get("/admin")
def dashboard():
    return "admin"
