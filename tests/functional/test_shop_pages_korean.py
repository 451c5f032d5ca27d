"""The shopper's pages in Korean and English, the header's cart count, and the cart's stepper,
through the test client. The suites run with SHOP_LOCALE="en"; Korean is asked for the way a
browser does (Accept-Language) or the way the switcher does (the lang cookie)."""

import re

import pytest
from sqlalchemy import update

from app.catalog.models import Product
from app.db import transaction
from app.extensions import db
from tests.helpers import csrf_token, post_form, statements

KOREAN = {"Accept-Language": "ko-KR,ko;q=0.9"}


@pytest.fixture
def shopper(login, make_user):
    user = make_user(balance=20_000)
    login(user)
    return user


@pytest.fixture
def bilingual(app, make_product):
    """make_product with an English name beside the Korean one."""

    def make(korean: str, english: str, **fields):
        product = make_product(name=korean, **fields)
        with app.app_context(), transaction() as uow:
            uow.session.execute(update(Product).where(Product.id == product.id)
                                .values(name_en=english, version=Product.version + 1))
        return product

    return make


def _add(client, product_id, quantity):
    return post_form(client, f"/cart/add/{product_id}", {"quantity": quantity},
                     token_from="/cart")


def _korean(client, path):
    response = client.get(path, headers=KOREAN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="ko">' in html
    return html


def _testid(html, name):
    match = re.search(rf'data-testid="{name}"[^>]*>([^<]*)<', html)
    assert match, f"no {name}"
    return match.group(1).strip()


def test_product_page_in_korean_and_in_english(client, bilingual):
    tea = bilingual("보성 녹차", "Boseong green tea", price=12_900, stock=3)

    html = _korean(client, f"/products/{tea.id}")
    assert _testid(html, "product-name") == "보성 녹차"
    assert _testid(html, "price") == "₩12,900"
    assert _testid(html, "stock") == "3개 남음"
    assert "로그인하고 구매하기" in html and "Log in to buy" not in html

    english = client.get(f"/products/{tea.id}", headers={"Accept-Language": "en"})
    html = english.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert _testid(html, "product-name") == "Boseong green tea"
    assert "Only 3 left" in html and "Log in to buy" in html


def test_cart_in_korean_with_the_shown_names(client, shopper, bilingual):
    tea = bilingual("보성 녹차", "Boseong green tea", price=3_000, stock=7)
    assert _add(client, tea.id, 2).status_code == 302

    html = _korean(client, "/cart")
    assert "<h1" in html and ">장바구니</h1>" in html
    line = html[html.index('data-testid="cart-line"'):]
    assert "보성 녹차" in line and "Boseong" not in line
    assert "개당 ₩3,000" in line and "재고 7개" in line
    assert ">변경</button>" in line and ">삭제</button>" in line
    assert _testid(html, "subtotal") == "₩6,000"
    assert "상품 금액" in html and _testid(html, "go-to-checkout") == "주문하기"

    english = client.get("/cart").get_data(as_text=True)
    assert "Boseong green tea" in english and "₩3,000 each" in english


def test_refusals_and_flashes_speak_korean(client, shopper, bilingual):
    tea = bilingual("보성 녹차", "Boseong green tea", price=3_000, stock=3)
    client.set_cookie("lang", "ko")

    refused = _add(client, tea.id, 4)
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "보성 녹차 상품은 3개만 남았어요." in page

    added = _add(client, tea.id, 2)
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "보성 녹차 2개를 장바구니에 담았어요. (지금 2개)" in page

    too_many = post_form(client, f"/cart/items/{tea.id}", {"quantity": "0"})
    assert too_many.status_code == 422
    assert "1부터 10,000까지의 정수를 입력하세요." in too_many.get_data(as_text=True)


def test_checkout_order_and_cancel_in_korean(client, shopper, make_product):
    mug = make_product(name="세라믹 머그컵", price=15_000, stock=5)
    assert _add(client, mug.id, 1).status_code == 302

    html = _korean(client, "/checkout")
    assert ">포인트로 결제하기</button>" in html
    assert "결제 금액" in html and _testid(html, "total") == "₩15,000"
    assert "결제 후 포인트" in html and _testid(html, "balance-after") == "₩5,000"

    fields = dict(re.findall(r'<input[^>]*name="(csrf_token|idempotency_key|expected_total)"'
                             r'[^>]*value="([^"]*)"', html))
    paid = client.post("/checkout", data=fields, headers=KOREAN)
    assert paid.status_code == 302
    order_page = _korean(client, paid.headers["Location"])
    assert "포인트 15,000원으로 결제했어요." in order_page
    assert _testid(order_page, "order-status") == "결제 완료"
    assert "주문 취소하고 포인트 환불받기" in order_page

    cancelled = client.post(paid.headers["Location"] + "/cancel",
                            data={"csrf_token": csrf_token(client, "/cart")}, headers=KOREAN)
    order_page = _korean(client, cancelled.headers["Location"])
    assert "15,000원을 포인트로 돌려드렸어요." in order_page
    assert _testid(order_page, "order-status") == "취소됨"
    orders = _korean(client, "/orders")
    assert ">주문 내역</h1>" in orders and ">취소됨</span>" in orders


def test_an_english_order_flash_writes_the_amount_as_money(client, shopper, make_product):
    mug = make_product(name="Mug", price=15_000, stock=5)
    _add(client, mug.id, 1)
    html = client.get("/checkout").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="(csrf_token|idempotency_key|expected_total)"'
                             r'[^>]*value="([^"]*)"', html))
    paid = client.post("/checkout", data=fields)
    assert "is paid: ₩15,000 in points." in client.get(paid.headers["Location"]).get_data(
        as_text=True)


