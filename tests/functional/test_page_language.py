"""Accounts, wallet, coupons and error pages in Korean: labels, validator messages, flashes,
the error pages' own words, and money as Korean writes it (``28,700원`` in a sentence,
``−₩12,900`` on its own). The suite's default is English (tests/conftest.py), so every
request here asks for Korean, as a Korean browser does."""

from __future__ import annotations

import html
import re

import pytest

from app.orders.cancel import cancel_order
from app.orders.checkout import place_order
from app.wallet.services import InsufficientPoints
from tests.helpers import post_form

KO = {"Accept-Language": "ko-KR,ko;q=0.9"}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _field_errors(page: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback"[^>]*>([^<]*)</div>', page)


def test_an_anonymous_visitor_is_asked_to_log_in_in_korean(client):
    response = client.get("/wallet", headers=KO)
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"], headers=KO))
    assert '<html lang="ko">' in page
    assert "계속하려면 로그인하세요." in page
    assert ">이메일</label>" in page and ">비밀번호</label>" in page


def test_signup_labels_and_refusals_are_korean(client, make_user, db_snapshot):
    taken = make_user(email="minji@example.com")
    before = db_snapshot()
    response = post_form(client, "/signup", {"name": "", "email": taken.email,
                                             "password": "short", "confirm": "other"},
                         headers=KO)
    assert response.status_code == 422
    page = _text(response)
    assert ">이름</label>" in page and ">비밀번호 확인</label>" in page
    assert 'value="가입하기"' in page
    assert _field_errors(page) == ["이름을 입력하세요.", "비밀번호는 8자에서 128자 사이예요.",
                                   "두 비밀번호가 서로 달라요."]
    # The service's refusal (the address is taken) is Korean too, under its field.
    response = post_form(client, "/signup", {"name": "민지", "email": taken.email,
                                             "password": "long-enough-1",
                                             "confirm": "long-enough-1"}, headers=KO)
    assert _field_errors(_text(response)) == ["이미 그 이메일로 가입한 계정이 있어요."]
    assert db_snapshot() == before


def test_a_wrong_password_is_korean(client, make_user):
    user = make_user()
    response = post_form(client, "/login", {"email": user.email, "password": "nope-nope-1"},
                         headers=KO)
    assert response.status_code == 422
    assert _field_errors(_text(response)) == ["이메일 또는 비밀번호가 올바르지 않아요"]


def test_the_wallet_speaks_korean_with_signed_amounts(app, client, make_user, make_product,
                                                      login):
    shopper = make_user(balance=50_000, name="김민지")
    tea = make_product(price=12_900, name="제주 녹차")
    with app.app_context():
        order, _ = place_order(shopper.id, [(tea.id, 1)])
        cancel_order(shopper.id, order.id)
    login(shopper)

    topped = post_form(client, "/wallet", {"amount": "5,000"}, headers=KO)
    assert topped.status_code == 302
    page = _text(client.get("/wallet", headers=KO))
    assert "5,000원을 충전했어요. 지금 잔액은 55,000원이에요." in page
    assert re.findall(r'<td class="num text-nowrap text-(?:success|danger)">([^<]+)</td>',
                      page) == ["+₩5,000", "+₩12,900", "−₩12,900", "+₩50,000"]
    assert ">충전</span>" in page and ">환불</span>" in page and ">결제</span>" in page
    assert "주문 #1" in page

    refused = post_form(client, "/wallet", {"amount": "0"}, headers=KO)
    assert refused.status_code == 422
    assert "1원부터 1,000,000원까지 정수로 입력하세요." in _text(refused)


def test_coupons_speak_korean_with_amounts_in_sentences(client, make_user, make_coupon, login):
    coupon = make_coupon(name="가을 쿠폰", name_en="Autumn coupon", discount_type="percent",
                         discount_value=10, max_discount=5_000, min_order_amount=28_700)
    login(make_user())
    page = _text(client.get("/coupons", headers=KO))
    assert "가을 쿠폰" in page and "Autumn coupon" not in page
    assert "10% 할인 (최대 5,000원)" in page
    assert "28,700원 이상 주문 시" in page
    assert re.search(r'10장 중 <span data-testid="remaining">10</span>장 남음', page)

    response = post_form(client, f"/coupons/{coupon.id}/claim", {}, token_from="/coupons",
                         headers=KO)
    page = _text(client.get(response.headers["Location"], headers=KO))
    assert "쿠폰을 받았어요: 가을 쿠폰." in page
    assert re.search(r"\d{4}년 \d{1,2}월 \d{1,2}일 \(.\) \d\d:\d\d까지 사용하세요", page)
    assert ">사용 가능</span>" in page

    again = post_form(client, f"/coupons/{coupon.id}/claim", {}, token_from="/coupons",
                      headers=KO)
    assert "이미 받은 쿠폰이에요: 가을 쿠폰" in _text(client.get(again.headers["Location"],
                                                             headers=KO))


def test_a_paused_coupon_reads_paused_in_korean(app, client, make_user, make_coupon,
                                                make_user_coupon, login):
    shopper = make_user()
    coupon = make_coupon(name="멈춘 쿠폰", status="paused")
    make_user_coupon(shopper, coupon)
    login(shopper)
    page = _text(client.get("/coupons", headers=KO))
    assert ">일시 중지</span>" in page
    assert "쇼핑몰에서 이 쿠폰을 일시 중지했어요." in page


@pytest.mark.parametrize(("method", "path", "status", "heading"), [
    ("get", "/no-such-page", 404, "페이지를 찾을 수 없어요"),
    ("put", "/wallet", 405, "허용되지 않는 메서드"),
    ("post", "/coupons/1/claim", 400, "양식이 만료됐어요"),
])
def test_error_pages_are_korean(client, method, path, status, heading):
    response = getattr(client, method)(path, headers=KO)
    assert response.status_code == status
    page = _text(response)
    assert '<html lang="ko">' in page
    assert f">{heading}</h1>" in page
    assert "쇼핑몰로 돌아가기" in page
    # werkzeug's English words are nowhere on the page.
    assert "Method Not Allowed" not in page and "The requested URL" not in page


def test_a_named_refusal_keeps_its_own_korean_words(client, make_user, login):
    """A shop error (the product is gone) shows its own title, not the generic 404's."""
    login(make_user())
    response = client.get("/products/999", headers=KO)
    assert response.status_code == 404
    page = _text(response)
    assert ">상품을 찾을 수 없어요</h1>" in page
    assert "오래된 링크이거나 더 이상 판매하지 않는 상품일 수 있어요." in page


def test_translated_domain_errors_keep_a_plain_string_detail(app):
    """The detail is read once, when raised, so a flash stores a plain string in the session."""
    with app.test_request_context(headers=KO):
        error = InsufficientPoints()
    assert type(error.detail) is str and error.detail == "포인트가 부족해요"
