import re

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from app.wallet.services import MAX_CHARGE, MIN_CHARGE, charge_range_message

_WHOLE_WON = re.compile(r"-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)")
# Built when shown: the amounts are written the way the request's language writes money.
RANGE_MESSAGE = LazyString(charge_range_message)


class WonField(IntegerField):
    """A whole number of won, as people type it: ``5000`` or ``5,000``.

    ASCII digits only (``int()`` alone would also take other scripts' digits and ``1_000``),
    and one clear message for anything else instead of WTForms' generic one plus a range error.
    """

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        if raw == "":
            self.data = None
            return
        if len(raw) > 20 or not _WHOLE_WON.fullmatch(raw):
            self.data = None
            raise ValueError(str(RANGE_MESSAGE))
        self.data = int(raw.replace(",", ""))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class TopUpForm(FlaskForm):
    """Top up. The page renders a fresh idempotency key, which the quick-amount buttons share,
    so one page adds points once however often it is submitted (a double click, a reload
    after a slow answer, Back and submit again). ``charge_wallet`` checks the key's form; a
    page without one (rendered before keys existed) still tops up."""

    idempotency_key = HiddenField()
    amount = WonField(
        lazy_gettext("Amount (won)"),
        validators=[
            InputRequired(lazy_gettext("Enter how many won to add.")),
            NumberRange(MIN_CHARGE, MAX_CHARGE, RANGE_MESSAGE),
        ],
    )
    submit = SubmitField(lazy_gettext("Top up"))
