"""Sign up, log in, log out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import services
from app.accounts.forms import LoginForm, SignupForm
from app.accounts.models import User
from app.errors import DomainError, InvalidInput, show_on_form
from app.extensions import csrf, login_manager
from app.i18n import LOCALE_COOKIE, LOCALES

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = lazy_gettext("Please log in to continue.")
# Read in the request's language when flashed: the session stores a plain string.
login_manager.localize_callback = str
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(session_id: str):
    return services.user_for_session(session_id)


def _safe_next(target: str, default: str) -> str:
    """``target`` when it is a same-site relative path, else ``default``: an open redirect
    would make a phishing link look like us.

    Browsers read a backslash as a slash and drop tabs and newlines inside a URL, so a path
    holding any of them can turn into ``//evil.example``: refuse those outright.
    """
    if "\\" in target or not target.isprintable():
        return default
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme \
            and not parts.netloc:
        return target
    return default


def _start_session(user: User) -> None:
    session.clear()  # a fresh session on login: no fixation of a pre-login session
    login_user(services.open_session(user))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account with an empty wallet and log straight in; a refused field shows its
    reason under it (422)."""
    if current_user.is_authenticated:
        return redirect(url_for("shop.home"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(form.email.data, form.password.data, form.name.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            _start_session(user)
            flash(gettext("Welcome, %(name)s! Top up your points to start shopping.", name=user.name),
                  "success")
            return redirect(url_for("wallet.wallet"))
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with a fresh session, then go to ``next`` when it is a path on this site."""
    if current_user.is_authenticated:
        return redirect(url_for("shop.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            _start_session(user)
            flash(gettext("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(_safe_next(request.args.get("next", ""), url_for("shop.home")))
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """POST with the CSRF token only, so no link or image elsewhere can log a shopper out.

    Logs out every session of this account, so a stolen copy of the cookie is useless too.
    """
    services.close_sessions(current_user.id)
    logout_user()
    session.clear()
    flash(gettext("You are logged out."), "info")
    return redirect(url_for("shop.home"))


# A visitor's switch needs no CSRF token: a token in every page's header would hand every
# anonymous visitor a session cookie (a signed cookie written per page, and pages no cache
# may share), and a forged switch could only set the lang cookie. Saving the choice on an
# account is checked as every signed-in form is.
@csrf.exempt
@bp.post("/language")
def switch_language():
    """The header's language switcher: remember the choice (a year-long cookie, and the
    account's preference when signed in, so it follows the shopper to other devices) and go
    back to the page it was pressed on."""
    if current_user.is_authenticated:
        csrf.protect()
    choice = request.form.get("locale", "")
    if choice not in LOCALES:
        raise InvalidInput(gettext("Choose one of the shop's languages."), field="locale")
    if current_user.is_authenticated:
        services.save_locale(current_user.id, choice)
    back = redirect(_safe_next(request.form.get("next", ""), url_for("shop.home")))
    back.set_cookie(LOCALE_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax",
                    secure=request.is_secure, httponly=True)
    return back
