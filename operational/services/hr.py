"""Human resources (人力资源): attendance, leave, overtime, performance reviews and training.

The rules of the area, each in one place:

- Work schedule: Monday–Friday, 09:00–18:00 company local time (UTC+8), five minutes' grace.
  ``lateness`` turns clock times into late / early-leave minutes when attendance is recorded,
  so reports only count what the store holds (``attendance.late_minutes > 0`` is "late").
- Leave: a request counts the working days from its start to its end date (0.5 for a half day);
  it must lie within one calendar year. Balances come from the append-only ``leave_ledger``:
  yearly grants (pro-rated by hire date), a "use" row when a request is approved and a
  "reverse" row when an approved request is cancelled. ``leave_balance`` sums the ledger.
- Who may do what: every employee records their own attendance, leave and overtime; HR,
  managers (role) and the employee's own manager (``employee.manager_id``) approve; nobody
  approves their own requests (admins excepted).
- Reviews: a KPI line scores ``actual ÷ target × 100`` capped at 120; the review's score is the
  weight-averaged line score capped at 100 (or the reviewer's score without KPI lines); the
  rating is A ≥ 90, B ≥ 75, C ≥ 60, else D.

Services take a ``Session`` and an acting ``AppUser`` and never commit; callers wrap them in
``operational.db.unit_of_work``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from operational.models import (
    AppUser,
    Attendance,
    Employee,
    LeaveLedger,
    LeaveRequest,
    LeaveType,
    OvertimeRecord,
    PerformanceKpi,
    PerformanceReview,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
    TrainingRecord,
    utcnow,
)
from operational.models.hr import TRAINING_RESULTS
from operational.services import masterdata, numbering
from operational.services.errors import AuthError, StateError, ValidationError
from operational.services.validation import (
    choice,
    document_date,
    get_or_fail,
    non_negative,
    positive,
    required_date,
    required_text,
    to_decimal,
)

# ---------------------------------------------------------------- the rules' constants

COMPANY_TZ = timezone(timedelta(hours=8))  # China has one time zone and no daylight saving
WORK_START = time(9, 0)
WORK_END = time(18, 0)
GRACE_MINUTES = 5  # clocking in up to 09:05 is on time
HR_ROLES = ("hr", "manager")  # besides admin: see and decide everybody's HR documents
EMPLOYEE_STATUSES = ("active", "left")
KPI_SCORE_CAP = Decimal(120)
SCORE_MAX = Decimal(100)
RATING_FLOORS = ((Decimal(90), "A"), (Decimal(75), "B"), (Decimal(60), "C"))
MAX_OVERTIME_HOURS = Decimal(12)
HALF = Decimal("0.5")
CENT = Decimal("0.01")
# Default leave catalogue (code, name, yearly entitlement or None for "no balance", paid).
DEFAULT_LEAVE_TYPES: tuple[tuple[str, str, Decimal | None, bool], ...] = (
    ("annual", "年假", Decimal(5), True),
    ("sick", "病假", Decimal(10), True),
    ("personal", "事假", None, False),
    ("marriage", "婚假", None, True),
    ("maternity", "产假", None, True),
)


# ---------------------------------------------------------------- schedule and permissions

def local_now() -> datetime:
    """The company's wall-clock time (naive), as attendance stores it."""
    return datetime.now(UTC).astimezone(COMPANY_TZ).replace(tzinfo=None)


def is_working_day(day: date) -> bool:
    """Monday to Friday (the marts use the same rule: ISO day of week 1–5)."""
    return day.weekday() < 5


def working_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)
            if is_working_day(start + timedelta(days=n))]


