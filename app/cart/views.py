"""The cart page and the add-to-cart form every product page carries."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import format_number, gettext
from flask_login import current_user, login_required

from app.cart import services
from app.cart.forms import AddToCartForm, CartQuantityForm
from app.catalog.stock import ProductNotFound
from app.errors import DomainError

bp = Blueprint("cart", __name__)


def _render_cart(status: int = 200, *, failed_line: int | None = None, failed_form=None):
    """The cart page; a refused quantity change shows next to its own line."""
    return render_template(
        "cart/cart.html", cart=services.cart_for(current_user.id),
        failed_line=failed_line, failed_form=failed_form,
    ), status


@bp.get("/cart")
@login_required
def view_cart():
    return _render_cart()


@bp.post("/cart/add/<int:product_id>")
@login_required
def add_item(product_id: int):
    """Add from a product page. A refusal goes back to that page with the reason, because
    that is where the shopper can pick another quantity; success goes to the cart."""
    form = AddToCartForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(str(errors[0]), "danger")
            break
        return redirect(url_for("catalog.product_detail", product_id=product_id))
    try:
        name, held = services.add_to_cart(current_user.id, product_id, form.quantity.data)
    except ProductNotFound as error:
        flash(error.detail, "danger")
        return redirect(url_for("catalog.product_list"))
    except DomainError as error:
        flash(error.detail, "danger")
        return redirect(url_for("catalog.product_detail", product_id=product_id))
    flash(gettext("Added %(quantity)s × %(name)s to your cart (%(held)s in the cart now).",
                  quantity=format_number(form.quantity.data), name=name,
                  held=format_number(held)), "success")
    return redirect(url_for("cart.view_cart"))


@bp.post("/cart/items/<int:product_id>")
@login_required
def update_item(product_id: int):
    form = CartQuantityForm()
    if form.validate_on_submit():
        try:
            services.set_cart_quantity(current_user.id, product_id, form.quantity.data)
        except services.CartLineNotFound as error:
            # Removed in another tab: there is no line left to show the message next to.
            flash(error.detail, "danger")
            return redirect(url_for("cart.view_cart"))
        except DomainError as error:
            form.quantity.errors = [*form.quantity.errors, error.detail]
        else:
            flash(gettext("Quantity updated."), "success")
            return redirect(url_for("cart.view_cart"))
    return _render_cart(422, failed_line=product_id, failed_form=form)


@bp.post("/cart/items/<int:product_id>/remove")
@login_required
def remove_item(product_id: int):
    # CSRFProtect has already checked the token; there is nothing else to validate.
    services.remove_from_cart(current_user.id, product_id)
    flash(gettext("Removed from your cart."), "info")
    return redirect(url_for("cart.view_cart"))