def test_the_header_counts_the_products_in_the_cart(client, shopper, make_product):
    mug, tea = make_product(stock=50), make_product(stock=50)
    html = client.get("/coupons").get_data(as_text=True)
    assert _testid(html, "nav-cart-name") == "Cart, 0 items"
    assert 'data-testid="nav-cart-count"' not in html

    _add(client, mug.id, 3)
    html = client.get("/coupons").get_data(as_text=True)
    assert _testid(html, "nav-cart-name") == "Cart, 1 item"
    assert _testid(html, "nav-cart-count") == "1"

    _add(client, tea.id, 1)
    html = _korean(client, "/coupons")
    assert _testid(html, "nav-cart-name") == "장바구니 2개"
    assert _testid(html, "nav-cart-count") == "2"
    assert "<strong>₩20,000</strong>" in html


def test_the_header_reads_balance_and_cart_count_in_one_query(app, client, shopper):
    with app.app_context(), statements(db.engine, "cart_items") as seen:
        client.get("/coupons")
    assert len(seen) == 1
    assert "wallets" in seen[0]

    visitor = app.test_client()
    with app.app_context(), statements(db.engine, "wallets") as wallets, \
            statements(db.engine, "cart_items") as carts:
        html = visitor.get("/coupons").get_data(as_text=True)
    assert wallets == [] and carts == []
    assert 'data-testid="nav-cart"' not in html and 'data-testid="nav-balance"' not in html


def _stepper(html, product_id):
    """The − and + buttons of a cart line and the form they submit, as a browser reads them."""
    step = re.search(rf'<form id="(step-{product_id})" method="post" action="([^"]+)"'
                     r'[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"', html)
    assert step, "no stepper form"
    form_id, action, token = step.groups()
    buttons = dict(re.findall(
        rf'<button[^>]*form="{form_id}" name="quantity" value="(\d+)"[^>]*'
        r'data-testid="(decrease|increase)"', html))
    return action, token, {name: value for value, name in buttons.items()}


def test_the_stepper_posts_one_more_or_one_less(client, shopper, make_product, db_snapshot):
    tea = make_product(price=1_000, stock=3)
    _add(client, tea.id, 2)

    action, token, values = _stepper(client.get("/cart").get_data(as_text=True), tea.id)
    assert values == {"decrease": "1", "increase": "3"}
    assert client.post(action, data={"csrf_token": token,
                                     "quantity": values["increase"]}).status_code == 302
    assert [row["quantity"] for row in db_snapshot()["cart_items"]] == [3]

    html = client.get("/cart").get_data(as_text=True)
    # At the stock left there is no "+" to press; "−" takes one off.
    assert re.search(r'value="4"[^>]*data-testid="increase"\s+disabled', html)
    action, token, values = _stepper(html, tea.id)
    assert client.post(action, data={"csrf_token": token,
                                     "quantity": values["decrease"]}).status_code == 302
    assert [row["quantity"] for row in db_snapshot()["cart_items"]] == [2]
