"""On PostgreSQL a GET or HEAD request reads in autocommit (app.db.read_in_autocommit).

No BEGIN and ROLLBACK around its reads, so psycopg keeps the statements it prepared from one
request to the next; a write in such a request is still one transaction; and the connection
goes back to the pool as it came, for the next request that writes.
"""

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Product
from app.db import transaction
from app.extensions import db

pytestmark = pytest.mark.postgres


def _transaction_status(method: str, app, product_id: int) -> TransactionStatus:
    with app.test_request_context("/", method=method):
        db.session.execute(select(Product.stock).where(Product.id == product_id)).scalar_one()
        status = db.session.connection().connection.driver_connection.info.transaction_status
        db.session.remove()
    return status


def test_a_get_request_reads_outside_a_transaction(app, make_product):
    product = make_product()
    assert _transaction_status("GET", app, product.id) == TransactionStatus.IDLE
    assert _transaction_status("HEAD", app, product.id) == TransactionStatus.IDLE
    # A request that may write keeps its read and its write in one transaction, as before.
    assert _transaction_status("POST", app, product.id) == TransactionStatus.INTRANS


def test_product_pages_keep_their_prepared_statement_between_requests(app, make_product):
    product = make_product()
    with app.app_context():
        db.engine.dispose()  # one connection from here on: the requests below share it
    client = app.test_client()
    for _ in range(6):  # psycopg prepares a statement at its fifth use on a connection
        assert client.get(f"/products/{product.id}").status_code == 200
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.connection.driver_connection.autocommit is False
            prepared = conn.execute(text(
                "SELECT count(*) FROM pg_prepared_statements "
                "WHERE statement LIKE '%FROM products%product_images%'")).scalar_one()
    assert prepared == 1


def test_a_write_in_a_get_request_is_still_one_transaction(app, make_product):
    product = make_product(price=1_000, stock=5)
    with app.test_request_context("/", method="GET"):
        db.session.execute(select(Product.stock).where(Product.id == product.id)).scalar_one()
        with pytest.raises(IntegrityError), transaction() as uow:
            uow.session.execute(update(Product).where(Product.id == product.id)
                                .values(price=2_000))
            uow.session.execute(update(Product).where(Product.id == product.id)
                                .values(stock=-1))  # refused by stock_not_negative
        db.session.remove()
    with app.app_context():
        assert db.session.execute(select(Product.price, Product.stock)
                                  .where(Product.id == product.id)).one() == (1_000, 5)
        db.session.remove()
