"""Users, passwords, login and sessions: the one place for every login rule.

- Passwords are hashed with PBKDF2-SHA256 (standard library). An unknown user name is checked
  against a dummy hash of the same cost, so "no such user" answers no faster than "wrong password".
- Lockout: too many failures for one typed user name, or from one client address, inside a window
  lock that name / address for a while (``operational.settings.LoginSettings``). The failures are
  rows of ``login_event``, so the rule holds across processes and restarts; the same rows are the
  audit trail of every attempt. A lock applies to any typed name, existing or not, so the message
  says nothing about whether the user exists.
- A login with the demo password outside the demo, and the next login after an admin's reset,
  must change the password before anything else (``AppUser.must_change_password``).
- A successful login opens a server-side session (``login_session``) and returns a token for the
  browser's cookie: a random id and its expiry, signed with HMAC-SHA256 by a secret kept in the
  data dir (mode 0600). Logout, a password change and a reset revoke sessions in the store, so an
  old cookie stops working even before it expires.
- The login history is kept for ``JXC_KEEP_LOGIN_DAYS`` days (default 365): ``prune_login_history``
  deletes older ``login_event`` rows and sessions that ended before then. It runs with every
  successful login (so the table stays bounded without anyone remembering to prune) and in
  ``jxc prune``.
- Every login event also leaves a ``login_<outcome>`` row in the audit log, in the same
  transaction (``operational.audit.record_login``); the audit log is kept longer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, delete, func, or_, select, update
from sqlalchemy.orm import Session

from operational import audit
from operational.db import read_only, unit_of_work
from operational.models import ROLES, AppUser, LoginEvent, LoginSession, StoreSetting, utcnow
from operational.services import idempotency
from operational.services.errors import AuthError, NotFoundError, ValidationError
from operational.services.validation import choice, required_text
from operational.settings import LoginSettings, get_login_settings, get_settings

log = logging.getLogger("jxc.auth")

_ITERATIONS = 200_000
DEMO_PASSWORD = "jxc-demo"  # the demo users' password (operational.demo); refused as a new password
DEMO_STORE_KEY = "demo_store"  # StoreSetting written by the demo generator
SESSION_COOKIE = "jxc_session"
SECRET_FILE = "session_secret.key"
_USERNAME_MAX = 100  # login_event.username: longer typed names are kept truncated
_CLIENT_MAX = 100
LOCAL_CLIENT = "127.0.0.1"


def min_password_length() -> int:
    return get_login_settings().min_password_length


# ---------------------------------------------------------------------------------------------
# Hashing


def _pbkdf2(password: str, salt: bytes, iterations: int) -> bytes:
    """The one expensive step of every login attempt (tests count its calls)."""
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)


def hash_password(password: str, *, iterations: int = _ITERATIONS) -> str:
    salt = secrets.token_hex(16)
    digest = _pbkdf2(password, bytes.fromhex(salt), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    candidate = _pbkdf2(password, bytes.fromhex(salt), int(iterations)).hex()
    return hmac.compare_digest(candidate, digest)


def _dummy_hash() -> str:
    """What an unknown user name is checked against: the default cost, a digest no password has."""
    return f"pbkdf2_sha256${_ITERATIONS}${'5a' * 16}${'00' * 32}"


# ---------------------------------------------------------------------------------------------
# Users


def check_password_rules(password: str, *, username: str, field: str = "password",
                         current_hash: str | None = None) -> None:
    """Raise ValidationError unless ``password`` may be set for ``username``: long enough, not the
    demo password, not the user name, not the current password."""
    minimum = min_password_length()
    if len(password or "") < minimum:
        raise ValidationError("password_too_short", field=field, record=username, min_length=minimum)
    if password == DEMO_PASSWORD:
        raise ValidationError("password_is_demo", field=field, record=username)
    if password.strip().casefold() == username.strip().casefold():
        raise ValidationError("password_is_username", field=field, record=username)
    if current_hash is not None and verify_password(password, current_hash):
        raise ValidationError("password_unchanged", field=field, record=username)


def create_user(session: Session, username: str, password: str, role: str, display_name: str | None = None,
                employee_id: int | None = None, language: str = "zh_CN", *, iterations: int = _ITERATIONS) -> AppUser:
    username = required_text(username, "username")
    choice(role, ROLES, "role", record=username)
    minimum = min_password_length()
    if len(password or "") < minimum:
        raise ValidationError("password_too_short", field="password", record=username, min_length=minimum)
    if session.execute(select(AppUser.id).where(AppUser.username == username)).first():
        raise ValidationError("duplicate", field="username", entity="entity.user", key=username)
    user = AppUser(username=username, display_name=display_name or username, role=role,
                   password_hash=hash_password(password, iterations=iterations),
                   employee_id=employee_id, language=language)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> AppUser:
    """The active user with this name and password, or AuthError (same message either way).
    The password is hashed whether or not the user exists or is active (same work, same time).
    No lockout and no audit: interactive logins go through ``login``."""
    user = _find_user(session, username)
    ok = verify_password(password or "", user.password_hash if user is not None else _dummy_hash())
    if user is None or not user.is_active or not ok:
        raise AuthError("login_failed", field="password")
    return user


def require_role(user: AppUser | None, *roles: str) -> None:
    """Admins may do everything; otherwise the user's role must be one of ``roles``."""
    if user is None or (user.role != "admin" and user.role not in roles):
        raise AuthError("forbidden")


