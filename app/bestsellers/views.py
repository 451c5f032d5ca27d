"""The best-sellers page, and the ``best_sellers()`` template global the home page uses."""

from flask import Blueprint, render_template

from app.bestsellers.services import WINDOW_DAYS, best_sellers

bp = Blueprint("bestsellers", __name__)


@bp.app_template_global("best_sellers")
def best_sellers_global() -> list[dict]:
    """Lets ``bestsellers/_section.html`` render on any page without the view passing data."""
    return best_sellers()


@bp.get("/best-sellers")
def best_seller_list():
    """The top products of the last few shop days, from the cache."""
    return render_template("bestsellers/list.html", items=best_sellers(),
                           window_days=WINDOW_DAYS)
