"""The home page."""

from flask import Blueprint, render_template

from app.catalog.choices import ListChoices
from app.catalog.services import list_products
from app.catalog.shelves import visible_tree

bp = Blueprint("shop", __name__)

HOME_PRODUCTS = 8


@bp.get("/")
def home():
    """A welcome, the top categories, the newest products, and (from the best-sellers
    capability) what sells."""
    newest = list_products(ListChoices(sort="newest"), page=1, per_page=HOME_PRODUCTS)
    return render_template("shop/home.html", products=newest.items, tree=visible_tree())


@bp.get("/healthz")
def healthz():
    """Liveness for load balancers: the process answers; no database, session or template."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
