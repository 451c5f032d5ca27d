"""Values every page template can use: the header's points balance and cart count, money and
date formats."""

from flask import Flask
from flask_login import current_user
from sqlalchemy import select

from app.cart.services import products_in_cart
from app.extensions import db
from app.formatting import format_local_date, format_local_time, format_won, format_won_text
from app.wallet.models import Wallet


def register_template_context(app: Flask) -> None:
    app.add_template_filter(format_won, "won")
    app.add_template_filter(format_won_text, "won_text")
    app.add_template_filter(format_local_time, "local_time")
    app.add_template_filter(format_local_date, "local_date")

    @app.context_processor
    def header_counts():
        """The signed-in shopper's balance and the number of products in their cart, for the
        header of every page: one query for both, none for a visitor."""
        if not current_user.is_authenticated:
            return {"nav_balance": None, "nav_cart_count": None}
        balance, count = db.session.execute(
            select(Wallet.balance, products_in_cart(current_user.id))
            .where(Wallet.user_id == current_user.id)).one()
        return {"nav_balance": balance, "nav_cart_count": count}
