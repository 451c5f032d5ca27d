"""The wallet page: balance, top-up form, ledger."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import DomainError, show_on_form
from app.wallet import services
from app.wallet.forms import TopUpForm

bp = Blueprint("wallet", __name__)

# A page number beyond this would overflow the database's OFFSET (a 500 on SQLite and
# PostgreSQL alike); no wallet has anywhere near this many pages of history.
MAX_PAGE = 100_000
QUICK_AMOUNTS = (10_000, 50_000, 100_000)


def _page() -> int:
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)


@bp.route("/wallet", methods=["GET", "POST"])
@login_required
def wallet():
    """Show the balance and history; a valid top-up adds points and redirects (POST/redirect/GET).

    A refused top-up re-renders the page with status 422 and the reason under the amount box.
    """
    form = TopUpForm()
    if form.validate_on_submit():
        try:
            entry = services.charge_wallet(current_user.id, form.amount.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(f"Added ₩{form.amount.data:,}. Your balance is now ₩{entry.balance_after:,}.",
                  "success")
            return redirect(url_for("wallet.wallet"))
    ledger = services.ledger_page(current_user.id, _page())
    return render_template(
        "wallet/wallet.html", form=form, ledger=ledger, quick_amounts=QUICK_AMOUNTS,
        balance=services.get_balance(current_user.id),
    ), 422 if form.errors else 200
