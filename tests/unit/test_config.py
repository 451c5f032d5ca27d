"""app/config.py: the environment decides, the embedded defaults need nothing installed."""

import stat

import pytest

from app.config import load_config

ENV_VARS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SESSION_COOKIE_SECURE", "DB_POOL_SIZE",
            "DB_MAX_OVERFLOW", "DB_POOL_PRE_PING", "DB_POOL_PING_IDLE", "PASSWORD_HASH_METHOD",
            "SHOP_TIMEZONE", "EXPORT_SENDERS", "EXPORT_DRAIN_SECONDS", "EXPORT_CONNECT_TIMEOUT",
            "EXPORT_READ_TIMEOUT")


@pytest.fixture
def env(monkeypatch):
    """A process environment with none of the shop's variables set; ``env.set`` adds one."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)

    class Env:
        @staticmethod
        def set(name, value):
            monkeypatch.setenv(name, value)

    return Env


def test_embedded_defaults_need_no_services(env, tmp_path):
    config = load_config(tmp_path / "instance")
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'storefront.sqlite3'}"
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "connect_args": {"timeout": 30, "check_same_thread": False}}
    assert config["REDIS_URL"] is None
    assert config["CACHE_TYPE"] == "SimpleCache"
    assert "CACHE_REDIS_URL" not in config
    assert config["PRODUCTION"] is False
    assert config["PASSWORD_HASH_METHOD"] == "scrypt"
    assert (tmp_path / "instance").is_dir()


@pytest.mark.parametrize(("given", "used"), [
    ("postgres://shop:pw@db.internal:5432/storefront",
     "postgresql+psycopg://shop:pw@db.internal:5432/storefront"),
    ("postgresql://postgres@127.0.0.1/storefront",
     "postgresql+psycopg://postgres@127.0.0.1/storefront"),
    ("postgresql+psycopg://postgres@127.0.0.1/storefront",
     "postgresql+psycopg://postgres@127.0.0.1/storefront"),
    ("sqlite:////var/lib/shop/shop.sqlite3", "sqlite:////var/lib/shop/shop.sqlite3"),
])
def test_database_url_is_normalised_to_psycopg_3(env, tmp_path, given, used):
    env.set("DATABASE_URL", given)
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == used


def test_an_empty_database_url_means_the_embedded_default(env, tmp_path):
    env.set("DATABASE_URL", "")
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_postgres_gets_a_checked_connection_pool(env, tmp_path):
    env.set("DATABASE_URL", "postgresql://postgres@127.0.0.1/storefront")
    env.set("DB_POOL_SIZE", "25")
    config = load_config(tmp_path)
    # Liveness is app.db.ping_idle_connections' job: idle connections only, not every use.
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_size": 25, "max_overflow": 10, "pool_timeout": 30, "pool_pre_ping": False}
    assert (config["DB_POOL_PRE_PING"], config["DB_POOL_PING_IDLE"]) == (True, 1.0)
    assert config["PRODUCTION"] is True


def test_the_idle_ping_can_be_tuned_or_switched_off(env, tmp_path):
    env.set("DATABASE_URL", "postgresql://postgres@127.0.0.1/storefront")
    env.set("DB_POOL_PRE_PING", "false")
    env.set("DB_POOL_PING_IDLE", "0.5")
    config = load_config(tmp_path)
    assert (config["DB_POOL_PRE_PING"], config["DB_POOL_PING_IDLE"]) == (False, 0.5)


def test_secret_key_is_generated_once_and_kept_in_instance(env, tmp_path):
    first = load_config(tmp_path)["SECRET_KEY"]
    key_file = tmp_path / "secret_key"

    assert len(first) == 64 and int(first, 16) >= 0
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_config(tmp_path)["SECRET_KEY"] == first
    assert load_config(tmp_path / "elsewhere")["SECRET_KEY"] != first


def test_secret_key_from_the_environment_wins_and_writes_nothing(env, tmp_path):
    env.set("SECRET_KEY", "from-the-environment")
    assert load_config(tmp_path)["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_redis_switches_the_cache_to_redis(env, tmp_path):
    env.set("REDIS_URL", "redis://127.0.0.1:6379/3")
    config = load_config(tmp_path)
    assert config["REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert config["CACHE_TYPE"] == "app.cache.FailSafeRedisCache"
    assert config["CACHE_REDIS_URL"] == "redis://127.0.0.1:6379/3"
    assert config["CACHE_KEY_PREFIX"] == "storefront:"
    assert config["PRODUCTION"] is True


def test_an_empty_redis_url_means_no_redis(env, tmp_path):
    env.set("REDIS_URL", "")
    config = load_config(tmp_path)
    assert config["REDIS_URL"] is None
    assert config["CACHE_TYPE"] == "SimpleCache"


def test_session_cookies_are_httponly_and_samesite_lax(env, tmp_path):
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(("raw", "secure"), [("1", True), ("true", True), ("Yes", True),
                                             (" on ", True), ("0", False), ("false", False),
                                             ("", False)])
def test_secure_cookies_are_switched_on_behind_https(env, tmp_path, raw, secure):
    env.set("SESSION_COOKIE_SECURE", raw)
    assert load_config(tmp_path)["SESSION_COOKIE_SECURE"] is secure


def test_export_delivery_bounds_come_from_the_environment(env, tmp_path):
    defaults = load_config(tmp_path / "instance")
    assert [defaults[name] for name in ("EXPORT_SENDERS", "EXPORT_DRAIN_SECONDS",
                                        "EXPORT_CONNECT_TIMEOUT", "EXPORT_READ_TIMEOUT")] == [
        8, 30.0, 3.0, 10.0]
    for name, value in (("EXPORT_SENDERS", "2"), ("EXPORT_DRAIN_SECONDS", "12.5"),
                        ("EXPORT_CONNECT_TIMEOUT", "0.5"), ("EXPORT_READ_TIMEOUT", "4")):
        env.set(name, value)
    config = load_config(tmp_path / "instance")
    assert (config["EXPORT_SENDERS"], config["EXPORT_DRAIN_SECONDS"],
            config["EXPORT_CONNECT_TIMEOUT"], config["EXPORT_READ_TIMEOUT"]) == (2, 12.5, 0.5, 4.0)
