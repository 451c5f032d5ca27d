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
from wtforms.validators import (AnyOf, DataRequired, InputRequired, Length, NumberRange,
                                Optional, Regexp)

from app.catalog import category_rules
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


def _id_or_blank(value):
    """A select's choice: its id as text, ``""`` for none (the option "— none —")."""
    return "" if value is None else str(value)


def chosen_id(value: str):
    """What a category select sent, for the service: None for none, else the id; text that
    is no number goes on as it is, for the service to refuse."""
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 11 else value


def category_choices(tree, *, none_label, exclude_id: int | None = None,
                     tops_only: bool = False) -> list[tuple[str, str]]:
    """Options for a category select from ``categories.admin_tree()``, in tree order:
    "Top" and "Top › Sub", hidden ones marked. The services check the choice, so a
    category deleted since the page was drawn is refused in words, not by WTForms."""
    choices = [("", none_label)]

    def label(category, prefix=""):
        text = prefix + category.name
        return text if category.is_visible else gettext("%(name)s (hidden)", name=text)

    for row in tree:
        if row.category.id == exclude_id:
            continue
        choices.append((str(row.category.id), label(row.category)))
        if not tops_only:
            choices += [(str(child.category.id), label(child.category, row.category.name + " › "))
                        for child in row.children]
    return choices


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
    # Choices come from the categories at request time (category_choices).
    category_id = SelectField(lazy_gettext("Category"), coerce=_id_or_blank,
                              validate_choice=False)
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


class CategoryForm(FlaskForm):
    name = StringField(lazy_gettext("Name (Korean)"), validators=[
        DataRequired(lazy_gettext("Enter the category's name.")),
        _max_length(category_rules.NAME_MAX)])
    name_en = StringField(lazy_gettext("Name (English, optional)"),
                          validators=[Optional(), _max_length(category_rules.NAME_MAX)])
    # Choices: the top categories (category_choices(..., tops_only=True)).
    parent_id = SelectField(lazy_gettext("Parent category"), coerce=_id_or_blank,
                            validate_choice=False)
    slug = StringField(lazy_gettext("Address name (optional)"), validators=[
        Optional(), Regexp(f"^(?:{category_rules.SLUG_PATTERN.pattern})$", message=lazy_gettext(
            "An address name is 1 to %(max)s lowercase letters a-z, digits and hyphens, not "
            "starting or ending with a hyphen.", max=category_rules.SLUG_MAX)),
        _max_length(category_rules.SLUG_MAX)])
    is_visible = BooleanField(lazy_gettext("Visible in the shop"), default=True)
    submit = SubmitField(lazy_gettext("Create category"))


class EditCategoryForm(CategoryForm):
    submit = SubmitField(lazy_gettext("Save"))


class CategoryMoveForm(FlaskForm):
    """Move up (-1) or down (1) among its siblings."""

    offset = HiddenField(validators=[AnyOf(["-1", "1"])])


class CategoryVisibilityForm(FlaskForm):
    """Show (1) or hide (0) in the shop."""

    visible = HiddenField(validators=[AnyOf(["0", "1"])])
