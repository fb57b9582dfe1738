"""API tokens: issued by an admin for a user, shown once, stored hashed, revocable.

A program sends ``Authorization: Bearer <token>`` to the REST API (``api/``) and acts as the
token's user, with that user's role: the same ``require_role`` rules as the app. The token is 43
random URL-safe characters after the prefix ``jxc_``; the store keeps its SHA-256 and its first
12 characters (to tell tokens apart in a list), never the token itself, so a copy of the store
gives no usable token. A token stops working when it is revoked, when it expires, or when its user
is deactivated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import ApiToken, AppUser, utcnow
from operational.services.auth import require_role
from operational.services.errors import AuthError, NotFoundError, ValidationError
from operational.services.validation import required_text

TOKEN_PREFIX = "jxc_"
_PREFIX_SHOWN = 12
MAX_TOKEN_LENGTH = 100  # anything longer is no token of ours: refused before hashing
MAX_EXPIRY_DAYS = 3650
_TOUCH_EVERY = timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is the secret, shown once; ``record`` what the store keeps."""

    token: str
    record: ApiToken


def issue_token(session: Session, actor: AppUser | None, user_id: int | None, name: str | None, *,
                expires_in_days: int | None = None, now: datetime | None = None) -> IssuedToken:
    """Admins only: a new token for the user ``user_id``."""
    require_role(actor)
    return _issue(session, user_id, name, expires_in_days, created_by=actor.id if actor else None, now=now)


def operator_issue_token(session: Session, username: str, name: str | None, *,
                         expires_in_days: int | None = None) -> IssuedToken:
    """The operator at the machine (``jxc user token``): a token for ``username`` without an admin
    login, like ``jxc user reset`` (whoever runs it can read the store anyway)."""
    user = session.execute(select(AppUser).where(AppUser.username == (username or "").strip())).scalar_one_or_none()
    if user is None:
        raise NotFoundError("not_found", field="username", entity="entity.user", key=username)
    return _issue(session, user.id, name, expires_in_days, created_by=None)


def _issue(session: Session, user_id: int | None, name: str | None, expires_in_days: int | None, *,
           created_by: int | None, now: datetime | None = None) -> IssuedToken:
    if user_id is None or session.get(AppUser, user_id) is None:
        raise NotFoundError("not_found", field="user_id", entity="entity.user", key=user_id)
    user = session.get(AppUser, user_id)
    if not user.is_active:
        raise ValidationError("inactive", field="user_id", entity="entity.user", key=user.username)
    label = required_text(name, "token_name", record=user.username)
    now = now or utcnow()
    expires_at = None
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
            raise ValidationError("api_token_expiry", field="expires_in_days", record=user.username,
                                  max_days=MAX_EXPIRY_DAYS)
        expires_at = now + timedelta(days=expires_in_days)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=label, token_hash=_digest(token), token_prefix=token[:_PREFIX_SHOWN],
                      created_at=now, created_by=created_by, expires_at=expires_at)
    session.add(record)
    session.flush()
    return IssuedToken(token, record)


def revoke_token(session: Session, actor: AppUser | None, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Admins only: the token stops working at once (revoking twice is harmless)."""
    require_role(actor)
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFoundError("not_found", field="token_id", entity="entity.api_token", key=token_id)
    if record.revoked_at is None:
        record.revoked_at = now or utcnow()
        session.flush()
    return record


def list_tokens(session: Session, actor: AppUser | None, *, user_id: int | None = None) -> list[ApiToken]:
    """Admins only: every token (or one user's), newest first; never the secret."""
    require_role(actor)
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user_id is not None:
        query = query.where(ApiToken.user_id == user_id)
    return list(session.execute(query).scalars())


@dataclass(frozen=True)
class TokenUser:
    """Who a valid token belongs to; ``touch_due``: its last use should be written (``touch_token``)."""

    user: AppUser
    token_id: int
    touch_due: bool


def authenticate_token(session: Session, token: str | None, *, now: datetime | None = None) -> TokenUser:
    """The active user behind a valid token, or AuthError (one message for every reason). Reads
    only, so it can run in a read-only transaction; the caller writes the last use with
    ``touch_token`` when ``touch_due`` (at most every few minutes: a busy client would otherwise
    make every read a write)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.startswith(TOKEN_PREFIX):
        raise AuthError("api_token_invalid")
    digest = _digest(token)
    record = session.execute(select(ApiToken).where(ApiToken.token_hash == digest)).scalar_one_or_none()
    now = now or utcnow()
    # compare_digest: the look-up is by the hash, so its timing says nothing about the secret
    if (record is None or not hmac.compare_digest(record.token_hash, digest) or record.revoked_at is not None
            or (record.expires_at is not None and record.expires_at <= now)):
        raise AuthError("api_token_invalid")
    user = session.get(AppUser, record.user_id)
    if user is None or not user.is_active:
        raise AuthError("api_token_invalid")
    due = record.last_used_at is None or now - record.last_used_at >= _TOUCH_EVERY
    return TokenUser(user, record.id, due)


def touch_token(session: Session, token_id: int, *, now: datetime | None = None) -> None:
    record = session.get(ApiToken, token_id)
    if record is not None:
        record.last_used_at = now or utcnow()
        session.flush()
