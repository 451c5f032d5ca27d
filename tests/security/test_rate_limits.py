"""Rate limits on logging in, signing up, asking for tokens and topping up.

Runs against ``limited_app`` (limits on, fresh in-memory counters per test) with the
embedded defaults: login 10/minute per account and 30/minute per address, sign-up
5/hour per account and 20/hour per address, top-up 20/minute per account and 60/minute
per address. The session-wide test app has them off.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.config import RATE_LIMIT_DEFAULTS, load_config
from app.extensions import cache, db
from app.wallet.models import Wallet
from tests.conftest import PASSWORD
from tests.fixtures.security import limited_app_for
from tests.helpers import assert_problem, post_form

WRONG = "wrong-password-99"


@pytest.fixture
def limited(limited_app):
    return limited_app.test_client()


def _login(client, email, password, address="192.0.2.1"):
    return post_form(client, "/login", {"email": email, "password": password},
                     environ_base={"REMOTE_ADDR": address})


def _assert_rate_limited_page(response, window: int = 60):
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= window


def test_the_eleventh_login_for_one_account_is_refused_then_another_account_logs_in(
        limited, make_user, db_snapshot):
    victim, other = make_user(), make_user()
    for _ in range(10):
        assert _login(limited, victim.email, WRONG).status_code == 422
    before = db_snapshot()

    _assert_rate_limited_page(_login(limited, victim.email, WRONG))
    # Even the right password waits: the limit is what stops guessing.
    _assert_rate_limited_page(_login(limited, victim.email.upper(), PASSWORD))
    assert db_snapshot() == before
    assert limited.get("/wallet").status_code == 302

    assert _login(limited, other.email, PASSWORD).status_code == 302
    assert limited.get("/wallet").status_code == 200


def test_the_token_api_shares_the_login_budget_and_answers_problem_json(limited, make_user):
    user = make_user()
    for _ in range(10):
        _login(limited, user.email, WRONG)
    response = limited.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert_problem(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_one_address_trying_many_accounts_is_stopped_and_others_are_not(limited, make_user):
    user = make_user()
    for n in range(30):
        assert _login(limited, f"nobody{n}@example.com", WRONG).status_code == 422
    _assert_rate_limited_page(_login(limited, "nobody-else@example.com", WRONG))
    assert _login(limited, user.email, PASSWORD, address="203.0.113.9").status_code == 302


def test_showing_the_login_page_costs_nothing(limited, make_user):
    user = make_user()
    for _ in range(40):
        assert limited.get("/login", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 200
    assert _login(limited, user.email, PASSWORD).status_code == 302


def test_sign_ups_are_limited_per_email_and_per_address(limited, app):
    for n in range(5):
        response = limited.post("/api/v1/users", json={
            "email": "taken@example.com", "password": PASSWORD, "name": "Taken"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n + 10}"})
        assert response.status_code == (201 if n == 0 else 409)
    response = limited.post("/api/v1/users", json={
        "email": "TAKEN@example.com", "password": PASSWORD, "name": "Taken"},
        environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert (response.status_code, response.get_json()["code"]) == (429, "rate_limited")

    for n in range(20):
        response = post_form(limited, "/signup", {
            "email": f"bot{n}@example.com", "password": PASSWORD, "confirm": PASSWORD,
            "name": "Bot"}, environ_base={"REMOTE_ADDR": "198.51.100.1"})
        assert response.status_code in {302, 422}
        limited.delete_cookie("session")  # signed up and logged in: start over as a stranger
    refused = post_form(limited, "/signup", {
        "email": "bot-last@example.com", "password": PASSWORD, "confirm": PASSWORD,
        "name": "Bot"}, environ_base={"REMOTE_ADDR": "198.51.100.1"})
    _assert_rate_limited_page(refused, window=3600)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "bot-last@example.com")) \
            is None
        db.session.remove()


def test_top_ups_are_limited_per_account_across_page_and_api(limited, make_user, bearer,
                                                             app):
    user = make_user()
    headers = bearer(user)
    for _ in range(20):
        response = limited.post("/api/v1/wallet/charges", headers=headers,
                                json={"amount": 1_000},
                                environ_base={"REMOTE_ADDR": "192.0.2.50"})
        assert response.status_code == 201
    refused = limited.post("/api/v1/wallet/charges", headers=headers, json={"amount": 1_000},
                           environ_base={"REMOTE_ADDR": "192.0.2.51"})
    assert (refused.status_code, refused.get_json()["code"]) == (429, "rate_limited")

    _login(limited, user.email, PASSWORD, address="192.0.2.52")
    page = post_form(limited, "/wallet", {"amount": "1000"},
                     environ_base={"REMOTE_ADDR": "192.0.2.52"})
    _assert_rate_limited_page(page)
    assert limited.get("/wallet").status_code == 200  # reading the wallet is not limited
    with app.app_context():
        assert db.session.get(Wallet, user.id).balance == 20_000
        db.session.remove()


def test_a_limited_api_top_up_looks_its_token_up_once(limited, make_user, bearer,
                                                       monkeypatch):
    """The per-account limit and ``token_required`` both need the caller: one lookup."""
    headers = bearer(make_user())
    lookups = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda key: (key.startswith("api-token:")
                                                   and lookups.append(key)) or real_get(key))
    response = limited.post("/api/v1/wallet/charges", headers=headers, json={"amount": 1_000})
    assert response.status_code == 201
    assert len(lookups) == 1


def test_limits_come_from_the_environment_and_can_be_switched_off(monkeypatch, tmp_path):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("RATELIMIT_LOGIN_ACCOUNT", "3/minute")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    config = load_config(tmp_path)
    assert config["RATELIMIT_LOGIN_ACCOUNT"] == "3/minute"
    assert config["RATELIMIT_SIGNUP_ADDRESS"] == RATE_LIMIT_DEFAULTS["SIGNUP_ADDRESS"]
    assert config["RATELIMIT_ENABLED"] is False
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"

    monkeypatch.delenv("RATELIMIT_ENABLED")
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/3")
    config = load_config(tmp_path)
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/3"


def test_a_configured_limit_is_the_one_enforced(app, make_user):
    with limited_app_for(app, RATELIMIT_LOGIN_ACCOUNT="2/minute") as strict:
        client = strict.test_client()
        user = make_user()
        assert _login(client, user.email, WRONG).status_code == 422
        assert _login(client, user.email, WRONG).status_code == 422
        assert _login(client, user.email, PASSWORD).status_code == 429
    with limited_app_for(app, RATELIMIT_ENABLED=False) as unlimited:
        client = unlimited.test_client()
        for _ in range(40):
            assert _login(client, user.email, WRONG).status_code == 422
        assert _login(client, user.email, PASSWORD).status_code == 302


def test_with_redis_unreachable_limits_fall_back_to_memory_never_a_500(app, make_user):
    user = make_user()
    with limited_app_for(app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                         RATELIMIT_LOGIN_ACCOUNT="2/minute") as limited:
        client = limited.test_client()
        assert _login(client, user.email, WRONG).status_code == 422
        assert _login(client, user.email, WRONG).status_code == 422
        assert _login(client, user.email, PASSWORD).status_code == 429


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(app):
    with limited_app_for(app, TRUSTED_PROXIES=1, RATELIMIT_LOGIN_ADDRESS="2/minute") as behind:
        client = behind.test_client()

        def attempt(client_address, email):
            return post_form(client, "/login", {"email": email, "password": WRONG},
                             headers={"X-Forwarded-For": client_address},
                             environ_base={"REMOTE_ADDR": "10.0.0.2"})

        assert attempt("203.0.113.1", "a@example.com").status_code == 422
        assert attempt("203.0.113.1", "b@example.com").status_code == 422
        assert attempt("203.0.113.1", "c@example.com").status_code == 429
        assert attempt("203.0.113.2", "d@example.com").status_code == 422
    with limited_app_for(app, RATELIMIT_LOGIN_ADDRESS="2/minute") as direct:
        client = direct.test_client()
        # Not behind a proxy: a forged header changes nothing.
        for n, status in enumerate((422, 422, 429)):
            response = post_form(client, "/login", {"email": f"{n}@example.com",
                                                    "password": WRONG},
                                 headers={"X-Forwarded-For": f"203.0.113.{n}"})
            assert response.status_code == status
