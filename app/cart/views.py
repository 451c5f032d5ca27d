"""Work in progress: replaced by the cart capability."""

from flask import Blueprint

bp = Blueprint("cart", __name__)


@bp.get("/cart")
def view_cart():
    return "cart"
