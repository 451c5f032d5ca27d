from flask_wtf import FlaskForm
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from app.cart.services import MAX_QUANTITY, MIN_QUANTITY

QUANTITY_MESSAGE = f"Enter a whole number from {MIN_QUANTITY} to {MAX_QUANTITY:,}."


class WholeNumberField(IntegerField):
    """An IntegerField whose parse error ("1.5", "abc") reads like every other refusal."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(QUANTITY_MESSAGE) from None


def _quantity_field():
    return WholeNumberField("Quantity", default=1, validators=[
        InputRequired(QUANTITY_MESSAGE), NumberRange(MIN_QUANTITY, MAX_QUANTITY, QUANTITY_MESSAGE),
    ])


class AddToCartForm(FlaskForm):
    quantity = _quantity_field()
    submit = SubmitField("Add to cart")


class CartQuantityForm(FlaskForm):
    quantity = _quantity_field()
    submit = SubmitField("Update")
