"""The bad-input catalogue: sign-up, login and top-up pages, and sign-up and login on the API
(the API's refused top-ups are in test_api_wallet.py).

Every refused input gets a clear answer (the message under its form field with status 422,
or a 4xx problem+json with the contract's code) and changes nothing: every table is compared
before and after each attempt.
"""

import pytest

from app.accounts.services import register_user
from tests.conftest import PASSWORD
from tests.helpers import (assert_problem, column, field_errors, outcome_counts, post_form,
                           run_concurrently)

TAKEN = "taken@example.com"
SIGNUP = {"name": "Kim Minji", "email": "new@example.com", "password": "long-enough-pw",
          "confirm": "long-enough-pw"}
LONG_EMAIL = "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "com"  # well-formed, 260 characters
RANGE = "Enter a whole amount from ₩1 to ₩1,000,000."


def with_changes(base: dict, changes: dict) -> dict:
    """``base`` with ``changes`` applied; a change to ``None`` leaves the key out entirely."""
    data = {**base, **changes}
    return {key: value for key, value in data.items() if value is not None}


def assert_logged_out(client):
    response = client.get("/wallet")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- sign-up page --------------------------------------------------------------------------

SIGNUP_PAGE_CASES = [
    ("name-missing", {"name": None}, "name", "Enter your name."),
    ("name-blank", {"name": "   "}, "name", "Enter your name."),
    ("name-overlong", {"name": "n" * 81}, "name", "A name has at most 80 characters."),
    # A NUL never reaches the form (test_signup_page_refuses_a_nul_before_the_form); any other
    # control character does.
    ("name-control-character", {"name": "Kim\x07Minji"}, "name",
     "A name cannot contain control characters."),
    ("name-escape-character", {"name": "Kim\x1b[31mMinji"}, "name",
     "A name cannot contain control characters."),
    ("email-missing", {"email": None}, "email", "Enter your email address."),
    ("email-blank", {"email": "  "}, "email", "Enter your email address."),
    ("email-without-at", {"email": "new.example.com"}, "email",
     "That is not a valid email address. An email address must have an @-sign."),
    ("email-without-domain-dot", {"email": "new@example"}, "email",
     "That is not a valid email address."),
    ("email-two-ats", {"email": "new@@example.com"}, "email", "That is not a valid email address."),
    ("email-with-space", {"email": "new user@example.com"}, "email",
     "That is not a valid email address."),
    ("email-overlong", {"email": LONG_EMAIL}, "email",
     "An email address has at most 254 characters."),
    ("email-taken", {"email": TAKEN}, "email", "An account with that email already exists."),
    ("email-taken-other-case", {"email": "Taken@EXAMPLE.com"}, "email",
     "An account with that email already exists."),
    ("password-missing", {"password": None}, "password", "Choose a password."),
    ("password-short", {"password": "short12", "confirm": "short12"}, "password",
     "A password has 8 to 128 characters."),
    ("password-overlong", {"password": "p" * 129, "confirm": "p" * 129}, "password",
     "A password has 8 to 128 characters."),
    ("confirm-missing", {"confirm": None}, "confirm", "Type the password again."),
    ("confirm-differs", {"confirm": "long-enough-pW"}, "confirm", "The two passwords differ."),
]


@pytest.mark.parametrize(("changes", "field", "message"),
                         [case[1:] for case in SIGNUP_PAGE_CASES],
                         ids=[case[0] for case in SIGNUP_PAGE_CASES])
def test_signup_page_refuses_bad_input_next_to_the_field(client, make_user, changes, field,
                                                         message, db_snapshot):
    make_user(email=TAKEN)
    before = db_snapshot()

    response = post_form(client, "/signup", with_changes(SIGNUP, changes))

    assert response.status_code == 422
    assert message in " ".join(field_errors(response.get_data(as_text=True), field))
    assert db_snapshot() == before
    assert_logged_out(client)


