"""app/db.py's conflict detection and the one retry helper, with fakes (no database)."""

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

import app.db
from app.db import is_conflict, retry_on_conflict
from app.errors import ConflictRetryExhausted


class DriverError(Exception):
    """What a DB-API driver raises; psycopg puts the SQLSTATE on ``sqlstate``."""

    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


def db_error(cls, message: str, sqlstate: str | None = None):
    return cls("UPDATE wallets SET …", {}, DriverError(message, sqlstate))


@pytest.fixture
def sleeps(monkeypatch):
    """Records each backoff instead of sleeping; ``random.uniform`` returns its upper bound."""
    recorded: list[float] = []
    monkeypatch.setattr(app.db.time, "sleep", recorded.append)
    monkeypatch.setattr(app.db.random, "uniform", lambda low, high: high)
    return recorded


class Flaky:
    """A unit of work that raises each of ``errors`` in turn, then returns ``result``."""

    __name__ = "flaky_service"

    def __init__(self, *errors: BaseException, result="done"):
        self.errors = list(errors)
        self.result = result
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        self.last_args = (args, kwargs)
        if self.errors:
            raise self.errors.pop(0)
        return self.result


@pytest.mark.parametrize("error", [
    StaleDataError("UPDATE statement on table 'wallets' expected to update 1 row(s); 0 matched"),
    db_error(OperationalError, "could not serialize access", "40001"),
    db_error(OperationalError, "deadlock detected", "40P01"),
    db_error(OperationalError, "database is locked"),
    db_error(OperationalError, "database table is locked"),
], ids=["stale-data", "serialization-failure", "deadlock", "sqlite-locked", "sqlite-table-locked"])
def test_these_are_conflicts(error):
    assert is_conflict(error) is True


@pytest.mark.parametrize("error", [
    db_error(IntegrityError, "duplicate key value violates unique constraint", "23505"),
    db_error(IntegrityError, "new row violates check constraint", "23514"),
    db_error(OperationalError, "no such table: wallets"),
    db_error(OperationalError, "connection refused", "08006"),
    ValueError("database is locked"),  # the words alone, outside a database error, are not enough
    ConflictRetryExhausted(),
], ids=["unique-violation", "check-violation", "no-such-table", "connection", "plain-error",
        "already-exhausted"])
def test_these_are_not_conflicts(error):
    assert is_conflict(error) is False


def test_two_conflicts_then_success_takes_three_calls(sleeps):
    work = Flaky(StaleDataError("stale"), db_error(OperationalError, "deadlock", "40P01"),
                 result=42)
    charge = retry_on_conflict(attempts=5)(work)

    assert charge(7, amount=1000) == 42
    assert work.calls == 3
    assert work.last_args == ((7,), {"amount": 1000})  # every attempt gets the same arguments
    assert len(sleeps) == 2


def test_always_conflicting_gives_up_after_n_calls(sleeps):
    work = Flaky(*[StaleDataError(f"stale {n}") for n in range(10)])
    charge = retry_on_conflict(attempts=4)(work)

    with pytest.raises(ConflictRetryExhausted) as raised:
        charge()

    assert work.calls == 4
    assert len(sleeps) == 3  # no pointless wait after the last attempt
    assert isinstance(raised.value.__cause__, StaleDataError)
    assert str(raised.value.__cause__) == "stale 3"
    assert "try again" in raised.value.detail  # shopper's words, not the service's name
    assert "flaky_service" not in raised.value.detail
    assert raised.value.code == "conflict_retry_exhausted"
    assert raised.value.status == 409


@pytest.mark.parametrize("error", [
    db_error(IntegrityError, "duplicate key", "23505"),
    db_error(OperationalError, "no such table: wallets"),
    ValueError("bad amount"),
    ConflictRetryExhausted("an inner service gave up"),
], ids=["integrity", "operational-non-conflict", "value-error", "inner-exhausted"])
def test_other_errors_are_not_retried(sleeps, error):
    work = Flaky(error)
    charge = retry_on_conflict(attempts=5)(work)

    with pytest.raises(type(error)) as raised:
        charge()

    assert raised.value is error
    assert work.calls == 1
    assert sleeps == []


def test_success_at_once_never_sleeps(sleeps):
    work = Flaky(result="first time")
    assert retry_on_conflict(attempts=3)(work)() == "first time"
    assert work.calls == 1
    assert sleeps == []


def test_backoff_grows_exponentially_up_to_the_cap(sleeps):
    work = Flaky(*[StaleDataError("stale") for _ in range(8)])
    with pytest.raises(ConflictRetryExhausted):
        retry_on_conflict(attempts=8, base_delay=0.005, max_delay=0.2)(work)()
    assert sleeps == pytest.approx([0.01, 0.02, 0.04, 0.08, 0.16, 0.2, 0.2])


def test_backoff_is_jittered_between_zero_and_the_bound(monkeypatch):
    bounds: list[tuple[float, float]] = []
    monkeypatch.setattr(app.db.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(app.db.random, "uniform",
                        lambda low, high: bounds.append((low, high)) or low)
    work = Flaky(StaleDataError("stale"), StaleDataError("stale"))
    retry_on_conflict(attempts=3, base_delay=0.01, max_delay=1.0)(work)()
    assert bounds == [(0, 0.02), (0, 0.04)]


def test_the_wrapper_keeps_the_service_name_and_docstring():
    def charge_wallet():
        """Top up a wallet."""

    wrapped = retry_on_conflict(attempts=2)(charge_wallet)
    assert wrapped.__name__ == "charge_wallet"
    assert wrapped.__doc__ == "Top up a wallet."


def test_each_retry_and_each_exhausted_unit_of_work_is_counted_by_operation(sleeps):
    from app.metrics import CONFLICT_RETRIES, CONFLICT_RETRIES_EXHAUSTED

    def counts():
        return (CONFLICT_RETRIES.labels("flaky_service")._value.get(),
                CONFLICT_RETRIES_EXHAUSTED.labels("flaky_service")._value.get())

    retries, exhausted = counts()
    conflict = StaleDataError("0 matched")
    assert retry_on_conflict(3)(Flaky(conflict, conflict))() == "done"
    assert counts() == (retries + 2, exhausted)
    with pytest.raises(ConflictRetryExhausted):
        retry_on_conflict(3)(Flaky(conflict, conflict, conflict))()
    assert counts() == (retries + 4, exhausted + 1)
