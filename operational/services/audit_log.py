"""Reading the audit log (admins only): filter by user, table, record, date range and action,
one page at a time, newest first; and deleting entries past their retention (``jxc prune``).

The rows are written by ``operational.audit`` (capture); this module only reads and prunes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from operational.models import AUDIT_ACTIONS, AppUser, AuditLog, utcnow
from operational.services.auth import require_role
from operational.services.errors import ValidationError
from operational.services.validation import choice

MAX_PAGE_SIZE = 500
_TEXT_MAX = {"username": 100, "table_name": 60, "record_id": 100}
# The filter's date range may span at most this many days (one query must stay cheap on a log
# with millions of rows; the indexes serve a range on occurred_at).
MAX_RANGE_DAYS = 3660


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None  # the acting user's name (exact)
    table_name: str | None = None
    record_id: str | None = None
    action: str | None = None
    date_from: date | None = None  # inclusive, UTC
    date_to: date | None = None  # inclusive, UTC


@dataclass(frozen=True)
class AuditEntry:
    id: int
    occurred_at: datetime
    username: str | None
    channel: str
    action: str
    source: str
    table_name: str
    record_id: str | None
    old_values: str | None
    new_values: str | None
    detail: str | None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int  # rows matching the filter
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _text(value: str | None, field: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > _TEXT_MAX[field]:
        raise ValidationError("too_long", field=field, entity="entity.audit_log", field_label=f"field.{field}",
                              max_length=_TEXT_MAX[field], length=len(text))
    return text


def _checked(flt: AuditFilter) -> AuditFilter:
    if flt.action:
        choice(flt.action, AUDIT_ACTIONS, "action")
    if flt.date_from and flt.date_to:
        if flt.date_to < flt.date_from:
            raise ValidationError("date_order", field="date_to", field_label="field.date_to",
                                  other_label="field.date_from")
        if (flt.date_to - flt.date_from).days > MAX_RANGE_DAYS:
            raise ValidationError("audit_range_too_long", field="date_to", days=MAX_RANGE_DAYS)
    return AuditFilter(_text(flt.username, "username"), _text(flt.table_name, "table_name"),
                       _text(flt.record_id, "record_id"), flt.action or None, flt.date_from, flt.date_to)


def search(session: Session, actor: AppUser | None, flt: AuditFilter | None = None, *, page: int = 1,
           page_size: int = 50) -> AuditPage:
    """One page of the entries matching ``flt``, newest first (admins only).
    The acting user's name is the one recorded (a user renamed later keeps the old name here),
    falling back to the current name of the recorded user id."""
    require_role(actor)  # admins only
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationError("invalid_choice", field="page_size", field_label="field.page_size", value=page_size)
    if page < 1:
        raise ValidationError("invalid_choice", field="page", field_label="field.page", value=page)
    flt = _checked(flt or AuditFilter())
    who = func.coalesce(AuditLog.username, AppUser.username)
    query = select(AuditLog, who).outerjoin(AppUser, AppUser.id == AuditLog.user_id)
    if flt.username:
        query = query.where(who == flt.username)
    if flt.table_name:
        query = query.where(AuditLog.table_name == flt.table_name)
    if flt.record_id:
        query = query.where(AuditLog.record_id == flt.record_id)
    if flt.action:
        query = query.where(AuditLog.action == flt.action)
    if flt.date_from:
        query = query.where(AuditLog.occurred_at >= datetime.combine(flt.date_from, datetime.min.time()))
    if flt.date_to:
        query = query.where(AuditLog.occurred_at < datetime.combine(flt.date_to + timedelta(days=1),
                                                                    datetime.min.time()))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(AuditLog.occurred_at.desc(), AuditLog.id.desc())
                           .limit(page_size).offset((page - 1) * page_size))
    entries = [AuditEntry(a.id, a.occurred_at, name, a.channel, a.action, a.source, a.table_name, a.record_id,
                          a.old_values, a.new_values, a.detail) for a, name in rows]
    return AuditPage(entries, total, page, page_size)


def table_names(session: Session, actor: AppUser | None) -> list[str]:
    """The tables that appear in the log (for the filter's choices)."""
    require_role(actor)
    return list(session.execute(select(AuditLog.table_name).distinct().order_by(AuditLog.table_name)).scalars())


def prune(session: Session, keep_days: int, *, now: datetime | None = None) -> int:
    """Delete entries older than ``keep_days`` days; the number deleted. (The deletion is not itself
    audited row by row: the audit table is excluded from capture; ``jxc prune`` prints the count.)"""
    if keep_days < 1:
        raise ValueError("keep_days must be >= 1")
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    result = session.execute(delete(AuditLog).where(AuditLog.occurred_at < cutoff)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0
