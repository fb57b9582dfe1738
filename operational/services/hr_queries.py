"""Read-only queries for the HR forms and lists (the Streamlit pages call these, never SQL).

Nothing here writes. Balances come from ``hr.leave_balance`` and approval rights from
``hr.may_approve``, so a list shows exactly what the services would allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from operational.models import (
    AppUser,
    Attendance,
    Customer,
    Employee,
    LeaveLedger,
    LeaveRequest,
    LeaveType,
    OvertimeRecord,
    PerformanceKpi,
    PerformanceReview,
    SalesOrder,
    TrainingRecord,
)
from operational.services import hr


@dataclass(frozen=True)
class EmployeeInfo:
    id: int
    code: str
    name: str
    department: str | None
    position: str | None
    manager_id: int | None
    email: str | None
    status: str
    hire_date: date | None
    leave_date: date | None

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


def _info(e: Employee) -> EmployeeInfo:
    return EmployeeInfo(e.id, e.code, e.name, e.department, e.position, e.manager_id, e.email, e.status,
                        e.hire_date, e.leave_date)


def employee_of_user(session: Session, user_id: int) -> EmployeeInfo | None:
    """The employee a login is linked to (None for logins without one)."""
    user = session.get(AppUser, user_id)
    if user is None or user.employee_id is None:
        return None
    employee = session.get(Employee, user.employee_id)
    return _info(employee) if employee else None


def employee(session: Session, employee_id: int) -> EmployeeInfo | None:
    found = session.get(Employee, employee_id)
    return _info(found) if found else None


def employee_choices(session: Session, *, active_only: bool = True) -> dict[int, str]:
    """id -> "code name", by code."""
    stmt = select(Employee).order_by(Employee.code)
    if active_only:
        stmt = stmt.where(Employee.status == "active")
    return {e.id: f"{e.code} {e.name}" for e in session.execute(stmt).scalars()}


def employees(session: Session) -> list[dict[str, Any]]:
    """Every employee with their manager's name."""
    manager = aliased(Employee)
    rows = session.execute(
        select(Employee, manager.name).outerjoin(manager, manager.id == Employee.manager_id).order_by(Employee.code)
    ).all()
    return [{"employee_code": e.code, "employee_name": e.name, "department": e.department, "position": e.position,
             "manager_name": m, "status": e.status, "hire_date": e.hire_date, "leave_date": e.leave_date,
             "email": e.email, "phone": e.phone} for e, m in rows]


def is_salesperson(session: Session, employee_id: int) -> bool:
    """Has customers or sales orders of their own (sales KPIs apply)."""
    return bool(session.execute(select(Customer.id).where(Customer.salesperson_id == employee_id).limit(1)).first()
                or session.execute(select(SalesOrder.id).where(SalesOrder.salesperson_id == employee_id)
                                   .limit(1)).first())


def leave_type_choices(session: Session) -> dict[int, str]:
    return {t.id: t.name for t in session.execute(
        select(LeaveType).where(LeaveType.is_active.is_(True)).order_by(LeaveType.id)).scalars()}


def leave_balances(session: Session, employee_id: int, as_of: date) -> list[dict[str, Any]]:
    """Per leave type with a balance: granted, used (net of reversals) and remaining in ``as_of``'s
    year up to ``as_of`` (remaining is ``hr.leave_balance``)."""
    types = session.execute(select(LeaveType).where(LeaveType.entitlement_days.is_not(None))
                            .order_by(LeaveType.id)).scalars().all()
    granted = dict(session.execute(
        select(LeaveLedger.leave_type_id, func.sum(LeaveLedger.days)).where(
            LeaveLedger.employee_id == employee_id, LeaveLedger.year == as_of.year, LeaveLedger.kind == "grant",
            LeaveLedger.entry_date <= as_of).group_by(LeaveLedger.leave_type_id)).all())
    rows = []
    for leave_type in types:
        remaining = hr.leave_balance(session, employee_id, leave_type.id, as_of)
        entitled = Decimal(granted.get(leave_type.id) or 0)
        rows.append({"leave_type": leave_type.name, "entitled_days": entitled,
                     "used_days": entitled - remaining, "remaining_days": remaining})
    return rows


def _leave_rows(session: Session, stmt: Any) -> list[dict[str, Any]]:
    rows = session.execute(stmt).all()
    return [{"leave_request_id": r.id, "doc_no": r.doc_no, "employee_code": e.code, "employee_name": e.name,
             "department": e.department, "leave_type": t.name, "start_date": r.start_date, "end_date": r.end_date,
             "days": r.days, "status": r.status, "reason": r.reason, "decided_at": r.decided_at, "note": r.note,
             "employee_id": e.id, "leave_type_id": t.id}
            for r, e, t in rows]


def _leave_select() -> Any:
    return (select(LeaveRequest, Employee, LeaveType)
            .join(Employee, Employee.id == LeaveRequest.employee_id)
            .join(LeaveType, LeaveType.id == LeaveRequest.leave_type_id))


