"""The coupons page through the test client: list, claim button, flash messages, my coupons."""

import re

from tests.helpers import post_form


def _claim(client, coupon_id):
    return post_form(client, f"/coupons/{coupon_id}/claim", {}, token_from="/coupons",
                     follow_redirects=True)


def test_anonymous_visitors_see_claimable_coupons_and_a_login_link(client, make_coupon):
    make_coupon(name="Welcome 3000", discount_value=3000, quantity=50, remaining=42,
                min_order_amount=20_000)
    make_coupon(name="Tenth", discount_type="percent", discount_value=10, max_discount=5000)
    make_coupon(name="Hidden", status="paused")

    response = client.get("/coupons")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Welcome 3000" in html and "₩3,000 off" in html and "On orders of ₩20,000 or more" in html
    assert re.search(r'data-testid="remaining">42</span> of 50 left', html)
    assert "10% off (up to ₩5,000)" in html
    assert "Hidden" not in html
    assert "to claim coupons and see yours" in html


def test_anonymous_claim_goes_to_login_and_changes_nothing(client, make_coupon, db_snapshot):
    coupon = make_coupon()
    before = db_snapshot()

    response = post_form(client, f"/coupons/{coupon.id}/claim", {}, token_from="/coupons")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/coupons"
    assert db_snapshot() == before


def test_claim_flashes_success_and_lists_it_under_my_coupons(client, login, make_user,
                                                             make_coupon, db_snapshot):
    login(make_user())
    coupon = make_coupon(name="Welcome", quantity=5)

    response = _claim(client, coupon.id)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Welcome is yours. Use it by" in html
    assert re.search(r'data-testid="remaining">4</span> of 5 left', html)
    assert "Claimed</span>" in html
    assert 'badge text-bg-success">Available' in html
    snapshot = db_snapshot()
    assert snapshot["coupons"][0]["remaining"] == 4 and len(snapshot["user_coupons"]) == 1


def test_second_claim_flashes_already_claimed(client, login, make_user, make_coupon,
                                              db_snapshot):
    login(make_user())
    coupon = make_coupon(name="Once")
    _claim(client, coupon.id)
    before = db_snapshot()

    html = _claim(client, coupon.id).get_data(as_text=True)

    assert "You have already claimed Once." in html
    assert db_snapshot() == before


def test_refusals_flash_the_reason_and_change_nothing(client, login, make_user, make_coupon,
                                                      db_snapshot):
    login(make_user())
    gone = make_coupon(name="Gone", remaining=0)
    paused = make_coupon(name="Resting", status="paused")
    before = db_snapshot()

    assert "Gone is sold out." in _claim(client, gone.id).get_data(as_text=True)
    assert "Resting is paused" in _claim(client, paused.id).get_data(as_text=True)
    assert f"There is no coupon #{paused.id + 99}." in _claim(client, paused.id + 99).get_data(as_text=True)
    assert db_snapshot() == before


def test_sold_out_coupons_show_no_claim_button(client, login, make_user, make_coupon):
    login(make_user())
    make_coupon(name="Gone", remaining=0)
    html = client.get("/coupons").get_data(as_text=True)
    assert "Sold out</span>" in html
    assert ">Claim</button>" not in html


def test_my_coupons_show_used_and_expired(client, login, make_user, make_coupon,
                                          make_user_coupon):
    from app.db import utcnow

    user = make_user()
    login(user)
    make_user_coupon(user, make_coupon(name="Spent"), used=True)
    make_user_coupon(user, make_coupon(name="Stale"), expires_at=utcnow())

    html = client.get("/coupons").get_data(as_text=True)

    assert 'badge text-bg-secondary">Used' in html
    assert 'badge text-bg-warning">Expired' in html


def test_claim_without_csrf_token_is_refused(client, login, make_user, make_coupon,
                                             db_snapshot):
    login(make_user())
    coupon = make_coupon()
    before = db_snapshot()
    response = client.post(f"/coupons/{coupon.id}/claim", data={})
    assert response.status_code == 400
    assert db_snapshot() == before


def test_claim_is_post_only(client, make_coupon):
    assert client.get(f"/coupons/{make_coupon().id}/claim").status_code == 405