def _find_user(session: Session, username: str) -> AppUser | None:
    name = (username or "").strip()
    if not name or len(name) > 50:
        return None
    return session.execute(select(AppUser).where(AppUser.username == name)).scalar_one_or_none()


# ---------------------------------------------------------------------------------------------
# The demo marker


def mark_demo_store(session: Session) -> None:
    """Record that this store was generated by ``jxc demo`` (its users keep the demo password)."""
    if session.get(StoreSetting, DEMO_STORE_KEY) is None:
        session.add(StoreSetting(key=DEMO_STORE_KEY, value="1"))
        session.flush()


def is_demo_store(session: Session) -> bool:
    """The demo: a store generated by ``jxc demo``, unless JXC_DEMO_MODE=0 says otherwise."""
    if not get_login_settings().demo_mode_allowed:
        return False
    flag = session.get(StoreSetting, DEMO_STORE_KEY)
    return flag is not None and flag.value == "1"


# ---------------------------------------------------------------------------------------------
# Lockout


def client_address(remote_ip: str | None, forwarded_for: str | None = None, trusted_proxies: int = 0) -> str:
    """Who is knocking: the connection's address, or, behind ``trusted_proxies`` reverse proxies,
    the address the nearest one appended to X-Forwarded-For (entries further left are whatever
    the client claimed, so they are not trusted)."""
    address = remote_ip or LOCAL_CLIENT
    if trusted_proxies > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if len(hops) >= trusted_proxies:
            address = hops[-trusted_proxies]
    return address[:_CLIENT_MAX]


def _typed_name(username: str | None) -> str:
    return (username or "").strip()[:_USERNAME_MAX]


def _locked_until(session: Session, column, value: str, limit: int, policy: LoginSettings, now: datetime,  # noqa: ANN001
                  reset_by_success: bool) -> datetime | None:
    """End of the lock on ``value`` (a user name or a client), or None when it is not locked.
    Locked: ``limit`` failures inside one window, the last of them less than the lockout ago.
    For a user name a later success (or an admin's reset) starts the count afresh; for a client
    it does not, so logging in to one's own account does not buy more guesses at others."""
    window = timedelta(minutes=policy.window_minutes)
    lockout = timedelta(minutes=policy.lockout_minutes)
    since = now - window - lockout
    if reset_by_success:
        last_reset = session.execute(
            select(func.max(LoginEvent.occurred_at)).where(
                column == value, LoginEvent.outcome.in_(("success", "password_reset")))
        ).scalar_one_or_none()
        if last_reset is not None and last_reset > since:
            since = last_reset
    times = list(session.execute(
        select(LoginEvent.occurred_at).where(column == value, LoginEvent.outcome == "failure",
                                             LoginEvent.occurred_at > since)
        .order_by(LoginEvent.occurred_at)
    ).scalars())
    until: datetime | None = None
    for first, last in zip(times, times[limit - 1:], strict=False):
        if last - first <= window:
            until = last + lockout
    return until if until is not None and until > now else None


