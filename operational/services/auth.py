"""Users, password hashing (PBKDF2-SHA256 from the standard library) and role checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import ROLES, AppUser
from operational.services.errors import AuthError, ValidationError
from operational.services.validation import choice, required_text

_ITERATIONS = 200_000
MIN_PASSWORD_LENGTH = 6


def hash_password(password: str, *, iterations: int = _ITERATIONS) -> str:
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations)).hex()
    return hmac.compare_digest(candidate, digest)


def create_user(session: Session, username: str, password: str, role: str, display_name: str | None = None,
                employee_id: int | None = None, language: str = "zh_CN", *, iterations: int = _ITERATIONS) -> AppUser:
    username = required_text(username, "username")
    choice(role, ROLES, "role", record=username)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError("password_too_short", field="password", record=username,
                              min_length=MIN_PASSWORD_LENGTH)
    if session.execute(select(AppUser.id).where(AppUser.username == username)).first():
        raise ValidationError("duplicate", field="username", entity="entity.user", key=username)
    user = AppUser(username=username, display_name=display_name or username, role=role,
                   password_hash=hash_password(password, iterations=iterations),
                   employee_id=employee_id, language=language)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> AppUser:
    """The active user with this name and password, or AuthError (same message either way)."""
    user = session.execute(select(AppUser).where(AppUser.username == (username or "").strip())).scalar_one_or_none()
    if user is None or not user.is_active or not verify_password(password or "", user.password_hash):
        raise AuthError("login_failed", field="password")
    return user


def require_role(user: AppUser | None, *roles: str) -> None:
    """Admins may do everything; otherwise the user's role must be one of ``roles``."""
    if user is None or (user.role != "admin" and user.role not in roles):
        raise AuthError("forbidden")
