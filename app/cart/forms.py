from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from app.cart.services import MAX_QUANTITY, MIN_QUANTITY, quantity_message

# Read in each request's language; the sentence is the service's.
QUANTITY_MESSAGE = LazyString(quantity_message)


class WholeNumberField(IntegerField):
    """An IntegerField whose parse error ("1.5", "abc") reads like every other refusal."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(QUANTITY_MESSAGE)) from None


def _quantity_field():
    return WholeNumberField(lazy_gettext("Quantity"), default=1, validators=[
        InputRequired(QUANTITY_MESSAGE), NumberRange(MIN_QUANTITY, MAX_QUANTITY, QUANTITY_MESSAGE),
    ])


class AddToCartForm(FlaskForm):
    quantity = _quantity_field()
    submit = SubmitField(lazy_gettext("Add to cart"))


class CartQuantityForm(FlaskForm):
    quantity = _quantity_field()
    submit = SubmitField(lazy_gettext("Update"))
