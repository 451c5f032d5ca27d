"""Values every page template can use: the shopper's balance in the navigation, money format."""

from flask import Flask
from flask_login import current_user

from app.formatting import format_local_date, format_local_time, format_won, format_won_text


def register_template_context(app: Flask) -> None:
    app.add_template_filter(format_won, "won")
    app.add_template_filter(format_won_text, "won_text")
    app.add_template_filter(format_local_time, "local_time")
    app.add_template_filter(format_local_date, "local_date")

    @app.context_processor
    def nav_balance():
        if not current_user.is_authenticated:
            return {"nav_balance": None}
        from app.wallet.services import get_balance

        return {"nav_balance": get_balance(current_user.id)}
