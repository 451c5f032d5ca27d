"""The wallet page: balance, top-up form, ledger."""

from uuid import uuid4

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from app.errors import DomainError, show_on_form
from app.formatting import format_won_text
from app.paging import page_arg
from app.wallet import services
from app.wallet.forms import TopUpForm
from app.wallet.models import MAX_BALANCE

bp = Blueprint("wallet", __name__)

QUICK_AMOUNTS = (10_000, 50_000, 100_000)


@bp.route("/wallet", methods=["GET", "POST"])
@login_required
def wallet():
    """Show the balance and history; a valid top-up adds points and redirects (POST/redirect/GET).

    A refused top-up re-renders the page with status 422 and the reason under the amount box.
    A page submitted again lands on the same answer without adding its points twice.
    """
    form = TopUpForm()
    if form.validate_on_submit():
        try:
            entry, created = services.charge_wallet(current_user.id, form.amount.data,
                                                    form.idempotency_key.data or None)
        except services.IdempotencyKeyReused:
            flash(gettext("This page already added points (see your history), so nothing more "
                          "was added. To top up again, submit the form once more."), "warning")
        except DomainError as error:
            show_on_form(form, error)
        else:
            if created:
                flash(gettext("Added %(amount)s. Your balance is now %(balance)s.",
                              amount=format_won_text(entry.amount),
                              balance=format_won_text(entry.balance_after)), "success")
            else:
                flash(gettext("%(amount)s was already added from this page; it was not added "
                              "twice. Your balance after it was %(balance)s.",
                              amount=format_won_text(entry.amount),
                              balance=format_won_text(entry.balance_after)), "info")
            return redirect(url_for("wallet.wallet"))
    for error in form.idempotency_key.errors:
        flash(error, "danger")
    # Nothing was added with the key this request brought (or it was spent on another
    # amount), so the page offers a new one.
    form.idempotency_key.data = uuid4().hex
    ledger = services.ledger_page(current_user.id, page_arg())
    # The limits go in as values, not as literals in the template: Jinja would format a
    # literal once, at compile time, in whichever language the first page asked for.
    return render_template(
        "wallet/wallet.html", form=form, ledger=ledger, quick_amounts=QUICK_AMOUNTS,
        balance=services.get_balance(current_user.id), min_charge=services.MIN_CHARGE,
        max_charge=services.MAX_CHARGE, max_balance=MAX_BALANCE,
    ), 422 if request.method == "POST" else 200
