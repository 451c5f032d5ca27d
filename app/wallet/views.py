"""The wallet page: balance, top-up form, ledger."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import DomainError, show_on_form
from app.wallet import services
from app.wallet.forms import TopUpForm

bp = Blueprint("wallet", __name__)


@bp.route("/wallet", methods=["GET", "POST"])
@login_required
def wallet():
    form = TopUpForm()
    if form.validate_on_submit():
        try:
            entry = services.charge_wallet(current_user.id, form.amount.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(f"Added {form.amount.data:,} won. Your balance is {entry.balance_after:,} won.",
                  "success")
            return redirect(url_for("wallet.wallet"))
    ledger = services.ledger_page(current_user.id, request.args.get("page", 1, type=int))
    return render_template(
        "wallet/wallet.html", form=form, ledger=ledger,
        balance=services.get_balance(current_user.id),
    ), 422 if form.errors else 200
