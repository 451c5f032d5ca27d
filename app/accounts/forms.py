from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.accounts.services import (
    EMAIL_MAX,
    NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    normalize_email,
)
from app.errors import InvalidInput


class SignupForm(FlaskForm):
    name = StringField(lazy_gettext("Name"), validators=[
        DataRequired(lazy_gettext("Enter your name.")),
        Length(max=NAME_MAX, message=lazy_gettext("A name has at most %(max)s characters.",
                                                  max=NAME_MAX)),
    ])
    # Length and format both come from validate_email below, so each shows one message.
    email = EmailField(lazy_gettext("Email"),
                       validators=[DataRequired(lazy_gettext("Enter your email address."))])
    password = PasswordField(lazy_gettext("Password"), validators=[
        DataRequired(lazy_gettext("Choose a password.")),
        Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
               message=lazy_gettext("A password has %(min)s to %(max)s characters.",
                                    min=PASSWORD_MIN, max=PASSWORD_MAX)),
    ])
    confirm = PasswordField(lazy_gettext("Repeat password"), validators=[
        DataRequired(lazy_gettext("Type the password again.")),
        EqualTo("password", lazy_gettext("The two passwords differ.")),
    ])
    submit = SubmitField(lazy_gettext("Create account"))

    def validate_email(self, field):
        # The service checks again; checking here too shows every field's problem at once.
        try:
            normalize_email(field.data)
        except InvalidInput as error:
            raise ValidationError(error.detail) from None


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("Email"), validators=[
        DataRequired(lazy_gettext("Enter your email address.")),
        Length(max=EMAIL_MAX, message=lazy_gettext(
            "An email address has at most %(max)s characters.", max=EMAIL_MAX)),
    ])
    password = PasswordField(lazy_gettext("Password"), validators=[
        DataRequired(lazy_gettext("Enter your password.")),
        Length(max=PASSWORD_MAX, message=lazy_gettext(
            "A password has at most %(max)s characters.", max=PASSWORD_MAX)),
    ])
    submit = SubmitField(lazy_gettext("Log in"))
