from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.orders.services import IDEMPOTENCY_KEY_MAX


class CheckoutForm(FlaskForm):
    """Pay for the cart. The idempotency key is made when the page renders, so submitting
    the same page twice (a double click, a reload after a slow answer) makes one order."""

    coupon_id = IntegerField(validators=[Optional(), NumberRange(min=1)])
    idempotency_key = HiddenField(validators=[
        DataRequired("This checkout page expired; please review your order again."),
        Length(max=IDEMPOTENCY_KEY_MAX),
    ])
    submit = SubmitField("Pay with points")
