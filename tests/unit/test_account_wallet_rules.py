"""Input rules of accounts and wallet that need no database."""

import pytest

from app.accounts.services import normalize_email
from app.errors import InvalidInput
from app.wallet.services import InvalidAmount, check_charge_amount


@pytest.mark.parametrize("amount", [1, 999, 1_000_000])
def test_a_top_up_is_a_whole_number_of_won_in_range(amount):
    assert check_charge_amount(amount) == amount


@pytest.mark.parametrize("amount", [0, -1, 1_000_001, 10**40, 1000.0, 1.5, True, False, "1000",
                                    None, [1000]])
def test_anything_else_is_an_invalid_amount(ctx, amount):
    with pytest.raises(InvalidAmount) as raised:
        check_charge_amount(amount)
    assert raised.value.code == "invalid_amount"
    assert raised.value.status == 422
    assert raised.value.field == "amount"
    assert raised.value.detail == "Enter a whole amount from ₩1 to ₩1,000,000."


def test_the_refusal_speaks_the_requests_language_and_keeps_its_code(app):
    """Raised in a Korean request, the sentence is Korean with amounts as Korean sentences
    write them; the code and status a client branches on stay the same."""
    with app.test_request_context(headers={"Accept-Language": "ko-KR,ko;q=0.9"}):
        with pytest.raises(InvalidAmount) as raised:
            check_charge_amount(0)
        assert str(raised.value.title) == "잘못된 금액"
    assert raised.value.detail == "1원부터 1,000,000원까지 정수로 입력하세요."
    assert (raised.value.code, raised.value.status) == ("invalid_amount", 422)


@pytest.mark.parametrize(("raw", "normalized"), [
    ("minji@example.com", "minji@example.com"),
    ("  Minji@Example.COM ", "minji@example.com"),
    ("MINJI@EXAMPLE.COM", "minji@example.com"),
    ("kim.minji+shop@example.co.kr", "kim.minji+shop@example.co.kr"),
])
def test_emails_are_compared_in_one_canonical_form(raw, normalized):
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(("raw", "message"), [
    (None, "Enter your email address."),
    ("", "Enter your email address."),
    ("   ", "Enter your email address."),
    (42, "Enter your email address."),
    ("minji", "That is not a valid email address."),
    ("minji@", "That is not a valid email address."),
    ("@example.com", "That is not a valid email address."),
    ("minji@example", "That is not a valid email address."),
    ("min ji@example.com", "That is not a valid email address."),
    ("minji\x00@example.com", "That is not a valid email address."),
    ("m" * 250 + "@example.com", "An email address has at most 254 characters."),
])
def test_bad_emails_are_refused_on_the_email_field(raw, message):
    with pytest.raises(InvalidInput) as raised:
        normalize_email(raw)
    assert raised.value.field == "email"
    assert raised.value.detail.startswith(message)
