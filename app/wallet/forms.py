from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from app.wallet.services import MAX_CHARGE, MIN_CHARGE


class TopUpForm(FlaskForm):
    amount = IntegerField(
        "Amount (won)",
        validators=[
            InputRequired("Enter an amount in whole won."),
            NumberRange(MIN_CHARGE, MAX_CHARGE,
                        f"Enter a whole number of won from {MIN_CHARGE:,} to {MAX_CHARGE:,}."),
        ],
    )
    submit = SubmitField("Top up")
