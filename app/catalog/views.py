"""Work in progress: replaced by the catalog capability."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)


@bp.get("/products")
def product_list():
    return "catalog"
