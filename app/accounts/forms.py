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
    name = StringField("Name", validators=[
        DataRequired("Enter your name."),
        Length(max=NAME_MAX, message=f"A name has at most {NAME_MAX} characters."),
    ])
    # Length and format both come from validate_email below, so each shows one message.
    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[
        DataRequired("Choose a password."),
        Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
               message=f"A password has {PASSWORD_MIN} to {PASSWORD_MAX} characters."),
    ])
    confirm = PasswordField("Repeat password", validators=[
        DataRequired("Type the password again."),
        EqualTo("password", "The two passwords differ."),
    ])
    submit = SubmitField("Create account")

    def validate_email(self, field):
        # The service checks again; checking here too shows every field's problem at once.
        try:
            normalize_email(field.data)
        except InvalidInput as error:
            raise ValidationError(error.detail) from None


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[
        DataRequired("Enter your email address."),
        Length(max=EMAIL_MAX, message=f"An email address has at most {EMAIL_MAX} characters."),
    ])
    password = PasswordField("Password", validators=[
        DataRequired("Enter your password."),
        Length(max=PASSWORD_MAX, message=f"A password has at most {PASSWORD_MAX} characters."),
    ])
    submit = SubmitField("Log in")