def _lock(session: Session, name: str, client: str, policy: LoginSettings, now: datetime) -> tuple[str, datetime] | None:
    by_user = _locked_until(session, LoginEvent.username, name, policy.max_failures_per_user, policy, now, True)
    if by_user is not None:
        return "user_locked", by_user
    by_client = _locked_until(session, LoginEvent.client, client, policy.max_failures_per_client, policy, now, False)
    if by_client is not None:
        return "client_locked", by_client
    return None


def _record(session: Session, outcome: str, username: str, client: str, user_id: int | None = None,
            detail: str | None = None, now: datetime | None = None) -> None:
    session.add(LoginEvent(occurred_at=now or utcnow(), username=username, user_id=user_id, client=client,
                           outcome=outcome, detail=detail))
    session.flush()
    audit.record_login(session, outcome, username, user_id, client, detail, now or utcnow())
    level = logging.INFO if outcome in ("success", "logout", "password_changed") else logging.WARNING
    log.log(level, "login %s: user=%r user_id=%s client=%s detail=%s", outcome, username, user_id, client, detail)


# ---------------------------------------------------------------------------------------------
# Login, sessions, logout


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user as the app keeps it, and the session behind the cookie."""

    id: int
    username: str
    display_name: str
    role: str
    language: str
    must_change_password: bool
    token: str
    expires_at: datetime


def login(username: str, password: str, client: str = LOCAL_CLIENT, *, engine: Engine | None = None,
          now: datetime | None = None) -> SessionUser:
    """Check a login attempt, record it, and open a session; AuthError when refused.

    Every attempt leaves one ``login_event`` row, committed even when the attempt is refused.
    The hashing runs outside the write transaction (it takes a fifth of a second) and the lock is
    checked again inside it, so a burst of parallel guesses cannot slip past the limit.
    """
    policy = get_login_settings()
    now = now or utcnow()
    name = _typed_name(username)
    client = (client or LOCAL_CLIENT)[:_CLIENT_MAX]
    with read_only(engine) as s:
        locked = _lock(s, name, client, policy, now)
        user = _find_user(s, name)
        stored = user.password_hash if user is not None else None
    ok = False
    if locked is None:
        ok = verify_password(password or "", stored if stored is not None else _dummy_hash())
    with unit_of_work(engine) as s:
        locked = _lock(s, name, client, policy, now)
        user = _find_user(s, name)
        user_id = user.id if user is not None else None
        if locked is not None:
            _record(s, "locked", name, client, user_id, locked[0], now)
            error = AuthError("login_locked", field="password", minutes=_minutes_left(locked[1], now))
        elif user is None or not user.is_active or not ok or stored != user.password_hash:
            detail = "unknown_user" if user is None else ("inactive" if not user.is_active else "wrong_password")
            _record(s, "failure", name, client, user_id, detail, now)
            error = AuthError("login_failed", field="password")
        else:
            detail = None
            if password == DEMO_PASSWORD and not is_demo_store(s):
                user.must_change_password = True
                detail = "demo_password"
            elif user.must_change_password:
                detail = "must_change_password"
            _record(s, "success", name, client, user.id, detail, now)
            prune_login_history(s, now=now, policy=policy)
            idempotency.prune_submissions(s, now=now)
            return _open_session(s, user, client, policy, now)
    raise error


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def _open_session(session: Session, user: AppUser, client: str, policy: LoginSettings, now: datetime) -> SessionUser:
    session_id = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=policy.session_hours)
    session.add(LoginSession(token_hash=_sha256(session_id), user_id=user.id, client=client, created_at=now,
                             expires_at=expires_at))
    session.flush()
    return _session_user(user, _sign(session_id, expires_at), expires_at)


def _session_user(user: AppUser, token: str, expires_at: datetime) -> SessionUser:
    return SessionUser(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                       language=user.language, must_change_password=user.must_change_password, token=token,
                       expires_at=expires_at)


def resume_session(token: str | None, *, engine: Engine | None = None, now: datetime | None = None) -> SessionUser | None:
    """The user of a session cookie, or None when the token is forged, expired, revoked, or its
    user is deactivated. Never raises on a bad token: a stale cookie simply means "log in"."""
    parsed = _unsign(token)
    if parsed is None:
        return None
    session_id, expires_at = parsed
    now = now or utcnow()
    if expires_at <= now:
        return None
    with read_only(engine) as s:
        row = s.execute(select(LoginSession).where(LoginSession.token_hash == _sha256(session_id))).scalar_one_or_none()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        user = s.get(AppUser, row.user_id)
        if user is None or not user.is_active:
            return None
        return _session_user(user, token or "", row.expires_at)


def logout(token: str | None, *, engine: Engine | None = None, now: datetime | None = None) -> None:
    """End the session of this token in the store (the cookie no longer works anywhere)."""
    parsed = _unsign(token)
    if parsed is None:
        return
    now = now or utcnow()
    with unit_of_work(engine) as s:
        row = s.execute(select(LoginSession).where(LoginSession.token_hash == _sha256(parsed[0]))).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at = now
        user = s.get(AppUser, row.user_id)
        _record(s, "logout", user.username if user else "", row.client, row.user_id, None, now)


def _revoke_sessions(session: Session, user_id: int, now: datetime, *, keep_token: str | None = None) -> None:
    keep = _unsign(keep_token)
    query = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(LoginSession.token_hash != _sha256(keep[0]))
    session.execute(query.values(revoked_at=now))


def change_password(session: Session, user_id: int, current_password: str, new_password: str, *,
                    keep_token: str | None = None, client: str = LOCAL_CLIENT) -> None:
    """The user changes their own password (and clears a forced change). Every other session of
    the user ends; the one of ``keep_token`` (the browser doing the change) stays."""
    user = session.get(AppUser, user_id)
    if user is None or not user.is_active:
        raise AuthError("forbidden")
    if not verify_password(current_password or "", user.password_hash):
        raise ValidationError("current_password_wrong", field="current_password")
    check_password_rules(new_password, username=user.username, field="new_password",
                         current_hash=user.password_hash)
    now = utcnow()
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    _revoke_sessions(session, user.id, now, keep_token=keep_token)
    _record(session, "password_changed", user.username, client, user.id, None, now)


def reset_password(session: Session, actor: AppUser | None, user_id: int, *, client: str = LOCAL_CLIENT) -> str:
    """An admin gives a user a temporary password (returned, to be passed on once); the user must
    change it at the next login. The user's sessions end and a lockout on the name is lifted."""
    require_role(actor)  # admins only
    user = session.get(AppUser, user_id)
    if user is None:
        raise NotFoundError("not_found", field="user_id", entity="entity.user", key=user_id)
    return _issue_temporary_password(session, user, f"by:{actor.username}", client)


