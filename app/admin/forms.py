"""Admin forms. Field rules mirror the services' checks; the services remain the authority.

Labels and messages are lazy translations: the forms are declared at import time, and each
request renders them in its own language.
"""

from flask_babel import LazyString, gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                Regexp)

from app.catalog.images import ALT_MAX
from app.catalog.editing import (DELTA_MAX, DESCRIPTION_MAX, NAME_MAX, PRICE_MAX, REASON_MAX,
                                 STOCK_MAX)
from app.formatting import format_won_text

WHOLE = lazy_gettext("Enter a whole number.")


def _from_to(low: int, high: int):
    """A range's refusal, its bounds grouped by thousands, a negative one with a true minus."""
    low_text, high_text = f"{low:,}".replace("-", "\u2212"), f"{high:,}"
    return lazy_gettext("From %(low)s to %(high)s.", low=low_text, high=high_text)


def _price_range() -> str:
    return gettext("From %(low)s to %(high)s.", low=format_won_text(0),
                   high=format_won_text(PRICE_MAX))


def _max_length(limit: int):
    return Length(max=limit, message=lazy_gettext("At most %(max)s characters.", max=limit))


class ProductForm(FlaskForm):
    name = StringField(lazy_gettext("Name (Korean)"), validators=[
        DataRequired(lazy_gettext("Enter the product's name.")), _max_length(NAME_MAX)])
    name_en = StringField(lazy_gettext("Name (English, optional)"),
                          validators=[Optional(), _max_length(NAME_MAX)])
    price = IntegerField(lazy_gettext("Price (won)"), validators=[
        InputRequired(WHOLE), NumberRange(0, PRICE_MAX, LazyString(_price_range))])
    description = TextAreaField(lazy_gettext("Description (Korean)"),
                                validators=[_max_length(DESCRIPTION_MAX)])
    description_en = TextAreaField(lazy_gettext("Description (English, optional)"),
                                   validators=[Optional(), _max_length(DESCRIPTION_MAX)])
    is_active = BooleanField(lazy_gettext("Visible in the shop"), default=True)
    submit = SubmitField(lazy_gettext("Save"))


class NewProductForm(ProductForm):
    stock = IntegerField(lazy_gettext("Initial stock"), default=0, validators=[
        InputRequired(WHOLE), NumberRange(0, STOCK_MAX, _from_to(0, STOCK_MAX))])
    submit = SubmitField(lazy_gettext("Create product"))


class AdjustStockForm(FlaskForm):
    kind = SelectField(lazy_gettext("Kind"), choices=[
        SelectChoice("receipt", lazy_gettext("Goods received (+)")),
        SelectChoice("correction", lazy_gettext("Correction after a count (±)"))])
    delta = IntegerField(lazy_gettext("Change"), validators=[
        InputRequired(WHOLE), NumberRange(-DELTA_MAX, DELTA_MAX, _from_to(-DELTA_MAX, DELTA_MAX))])
    reason = StringField(lazy_gettext("Reason"), validators=[
        DataRequired(lazy_gettext("Say why the stock changes.")), _max_length(REASON_MAX)])
    submit = SubmitField(lazy_gettext("Apply"))


class CsvUploadForm(FlaskForm):
    file = FileField(lazy_gettext("Stock receipts (CSV)"),
                     validators=[FileRequired(lazy_gettext("Choose a CSV file."))])
    submit = SubmitField(lazy_gettext("Preview"))


class ImageUploadForm(FlaskForm):
    # The content decides what a file is (app/media/images.py), so no check of its name here.
    file = FileField(lazy_gettext("Image (JPEG, PNG or WebP, at most 10 MB)"),
                     validators=[FileRequired(lazy_gettext("Choose an image file."))])
    alt = StringField(lazy_gettext("What it shows (optional; read aloud to blind shoppers)"),
                      validators=[Optional(), _max_length(ALT_MAX)])
    submit = SubmitField(lazy_gettext("Upload image"))


class ImageMoveForm(FlaskForm):
    """The position an image moves to; the buttons carry it (``name="position"``)."""

    position = IntegerField(validators=[InputRequired(WHOLE), NumberRange(min=0)])


class CsvConfirmForm(FlaskForm):
    csv_text = HiddenField(validators=[DataRequired()])
    # Issued by the preview: the same preview applied twice is refused by its id.
    import_id = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    submit = SubmitField(lazy_gettext("Import all rows"))


class CouponForm(FlaskForm):
    name = StringField(lazy_gettext("Name (Korean)"), validators=[
        DataRequired(lazy_gettext("Give the coupon a name.")), _max_length(120)])
    name_en = StringField(lazy_gettext("Name (English, optional)"),
                          validators=[Optional(), _max_length(120)])
    discount_type = SelectField(lazy_gettext("Discount type"), choices=[
        SelectChoice("fixed", lazy_gettext("Fixed amount (won)")),
        SelectChoice("percent", lazy_gettext("Percent of the order")),
    ])
    discount_value = IntegerField(lazy_gettext("Discount value"),
                                  validators=[InputRequired(WHOLE)])
    max_discount = IntegerField(lazy_gettext("Maximum discount (won, percent coupons only)"),
                                validators=[Optional()])
    min_order_amount = IntegerField(lazy_gettext("Minimum order (won)"), default=0,
                                    validators=[InputRequired(WHOLE)])
    quantity = IntegerField(lazy_gettext("Copies"), validators=[InputRequired(WHOLE)])
    starts_at = DateTimeLocalField(lazy_gettext("Claimable from (shop time)"),
                                   validators=[Optional()],
                                   format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
    ends_at = DateTimeLocalField(lazy_gettext("Claimable until (shop time)"),
                                 validators=[Optional()],
                                 format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
    valid_days = IntegerField(lazy_gettext("Days valid after claiming"), default=7,
                              validators=[InputRequired(WHOLE)])
    submit = SubmitField(lazy_gettext("Create coupon"))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""

    submit = SubmitField(lazy_gettext("Confirm"))


class CouponStatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
