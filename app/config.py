"""Configuration read from the environment, with embedded defaults.

Embedded default (nothing set): SQLite file and secret key under ``instance/``, in-process
cache, background jobs run inline. Production: ``DATABASE_URL`` (PostgreSQL) and
``REDIS_URL`` (cache, RQ queue) make every app server stateless.
"""

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'storefront.sqlite3'}"
    # Heroku-style and bare postgresql:// URLs would pick psycopg2; we ship psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _engine_options(database_url: str) -> dict:
    if database_url.startswith("sqlite"):
        # A generous busy timeout: writers queue behind each other instead of failing.
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {
        "pool_size": int(os.environ.get("DB_POOL_SIZE", "10")),
        "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", "10")),
        "pool_timeout": 30,
        # Liveness is checked by app.db.ping_idle_connections (DB_POOL_PRE_PING), which
        # pings only connections that sat idle.
        "pool_pre_ping": False,
    }


# The cache's and the rate limits' Redis clients: a Redis on the same network answers in well
# under a millisecond, so these only bound what a dead or unreachable one costs a request
# (app/cache.py). The RQ queue's client has its own (app/jobs.py).
REDIS_CLIENT_TIMEOUTS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}

# Limits in the ``limits`` notation ("10/minute", "5 per hour"), each overridable by an
# environment variable of the same name prefixed RATELIMIT_. Logging in on the page and
# asking the API for a token share one budget: both guess the same password.
RATE_LIMIT_DEFAULTS = {
    "LOGIN_ACCOUNT": "10/minute",
    "LOGIN_ADDRESS": "30/minute",
    "SIGNUP_ACCOUNT": "5/hour",
    "SIGNUP_ADDRESS": "20/hour",
    "TOPUP_ACCOUNT": "20/minute",
    "TOPUP_ADDRESS": "60/minute",
}


def _operations(production: bool) -> dict:
    """Logs and metrics (app/logs.py, app/metrics.py). JSON lines by default once deployed,
    where a collector searches them by field; human-readable logs in the embedded mode."""
    log_format = (os.environ.get("LOG_FORMAT") or ("json" if production else "text")).strip().lower()
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    return {
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").strip().upper(),
        # Unset: /metrics is off (404). Prometheus sends it as its scrape's bearer token.
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
    }


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping for this process."""
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = _database_url(instance_path)
    redis_url = os.environ.get("REDIS_URL") or None
    production = redis_url is not None or not database_url.startswith("sqlite")
    config = {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "REDIS_URL": redis_url,
        # PostgreSQL: check a pooled connection is alive before use, when it sat idle for
        # longer than DB_POOL_PING_IDLE seconds (0: before every use).
        "DB_POOL_PRE_PING": _bool("DB_POOL_PRE_PING", True),
        "DB_POOL_PING_IDLE": float(os.environ.get("DB_POOL_PING_IDLE", "1")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Cookies only over HTTPS once the shop is deployed; the embedded default is plain HTTP.
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # werkzeug's scrypt by default; tests lower the cost, never production.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "SHOP_TIMEZONE": os.environ.get("SHOP_TIMEZONE", "Asia/Seoul"),
        # The language of a visitor who has not chosen one and whose browser asks for neither
        # (app/i18n.py): "ko" or "en".
        "SHOP_LOCALE": os.environ.get("SHOP_LOCALE", "ko"),
        "RQ_QUEUE_NAME": os.environ.get("RQ_QUEUE_NAME", "storefront"),
        "DATA_PLATFORM_URL": os.environ.get("DATA_PLATFORM_URL") or None,
        "DATA_PLATFORM_SECRET": os.environ.get("DATA_PLATFORM_SECRET", "dev-data-platform-secret"),
        # Seconds a drain waits after the first order asks for it (see app/exports/jobs.py).
        "EXPORT_DRAIN_DELAY": float(os.environ.get("EXPORT_DRAIN_DELAY", "1")),
        # A drain's parallel POSTs, its time budget (s), and each POST's timeouts (s): a slow
        # or hung platform costs bounded time (app/exports/jobs.py, sink.py).
        "EXPORT_SENDERS": int(os.environ.get("EXPORT_SENDERS", "8")),
        "EXPORT_DRAIN_SECONDS": float(os.environ.get("EXPORT_DRAIN_SECONDS", "30")),
        "EXPORT_CONNECT_TIMEOUT": float(os.environ.get("EXPORT_CONNECT_TIMEOUT", "3")),
        "EXPORT_READ_TIMEOUT": float(os.environ.get("EXPORT_READ_TIMEOUT", "10")),
        "BEST_SELLERS_TTL": int(os.environ.get("BEST_SELLERS_TTL", "60")),
        # How long each process reuses the cache entry it read (see app/bestsellers/services.py).
        "BEST_SELLERS_LOCAL_TTL": float(os.environ.get("BEST_SELLERS_LOCAL_TTL", "1")),
        "PER_PAGE": 12,
        # How stale the "recommended" order may get (app/catalog/sales.py), in seconds.
        "RECOMMENDED_REFRESH_SECONDS": int(os.environ.get("RECOMMENDED_REFRESH_SECONDS", "300")),
        # Product images (app/media/): files named by their content hash, so one folder can be
        # shared by every app server (a volume) and served by the web server as it is.
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT") or str(instance_path / "media"),
        # Bodies past this are refused (413) before they are read. The largest real one is a
        # 1 MB CSV import (app/catalog/csv_io.py) sent back as form text to apply it, where
        # URL-encoding can triple it.
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        # Flask's own 500 kB cap on a form's text fields would refuse that CSV first.
        "MAX_FORM_MEMORY_SIZE": 4 * 1024 * 1024,
        # Flask-Limiter: Redis when there is one, so every app server counts against the
        # same budget. RATELIMIT_ENABLED=false for load tests run from one address.
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis unreachable: each process counts in memory meanwhile (app/security.py).
        "RATELIMIT_STORAGE_OPTIONS": REDIS_CLIENT_TIMEOUTS if redis_url else {},
        # How many reverse proxies in front of the app append to X-Forwarded-For. 0 (the
        # default) trusts no such header: anyone could claim any address to dodge the limits.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        **{f"RATELIMIT_{name}": os.environ.get(f"RATELIMIT_{name}", default)
           for name, default in RATE_LIMIT_DEFAULTS.items()},
    }
    if redis_url:
        # Redis errors are cache misses, never a failed request (app/cache.py). Every API
        # request reads the cache (its token's owner), so one process may need a
        # connection per thread at once; redis-py's default pool refuses a 101st with
        # MaxConnectionsError. Connections are opened only when needed.
        config.update(CACHE_TYPE="app.cache.FailSafeRedisCache", CACHE_REDIS_URL=redis_url,
                      CACHE_KEY_PREFIX="storefront:",
                      CACHE_OPTIONS={"max_connections": 1_000, **REDIS_CLIENT_TIMEOUTS})
    else:
        config.update(CACHE_TYPE="SimpleCache")
    config["CACHE_DEFAULT_TIMEOUT"] = 300
    config["PRODUCTION"] = production
    config.update(_operations(production))
    return config
