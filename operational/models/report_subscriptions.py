"""Who receives which scheduled report by e-mail, and what was sent to whom (the delivery log).

A subscription is one user's wish to receive one kind of report (daily flash, weekly management
report, month-end pack) in one language at one address. The delivery log keeps one row per message
tried: the report itself or the stale-data notice sent instead, and how the attempt ended.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped, utcnow

REPORT_KINDS = ("daily", "weekly", "monthly")
REPORT_LANGUAGES = ("zh_CN", "en")
# What a delivery carried: the rendered report, or the notice that the data cannot be trusted.
DELIVERY_CONTENTS = ("report", "notice")
# sent: the SMTP server accepted it; failed: it refused or could not be reached; not_configured:
# no SMTP server is set up, so nothing was sent.
DELIVERY_OUTCOMES = ("sent", "failed", "not_configured")
# Where a delivery came from: a Dagster schedule's run, or the "send now" button of the page.
DELIVERY_ORIGINS = ("schedule", "send_now")
EMAIL_MAX = 254  # the longest address SMTP allows (RFC 5321)


class ReportSubscription(Timestamped, Base):
    """One user's subscription to one kind of report; switched off with ``active``, never deleted
    (the delivery log refers to it)."""

    __tablename__ = "report_subscription"
    __table_args__ = (
        UniqueConstraint("user_id", "report_kind"),
        CheckConstraint("report_kind in ('daily', 'weekly', 'monthly')", name="report_kind"),
        CheckConstraint("language in ('zh_CN', 'en')", name="language"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    report_kind: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who last changed it: the user, or an admin on their behalf.
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ReportDelivery(Base):
    """One message tried: to whom, when, the report or the notice, and the outcome. Append-only."""

    __tablename__ = "report_delivery"
    __table_args__ = (
        CheckConstraint("content in ('report', 'notice')", name="content"),
        CheckConstraint("outcome in ('sent', 'failed', 'not_configured')", name="outcome"),
        CheckConstraint("origin in ('schedule', 'send_now')", name="origin"),
        Index("ix_report_delivery_user_id_attempted_at", "user_id", "attempted_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("report_subscription.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    report_kind: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX))
    attempted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    origin: Mapped[str] = mapped_column(String(10))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    content: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(20))
    # The data the report showed (or, for a notice, the last good data): its as-of date and publish.
    as_of: Mapped[date | None] = mapped_column(Date)
    publish_id: Mapped[str | None] = mapped_column(String(100))
    # Why it failed or why a notice went out instead (a short reason, never a traceback).
    detail: Mapped[str | None] = mapped_column(String(300))
