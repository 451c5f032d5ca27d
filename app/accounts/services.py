"""Accounts: sign-up, credentials, API tokens, admins."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import ApiToken, User
from app.db import transaction, utcnow
from app.errors import Conflict, InvalidInput, Unauthenticated, Unavailable
from app.extensions import cache, db
from app.wallet.models import Wallet

PASSWORD_MIN = 8
PASSWORD_MAX = 128
NAME_MAX = 80
EMAIL_MAX = 254


class EmailTaken(Conflict):
    code = "email_taken"
    title = lazy_gettext("Email already registered")
    field = "email"


class RevocationUnavailable(Unavailable):
    code = "revocation_unavailable"
    title = lazy_gettext("Token revocation unavailable")


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    title = lazy_gettext("Wrong email or password")
    # Shown under the password box on the login page; the wording never says which was wrong.
    field = "password"


def normalize_email(raw) -> str:
    """The canonical form of an email address, or ``InvalidInput``."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput(gettext("Enter your email address."), field="email")
    if len(raw) > EMAIL_MAX:
        raise InvalidInput(gettext("An email address has at most %(max)s characters.", max=EMAIL_MAX),
                           field="email")
    try:
        # test_environment: also accept RFC 6761 ``.test`` addresses (the demo accounts use
        # them); like any address we never mail, they are merely undeliverable.
        info = validate_email(raw.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        # email_validator explains in English only: the Korean sentence leaves its reason out.
        raise InvalidInput(gettext("That is not a valid email address. %(reason)s",
                                   reason=str(exc)), field="email") from None
    return info.normalized.lower()


def _check_password(password) -> str:
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise InvalidInput(gettext("A password has at least %(min)s characters.", min=PASSWORD_MIN),
                           field="password")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(gettext("A password has at most %(max)s characters.", max=PASSWORD_MAX),
                           field="password")
    return password


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(gettext("Enter your name."), field="name")
    name = name.strip()
    if len(name) > NAME_MAX:
        raise InvalidInput(gettext("A name has at most %(max)s characters.", max=NAME_MAX), field="name")
    # A name is shown on pages and in admin lists: no control characters (NUL never gets this
    # far: app/hostile_input.py refuses it where the request enters).
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidInput(gettext("A name cannot contain control characters."), field="name")
    return name


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def register_user(email, password, name, *, is_admin: bool = False) -> User:
    """Create a user and their empty wallet in one transaction.

    The unique index on ``users.email`` settles two sign-ups racing for one address.
    """
    email = normalize_email(email)
    name = _check_name(name)
    password_hash = hash_password(_check_password(password))
    try:
        with transaction() as uow:
            user = User(email=email, name=name, password_hash=password_hash, is_admin=is_admin)
            uow.session.add(user)
            uow.session.flush()
            uow.session.add(Wallet(user_id=user.id, balance=0))
    except IntegrityError:
        raise EmailTaken(gettext("An account with that email already exists.")) from None
    return user


@functools.cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def authenticate(email, password) -> User:
    """The user with these credentials, or ``InvalidCredentials``.

    Never says which part was wrong, and an unknown email costs the same password hash as a
    known one, so neither the answer nor its timing tells whether an account exists.
    """
    if not isinstance(password, str) or len(password) > PASSWORD_MAX:
        raise InvalidCredentials()
    try:
        email = normalize_email(email)
    except InvalidInput:
        raise InvalidCredentials() from None
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        check_password_hash(_decoy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        raise InvalidCredentials()
    if not check_password_hash(user.password_hash, password):
        raise InvalidCredentials()
    return user


def create_admin(email, password, name: str = "Admin") -> User:
    """Make ``email`` an admin: promote the existing account or create a new one."""
    email = normalize_email(email)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is None:
        return register_user(email, password, name, is_admin=True)
    password_hash = hash_password(_check_password(password))
    with transaction() as uow:
        user = uow.session.get(User, existing.id)
        user.is_admin = True
        user.password_hash = password_hash
    return user


def open_session(user: User) -> User:
    """``user`` with a session token, creating one on their first login.

    Set only where none exists yet (compare-and-set), so two first logins racing each other
    agree on one token instead of the second silently logging the first out.
    """
    with transaction() as uow:
        uow.session.execute(
            update(User).where(User.id == user.id, User.session_token.is_(None))
            .values(session_token=secrets.token_urlsafe(32))
            .execution_options(synchronize_session=False)
        )
        user.session_token = uow.session.scalar(
            select(User.session_token).where(User.id == user.id))
    return user


def close_sessions(user_id: int) -> None:
    """Log ``user_id`` out everywhere: every session cookie issued so far stops working."""
    with transaction() as uow:
        uow.session.execute(
            update(User).where(User.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
            .execution_options(synchronize_session=False)
        )


def save_locale(user_id: int, locale: str) -> None:
    """Remember the language ``user_id`` picked; ``locale`` is one of app.i18n.LOCALES."""
    with transaction() as uow:
        uow.session.execute(update(User).where(User.id == user_id).values(locale=locale)
                            .execution_options(synchronize_session=False))


def user_for_session(session_id: str) -> User | None:
    """The user a session cookie's ``<id>:<token>`` names, if that token is still current."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token is None:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    """A new random API token for ``user``; only its digest is stored (and cached)."""
    token = secrets.token_urlsafe(32)
    digest = _token_digest(token)
    with transaction() as uow:
        uow.session.add(ApiToken(user_id=user.id, token_hash=digest))
    remember_token(digest, user.id)
    return token


# Every API request asks which user a token belongs to. The answer is kept in the shared
# cache (Redis in production) for TOKEN_CACHE_SECONDS, because the database round trip
# was a third of the CPU of a cheap API call (docs/BENCHMARKS.md). A revocation writes a
# tombstone (0) over the entry, and entries are only ever added where no key exists yet, so
# a lookup racing a revocation can never put the live answer back; the tombstone outlives
# any entry. Unknown tokens are not cached: they always ask the database. With Redis
# unreachable every lookup asks the database (app/cache.py), and a revocation is refused
# until the tombstone can be written: see revoke_token.
TOKEN_CACHE_SECONDS = 300
_REVOKED = 0
_TOKEN_USER = (
    select(ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None))
)


def _token_cache_key(digest: str) -> str:
    return f"api-token:{digest}"


def user_id_for_token(token: str) -> int | None:
    """The id of a live (not revoked) token's user, or None."""
    digest = _token_digest(token)
    cached = cache.get(_token_cache_key(digest))
    if cached is not None:
        return cached or None
    user_id = db.session.scalar(_TOKEN_USER, {"digest": digest})
    if user_id is not None:
        remember_token(digest, user_id)
    return user_id


def remember_token(digest: str, user_id: int) -> None:
    """Cache a live token's user: an *add*, so it never overwrites a revocation's tombstone."""
    cache.add(_token_cache_key(digest), user_id, timeout=TOKEN_CACHE_SECONDS)


def is_admin(user_id: int) -> bool:
    """Read at each admin call, never cached: a demotion takes effect at once."""
    return bool(db.session.scalar(select(User.is_admin).where(User.id == user_id)))


def revoke_token(token: str) -> None:
    """Revoke ``token`` in the database and in the shared cache, or ``RevocationUnavailable``.

    The tombstone goes first and must be stored: an entry cached before the revocation may
    still sit in Redis while this process cannot reach it (a network blip, a restart that
    keeps its data), and with the database alone revoked it would let the token through
    again as soon as Redis answered. Refused, nothing has changed and the token still works
    everywhere until the caller tries again. Written, it also covers a lookup racing the
    revocation: that lookup's ``add`` finds the tombstone, or its entry is overwritten.
    """
    digest = _token_digest(token)
    if not cache.set(_token_cache_key(digest), _REVOKED, timeout=2 * TOKEN_CACHE_SECONDS):
        raise RevocationUnavailable(gettext("The token could not be revoked just now and "
                                            "still works; nothing was changed. Try again in "
                                            "a moment."))
    with transaction() as uow:
        row = uow.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()
