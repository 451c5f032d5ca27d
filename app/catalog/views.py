"""The product lists (all products, a category, search results), the category tree and the
product page.

Both lists read the shopper's choices the lenient way (app/catalog/choices.py): whatever a
URL carries gives a page, never an error.
"""

from flask import Blueprint, current_app, render_template, request, url_for

from app.catalog import services, shelves
from app.catalog.choices import SORTS, ListChoices
from app.paging import page_arg

bp = Blueprint("catalog", __name__)


def _product_list(shelf: shelves.Shelf | None, endpoint: str, endpoint_args: dict):
    choices = ListChoices.from_page_args(request.args)
    products = services.list_products(
        choices, page_arg(), current_app.config["PER_PAGE"],
        category_ids=shelf.category_ids if shelf else None)

    def list_url(**overrides) -> str:
        return url_for(endpoint, **endpoint_args, **choices.url_args(**overrides))

    return render_template(
        "catalog/product_list.html", products=products, choices=choices, q=choices.q,
        sorts=SORTS, shelf=shelf, trail=shelves.trail(shelf.category) if shelf else [],
        endpoint=endpoint, link_args={**endpoint_args, **choices.url_args()},
        list_url=list_url,
        # An empty list suggests the category pages instead.
        tree=[] if products.items else shelves.visible_tree())


@bp.get("/products")
def product_list():
    """Active products, recommended first; ``?q=`` searches names and descriptions,
    ``?sort=``, ``?min_price=``, ``?max_price=``, ``?in_stock=1`` sort and filter, ``?page=``
    pages through."""
    return _product_list(None, "catalog.product_list", {})


@bp.get("/categories/<slug>")
def category_page(slug: str):
    """A shown category's products, its subcategories' included, with the same choices as
    the product list; an unknown or hidden category is the shop's 404 page."""
    shelf = shelves.shelf_by_slug(slug)
    return _product_list(shelf, "catalog.category_page", {"slug": slug})


@bp.get("/categories")
def category_tree():
    """Every shown category, top ones with their subcategories."""
    return render_template("catalog/categories.html", tree=shelves.visible_tree())


@bp.get("/products/<int:product_id>")
def product_detail(product_id: int):
    """One product; an unknown or hidden one is the shop's 404 page (``ProductNotFound``)."""
    product = services.get_product(product_id)
    return render_template("catalog/product_detail.html", product=product,
                           trail=shelves.trail(product.category))
