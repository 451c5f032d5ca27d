from flask_wtf import FlaskForm
from wtforms import SubmitField


class ClaimForm(FlaskForm):
    """The "Claim" button: no fields, only the CSRF token that makes the POST a real click."""

    submit = SubmitField("Claim")