def operator_reset_password(session: Session, username: str, *, role: str | None = None,
                            display_name: str | None = None) -> str:
    """The operator at the machine (``jxc user reset``) gives a user a temporary password, creating
    the user with ``role`` when there is none yet: the way in for the first admin of a new store
    and for an admin who forgot their own password. Whoever can run it can read the store anyway."""
    user = _find_user(session, username)
    if user is None:
        if role is None:
            raise NotFoundError("not_found", field="username", entity="entity.user", key=username)
        user = create_user(session, username, secrets.token_urlsafe(24), role, display_name=display_name)
    elif role is not None and role != user.role:
        user.role = choice(role, ROLES, "role", record=username)
    user.is_active = True
    return _issue_temporary_password(session, user, "by:operator", LOCAL_CLIENT)


def _issue_temporary_password(session: Session, user: AppUser, detail: str, client: str) -> str:
    temporary = secrets.token_urlsafe(9)  # 12 characters
    now = utcnow()
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    _revoke_sessions(session, user.id, now)
    _record(session, "password_reset", user.username, client, user.id, detail[:50], now)
    return temporary


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: str
    is_active: bool
    must_change_password: bool
    last_login_at: datetime | None


def list_users(session: Session, actor: AppUser | None) -> list[UserRow]:
    """Every login with its last successful login (admins only)."""
    require_role(actor)
    last = (select(LoginEvent.user_id, func.max(LoginEvent.occurred_at).label("at"))
            .where(LoginEvent.outcome == "success").group_by(LoginEvent.user_id).subquery())
    rows = session.execute(select(AppUser, last.c.at).outerjoin(last, last.c.user_id == AppUser.id)
                           .order_by(AppUser.username))
    return [UserRow(u.id, u.username, u.display_name, u.role, u.is_active, u.must_change_password, at)
            for u, at in rows]