def leave_requests(session: Session, *, employee_id: int | None = None, statuses: tuple[str, ...] | None = None,
                   limit: int = 500) -> list[dict[str, Any]]:
    """Leave requests, newest first (one employee's, or everybody's)."""
    stmt = _leave_select().order_by(LeaveRequest.start_date.desc(), LeaveRequest.id.desc()).limit(limit)
    if employee_id is not None:
        stmt = stmt.where(LeaveRequest.employee_id == employee_id)
    if statuses:
        stmt = stmt.where(LeaveRequest.status.in_(statuses))
    return _leave_rows(session, stmt)


def pending_leave_for(session: Session, user_id: int) -> list[dict[str, Any]]:
    """Submitted requests this login may decide, oldest first, with the balance left in the
    request's year for types that keep one."""
    actor = session.get(AppUser, user_id)
    stmt = _leave_select().where(LeaveRequest.status == "submitted").order_by(LeaveRequest.start_date)
    rows = []
    for row in _leave_rows(session, stmt):
        if not hr.may_approve(actor, session.get(Employee, row["employee_id"])):
            continue
        leave_type = session.get(LeaveType, row["leave_type_id"])
        row["balance"] = (hr.leave_balance(session, row["employee_id"], leave_type.id,
                                           date(row["start_date"].year, 12, 31))
                          if leave_type.entitlement_days is not None else None)
        rows.append(row)
    return rows


def overtime_records(session: Session, *, employee_id: int | None = None, statuses: tuple[str, ...] | None = None,
                     limit: int = 500) -> list[dict[str, Any]]:
    stmt = (select(OvertimeRecord, Employee).join(Employee, Employee.id == OvertimeRecord.employee_id)
            .order_by(OvertimeRecord.work_date.desc(), OvertimeRecord.id.desc()).limit(limit))
    if employee_id is not None:
        stmt = stmt.where(OvertimeRecord.employee_id == employee_id)
    if statuses:
        stmt = stmt.where(OvertimeRecord.status.in_(statuses))
    return [{"overtime_id": o.id, "employee_id": e.id, "employee_code": e.code, "employee_name": e.name,
             "department": e.department, "work_date": o.work_date, "hours": o.hours, "reason": o.reason,
             "status": o.status, "decided_at": o.decided_at} for o, e in session.execute(stmt).all()]


def pending_overtime_for(session: Session, user_id: int) -> list[dict[str, Any]]:
    actor = session.get(AppUser, user_id)
    return [r for r in reversed(overtime_records(session, statuses=("submitted",)))
            if hr.may_approve(actor, session.get(Employee, r["employee_id"]))]


def attendance(session: Session, employee_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """An employee's attendance rows in ``start``–``end``, newest first."""
    rows = session.execute(select(Attendance).where(
        Attendance.employee_id == employee_id, Attendance.work_date.between(start, end))
        .order_by(Attendance.work_date.desc())).scalars()
    return [{"work_date": a.work_date, "clock_in": a.clock_in, "clock_out": a.clock_out,
             "late_minutes": a.late_minutes, "early_leave_minutes": a.early_leave_minutes, "source": a.source}
            for a in rows]


def reviews(session: Session, *, period: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    reviewer = aliased(AppUser)
    stmt = (select(PerformanceReview, Employee, reviewer.display_name)
            .join(Employee, Employee.id == PerformanceReview.employee_id)
            .outerjoin(reviewer, reviewer.id == PerformanceReview.reviewer_id)
            .order_by(PerformanceReview.period.desc(), Employee.code).limit(limit))
    if period:
        stmt = stmt.where(PerformanceReview.period == period)
    return [{"review_id": r.id, "period": r.period, "employee_code": e.code, "employee_name": e.name,
             "department": e.department, "score": r.score, "rating": r.rating, "reviewer_name": name,
             "comments": r.comments} for r, e, name in session.execute(stmt).all()]


def review_periods(session: Session) -> list[str]:
    return list(session.execute(select(PerformanceReview.period).distinct()
                                .order_by(PerformanceReview.period.desc())).scalars())


def review_kpis(session: Session, review_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(PerformanceKpi).where(PerformanceKpi.review_id == review_id)
                           .order_by(PerformanceKpi.line_no)).scalars()
    return [{"line_no": k.line_no, "kpi_name": k.name, "target": k.target, "actual": k.actual, "weight": k.weight,
             "score": k.score} for k in rows]


def trainings(session: Session, *, employee_id: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
    stmt = (select(TrainingRecord, Employee).join(Employee, Employee.id == TrainingRecord.employee_id)
            .order_by(TrainingRecord.start_date.desc(), TrainingRecord.id.desc()).limit(limit))
    if employee_id is not None:
        stmt = stmt.where(TrainingRecord.employee_id == employee_id)
    return [{"employee_code": e.code, "employee_name": e.name, "department": e.department, "course": t.course,
             "provider": t.provider, "start_date": t.start_date, "end_date": t.end_date, "hours": t.hours,
             "result": t.result, "certificate": t.certificate} for t, e in session.execute(stmt).all()]
