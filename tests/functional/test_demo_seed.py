"""flask seed-demo: a complete demo shop on the first run, nothing changed on the next."""

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.catalog.models import Product, StockMovement
from app.coupons.models import Coupon
from app.extensions import db
from app.shop import demo
from app.wallet.models import LedgerEntry, Wallet


def _snapshot(app) -> dict:
    with app.app_context():
        def count(model):
            return db.session.scalar(select(func.count()).select_from(model))

        movements = dict(db.session.execute(
            select(StockMovement.product_id, func.sum(StockMovement.delta))
            .group_by(StockMovement.product_id)).all())
        snapshot = {
            "products": count(Product),
            "movements": count(StockMovement),
            "coupons": count(Coupon),
            "users": count(User),
            "ledger": count(LedgerEntry),
            "stock": {p.id: p.stock for p in db.session.scalars(select(Product))},
            "movement_sums": movements,
            "coupon_rows": sorted(
                (c.name, c.discount_type, c.discount_value, c.max_discount, c.min_order_amount,
                 c.quantity, c.remaining, c.valid_days, c.status)
                for c in db.session.scalars(select(Coupon))),
            "admins": sorted(db.session.scalars(select(User.email).where(User.is_admin))),
            "balances": dict(db.session.execute(
                select(User.email, Wallet.balance).join(Wallet, Wallet.user_id == User.id)).all()),
        }
        db.session.remove()
        return snapshot


def test_seed_demo_builds_the_shop_once(app, runner):
    first = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0, first.output
    assert "Demo data created" in first.output
    assert "http://127.0.0.1:5000" in first.output
    assert "admin@storefront.test / admin-pass-123" in first.output
    assert "shopper@storefront.test / shopper-pass-123" in first.output

    state = _snapshot(app)
    assert state["products"] == len(demo.PRODUCTS) == 20
    assert sorted(state["stock"].values()) == sorted(stock for _, _, stock, _ in demo.PRODUCTS)
    assert sum(1 for stock in state["stock"].values() if stock == 0) == 1
    assert sum(1 for stock in state["stock"].values() if 0 < stock <= 5) >= 2
    # Stock is the sum of its movements: every stocked product got one "initial" movement.
    assert state["movements"] == 19
    assert state["movement_sums"] == {pid: s for pid, s in state["stock"].items() if s}
    with app.app_context():
        assert set(db.session.scalars(select(StockMovement.kind))) == {"initial"}
    assert state["coupons"] == 4
    types = {row[1] for row in state["coupon_rows"]}
    assert types == {"fixed", "percent"}
    assert all(row[5] == row[6] and row[8] == "active" for row in state["coupon_rows"])
    assert any(row[5] <= 10 for row in state["coupon_rows"])
    assert all(row[3] is not None for row in state["coupon_rows"] if row[1] == "percent")
    assert state["admins"] == ["admin@storefront.test"]
    assert state["balances"] == {"admin@storefront.test": 0, "shopper@storefront.test": 50_000}
    assert state["ledger"] == 1

    second = runner.invoke(args=["seed-demo"])

    assert second.exit_code == 0, second.output
    assert "already seeded" in second.output
    assert "shopper@storefront.test / shopper-pass-123" in second.output
    assert _snapshot(app) == state


def test_demo_logins_work(app, runner, client):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        assert accounts.authenticate(demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD).is_admin
        assert not accounts.authenticate(demo.SHOPPER_EMAIL, demo.SHOPPER_PASSWORD).is_admin
    token = client.post("/api/v1/tokens", json={"email": demo.SHOPPER_EMAIL,
                                                "password": demo.SHOPPER_PASSWORD}).get_json()
    wallet = client.get("/api/v1/wallet", headers={"Authorization": f"Bearer {token['token']}"})
    assert wallet.get_json()["balance"] == 50_000
    assert [entry["kind"] for entry in wallet.get_json()["history"]] == ["charge"]


def test_seed_demo_leaves_an_existing_catalog_alone_and_completes_what_is_missing(
        app, runner, make_product):
    make_product(name="The shop's own product", stock=5)
    with app.app_context():
        accounts.register_user(demo.SHOPPER_EMAIL, "another-pass-1", "Existing Shopper")

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    state = _snapshot(app)
    assert state["products"] == 1 and state["coupons"] == 0
    assert state["admins"] == ["admin@storefront.test"]
    # The shopper existed without a top-up: the seed gives the one it promises, once.
    assert state["balances"][demo.SHOPPER_EMAIL] == 50_000
    assert state["ledger"] == 1
    assert runner.invoke(args=["seed-demo"]).output.startswith("Demo data already seeded")
    assert _snapshot(app) == state
