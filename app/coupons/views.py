"""Work in progress: replaced by the coupons capability."""

from flask import Blueprint

bp = Blueprint("coupons", __name__)


@bp.get("/coupons")
def coupon_list():
    return "coupons"
