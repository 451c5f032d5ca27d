"""Admin dashboard, coupons, orders and exports pages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_number, gettext

from app.admin import reports
from app.admin.blueprint import ID, bp
from app.admin.charts import sales_chart
from app.admin.forms import ActionForm, CouponForm, CouponStatusForm
from app.bestsellers.services import compute_best_sellers
from app.catalog import queries
from app.coupons import admin as coupons
from app.errors import DomainError, show_on_form
from app.exports import services as exports
from app.formatting import format_won_text
from app.i18n import current_locale
from app.orders import cancel as orders
from app.paging import page_arg

ORDERS_PER_PAGE = 25


@bp.get("")
def dashboard():
    """Sales of the last 14 days as a chart, today's orders, best sellers, low stock.

    Best sellers are computed fresh (not the shop's cached ranking): admins should see the
    effect of an order or a cancellation at once.
    """
    points = reports.daily_sales()
    today_rows, today_count, today_revenue = reports.todays_orders()
    locale = current_locale()
    chart = sales_chart(points, day_label=lambda day: format_skeleton("Md", day, locale=locale))
    return render_template(
        "admin/dashboard.html", points=points, chart=chart,
        today_rows=today_rows, today_count=today_count, today_revenue=today_revenue,
        best_sellers=compute_best_sellers(),
        low_stock=queries.low_stock_products(queries.LOW_STOCK_DEFAULT),
        low_stock_threshold=queries.LOW_STOCK_DEFAULT,
    )


# --- coupons ----------------------------------------------------------------------------


def _shop_moment(value: datetime | None) -> datetime | None:
    """A wall-clock time typed in the shop's time zone, as an aware datetime."""
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(current_app.config["SHOP_TIMEZONE"]))


def _coupons_page(form: CouponForm, status: int = 200):
    return render_template("admin/coupons.html", form=form, rows=reports.coupon_rows(),
                           status_form=CouponStatusForm()), status


@bp.get("/coupons")
def coupon_list():
    """Every coupon with claimed and used counts, pause/resume buttons and the create form."""
    return _coupons_page(CouponForm())


@bp.post("/coupons")
def create_coupon():
    form = CouponForm()
    if form.validate_on_submit():
        try:
            coupon = coupons.create_coupon(
                name=form.name.data, name_en=form.name_en.data,
                discount_type=form.discount_type.data,
                discount_value=form.discount_value.data, max_discount=form.max_discount.data,
                min_order_amount=form.min_order_amount.data, quantity=form.quantity.data,
                starts_at=_shop_moment(form.starts_at.data),
                ends_at=_shop_moment(form.ends_at.data), valid_days=form.valid_days.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(gettext("Created coupon %(name)s (%(copies)s copies).", name=coupon.name,
                          copies=format_number(coupon.quantity)), "success")
            return redirect(url_for("admin.coupon_list"))
    return _coupons_page(form, 422)


@bp.post(f"/coupons/<{ID}:coupon_id>/status")
def coupon_status(coupon_id: int):
    """Pause or resume a coupon (``status`` = ``paused`` or ``active``)."""
    form = CouponStatusForm()
    if not form.validate_on_submit():
        flash(gettext("Choose pause or resume."), "danger")
        return redirect(url_for("admin.coupon_list"))
    coupon = coupons.set_coupon_status(coupon_id, form.status.data)
    if coupon.status == "paused":
        flash(gettext("%(name)s is paused.", name=coupon.name), "success")
    else:
        flash(gettext("%(name)s is active again.", name=coupon.name), "success")
    return redirect(url_for("admin.coupon_list"))


# --- orders -----------------------------------------------------------------------------


@bp.get("/orders")
def order_list():
    """Orders, newest first, filtered by status, shop-day range and shopper email."""
    filters, errors = reports.parse_order_filter(request.args)
    for error in errors:
        flash(error, "warning")
    page = page_arg()
    rows, total = reports.order_page(filters, page, ORDERS_PER_PAGE)
    pages = max((total + ORDERS_PER_PAGE - 1) // ORDERS_PER_PAGE, 1)
    return render_template("admin/orders.html", rows=rows, total=total, page=page,
                           pages=pages, filters=filters, statuses=reports.ORDER_STATUSES)


@bp.get(f"/orders/<{ID}:order_id>")
def order_detail(order_id: int):
    """Any shopper's order: lines, payment, coupon, export events and a cancel button."""
    return render_template("admin/order.html", detail=reports.order_detail(order_id),
                           form=ActionForm())


@bp.post(f"/orders/<{ID}:order_id>/cancel")
def cancel_order(order_id: int):
    """Cancel on the shopper's behalf: refund, coupon back, stock back (same service)."""
    form = ActionForm()
    if form.validate_on_submit():
        order = reports.order_detail(order_id).order
        try:
            orders.cancel_order(order.user_id, order_id, by_admin=True)
        except DomainError as error:
            flash(error.detail, "danger")
        else:
            flash(gettext("Order #%(id)s is cancelled; %(amount)s refunded.", id=order_id,
                          amount=format_won_text(order.total)), "success")
    return redirect(url_for("admin.order_detail", order_id=order_id))


# --- exports ----------------------------------------------------------------------------


@bp.get("/exports")
def export_list():
    """Outbox counts by status and the failed events with their last error."""
    summary = exports.export_summary()
    return render_template("admin/exports.html", counts=summary["counts"],
                           oldest_pending=summary["oldest_pending"],
                           failed=summary["failed"], form=ActionForm())


@bp.post(f"/exports/<{ID}:event_id>/retry")
def retry_export(event_id: int):
    form = ActionForm()
    if form.validate_on_submit():
        try:
            exports.retry_event(event_id)
        except DomainError as error:
            flash(error.detail, "danger")
        else:
            flash(gettext("Export event #%(id)s is queued again.", id=event_id), "success")
    return redirect(url_for("admin.export_list"))
