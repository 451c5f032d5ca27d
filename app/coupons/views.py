"""The coupons page: claimable coupons with the copies left, a Claim button, and my coupons."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from app.coupons import claims
from app.db import utcnow
from app.errors import DomainError
from app.formatting import format_local_time

bp = Blueprint("coupons", __name__)


@bp.get("/coupons")
def coupon_list():
    """Everyone sees the claimable coupons; a logged-in shopper also sees their own."""
    now = utcnow()
    mine, claimed = [], set()
    if current_user.is_authenticated:
        mine = claims.my_coupons(current_user.id, now)
        claimed = {owned.user_coupon.coupon_id for owned in mine}
    return render_template(
        "coupons/list.html", coupons=claims.list_claimable_coupons(now), mine=mine,
        claimed=claimed,
    )


@bp.post("/coupons/<int:coupon_id>/claim")
def claim(coupon_id: int):
    """Claim one copy; every outcome is a flash message back on the coupons page.

    Anonymous shoppers are sent to log in and then back to the list (not to this POST-only
    URL, which a browser would re-request with GET). The app-wide CSRF protection has
    already refused a POST without the page's token.
    """
    back = url_for("coupons.coupon_list")
    if not current_user.is_authenticated:
        flash(gettext("Please log in to claim coupons."), "info")
        return redirect(url_for("accounts.login", next=back))
    try:
        user_coupon = claims.claim_coupon(current_user.id, coupon_id)
    except DomainError as error:
        flash(error.detail, "danger")
    else:
        flash(gettext("%(coupon)s is yours. Use it by %(when)s.",
                      coupon=user_coupon.coupon.display_name,
                      when=format_local_time(user_coupon.expires_at)), "success")
    return redirect(back)
