"""Work in progress: replaced by the orders capability."""

from flask import Blueprint

bp = Blueprint("orders", __name__)


@bp.get("/orders")
def order_list():
    return "orders"


@bp.get("/orders/<int:order_id>")
def order_detail(order_id):
    return "order"
