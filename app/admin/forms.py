"""Admin forms. Field rules mirror the services' checks; the services remain the authority."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField,
                     StringField, SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional,
                                Regexp)

from app.catalog.editing import (DELTA_MAX, DESCRIPTION_MAX, NAME_MAX, PRICE_MAX, REASON_MAX,
                                 STOCK_MAX)

WHOLE = "Enter a whole number."


class ProductForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the product's name."),
                                           Length(max=NAME_MAX)])
    price = IntegerField("Price (won)", validators=[
        InputRequired(WHOLE), NumberRange(0, PRICE_MAX, f"From 0 to {PRICE_MAX:,} won.")])
    description = TextAreaField("Description", validators=[Length(max=DESCRIPTION_MAX)])
    is_active = BooleanField("Visible in the shop", default=True)
    submit = SubmitField("Save")


class NewProductForm(ProductForm):
    stock = IntegerField("Initial stock", default=0, validators=[
        InputRequired(WHOLE), NumberRange(0, STOCK_MAX, f"From 0 to {STOCK_MAX:,}.")])
    submit = SubmitField("Create product")


class AdjustStockForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice("receipt", "Goods received (+)"),
                                        SelectChoice("correction", "Correction after a count (±)")])
    delta = IntegerField("Change", validators=[
        InputRequired(WHOLE), NumberRange(-DELTA_MAX, DELTA_MAX,
                                          f"From -{DELTA_MAX:,} to {DELTA_MAX:,}.")])
    reason = StringField("Reason", validators=[DataRequired("Say why the stock changes."),
                                               Length(max=REASON_MAX)])
    submit = SubmitField("Apply")


class CsvUploadForm(FlaskForm):
    file = FileField("Stock receipts (CSV)", validators=[FileRequired("Choose a CSV file.")])
    submit = SubmitField("Preview")


class CsvConfirmForm(FlaskForm):
    csv_text = HiddenField(validators=[DataRequired()])
    # Issued by the preview: the same preview applied twice is refused by its id.
    import_id = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    submit = SubmitField("Import all rows")


class CouponForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the coupon a name."),
                                           Length(max=120)])
    discount_type = SelectField("Discount type", choices=[
        SelectChoice("fixed", "Fixed amount (won)"),
        SelectChoice("percent", "Percent of the order"),
    ])
    discount_value = IntegerField("Discount value", validators=[InputRequired(WHOLE)])
    max_discount = IntegerField("Maximum discount (won, percent coupons only)",
                                validators=[Optional()])
    min_order_amount = IntegerField("Minimum order (won)", default=0,
                                    validators=[InputRequired(WHOLE)])
    quantity = IntegerField("Copies", validators=[InputRequired(WHOLE)])
    starts_at = DateTimeLocalField("Claimable from (shop time)", validators=[Optional()],
                                   format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
    ends_at = DateTimeLocalField("Claimable until (shop time)", validators=[Optional()],
                                 format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
    valid_days = IntegerField("Days valid after claiming", default=7,
                              validators=[InputRequired(WHOLE)])
    submit = SubmitField("Create coupon")


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""

    submit = SubmitField("Confirm")


class CouponStatusForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
