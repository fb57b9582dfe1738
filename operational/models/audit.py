"""The audit log: one row per change to the store (who, when, which record, old and new values)
and per login event. Written by ``operational.audit`` in the transaction of the change it
describes, so a rolled-back change leaves no audit row and a committed one always has its row.

No foreign key to ``app_user``: the log must outlive anything it describes and take any typed
user name of a failed login."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, utcnow

# insert / update / delete of a row; login_<outcome> for each login event (auth.LOGIN_OUTCOMES).
AUDIT_ACTIONS = ("insert", "update", "delete", "login_success", "login_failure", "login_locked", "login_logout",
                 "login_password_changed", "login_password_reset", "auditing_off")
# How the change reached the database: orm (the unit of work, with old values), core (a
# statement such as a counter UPDATE or a bulk INSERT: its parameters, no old values), login,
# system (a note, e.g. that the demo generator ran with auditing off).
AUDIT_SOURCES = ("orm", "core", "login", "system")
# web (a Streamlit page), cli (jxc ...), api, system (no acting user known).
AUDIT_CHANNELS = ("web", "cli", "api", "system")


class AuditLog(Base):
    """Append-only; read on the 审计日志 page; pruned only by ``jxc prune`` past its retention."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str] = mapped_column(String(60))
    record_id: Mapped[str | None] = mapped_column(String(100))
    old_values: Mapped[str | None] = mapped_column(Text)  # JSON object, changed columns only
    new_values: Mapped[str | None] = mapped_column(Text)  # JSON object (core: the statement's parameters)
    detail: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_audit_log_occurred_at", "occurred_at"),
        Index("ix_audit_log_table_name_record_id", "table_name", "record_id"),
        Index("ix_audit_log_user_id_occurred_at", "user_id", "occurred_at"),
    )