def test_signup_page_refuses_a_nul_before_the_form(client, make_user, db_snapshot):
    """No text can hold a NUL (issue 13): the 422 error page names the field instead."""
    make_user(email=TAKEN)
    before = db_snapshot()

    response = post_form(client, "/signup", {**SIGNUP, "name": "Kim\x00Minji"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "&#39;name&#39; contains a NUL character" in html
    assert 'name="name"' not in html  # the error page, not the form with a field error
    assert db_snapshot() == before
    assert_logged_out(client)


def test_signup_page_shows_every_field_problem_at_once(client, db_snapshot):
    before = db_snapshot()
    response = post_form(client, "/signup",
                         {"name": "", "email": "nope", "password": "short", "confirm": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "name") == ["Enter your name."]
    assert field_errors(html, "email") == [
        "That is not a valid email address. An email address must have an @-sign."]
    assert field_errors(html, "password") == ["A password has 8 to 128 characters."]
    assert field_errors(html, "confirm") == ["The two passwords differ."]
    assert db_snapshot() == before


def test_signup_page_keeps_what_was_typed_except_passwords(client):
    response = post_form(client, "/signup", {**SIGNUP, "confirm": "something-else"})
    html = response.get_data(as_text=True)
    assert 'value="Kim Minji"' in html
    assert 'value="new@example.com"' in html
    assert "long-enough-pw" not in html


# --- login page ----------------------------------------------------------------------------

LOGIN_PAGE_CASES = [
    ("email-missing", {"email": None}, "email", "Enter your email address."),
    ("password-missing", {"password": None}, "password", "Enter your password."),
    ("password-blank", {"password": ""}, "password", "Enter your password."),
    ("wrong-password", {"password": PASSWORD + "!"}, "password", "Wrong email or password"),
    ("password-other-case", {"password": PASSWORD.upper()}, "password",
     "Wrong email or password"),
    ("unknown-email", {"email": "nobody@example.com"}, "password", "Wrong email or password"),
    ("malformed-email", {"email": "shopper"}, "password", "Wrong email or password"),
    ("password-overlong", {"password": "p" * 129}, "password",
     "A password has at most 128 characters."),
    ("email-overlong", {"email": LONG_EMAIL}, "email",
     "An email address has at most 254 characters."),
]


@pytest.mark.parametrize(("changes", "field", "message"),
                         [case[1:] for case in LOGIN_PAGE_CASES],
                         ids=[case[0] for case in LOGIN_PAGE_CASES])
def test_login_page_refuses_bad_input_next_to_the_field(client, make_user, changes, field, message,
                                                        db_snapshot):
    make_user(email="shopper@example.com", balance=5_000)
    before = db_snapshot()

    response = post_form(client, "/login",
                         with_changes({"email": "shopper@example.com", "password": PASSWORD},
                                      changes))

    assert response.status_code == 422
    assert message in " ".join(field_errors(response.get_data(as_text=True), field))
    assert db_snapshot() == before
    assert_logged_out(client)


# --- top-up on the wallet page ---------------------------------------------------------------

TOP_UP_PAGE_CASES = [
    ("zero", "0", RANGE),
    ("negative", "-1000", RANGE),
    ("fractional", "1000.5", RANGE),
    ("fraction-zero", "1000.0", RANGE),
    ("exponent", "1e3", RANGE),
    ("text", "a thousand", RANGE),
    ("hex", "0x3e8", RANGE),
    ("underscore-digits", "1_000", RANGE),
    ("bad-grouping", "10,00", RANGE),
    ("fullwidth-digits", "１０００", RANGE),
    ("over-one-top-up", "1000001", RANGE),
    ("huge", "9" * 30, RANGE),
    ("empty", "", "Enter how many won to add."),
    ("missing", None, "Enter how many won to add."),
]


@pytest.mark.parametrize(("amount", "message"), [case[1:] for case in TOP_UP_PAGE_CASES],
                         ids=[case[0] for case in TOP_UP_PAGE_CASES])
def test_top_up_page_refuses_bad_amounts_next_to_the_field(client, make_user, login, amount,
                                                           message, db_snapshot):
    login(make_user(balance=10_000))
    before = db_snapshot()

    response = post_form(client, "/wallet", with_changes({"amount": amount}, {}),
                         token_from="/wallet")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "amount") == [message]
    assert 'data-testid="balance">₩10,000<' in html
    assert db_snapshot() == before


def test_top_up_page_refuses_going_over_the_balance_cap(client, make_user, login, db_snapshot):
    login(make_user(balance=99_999_000))
    before = db_snapshot()

    response = post_form(client, "/wallet", {"amount": "5000"})

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "amount") == [
        "A balance may not exceed ₩100,000,000; you can add at most ₩1,000 now."]
    assert db_snapshot() == before


# --- CSRF on every form ----------------------------------------------------------------------

CSRF_CASES = [
    ("signup", "/signup", SIGNUP, False),
    ("login", "/login", {"email": "shopper@example.com", "password": PASSWORD}, False),
    ("top-up", "/wallet", {"amount": "5000"}, True),
    ("logout", "/logout", {}, True),
]


@pytest.mark.parametrize("token", [None, "forged-token"], ids=["missing-token", "forged-token"])
@pytest.mark.parametrize(("url", "data", "logged_in"), [case[1:] for case in CSRF_CASES],
                         ids=[case[0] for case in CSRF_CASES])
def test_every_form_refuses_a_post_without_its_csrf_token(client, make_user, login, url, data,
                                                          logged_in, token, db_snapshot):
    user = make_user(email="shopper@example.com", balance=10_000)
    if logged_in:
        login(user)
    before = db_snapshot()

    response = client.post(url, data={**data, **({"csrf_token": token} if token else {})})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form has expired" in html
    assert "Nothing was changed." in html
    assert db_snapshot() == before
    if logged_in:
        assert client.get("/wallet").status_code == 200  # the logout did not happen either
    else:
        assert_logged_out(client)


# --- the API: POST /api/v1/users -------------------------------------------------------------

NEW_USER = {"email": "new@example.com", "password": "long-enough-pw", "name": "Kim Minji"}

API_SIGNUP_CASES = [
    ("email-missing", {"email": None}, 422, "invalid_input"),
    ("email-number", {"email": 12345}, 422, "invalid_input"),
    ("email-list", {"email": ["new@example.com"]}, 422, "invalid_input"),
    ("email-malformed", {"email": "new.example.com"}, 422, "invalid_input"),
    ("email-overlong", {"email": LONG_EMAIL}, 422, "invalid_input"),
    ("email-taken", {"email": TAKEN}, 409, "email_taken"),
    ("email-taken-other-case", {"email": "TAKEN@example.COM"}, 409, "email_taken"),
    ("name-missing", {"name": None}, 422, "invalid_input"),
    ("name-empty", {"name": ""}, 422, "invalid_input"),
    ("name-number", {"name": 7}, 422, "invalid_input"),
    ("name-overlong", {"name": "n" * 81}, 422, "invalid_input"),
    ("name-nul", {"name": "Kim\u0000Minji"}, 422, "invalid_input"),
    ("password-missing", {"password": None}, 422, "invalid_input"),
    ("password-short", {"password": "short12"}, 422, "invalid_input"),
    ("password-overlong", {"password": "p" * 129}, 422, "invalid_input"),
    ("password-number", {"password": 123456789}, 422, "invalid_input"),
    ("password-true", {"password": True}, 422, "invalid_input"),
]


@pytest.mark.parametrize(("changes", "status", "code"), [case[1:] for case in API_SIGNUP_CASES],
                         ids=[case[0] for case in API_SIGNUP_CASES])
def test_api_signup_refuses_bad_input(client, make_user, changes, status, code, db_snapshot):
    make_user(email=TAKEN)
    before = db_snapshot()

    response = client.post("/api/v1/users", json=with_changes(NEW_USER, changes))

    assert_problem(response, status, code)
    assert db_snapshot() == before


RAW_BODIES = [
    ("not-json", "{email: nope", "application/json"),
    ("truncated-json", '{"email": "new@example.com", ', "application/json"),
    ("json-array", '["new@example.com"]', "application/json"),
    ("json-string", '"hello"', "application/json"),
    ("empty-body", "", "application/json"),
    ("form-encoded", "email=new%40example.com", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize("url", ["/api/v1/users", "/api/v1/tokens"])
@pytest.mark.parametrize(("body", "content_type"), [case[1:] for case in RAW_BODIES],
                         ids=[case[0] for case in RAW_BODIES])
def test_api_bodies_that_are_not_a_json_object_are_400(client, make_user, db_snapshot, url, body,
                                                       content_type):
    make_user(email=TAKEN, balance=10_000)
    before = db_snapshot()

    response = client.post(url, data=body, content_type=content_type)

    assert_problem(response, 400, "malformed_request")
    assert db_snapshot() == before


# --- the API: POST /api/v1/tokens ------------------------------------------------------------

API_LOGIN_CASES = [
    ("wrong-password", {"password": PASSWORD + "!"}),
    ("password-other-case", {"password": PASSWORD.upper()}),
    ("unknown-email", {"email": "nobody@example.com"}),
    ("malformed-email", {"email": "shopper"}),
    ("email-missing", {"email": None}),
    ("password-missing", {"password": None}),
    ("email-number", {"email": 5}),
    ("password-number", {"password": 12345678}),
    ("password-overlong", {"password": "p" * 10_000}),
]


@pytest.mark.parametrize("changes", [case[1] for case in API_LOGIN_CASES],
                         ids=[case[0] for case in API_LOGIN_CASES])
def test_api_login_refuses_bad_credentials_with_one_answer(client, make_user, changes,
                                                           db_snapshot):
    make_user(email="shopper@example.com")
    before = db_snapshot()

    response = client.post("/api/v1/tokens", json=with_changes(
        {"email": "shopper@example.com", "password": PASSWORD}, changes))

    assert_problem(response, 401, "invalid_credentials")
    assert response.get_json()["detail"] == "Wrong email or password"
    assert db_snapshot() == before


# --- duplicate email under a race --------------------------------------------------------------

def test_racing_sign_ups_for_one_address_make_exactly_one_account(app, db_snapshot):
    """The unique index settles it: one account, everyone else hears email_taken."""
    emails = [f"{variant}@example.com" for variant in
              ("race", "RACE", "Race", "rAce", "raCE", "race", "RACE", "Race")]
    outcomes = run_concurrently(app, register_user,
                                [(email, "long-enough-pw", "Racer") for email in emails])

    assert outcome_counts(outcomes) == {"ok": 1, "email_taken": 7}
    state = db_snapshot()
    assert [(row["email"], row["name"]) for row in state["users"]] == [("race@example.com",
                                                                        "Racer")]
    assert column(state, "wallets", "balance", by="user_id") == {state["users"][0]["id"]: 0}
