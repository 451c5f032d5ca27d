"""Checkout, my orders, order detail and cancellation."""

from uuid import uuid4

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.cart.services import cart_for
from app.errors import Conflict, DomainError, show_on_form
from app.formatting import format_won_text
from app.coupons.queries import coupon_choices
from app.orders.cancel import cancel_order
from app.orders.checkout import place_order
from app.orders.queries import coupon_name, get_order, order_ledger, orders_page
from app.orders.forms import CheckoutForm
from app.paging import page_arg
from app.wallet.services import get_balance

bp = Blueprint("orders", __name__)


def _render_checkout(form: CheckoutForm, selected_coupon: int | None, status: int = 200):
    """The checkout summary for the cart as it is now, with ``selected_coupon`` applied
    when it is one of the shopper's coupons and fits this subtotal."""
    cart = cart_for(current_user.id)
    choices = coupon_choices(current_user.id, cart.subtotal)
    chosen = next((c for c in choices if c.id == selected_coupon and c.problem is None), None)
    if selected_coupon is not None and chosen is None and not form.coupon_id.errors:
        form.coupon_id.errors = [gettext("That coupon cannot be used on this order.")]
    discount = chosen.discount if chosen else 0
    total = cart.subtotal - discount
    balance = get_balance(current_user.id)
    form.coupon_id.data = chosen.id if chosen else None
    return render_template(
        "orders/checkout.html", form=form, cart=cart, choices=choices, chosen=chosen,
        discount=discount, total=total, balance=balance, balance_after=balance - total,
    ), status


@bp.get("/checkout")
@login_required
def checkout():
    form = CheckoutForm(idempotency_key=uuid4().hex)
    return _render_checkout(form, request.args.get("coupon", type=int))


@bp.post("/checkout")
@login_required
def pay():
    """Pay for the cart with points. A replayed page (same hidden key) lands on the order
    the first submission made instead of paying twice."""
    form = CheckoutForm()
    if form.validate_on_submit():
        try:
            order, created = place_order(
                current_user.id, cart_for(current_user.id).items, form.coupon_id.data,
                form.idempotency_key.data, from_cart=True,
                expected_total=form.expected_total.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            if created:
                flash(gettext("Thank you! Order #%(id)s is paid: %(total)s in points.",
                              id=order.id, total=format_won_text(order.total)), "success")
            else:
                flash(gettext("Order #%(id)s was already placed from this page; you were not "
                              "charged twice.", id=order.id), "info")
            return redirect(url_for("orders.order_detail", order_id=order.id))
    hidden_errors = [*form.idempotency_key.errors, *form.expected_total.errors]
    if hidden_errors:
        flash(str(hidden_errors[0]), "danger")
    if form.idempotency_key.errors or not form.idempotency_key.data:
        form.idempotency_key.data = uuid4().hex
    selected = form.coupon_id.data if not form.coupon_id.errors else None
    return _render_checkout(form, selected, 422)


@bp.get("/orders")
@login_required
def order_list():
    orders = orders_page(current_user.id, page_arg())
    return render_template("orders/order_list.html", orders=orders)


@bp.get("/orders/<int:order_id>")
@login_required
def order_detail(order_id):
    order = get_order(current_user.id, order_id)
    return render_template("orders/order_detail.html", order=order,
                           ledger=order_ledger(order),
                           coupon_name=coupon_name(order))


@bp.post("/orders/<int:order_id>/cancel")
@login_required
def cancel(order_id):
    """Cancel a paid order; someone else's order is the shop's 404 page."""
    try:
        order = cancel_order(current_user.id, order_id)
    except Conflict as error:
        flash(error.detail, "danger")
    else:
        flash(gettext("Order #%(id)s is cancelled; %(total)s is back in your points.",
                      id=order.id, total=format_won_text(order.total)), "success")
    return redirect(url_for("orders.order_detail", order_id=order_id))
