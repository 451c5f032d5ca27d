from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.idempotency import IDEMPOTENCY_KEY_MAX

EXPIRED = lazy_gettext("This checkout page expired; please review your order and pay again.")


class CheckoutForm(FlaskForm):
    """Pay for the cart. The idempotency key is made when the page renders, so submitting
    the same page twice (a double click, a reload after a slow answer) makes one order."""

    coupon_id = IntegerField(validators=[Optional(), NumberRange(min=1)])
    idempotency_key = HiddenField(validators=[DataRequired(EXPIRED),
                                              Length(max=IDEMPOTENCY_KEY_MAX, message=EXPIRED)])
    # The total the page showed: paying is refused if it no longer holds.
    expected_total = IntegerField(validators=[InputRequired(EXPIRED),
                                              NumberRange(0, message=EXPIRED)])
    submit = SubmitField(lazy_gettext("Pay with points"))