def lateness(work_date: date, clock_in: datetime | None, clock_out: datetime | None) -> tuple[int, int]:
    """(late minutes, early-leave minutes) against the schedule; 0 on non-working days. Late counts
    from 09:00 once the grace period is exceeded (09:07 is 7 minutes late, 09:05 is on time)."""
    if not is_working_day(work_date):
        return 0, 0
    start, end = datetime.combine(work_date, WORK_START), datetime.combine(work_date, WORK_END)
    late = early = 0
    if clock_in is not None and clock_in > start + timedelta(minutes=GRACE_MINUTES):
        late = int((clock_in - start).total_seconds() // 60)
    if clock_out is not None and clock_out < end:
        early = math.ceil((end - clock_out).total_seconds() / 60)  # a started minute counts
    return late, early


def is_hr(actor: AppUser | None) -> bool:
    return actor is not None and (actor.role == "admin" or actor.role in HR_ROLES)


def _require_actor(actor: AppUser | None) -> AppUser:
    if actor is None:
        raise AuthError("forbidden")
    return actor


def _require_self_or_hr(actor: AppUser | None, employee: Employee) -> AppUser:
    """Staff act only for the employee their login is linked to."""
    actor = _require_actor(actor)
    if not is_hr(actor) and actor.employee_id != employee.id:
        raise AuthError("hr_not_own", record=employee.code)
    return actor


def may_approve(actor: AppUser | None, employee: Employee) -> bool:
    """HR / managers / admins, or the employee's own manager; never the employee themself."""
    if actor is None:
        return False
    if actor.role == "admin":
        return True
    if actor.employee_id is not None and actor.employee_id == employee.id:
        return False
    return actor.role in HR_ROLES or (employee.manager_id is not None and actor.employee_id == employee.manager_id)


def _require_approver(actor: AppUser | None, employee: Employee, record: str) -> AppUser:
    actor = _require_actor(actor)
    if not may_approve(actor, employee):
        if actor.employee_id == employee.id:
            raise AuthError("hr_self_approval", record=record)
        raise AuthError("forbidden", record=record)
    return actor


def _employee(session: Session, employee_id: Any, *, field: str = "employee_id",
              record: str | None = None, active: bool = True) -> Employee:
    employee = get_or_fail(session, Employee, employee_id, "employee", field=field, record=record)
    if active and employee.status != "active":
        raise ValidationError("inactive", field=field, record=record, entity="entity.employee", key=employee.code)
    return employee


# ---------------------------------------------------------------- employees

def update_employee(session: Session, actor: AppUser | None, employee_id: int, *,
                    department: str | None = None, position: str | None = None,
                    manager_id: int | None = None, email: str | None = None,
                    status: str | None = None, leave_date: date | None = None) -> Employee:
    """HR maintains an employee's department, position, manager, e-mail and status. Leaving
    (status "left") needs a last day (default: today); a manager chain must not loop."""
    if not is_hr(_require_actor(actor)):
        raise AuthError("forbidden")
    employee = _employee(session, employee_id, active=False)
    code = employee.code
    if manager_id is not None:
        manager = _employee(session, manager_id, field="manager_id", record=code, active=False)
        seen = {employee.id}
        cursor: Employee | None = manager
        while cursor is not None:
            if cursor.id in seen:
                raise ValidationError("hr_manager_cycle", field="manager_id", record=code, manager=manager.code)
            seen.add(cursor.id)
            cursor = session.get(Employee, cursor.manager_id) if cursor.manager_id else None
    status = choice(status or employee.status, EMPLOYEE_STATUSES, "status", record=code)
    if status == "left":
        leave_date = leave_date or employee.leave_date or local_now().date()
        if employee.hire_date and leave_date < employee.hire_date:
            raise ValidationError("date_order", field="leave_date", record=code,
                                  field_label="field.leave_date", other_label="field.hire_date")
    else:
        leave_date = None
    employee.department = (department or "").strip() or None
    employee.position = (position or "").strip() or None
    employee.manager_id = manager_id
    employee.email = (email or "").strip() or None
    employee.status = status
    employee.leave_date = leave_date
    session.flush()
    return employee


def hire_employee(session: Session, actor: AppUser | None, code: Any, name: Any, *, hire_date: Any,
                  department: str | None = None, position: str | None = None, manager_id: int | None = None,
                  email: str | None = None, phone: str | None = None) -> Employee:
    """HR enters a new employee (入职): the master record, its manager, and this year's leave
    entitlement pro-rated from the hire date (the same grant every employee gets)."""
    if not is_hr(_require_actor(actor)):
        raise AuthError("forbidden")
    hired = required_date(hire_date, "hire_date", record=str(code or "").strip() or None)
    employee = masterdata.create_employee(session, code, name, department=(department or "").strip() or None,
                                          position=(position or "").strip() or None, hire_date=hired,
                                          phone=(phone or "").strip() or None)
    update_employee(session, actor, employee.id, department=employee.department, position=employee.position,
                    manager_id=manager_id, email=email, status="active")
    grant_entitlements(session, hired.year)
    return employee


def set_managers(session: Session, managers: dict[int, int | None]) -> None:
    """Set ``employee_id -> manager_id`` for many employees at once (set-up and imports)."""
    for employee_id, manager_id in managers.items():
        employee = _employee(session, employee_id, active=False)
        employee.manager_id = manager_id
    session.flush()


# ---------------------------------------------------------------- attendance

@dataclass(frozen=True)
class AttendanceInput:
    employee_id: int
    clock_in: datetime | None
    clock_out: datetime | None = None
    note: str | None = None


def _attendance(session: Session, employee_id: int, work_date: date) -> Attendance | None:
    return session.execute(
        select(Attendance).where(Attendance.employee_id == employee_id, Attendance.work_date == work_date)
    ).scalar_one_or_none()


def clock_in(session: Session, actor: AppUser | None, employee_id: int, at: datetime | None = None) -> Attendance:
    """Clock in (上班打卡) at ``at`` (default: now, company time). Once per day."""
    employee = _employee(session, employee_id)
    _require_self_or_hr(actor, employee)
    at = at or local_now()
    row = _attendance(session, employee.id, at.date())
    if row is not None and row.clock_in is not None:
        raise StateError("hr_already_clocked_in", field="clock_in", record=employee.code,
                         day=at.date().isoformat(), time=row.clock_in.strftime("%H:%M"))
    late, _ = lateness(at.date(), at, None)
    if row is None:
        row = Attendance(employee_id=employee.id, work_date=at.date(), source="clock")
        session.add(row)
    row.clock_in, row.late_minutes = at, late
    session.flush()
    return row


def clock_out(session: Session, actor: AppUser | None, employee_id: int, at: datetime | None = None) -> Attendance:
    """Clock out (下班打卡) after clocking in on the same day; once per day."""
    employee = _employee(session, employee_id)
    _require_self_or_hr(actor, employee)
    at = at or local_now()
    row = _attendance(session, employee.id, at.date())
    if row is None or row.clock_in is None:
        raise StateError("hr_not_clocked_in", field="clock_out", record=employee.code, day=at.date().isoformat())
    if row.clock_out is not None:
        raise StateError("hr_already_clocked_out", field="clock_out", record=employee.code,
                         day=at.date().isoformat(), time=row.clock_out.strftime("%H:%M"))
    if at <= row.clock_in:
        raise ValidationError("hr_clock_out_before_in", field="clock_out", record=employee.code,
                              time=row.clock_in.strftime("%H:%M"))
    row.clock_out = at
    row.early_leave_minutes = lateness(row.work_date, None, at)[1]
    session.flush()
    return row


def record_attendance_day(session: Session, work_date: date, entries: Sequence[AttendanceInput], *,
                          source: str = "import") -> int:
    """Record one day's attendance of many employees in one statement (imports, the demo).
    Refuses the whole day if any line is wrong or already recorded; returns the rows written."""
    if not entries:
        return 0
    work_date = document_date(work_date, "work_date", session=session)
    ids = [e.employee_id for e in entries]
    known = set(session.execute(select(Employee.id).where(Employee.id.in_(ids))).scalars())
    taken = set(session.execute(select(Attendance.employee_id).where(
        Attendance.work_date == work_date, Attendance.employee_id.in_(ids))).scalars())
    seen: set[int] = set()
    now = utcnow()
    rows = []
    for line_no, entry in enumerate(entries, start=1):
        if entry.employee_id not in known:
            raise ValidationError("not_found", field=f"lines.{line_no}.employee_id", record=work_date.isoformat(),
                                  entity="entity.employee", key=entry.employee_id, line_no=line_no)
        if entry.employee_id in taken or entry.employee_id in seen:
            raise ValidationError("hr_attendance_duplicate", field=f"lines.{line_no}.employee_id",
                                  record=work_date.isoformat(), line_no=line_no)
        seen.add(entry.employee_id)
        if entry.clock_in is not None and entry.clock_out is not None and entry.clock_out <= entry.clock_in:
            raise ValidationError("hr_clock_out_before_in", field=f"lines.{line_no}.clock_out",
                                  record=work_date.isoformat(), time=entry.clock_in.strftime("%H:%M"),
                                  line_no=line_no)
        late, early = lateness(work_date, entry.clock_in, entry.clock_out)
        rows.append({"employee_id": entry.employee_id, "work_date": work_date, "clock_in": entry.clock_in,
                     "clock_out": entry.clock_out, "late_minutes": late, "early_leave_minutes": early,
                     "source": source, "note": entry.note, "created_at": now, "updated_at": now})
    session.execute(insert(Attendance), rows)
    return len(rows)


def attendance_days(session: Session, employee_id: int, start: date, end: date) -> tuple[int, int]:
    """(scheduled, present) working days of an employee in ``start``–``end``: scheduled are the
    working days while employed (hire date to last day); present are those with a clock-in.
    Attendance rate = present ÷ scheduled (leave counts as not present), as in the marts."""
    employee = _employee(session, employee_id, active=False)
    first = max(start, employee.hire_date or start)
    last = min(end, employee.leave_date or end)
    scheduled = working_days(first, last) if first <= last else []
    if not scheduled:
        return 0, 0
    present = session.execute(select(Attendance.work_date).where(
        Attendance.employee_id == employee.id, Attendance.work_date.between(first, last),
        Attendance.clock_in.is_not(None))).scalars()
    return len(scheduled), sum(1 for day in present if is_working_day(day))


# ---------------------------------------------------------------- leave

def ensure_leave_types(session: Session) -> dict[str, LeaveType]:
    """Create the default leave catalogue where missing; returns code -> type."""
    existing = {t.code: t for t in session.execute(select(LeaveType)).scalars()}
    for code, name, entitlement, paid in DEFAULT_LEAVE_TYPES:
        if code not in existing:
            existing[code] = LeaveType(code=code, name=name, entitlement_days=entitlement, is_paid=paid)
            session.add(existing[code])
    session.flush()
    return existing


def leave_days(start: date, end: date, half_day: bool = False) -> Decimal:
    """Working days from ``start`` to ``end`` inclusive; a half day is 0.5 of a single working day."""
    days = Decimal(len(working_days(start, end)))
    return HALF if half_day and days == 1 else days


def entitlement_for(employee: Employee, leave_type: LeaveType, year: int) -> Decimal:
    """The year's entitlement pro-rated by the days employed in it (from the hire date), rounded
    down to half days; no carry-over. 0 for types without a balance."""
    if leave_type.entitlement_days is None:
        return Decimal(0)
    first, last = date(year, 1, 1), date(year, 12, 31)
    start = max(first, employee.hire_date or first)
    if start > last:
        return Decimal(0)
    share = Decimal((last - start).days + 1) / Decimal((last - first).days + 1)
    halves = (leave_type.entitlement_days * share * 2).to_integral_value(rounding=ROUND_DOWN)
    return halves / 2


def grant_entitlements(session: Session, year: int, *, on: date | None = None) -> int:
    """Grant every active employee the year's entitlement of each type with a balance, once
    (a grant already in the ledger is not repeated). Returns the number of grants written."""
    types = [t for t in ensure_leave_types(session).values() if t.entitlement_days is not None and t.is_active]
    granted = {tuple(r) for r in session.execute(select(LeaveLedger.employee_id, LeaveLedger.leave_type_id).where(
        LeaveLedger.year == year, LeaveLedger.kind == "grant")).all()}
    employees = session.execute(select(Employee).where(Employee.status == "active").order_by(Employee.id)).scalars()
    rows = []
    for employee in employees:
        for leave_type in types:
            if (employee.id, leave_type.id) in granted:
                continue
            days = entitlement_for(employee, leave_type, year)
            entry = on or max(date(year, 1, 1), employee.hire_date or date(year, 1, 1))
            rows.append({"employee_id": employee.id, "leave_type_id": leave_type.id, "year": year,
                         "entry_date": entry, "kind": "grant", "days": days, "created_at": utcnow(),
                         "note": None})
    if rows:
        session.execute(insert(LeaveLedger), rows)
    return len(rows)


def leave_balance(session: Session, employee_id: int, leave_type_id: int, as_of: date) -> Decimal:
    """Days left of ``as_of``'s year: the ledger rows of that year dated on or before ``as_of``."""
    total = session.execute(select(func.coalesce(func.sum(LeaveLedger.days), 0)).where(
        LeaveLedger.employee_id == employee_id, LeaveLedger.leave_type_id == leave_type_id,
        LeaveLedger.year == as_of.year, LeaveLedger.entry_date <= as_of)).scalar_one()
    return Decimal(total).quantize(Decimal("0.0001"))


def _overlapping(session: Session, request: LeaveRequest, states: tuple[str, ...]) -> LeaveRequest | None:
    others = LeaveRequest.id != request.id if request.id is not None else LeaveRequest.id.is_not(None)
    return session.execute(select(LeaveRequest).where(
        LeaveRequest.employee_id == request.employee_id, others,
        LeaveRequest.status.in_(states), LeaveRequest.start_date <= request.end_date,
        LeaveRequest.end_date >= request.start_date).order_by(LeaveRequest.start_date).limit(1)).scalar_one_or_none()


def create_leave_request(session: Session, actor: AppUser | None, employee_id: int, leave_type_id: int,
                         start_date: Any, end_date: Any, *, half_day: bool = False, reason: str | None = None,
                         submit: bool = True, on: date | None = None) -> LeaveRequest:
    """A leave request for ``employee_id`` (staff: only their own), submitted unless ``submit``
    is False (a draft). Refused when it overlaps an approved or pending request."""
    employee = _employee(session, employee_id)
    actor = _require_self_or_hr(actor, employee)
    leave_type = get_or_fail(session, LeaveType, leave_type_id, "leave_type", field="leave_type_id")
    start = required_date(start_date, "start_date")
    end = required_date(end_date, "end_date")
    if end < start:
        raise ValidationError("date_order", field="end_date", field_label="field.end_date",
                              other_label="field.start_date")
    if start.year != end.year:
        raise ValidationError("hr_leave_spans_years", field="end_date")
    if half_day and start != end:
        raise ValidationError("hr_half_day_single", field="half_day")
    days = leave_days(start, end, half_day)
    if days <= 0:
        raise ValidationError("hr_leave_no_working_days", field="start_date")
    request = LeaveRequest(employee_id=employee.id, leave_type_id=leave_type.id, start_date=start, end_date=end,
                           days=days, reason=(reason or "").strip() or None,
                           status="submitted" if submit else "draft", requested_by=actor.id)
    clash = _overlapping(session, request, ("submitted", "approved"))
    if clash is not None:
        raise ValidationError("hr_leave_overlap", field="start_date", record=employee.code, other=clash.doc_no)
    request.doc_no = numbering.next_doc_no(session, "leave_request", on or start)
    session.add(request)
    session.flush()
    return request


def _leave(session: Session, request_id: Any) -> LeaveRequest:
    return get_or_fail(session, LeaveRequest, request_id, "leave_request", field="leave_request_id")


def _require_state(doc: LeaveRequest | OvertimeRecord, record: str, states: tuple[str, ...], action: str) -> None:
    if doc.status not in states:
        raise StateError("bad_state", record=record, state=f"state.{doc.status}", action=f"action.{action}")


def submit_leave(session: Session, actor: AppUser | None, request_id: int) -> LeaveRequest:
    request = _leave(session, request_id)
    _require_self_or_hr(actor, session.get(Employee, request.employee_id))
    _require_state(request, request.doc_no, ("draft",), "submit")
    request.status = "submitted"
    session.flush()
    return request


def approve_leave(session: Session, actor: AppUser | None, request_id: int, note: str | None = None, *,
                  at: datetime | None = None) -> LeaveRequest:
    """Approve a submitted request: refused if it overlaps approved leave or exceeds the balance
    of a type that has one; writes the "use" row of the leave ledger."""
    request = _leave(session, request_id)
    employee = session.get(Employee, request.employee_id)
    actor = _require_approver(actor, employee, request.doc_no)
    _require_state(request, request.doc_no, ("submitted",), "approve")
    clash = _overlapping(session, request, ("approved",))
    if clash is not None:
        raise ValidationError("hr_leave_overlap", field="start_date", record=request.doc_no, other=clash.doc_no)
    at = at or local_now()
    leave_type = session.get(LeaveType, request.leave_type_id)
    year = request.start_date.year
    if leave_type.entitlement_days is not None:
        available = leave_balance(session, employee.id, leave_type.id, date(year, 12, 31))
        if request.days > available:
            raise ValidationError("hr_leave_balance_exceeded", field="days", record=request.doc_no,
                                  days=request.days, balance=available, leave_type=leave_type.name)
    request.status, request.approver_id, request.decided_at = "approved", actor.id, at
    request.note = (note or "").strip() or request.note
    # Types without a balance keep no ledger. The use is dated on the decision but belongs to the
    # leave's year (a December approval of January leave uses the new year's days).
    if leave_type.entitlement_days is not None:
        session.add(LeaveLedger(employee_id=employee.id, leave_type_id=leave_type.id, year=year,
                                entry_date=max(at.date(), date(year, 1, 1)), kind="use", days=-request.days,
                                leave_request_id=request.id))
    session.flush()
    return request


def reject_leave(session: Session, actor: AppUser | None, request_id: int, note: str | None = None, *,
                 at: datetime | None = None) -> LeaveRequest:
    request = _leave(session, request_id)
    actor = _require_approver(actor, session.get(Employee, request.employee_id), request.doc_no)
    _require_state(request, request.doc_no, ("submitted",), "reject")
    request.status, request.approver_id, request.decided_at = "rejected", actor.id, at or local_now()
    request.note = (note or "").strip() or request.note
    session.flush()
    return request


def cancel_leave(session: Session, actor: AppUser | None, request_id: int, note: str | None = None, *,
                 at: datetime | None = None) -> LeaveRequest:
    """The employee cancels a draft or pending request; HR cancels approved leave, which writes a
    "reverse" row giving the days back."""
    request = _leave(session, request_id)
    employee = session.get(Employee, request.employee_id)
    actor = _require_self_or_hr(actor, employee)
    if request.status == "approved":
        if not is_hr(actor):
            raise StateError("hr_cancel_approved", record=request.doc_no)
        use = session.execute(select(LeaveLedger).where(
            LeaveLedger.leave_request_id == request.id, LeaveLedger.kind == "use")).scalar_one_or_none()
        if use is not None:
            day = (at or local_now()).date()
            session.add(LeaveLedger(employee_id=use.employee_id, leave_type_id=use.leave_type_id, year=use.year,
                                    entry_date=max(day, use.entry_date), kind="reverse", days=-use.days,
                                    leave_request_id=request.id))
    else:
        _require_state(request, request.doc_no, ("draft", "submitted"), "cancel")
    request.status = "cancelled"
    request.note = (note or "").strip() or request.note
    session.flush()
    return request


# ---------------------------------------------------------------- overtime

def record_overtime(session: Session, actor: AppUser | None, employee_id: int, work_date: Any, hours: Any,
                    reason: str | None = None) -> OvertimeRecord:
    """Overtime worked on one day (staff: their own), submitted for approval."""
    employee = _employee(session, employee_id)
    actor = _require_self_or_hr(actor, employee)
    day = document_date(work_date, "work_date", session=session, record=employee.code)
    amount = positive(hours, "hours", record=employee.code)
    if amount > MAX_OVERTIME_HOURS:
        raise ValidationError("hr_overtime_hours", field="hours", record=employee.code, max=MAX_OVERTIME_HOURS)
    record = OvertimeRecord(employee_id=employee.id, work_date=day, hours=amount,
                            reason=(reason or "").strip() or None, status="submitted", requested_by=actor.id)
    session.add(record)
    session.flush()
    return record


def decide_overtime(session: Session, actor: AppUser | None, overtime_id: int, approve: bool, *,
                    at: datetime | None = None) -> OvertimeRecord:
    """Approve or reject submitted overtime (same approvers as leave)."""
    record = get_or_fail(session, OvertimeRecord, overtime_id, "overtime", field="overtime_id")
    employee = session.get(Employee, record.employee_id)
    label = f"{employee.code} {record.work_date.isoformat()}"
    actor = _require_approver(actor, employee, label)
    _require_state(record, label, ("submitted",), "approve" if approve else "reject")
    record.status = "approved" if approve else "rejected"
    record.approver_id, record.decided_at = actor.id, at or local_now()
    session.flush()
    return record


# ---------------------------------------------------------------- performance reviews

@dataclass(frozen=True)
class KpiInput:
    name: str
    target: Any
    actual: Any
    weight: Any


_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|(0[1-9]|1[0-2])))?$")


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of '2026', '2026-H1', '2026-Q3' or '2026-07'."""
    match = _PERIOD.match((period or "").strip())
    if not match:
        raise ValidationError("hr_invalid_period", field="period", value=period)
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        first_month, months = 1, 12
    elif part.startswith("Q"):
        first_month, months = 3 * int(part[1]) - 2, 3
    elif part.startswith("H"):
        first_month, months = 6 * int(part[1]) - 5, 6
    else:
        first_month, months = int(part), 1
    start = date(year, first_month, 1)
    after = date(year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
    return start, after - timedelta(days=1)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def kpi_score(target: Decimal, actual: Decimal) -> Decimal:
    """actual ÷ target × 100, between 0 and 120, to two places."""
    raw = actual / target * 100
    return min(max(raw, Decimal(0)), KPI_SCORE_CAP).quantize(CENT, rounding=ROUND_HALF_UP)


def weighted_score(lines: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """(weight, line score) pairs → Σ weight × score ÷ Σ weight, capped at 100, two places."""
    total_weight = sum((w for w, _ in lines), Decimal(0))
    value = sum((w * s for w, s in lines), Decimal(0)) / total_weight
    return min(value, SCORE_MAX).quantize(CENT, rounding=ROUND_HALF_UP)


def rating_for(score: Decimal) -> str:
    """A ≥ 90, B ≥ 75, C ≥ 60, else D."""
    for floor, rating in RATING_FLOORS:
        if score >= floor:
            return rating
    return "D"


def create_review(session: Session, actor: AppUser | None, employee_id: int, period: str,
                  kpis: Sequence[KpiInput] = (), *, score: Any = None, comments: str | None = None) -> PerformanceReview:
    """A review for one employee and period (HR / managers, or the employee's manager). With KPI
    lines the score is their weighted score; without, the reviewer's ``score`` (0–100)."""
    employee = _employee(session, employee_id, active=False)
    period = (period or "").strip()
    record = f"{employee.code} {period}"
    _require_approver(actor, employee, record)
    start, end = period_bounds(period)
    if session.execute(select(PerformanceReview.id).where(
            PerformanceReview.employee_id == employee.id, PerformanceReview.period == period)).first():
        raise ValidationError("duplicate", field="period", record=record, entity="entity.performance_review",
                              key=record)
    lines: list[PerformanceKpi] = []
    for line_no, kpi in enumerate(kpis, start=1):
        name = (kpi.name or "").strip()
        if not name:
            raise ValidationError("required", field=f"lines.{line_no}.name", record=record,
                                  field_label="field.kpi_name", line_no=line_no)
        target = positive(kpi.target, "target", record=record, line_no=line_no)
        actual = non_negative(kpi.actual, "actual", record=record, line_no=line_no)
        weight = positive(kpi.weight, "weight", record=record, line_no=line_no)
        lines.append(PerformanceKpi(line_no=line_no, name=name, target=target, actual=actual, weight=weight,
                                    score=kpi_score(target, actual)))
    if lines:
        overall = weighted_score([(k.weight, k.score) for k in lines])
    else:
        overall = to_decimal(score, "score", record=record)
        if not Decimal(0) <= overall <= SCORE_MAX:
            raise ValidationError("hr_score_range", field="score", record=record)
        overall = overall.quantize(CENT, rounding=ROUND_HALF_UP)
    review = PerformanceReview(employee_id=employee.id, period=period, period_start=start, period_end=end,
                               score=overall, rating=rating_for(overall), reviewer_id=actor.id if actor else None,
                               comments=(comments or "").strip() or None, kpis=lines)
    session.add(review)
    session.flush()
    return review


@dataclass(frozen=True)
class SalesActuals:
    revenue: Decimal
    orders: int
    customers: int


def shipped_sales_actuals(session: Session, employee_id: int, start: date, end: date) -> SalesActuals:
    """Net revenue (quantity × price × (1 − discount), per line to the cent), orders and customers
    of what a salesperson's orders shipped in ``start``–``end``, read from the store. The demo
    uses it for sales KPIs before the warehouse exists; pages take the warehouse's numbers."""
    rows = session.execute(
        select(ShipmentLine.quantity, SalesOrderLine.unit_price, SalesOrderLine.discount_rate,
               SalesOrder.id, SalesOrder.customer_id)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(SalesOrderLine, SalesOrderLine.id == ShipmentLine.so_line_id)
        .join(SalesOrder, SalesOrder.id == Shipment.sales_order_id)
        .where(SalesOrder.salesperson_id == employee_id, Shipment.ship_date.between(start, end))
    ).all()
    revenue = sum(((q * p * (1 - d)).quantize(CENT, rounding=ROUND_HALF_UP) for q, p, d, _, _ in rows), Decimal(0))
    return SalesActuals(revenue, len({r[3] for r in rows}), len({r[4] for r in rows}))


# ---------------------------------------------------------------- training

def record_training(session: Session, actor: AppUser | None, employee_id: int, course: str, start_date: Any,
                    end_date: Any, hours: Any, *, provider: str | None = None, result: str | None = None,
                    certificate: str | None = None) -> TrainingRecord:
    """A course attended (HR / managers record it)."""
    if not is_hr(_require_actor(actor)):
        raise AuthError("forbidden")
    employee = _employee(session, employee_id, active=False)
    course = required_text(course, "course", record=employee.code)
    start = required_date(start_date, "start_date", record=employee.code)
    end = required_date(end_date, "end_date", record=employee.code)
    if end < start:
        raise ValidationError("date_order", field="end_date", record=employee.code, field_label="field.end_date",
                              other_label="field.start_date")
    if result:
        choice(result, TRAINING_RESULTS, "result", record=employee.code)
    record = TrainingRecord(employee_id=employee.id, course=course, provider=(provider or "").strip() or None,
                            start_date=start, end_date=end, hours=positive(hours, "hours", record=employee.code),
                            result=result or None, certificate=(certificate or "").strip() or None)
    session.add(record)
    session.flush()
    return record
