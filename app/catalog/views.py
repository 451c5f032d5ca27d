"""The product list (with search) and the product page."""

from flask import Blueprint, current_app, render_template, request

from app.catalog import services
from app.paging import page_arg

bp = Blueprint("catalog", __name__)


@bp.get("/products")
def product_list():
    """Active products, newest first; ``?q=`` searches names and descriptions, ``?page=``
    pages through."""
    q = request.args.get("q", "").strip()
    products = services.list_products(q, page_arg(), current_app.config["PER_PAGE"])
    return render_template("catalog/product_list.html", products=products, q=q)


@bp.get("/products/<int:product_id>")
def product_detail(product_id: int):
    """One product; an unknown or hidden one is the shop's 404 page (``ProductNotFound``)."""
    return render_template("catalog/product_detail.html",
                           product=services.get_product(product_id))
