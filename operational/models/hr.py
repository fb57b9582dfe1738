"""Human resources (人力资源): attendance, leave (requests and an append-only leave ledger),
overtime, performance reviews with KPI lines and training records.

Employees themselves are master data (``operational.models.master.Employee``). The rules (work
schedule, lateness, leave balances, the review score and rating) live in
``operational.services.hr``; these tables only hold what was recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operational.models.base import Base, Timestamped, utcnow
from operational.types import Money, Qty, Rate

LEAVE_STATES = ("draft", "submitted", "approved", "rejected", "cancelled")
OVERTIME_STATES = ("submitted", "approved", "rejected")
LEAVE_LEDGER_KINDS = ("grant", "use", "reverse")
ATTENDANCE_SOURCES = ("clock", "import", "demo")
TRAINING_RESULTS = ("pass", "fail")
RATINGS = ("A", "B", "C", "D")


class Attendance(Timestamped, Base):
    """One employee's working day (考勤): clock-in and clock-out in company local time (UTC+8,
    naive). A working day without a row is an absence unless approved leave covers it.
    ``late_minutes`` / ``early_leave_minutes`` are computed by the service from the work schedule
    when the times are recorded, so every report uses the same lateness rule."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("employee_id", "work_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    work_date: Mapped[date] = mapped_column(Date, index=True)
    clock_in: Mapped[datetime | None] = mapped_column(DateTime)
    clock_out: Mapped[datetime | None] = mapped_column(DateTime)
    late_minutes: Mapped[int] = mapped_column(Integer, default=0)
    early_leave_minutes: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(20), default="clock")
    note: Mapped[str | None] = mapped_column(String(200))


class LeaveType(Timestamped, Base):
    """Leave catalogue (假期类型). ``entitlement_days`` per calendar year; NULL means the type has
    no balance (taken as needed, e.g. 事假)."""

    __tablename__ = "leave_type"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    entitlement_days: Mapped[Decimal | None] = mapped_column(Qty())
    is_paid: Mapped[bool] = mapped_column(default=True)
    is_active: Mapped[bool] = mapped_column(default=True)


class LeaveRequest(Timestamped, Base):
    """A leave application (请假单): draft → submitted → approved / rejected; cancelled by the
    employee before a decision, or by HR after approval (which reverses the ledger entry)."""

    __tablename__ = "leave_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    leave_type_id: Mapped[int] = mapped_column(ForeignKey("leave_type.id"))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date)
    days: Mapped[Decimal] = mapped_column(Qty())  # working days; 0.5 for a half day
    reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(String(500))


class LeaveLedger(Base):
    """Append-only leave ledger (假期台账): grants (+), uses on approval (−) and reversals of a
    cancelled approval (+). The balance of an employee × type × year is the sum of ``days``."""

    __tablename__ = "leave_ledger"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    leave_type_id: Mapped[int] = mapped_column(ForeignKey("leave_type.id"))
    year: Mapped[int] = mapped_column(Integer)
    entry_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    days: Mapped[Decimal] = mapped_column(Qty())  # signed
    leave_request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_request.id"))
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class OvertimeRecord(Timestamped, Base):
    """Overtime (加班) worked on one day: submitted, then approved or rejected."""

    __tablename__ = "overtime_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    work_date: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[Decimal] = mapped_column(Qty())
    reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)


class PerformanceReview(Timestamped, Base):
    """One employee's review for one period (绩效考核), e.g. '2026-Q3': overall score 0–100 (the
    weighted KPI score when KPI lines exist) and the rating derived from it."""

    __tablename__ = "performance_review"
    __table_args__ = (UniqueConstraint("employee_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    period: Mapped[str] = mapped_column(String(10), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    score: Mapped[Decimal] = mapped_column(Money())  # 0–100, two places
    rating: Mapped[str] = mapped_column(String(1))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    comments: Mapped[str | None] = mapped_column(String(1000))
    kpis: Mapped[list[PerformanceKpi]] = relationship(
        back_populates="review", order_by="PerformanceKpi.line_no", cascade="all, delete-orphan"
    )


class PerformanceKpi(Timestamped, Base):
    """A KPI line of a review: target, actual, weight and the line's score."""

    __tablename__ = "performance_kpi"
    __table_args__ = (UniqueConstraint("review_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("performance_review.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    target: Mapped[Decimal] = mapped_column(Qty())
    actual: Mapped[Decimal] = mapped_column(Qty())
    weight: Mapped[Decimal] = mapped_column(Rate())
    score: Mapped[Decimal] = mapped_column(Money())
    review: Mapped[PerformanceReview] = relationship(back_populates="kpis")


class TrainingRecord(Timestamped, Base):
    """A course an employee attended (培训记录)."""

    __tablename__ = "training_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    course: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Qty())
    result: Mapped[str | None] = mapped_column(String(10))
    certificate: Mapped[str | None] = mapped_column(String(100))
