"""`flask users create-admin`: for scripts (--password) and for people (prompted)."""

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import authenticate
from app.extensions import db
from app.wallet.models import Wallet
from tests.conftest import PASSWORD


def accounts(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(User.email, User.name, User.is_admin, User.password_hash, Wallet.balance)
            .join(Wallet, Wallet.user_id == User.id).order_by(User.id)).all()
        db.session.remove()
        return rows


def can_log_in(app, email: str, password: str) -> bool:
    with app.app_context():
        try:
            authenticate(email, password)
        except Exception:  # noqa: BLE001 - any refusal means "no"
            return False
        finally:
            db.session.remove()
        return True


def test_create_admin_with_the_password_option(app, runner):
    result = runner.invoke(args=["users", "create-admin", "Boss@Example.com",
                                 "--password", "admin-pass-123"])

    assert result.exit_code == 0, result.output
    assert result.output == "Admin ready: boss@example.com\n"
    rows = accounts(app)
    assert [(r.email, r.name, r.is_admin, r.balance) for r in rows] == [
        ("boss@example.com", "Admin", True, 0)]
    assert can_log_in(app, "boss@example.com", "admin-pass-123")


def test_create_admin_with_a_name(app, runner):
    result = runner.invoke(args=["users", "create-admin", "boss@example.com", "--password",
                                 "admin-pass-123", "--name", "Park Jisoo"])
    assert result.exit_code == 0, result.output
    assert [(r.name, r.is_admin) for r in accounts(app)] == [("Park Jisoo", True)]


def test_create_admin_prompts_for_the_password_twice(app, runner):
    result = runner.invoke(args=["users", "create-admin", "boss@example.com"],
                           input="admin-pass-123\nadmin-pass-123\n")

    assert result.exit_code == 0, result.output
    assert "Password: " in result.output
    assert "Repeat for confirmation: " in result.output
    assert "admin-pass-123" not in result.output  # hidden input is never echoed
    assert result.output.endswith("Admin ready: boss@example.com\n")
    assert can_log_in(app, "boss@example.com", "admin-pass-123")


def test_create_admin_asks_again_when_the_prompted_passwords_differ(app, runner):
    result = runner.invoke(args=["users", "create-admin", "boss@example.com"],
                           input="admin-pass-123\nadmin-pass-321\nadmin-pass-999\nadmin-pass-999\n")

    assert result.exit_code == 0, result.output
    assert "Error: The two entered values do not match." in result.output
    assert can_log_in(app, "boss@example.com", "admin-pass-999")
    assert not can_log_in(app, "boss@example.com", "admin-pass-123")


def test_create_admin_promotes_an_existing_account(app, runner, make_user):
    make_user(email="shopper@example.com", name="Kim Minji", balance=7_000)
    other = make_user()

    result = runner.invoke(args=["users", "create-admin", "SHOPPER@example.com",
                                 "--password", "admin-pass-123"])

    assert result.exit_code == 0, result.output
    rows = accounts(app)
    assert [(r.email, r.name, r.is_admin, r.balance) for r in rows] == [
        ("shopper@example.com", "Kim Minji", True, 7_000), (other.email, other.name, False, 0)]
    assert can_log_in(app, "shopper@example.com", "admin-pass-123")
    assert not can_log_in(app, "shopper@example.com", PASSWORD)


def test_promoting_an_admin_again_changes_nothing_but_the_password(app, runner, make_user):
    make_user(email="boss@example.com", is_admin=True)
    result = runner.invoke(args=["users", "create-admin", "boss@example.com",
                                 "--password", "admin-pass-123"])
    assert result.exit_code == 0, result.output
    assert [(r.email, r.is_admin) for r in accounts(app)] == [("boss@example.com", True)]


@pytest.mark.parametrize(("email", "password", "message"), [
    ("not-an-email", "admin-pass-123", "That is not a valid email address."),
    ("boss@localhost", "admin-pass-123", "That is not a valid email address."),
    ("a" * 250 + "@example.com", "admin-pass-123", "at most 254 characters"),
    ("boss@example.com", "short", "A password has at least 8 characters."),
    ("boss@example.com", "p" * 129, "A password has at most 128 characters."),
])
def test_create_admin_refuses_bad_input_and_changes_nothing(app, runner, make_user, email,
                                                            password, message):
    make_user(email="shopper@example.com")
    before = accounts(app)

    result = runner.invoke(args=["users", "create-admin", email, "--password", password])

    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert message in result.output
    assert "Traceback" not in result.output
    assert accounts(app) == before


def test_a_refused_promotion_leaves_the_account_as_it_was(app, runner, make_user):
    make_user(email="shopper@example.com")
    before = accounts(app)

    result = runner.invoke(args=["users", "create-admin", "shopper@example.com",
                                 "--password", "short"])

    assert result.exit_code == 1
    assert "A password has at least 8 characters." in result.output
    assert accounts(app) == before
    assert can_log_in(app, "shopper@example.com", PASSWORD)