def login_events(session: Session, actor: AppUser | None, *, limit: int = 200) -> list[LoginEvent]:
    """The latest login events, newest first (admins only)."""
    require_role(actor)
    return list(session.execute(select(LoginEvent).order_by(LoginEvent.occurred_at.desc(), LoginEvent.id.desc())
                                .limit(limit)).scalars())


@dataclass(frozen=True)
class LoginPruneReport:
    cutoff: datetime
    events: int  # login_event rows deleted
    sessions: int  # login_session rows deleted


def login_history_cutoff(policy: LoginSettings | None = None, now: datetime | None = None) -> datetime:
    """The oldest moment whose login history is kept: ``keep_login_days`` ago, and never later than
    the failures the lockout still counts (a window plus a lockout ago)."""
    policy = policy or get_login_settings()
    now = now or utcnow()
    counted = timedelta(minutes=policy.window_minutes + policy.lockout_minutes)
    return now - max(timedelta(days=policy.keep_login_days), counted)


def prune_login_history(session: Session, *, now: datetime | None = None,
                        policy: LoginSettings | None = None) -> LoginPruneReport:
    """Delete login events older than the cutoff (``login_history_cutoff``) and the sessions that
    expired or were revoked before it; a session still valid is kept whatever its age.
    The audit trail therefore covers the last ``JXC_KEEP_LOGIN_DAYS`` days, and a user's "last
    login" on the users page is empty once it is older than that."""
    cutoff = login_history_cutoff(policy, now)
    events = session.execute(delete(LoginEvent).where(LoginEvent.occurred_at < cutoff)
                             .execution_options(synchronize_session=False)).rowcount
    sessions = session.execute(
        delete(LoginSession).where(or_(LoginSession.expires_at < cutoff, LoginSession.revoked_at < cutoff))
        .execution_options(synchronize_session=False)).rowcount
    if events or sessions:
        log.info("login history before %s pruned: %s events, %s sessions", cutoff.isoformat(), events, sessions)
    return LoginPruneReport(cutoff, events or 0, sessions or 0)


# ---------------------------------------------------------------------------------------------
# Token signing


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def secret_key(data_dir: Path | None = None) -> bytes:
    """The signing secret, generated once into the data dir, readable by its owner only."""
    path = (data_dir or get_settings().data_dir) / SECRET_FILE
    return _read_or_create_secret(str(path))


@cache
def _read_or_create_secret(path_text: str) -> bytes:
    path = Path(path_text)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under another name, then linked into place: two processes starting at
        # once agree on one key, and nobody ever reads a half-written file.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_bytes(32).hex())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            temporary.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    key = bytes.fromhex(path.read_text().strip())
    if len(key) < 32:
        raise RuntimeError(f"{path} does not hold a session key; delete it to have a new one made")
    return key


def _signature(payload: str) -> str:
    mac = hmac.new(secret_key(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _sign(session_id: str, expires_at: datetime) -> str:
    payload = f"{session_id}.{int(expires_at.replace(tzinfo=UTC).timestamp())}"
    return f"{payload}.{_signature(payload)}"


def _unsign(token: str | None) -> tuple[str, datetime] | None:
    """(session id, expiry) of a token whose signature is right, else None."""
    if not token or len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_signature(payload), parts[2]):
        return None
    return parts[0], datetime.fromtimestamp(int(parts[1]), UTC).replace(tzinfo=None)
