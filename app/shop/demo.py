"""Demo data: a shop worth clicking through, created once.

Every part is seeded only when it is missing (the catalog when there are no products yet,
each account when its email is free, the shopper's top-up when their ledger is empty), so
running the command again changes nothing, and a run that stopped half-way is completed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, select

from app.accounts.models import User
from app.accounts.services import register_user
from app.catalog.models import Product
from app.catalog.stock import change_stock
from app.coupons.models import Coupon
from app.db import transaction
from app.extensions import db
from app.wallet.models import LedgerEntry
from app.wallet.services import charge_wallet

ADMIN_EMAIL = "admin@storefront.test"
ADMIN_PASSWORD = "admin-pass-123"
SHOPPER_EMAIL = "shopper@storefront.test"
SHOPPER_PASSWORD = "shopper-pass-123"
SHOPPER_TOP_UP = 50_000

# (name, price in won, stock, description). Listed oldest first: the list shows newest first.
PRODUCTS = [
    ("Jeju Hallabong Tangerines, 3 kg", 32_900, 40,
     "Sweet, seedless hallabong from Seogwipo orchards, picked ripe and shipped within two days."
     "\n\nKeep them somewhere cool; they are at their best within a week."),
    ("Boseong Green Tea, First Flush 80 g", 24_000, 35,
     "Ujeon leaves hand-picked in April on the terraced slopes of Boseong. Brew at 70 °C for a "
     "mellow, grassy cup."),
    ("Stainless Steel Chopsticks & Spoon Set", 18_500, 60,
     "A flat-handled sujeo set in brushed 18/10 steel. Dishwasher safe, made in Gimhae."),
    ("Onggi Fermentation Crock, 5 L", 68_000, 12,
     "A breathable earthenware crock glazed with ash and clay, for kimchi, doenjang or "
     "pickles. Each one is thrown by hand, so no two are quite alike."),
    ("Gochujang, Sunchang Traditional 1 kg", 15_900, 80,
     "Red pepper paste fermented for a full year in onggi jars. Deep, sweet heat for stews, "
     "bibimbap and marinades."),
    ("Brass Bangjja Rice Bowl", 54_000, 3,
     "Forged and hand-hammered bangjja brass that keeps rice warm. Polish with a soft cloth; "
     "it only grows more beautiful with use."),
    ("Hanji Paper Desk Lamp", 89_000, 9,
     "A soft, warm light through mulberry hanji paper stretched over a birch frame. "
     "E26 bulb (included), 1.8 m fabric cord."),
    ("Merino Wool Crew Socks, 3 Pairs", 21_000, 100,
     "Soft, breathable merino that stays warm when wet. Sizes 230–270 mm."),
    ("Canvas Market Tote", 16_000, 75,
     "Heavy 16 oz cotton canvas with an inside pocket and long handles that fit over a coat."),
    ("Cold Brew Coffee Bottle, 1 L", 27_500, 30,
     "Borosilicate glass with a fine stainless filter. Add grounds and water at night, pour "
     "smooth cold brew in the morning."),
    ("Single-Origin Coffee Beans, Ethiopia Yirgacheffe 500 g", 23_000, 45,
     "Washed-process beans roasted medium-light in Seongsu-dong. Notes of jasmine, bergamot "
     "and honey."),
    ("Bamboo Cutting Board, Large", 31_000, 2,
     "One solid piece of moso bamboo, 45 × 30 cm, with a juice groove. Oil it once a month."),
    ("Korean Pear Gift Box (Singo), 7.5 kg", 59_000, 0,
     "Nine to eleven crisp, juicy Naju singo pears, each wrapped by hand. The holiday favourite "
     "— sold out until the next harvest."),
    ("Wireless Earbuds, Noise Cancelling", 129_000, 25,
     "Active noise cancelling, 8 hours per charge and 24 with the case. IPX4 sweat resistance "
     "and USB-C charging."),
    ("Mechanical Keyboard, Hangul Keycaps", 149_000, 15,
     "A hot-swappable 75% keyboard with tactile switches and dye-sub PBT keycaps in Hangul and "
     "Latin."),
    ("Linen Bedding Set, Queen", 198_000, 8,
     "Stone-washed French linen: a duvet cover and two pillowcases, softer with every wash."),
    ("Stoneware Mug, Celadon Glaze", 19_000, 50,
     "A 350 ml mug in the sea-green celadon glaze of Gangjin kilns. Microwave and dishwasher "
     "safe."),
    ("Roasted Seaweed Snack, 16 Packs", 12_900, 120,
     "Crisp gim brushed with sesame oil and a pinch of sea salt. The office favourite."),
    ("Portable Butane Stove", 45_000, 20,
     "The one every Korean camping trip starts with: 2.3 kW burner, piezo ignition, carry case "
     "included."),
    ("Hand-Dripped Sikhye, 6 Bottles", 22_000, 4,
     "Sweet rice punch brewed the slow way with malted barley. Serve cold; it keeps 10 days in "
     "the fridge."),
]

# (name, type, value, max discount, minimum order, quantity, valid days after claiming)
COUPONS = [
    ("Welcome: ₩3,000 off", "fixed", 3_000, None, 20_000, 1_000, 14),
    ("10% off, up to ₩5,000", "percent", 10, 5_000, 10_000, 500, 7),
    ("₩10,000 off orders over ₩100,000", "fixed", 10_000, None, 100_000, 100, 30),
    ("Flash deal: 30% off, first 10 only", "percent", 30, 15_000, 30_000, 10, 3),
]


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)

    @property
    def already_seeded(self) -> bool:
        return not self.created


def _seed_catalog() -> bool:
    """Products (with their initial stock movements) and coupons, in one transaction."""
    with transaction() as uow:
        session = uow.session
        if session.scalar(select(Product.id).limit(1)) is not None:
            return False
        for name, price, stock, description in PRODUCTS:
            product = Product(name=name, price=price, stock=0, description=description)
            session.add(product)
            session.flush()
            if stock:
                change_stock(session, product.id, stock, "initial", reason="demo data")
        for name, kind, value, max_discount, min_order, quantity, valid_days in COUPONS:
            session.add(Coupon(name=name, discount_type=kind, discount_value=value,
                               max_discount=max_discount, min_order_amount=min_order,
                               quantity=quantity, remaining=quantity, valid_days=valid_days,
                               status="active"))
    return True


def _user_id(email: str) -> int | None:
    return db.session.scalar(select(User.id).where(User.email == email))


def seed_demo() -> SeedReport:
    """Create whatever part of the demo shop is missing; report what was created."""
    report = SeedReport()
    if _seed_catalog():
        report.created.append(f"{len(PRODUCTS)} products and {len(COUPONS)} coupons")
    if _user_id(ADMIN_EMAIL) is None:
        register_user(ADMIN_EMAIL, ADMIN_PASSWORD, "Shop Admin", is_admin=True)
        report.created.append("the admin account")
    shopper_id = _user_id(SHOPPER_EMAIL)
    if shopper_id is None:
        shopper_id = register_user(SHOPPER_EMAIL, SHOPPER_PASSWORD, "Demo Shopper").id
        report.created.append("the shopper account")
    has_ledger = db.session.scalar(select(exists().where(LedgerEntry.user_id == shopper_id)))
    if not has_ledger:
        charge_wallet(shopper_id, SHOPPER_TOP_UP)
        report.created.append(f"a {SHOPPER_TOP_UP:,} won top-up for the shopper")
    return report
