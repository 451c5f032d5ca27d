"""Export outbox, embedded mode (no Redis): inline delivery to a real HTTP receiver."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.catalog.stock import OutOfStock
from app.extensions import db
from app.exports.outcomes import DEFAULT_MAX_ATTEMPTS
from app.exports.models import ExportEvent
from tests.helpers import assert_problem

ORDER_KEYS = {"event_id", "kind", "occurred_at", "order_id", "user_id", "status", "lines",
              "subtotal", "discount", "total", "coupon", "created_at", "cancelled_at"}


def events(app) -> list[ExportEvent]:
    with app.app_context():
        return list(db.session.scalars(select(ExportEvent).order_by(ExportEvent.id)))


def relay(runner, older_than="0"):
    result = runner.invoke(args=["exports", "relay", "--once", "--older-than", older_than])
    assert result.exit_code == 0, result.output
    return result.output


def test_paid_order_is_delivered_at_once_with_a_signed_complete_payload(
        app, receiver, shopper, make_product, buy):
    tea = make_product(name="Green tea", price=4_500, stock=10)
    cup = make_product(name="Cup", price=12_000, stock=10)
    order_id = buy(shopper, {tea: 2, cup: 1})

    [event] = events(app)
    assert (event.order_id, event.kind, event.status, event.attempts) == (
        order_id, "order_paid", "delivered", 0)
    assert event.delivered_at is not None and event.last_error is None
    [request] = receiver.requests
    assert request["signature_ok"] and request["status"] == 200
    assert request["key"] == str(event.id)
    assert request["content_type"] == "application/json"
    payload = request["json"]
    assert payload == event.message()
    assert set(payload) == ORDER_KEYS
    assert payload["event_id"] == event.id and payload["kind"] == "order_paid"
    assert (payload["order_id"], payload["user_id"], payload["status"]) == (
        order_id, shopper.id, "paid")
    assert payload["lines"] == [
        {"product_id": tea.id, "name": "Green tea", "unit_price": 4_500, "quantity": 2},
        {"product_id": cup.id, "name": "Cup", "unit_price": 12_000, "quantity": 1}]
    assert (payload["subtotal"], payload["discount"], payload["total"]) == (21_000, 0, 21_000)
    assert payload["coupon"] is None and payload["cancelled_at"] is None
    assert datetime.fromisoformat(payload["created_at"]).utcoffset() is not None


def test_cancellation_exports_a_second_event_with_the_new_status(
        app, receiver, shopper, make_product, buy, cancel):
    product = make_product(price=1_000)
    order_id = buy(shopper, {product: 3})
    cancel(shopper, order_id)

    paid, cancelled = events(app)
    assert (cancelled.kind, cancelled.status, cancelled.order_id) == (
        "order_cancelled", "delivered", order_id)
    body = receiver.events_by_key()[str(cancelled.id)]
    assert body["status"] == "cancelled" and body["kind"] == "order_cancelled"
    assert body["cancelled_at"] is not None and body["total"] == 3_000
    assert receiver.events_by_key()[str(paid.id)]["status"] == "paid"


def test_coupon_is_in_the_payload(app, receiver, shopper, make_product):
    from app.coupons.admin import create_coupon
    from app.coupons.claims import claim_coupon
    from app.orders.checkout import place_order

    product = make_product(price=10_000)
    with app.app_context():
        coupon = create_coupon(name="Welcome 1000", discount_type="fixed",
                               discount_value=1_000, quantity=5)
        mine = claim_coupon(shopper.id, coupon.id)
        place_order(shopper.id, [(product.id, 1)], mine.id)
    [body] = receiver.events_by_key().values()
    assert body["coupon"] == {"id": coupon.id, "name": "Welcome 1000",
                              "user_coupon_id": mine.id}
    assert (body["subtotal"], body["discount"], body["total"]) == (10_000, 1_000, 9_000)


def test_refused_order_writes_no_event(app, receiver, shopper, make_product, buy):
    product = make_product(stock=1)
    with pytest.raises(OutOfStock):
        buy(shopper, {product: 2})
    assert events(app) == [] and receiver.requests == []


def test_without_a_platform_url_events_go_to_a_json_lines_file(
        app, receiver, shopper, make_product, buy, monkeypatch, export_sink):
    monkeypatch.setitem(app.config, "DATA_PLATFORM_URL", None)
    product = make_product()
    first, second = buy(shopper, {product: 1}), buy(shopper, {product: 2})

    lines = export_sink.read_text().splitlines()
    assert [json.loads(line)["order_id"] for line in lines] == [first, second]
    assert [e.status for e in events(app)] == ["delivered", "delivered"]
    assert receiver.requests == []


def test_platform_down_never_fails_the_checkout(app, receiver, shopper, make_product, buy,
                                                monkeypatch):
    monkeypatch.setitem(app.config, "DATA_PLATFORM_URL", "http://127.0.0.1:1/events")
    product = make_product(stock=5)
    buy(shopper, {product: 2})
    [event] = events(app)
    assert (event.status, event.attempts) == ("pending", 1)
    assert event.last_error.startswith("ConnectionRefusedError")


def test_500_twice_then_delivered_on_the_third_try_through_the_relay(
        app, runner, receiver, shopper, make_product, buy):
    """Inline mode makes one attempt per enqueue; the relay makes the next ones."""
    receiver.fail_next(2)
    buy(shopper, {make_product(): 1})
    [event] = events(app)
    assert (event.status, event.attempts, event.last_error) == (
        "pending", 1, "HTTP 500 Internal Server Error")

    assert relay(runner) == "relay: 1 enqueued\n"
    assert [(e.status, e.attempts) for e in events(app)] == [("pending", 2)]
    assert relay(runner) == "relay: 1 enqueued\n"
    [event] = events(app)
    assert (event.status, event.attempts) == ("delivered", 2)
    assert [r["status"] for r in receiver.requests] == [500, 500, 200]
    assert len(receiver.events_by_key()) == 1


def test_relay_leaves_recently_enqueued_events_alone(app, runner, receiver, shopper,
                                                     make_product, buy):
    receiver.fail_next(1)
    buy(shopper, {make_product(): 1})
    assert relay(runner, older_than="300") == "relay: 0 enqueued\n"
    assert [(e.status, e.attempts) for e in events(app)] == [("pending", 1)]
    assert len(receiver.requests) == 1


def test_always_failing_event_ends_failed_visible_to_admins_and_can_be_retried(
        app, client, runner, receiver, shopper, make_user, make_product, buy, bearer):
    receiver.fail_always(503)
    order_id = buy(shopper, {make_product(): 1})
    for _ in range(DEFAULT_MAX_ATTEMPTS):
        relay(runner)
    [event] = events(app)
    assert (event.status, event.attempts) == ("failed", DEFAULT_MAX_ATTEMPTS)
    assert event.last_error == "HTTP 503 Service Unavailable"
    assert len(receiver.requests) == DEFAULT_MAX_ATTEMPTS
    assert relay(runner) == "relay: 0 enqueued\n"  # failed events wait for a person

    admin = make_user(is_admin=True)
    response = client.get("/api/v1/admin/exports",
                          headers=bearer(admin))
    assert response.status_code == 200
    body = response.get_json()
    assert body["counts"] == {"pending": 0, "delivered": 0, "failed": 1}
    [failed] = body["failed"]
    assert failed["id"] == event.id and failed["order_id"] == order_id
    assert (failed["kind"], failed["attempts"], failed["last_error"]) == (
        "order_paid", DEFAULT_MAX_ATTEMPTS, "HTTP 503 Service Unavailable")

    receiver.fail_next(0)
    result = runner.invoke(args=["exports", "retry", str(event.id)])
    assert result.exit_code == 0, result.output
    [event] = events(app)
    assert (event.status, event.attempts) == ("delivered", 0)
    assert len(receiver.events_by_key()) == 1

    result = runner.invoke(args=["exports", "retry", str(event.id)])
    assert result.exit_code == 1 and "already delivered" in result.output
    result = runner.invoke(args=["exports", "retry", "999999"])
    assert result.exit_code == 1 and "no export event" in result.output
    assert len(receiver.requests) == DEFAULT_MAX_ATTEMPTS + 1


@pytest.mark.parametrize("who", ["nobody", "shopper"])
def test_admin_exports_refuses_non_admins(client, make_user, bearer, who):
    headers = bearer(make_user()) if who == "shopper" else {}
    response = client.get("/api/v1/admin/exports", headers=headers)
    status, code = (401, "unauthenticated") if who == "nobody" else (403, "forbidden")
    assert_problem(response, status, code)


def test_status_command_lists_counts(app, runner, receiver, shopper, make_product, buy):
    buy(shopper, {make_product(): 1})
    result = runner.invoke(args=["exports", "status"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "pending=0 delivered=1 failed=0"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExportEvent)) == 1


@pytest.mark.postgres
def test_rush_on_one_product_exports_exactly_the_orders_that_committed(
        app, receiver, make_user, make_product, export_sink):
    """Refused and retried checkouts leave no event and send nothing."""
    from app.orders.checkout import place_order
    from tests.helpers import outcome_counts, run_concurrently

    product = make_product(stock=20)
    users = [make_user(balance=100_000) for _ in range(30)]
    outcomes = run_concurrently(app, lambda user_id: place_order(user_id, [(product.id, 1)]),
                                [(user.id,) for user in users])

    assert outcome_counts(outcomes) == {"ok": 20, "out_of_stock": 10}
    paid = sorted(order.id for order, _ in (o for o in outcomes if isinstance(o, tuple)))
    assert sorted(e.order_id for e in events(app)) == paid
    assert {e.status for e in events(app)} == {"delivered"}
    assert sorted(b["order_id"] for b in receiver.events_by_key().values()) == paid
    assert len(receiver.requests) == 20


def test_delivering_a_delivered_event_again_sends_nothing(app, receiver, shopper,
                                                          make_product, buy):
    from app.exports.jobs import deliver_export

    buy(shopper, {make_product(): 1})
    [event] = events(app)
    with app.app_context():
        assert deliver_export(event.id) == "delivered"
        assert deliver_export(999_999) == "missing"
    assert len(receiver.requests) == 1


def test_relay_loop_passes_until_stopped(app, runner, receiver, shopper, make_product, buy,
                                         monkeypatch):
    import app.exports.cli as exports_cli

    receiver.fail_next(1)
    buy(shopper, {make_product(): 1})
    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(exports_cli.time, "sleep", nap)
    result = runner.invoke(args=["exports", "relay", "--loop", "--older-than", "0",
                                 "--interval", "5"])
    assert naps == [5, 5]
    assert result.output.splitlines()[:2] == ["relay: 1 enqueued", "relay: 0 enqueued"]
    assert [e.status for e in events(app)] == ["delivered"]
