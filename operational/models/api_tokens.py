"""API tokens: how a program (another tool, a script) logs in to the REST API (``api/``).

An admin issues a token for a user; the program then acts as that user, with that user's role.
The token itself is shown once and never stored: the store keeps its SHA-256 (a random 256-bit
secret needs no slow hash) and its first characters, so an admin can tell tokens apart in a list.
Revoking sets ``revoked_at``; the row stays as the record of who had access and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, utcnow


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # what the token is for ("ERP sync")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
