"""Login records: every attempt and its outcome (the audit trail and the lockout counter), the
server-side sessions behind the signed session cookies, and store-wide flags (the demo marker)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped, utcnow

# success / failure (wrong password or unknown user) / locked (refused unchecked while locked out);
# logout, password_changed and password_reset complete the trail of what happened to a login.
LOGIN_OUTCOMES = ("success", "failure", "locked", "logout", "password_changed", "password_reset")


class LoginEvent(Base):
    """One line per login attempt (and logout / password change). Append-only.

    ``username`` is what was typed (so attempts on unknown names are counted and locked out
    too); ``user_id`` is set only when such a user exists. Lockout counts ``failure`` rows by
    ``username`` and by ``client`` inside the window, so it holds across processes and restarts.
    """

    __tablename__ = "login_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    username: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    client: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    # Why (for the operator, never shown on the login page): unknown_user, wrong_password,
    # inactive, user_locked, client_locked, must_change_password, by_admin ...
    detail: Mapped[str | None] = mapped_column(String(50))

    __table_args__ = (
        Index("ix_login_event_username_occurred_at", "username", "occurred_at"),
        Index("ix_login_event_client_occurred_at", "client", "occurred_at"),
    )


class LoginSession(Base):
    """A logged-in browser. The cookie carries a random id signed with the data dir's secret;
    the store keeps only the id's SHA-256, so a copy of the store gives no usable cookie.
    Logout, a password change and an admin reset set ``revoked_at``."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    client: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class StoreSetting(Timestamped, Base):
    """Store-wide flags by key, e.g. ``demo_store`` = ``1`` written by the demo generator."""

    __tablename__ = "store_setting"
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
