"""The demo company's HR pass (人力资源): people set-up on the first call, then per day attendance,
leave requests and decisions, overtime around 618 and Double 11, quarterly reviews and a few
trainings — all through ``operational.services.hr``.

First call (no leave types in the store yet): an HR clerk with login ``hr``, a login ``staff``
linked to an ordinary warehouse clerk, reporting lines (everyone reports to the head of their
department — its first employee — and heads report to the general manager), the leave catalogue
and each year's leave grants (pro-rated by hire date).

Every decision is drawn from ``random.Random(f"{seed}|hr|<day>")``, so days 1–10 then 11–20 give
the same store as days 1–20 in one call. Leave approved earlier (possibly in an earlier call) is
read back from the store, so nobody clocks in on a day off.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from operational.db import unit_of_work
from operational.demo.setup import DEMO_PASSWORD
from operational.models import AppUser, Employee, LeaveRequest, LeaveType
from operational.services import auth, hr, masterdata

HR_DEPARTMENT, HR_POSITION, HR_NAME = "人力资源部", "人事专员", "林晓雯"
GENERAL_MANAGEMENT = "总经办"
STAFF_DEPARTMENT = "仓储部"
PEAK_DEPARTMENTS = ("销售部", "仓储部")
# Per working day and employee: chance of asking for leave of this type (days ahead, length).
LEAVE_PLANS: tuple[tuple[str, float, tuple[int, int], tuple[int, int]], ...] = (
    ("annual", 0.008, (3, 14), (1, 3)),
    ("sick", 0.006, (0, 1), (1, 2)),
    ("personal", 0.004, (1, 5), (0, 1)),  # length 0 = a half day
)
REJECT_SHARE = 0.08
LATE_SHARE = 0.06
ABSENT_SHARE = 0.004
NO_CLOCK_OUT_SHARE = 0.01
TRAINING_SHARE = 0.012
COURSES = (("新员工入职培训", "公司内训", "8"), ("仓储安全操作", "上海安全生产协会", "6"),
           ("销售谈判技巧", "智联培训", "12"), ("Excel数据分析", "网易云课堂", "10"),
           ("增值税发票实务", "上海财税学院", "8"), ("叉车操作证复训", "嘉定职业技能中心", "16"))
QUALITY_KPI, ATTENDANCE_KPI, REVENUE_KPI = "工作质量", "出勤率", "销售额"


def run(engine: Engine, days: Sequence[date], seed: int) -> None:
    """The HR pass over ``days`` (ascending)."""
    if not days:
        return
    with unit_of_work(engine) as session:
        _set_up(session, days[0], seed)
        for year in sorted({d.year for d in days}):
            hr.grant_entitlements(session, year)
    # A month per transaction: quick, and a continuation never re-does a committed month.
    months: dict[tuple[int, int], list[date]] = {}
    for day in days:
        months.setdefault((day.year, day.month), []).append(day)
    for month_days in months.values():
        with unit_of_work(engine) as session:
            _Month(session, seed).run(month_days)


def _set_up(session: Session, first_day: date, seed: int) -> None:
    """People, logins, reporting lines and the leave catalogue, once."""
    if session.execute(select(LeaveType.id)).first():
        return
    rng = random.Random(f"{seed}|hr|setup")
    employees = list(session.execute(select(Employee).order_by(Employee.id)).scalars())
    code = f"E{len(employees) + 1:03d}"
    clerk = masterdata.create_employee(
        session, code, HR_NAME, department=HR_DEPARTMENT, position=HR_POSITION,
        hire_date=first_day - timedelta(days=rng.randint(200, 1500)), phone=f"138{rng.randint(10000000, 99999999)}")
    employees.append(clerk)
    users = {u.username for u in session.execute(select(AppUser)).scalars()}
    if "hr" not in users:
        auth.create_user(session, "hr", DEMO_PASSWORD, "hr", HR_POSITION, employee_id=clerk.id)
    clerks = [e for e in employees if e.department == STAFF_DEPARTMENT]
    if "staff" not in users and len(clerks) > 1:
        auth.create_user(session, "staff", DEMO_PASSWORD, "staff", clerks[1].name, employee_id=clerks[1].id)
    heads: dict[str | None, Employee] = {}
    for employee in employees:
        heads.setdefault(employee.department, employee)
    general = heads.get(GENERAL_MANAGEMENT)
    managers: dict[int, int | None] = {}
    for employee in employees:
        head = heads[employee.department]
        if employee.id == head.id:
            managers[employee.id] = general.id if general and general.id != employee.id else None
        else:
            managers[employee.id] = head.id
    hr.set_managers(session, managers)
    hr.ensure_leave_types(session)


class _Month:
    """One transaction's worth of days."""

    def __init__(self, session: Session, seed: int) -> None:
        self.session = session
        self.seed = seed
        users = {u.username: u for u in session.execute(select(AppUser)).scalars()}
        self.hr_user = users.get("hr") or users["admin"]
        self.manager_user = users.get("manager") or users["admin"]
        self.types = {t.code: t for t in session.execute(select(LeaveType)).scalars()}
        self.employees = list(session.execute(
            select(Employee).where(Employee.status == "active").order_by(Employee.id)).scalars())
        self.off: dict[tuple[int, date], Decimal] = {}  # approved or pending leave per employee × day

    def run(self, days: list[date]) -> None:
        self._load_leave(days[0])
        for day in days:
            rng = random.Random(f"{self.seed}|hr|{day.isoformat()}")
            if hr.is_working_day(day):
                self._leave_requests(day, rng)
                self._attendance(day, rng)
                self._training(day, rng)
            if day == hr.period_bounds(hr.quarter_of(day))[1]:
                self._reviews(day, rng)

    def _load_leave(self, first: date) -> None:
        rows = self.session.execute(select(LeaveRequest).where(
            LeaveRequest.status.in_(("approved", "submitted")), LeaveRequest.end_date >= first)).scalars()
        for request in rows:
            self._mark(request)

    def _mark(self, request: LeaveRequest) -> None:
        share = Decimal("0.5") if request.days == Decimal("0.5") else Decimal(1)
        for day in hr.working_days(request.start_date, request.end_date):
            self.off[(request.employee_id, day)] = share

    def _approver(self, employee: Employee) -> AppUser:
        return self.manager_user if employee.id == self.hr_user.employee_id else self.hr_user

    def _leave_requests(self, day: date, rng: random.Random) -> None:
        for employee in self.employees:
            for code, chance, (ahead_lo, ahead_hi), (len_lo, len_hi) in LEAVE_PLANS:
                if rng.random() >= chance or code not in self.types:
                    continue
                start = day + timedelta(days=rng.randint(ahead_lo, ahead_hi))
                while not hr.is_working_day(start):
                    start += timedelta(days=1)
                length = rng.randint(len_lo, len_hi)
                end = start
                for _ in range(max(length, 1) - 1):
                    end += timedelta(days=1)
                    while not hr.is_working_day(end):
                        end += timedelta(days=1)
                if start.year != end.year or any((employee.id, d) in self.off for d in hr.working_days(start, end)):
                    continue
                self._request(employee, self.types[code], start, end, length == 0, day, rng)

    def _request(self, employee: Employee, leave_type: LeaveType, start: date, end: date, half: bool,
                 day: date, rng: random.Random) -> None:
        user = self.session.execute(select(AppUser).where(AppUser.employee_id == employee.id)
                                    .order_by(AppUser.id).limit(1)).scalar_one_or_none() or self.hr_user
        actor = user if user.employee_id == employee.id else self.hr_user
        request = hr.create_leave_request(self.session, actor, employee.id, leave_type.id, start, end,
                                          half_day=half, reason=leave_type.name, on=day)
        approver = self._approver(employee)
        at = datetime.combine(day, time(16, rng.randint(0, 59)))
        over = (leave_type.entitlement_days is not None
                and request.days > hr.leave_balance(self.session, employee.id, leave_type.id, date(start.year, 12, 31)))
        if over or rng.random() < REJECT_SHARE:
            hr.reject_leave(self.session, approver, request.id, "余额不足" if over else "业务繁忙，请改期", at=at)
            return
        hr.approve_leave(self.session, approver, request.id, at=at)
        self._mark(request)

    def _attendance(self, day: date, rng: random.Random) -> None:
        peak = (day.month == 6 and day.day <= 18) or (day.month == 11 and day.day <= 11)
        entries: list[hr.AttendanceInput] = []
        overtime: list[tuple[Employee, Decimal]] = []
        for employee in self.employees:
            if employee.hire_date and employee.hire_date > day:
                continue
            off = self.off.get((employee.id, day), Decimal(0))
            draw = rng.random()
            if off == 1 or draw < ABSENT_SHARE:
                continue
            if rng.random() < LATE_SHARE:
                arrive = datetime.combine(day, time(9, 6)) + timedelta(minutes=rng.randint(0, 40))
            else:
                arrive = datetime.combine(day, time(8, 25)) + timedelta(minutes=rng.randint(0, 40))
            hours = Decimal(0)
            if employee.department in PEAK_DEPARTMENTS and rng.random() < (0.4 if peak else 0.02):
                hours = Decimal(rng.randint(3, 7)) / 2
                overtime.append((employee, hours))
            if off:
                leave = datetime.combine(day, time(12, 0))
            else:
                leave = (datetime.combine(day, time(18, 0)) + timedelta(minutes=rng.randint(0, 50))
                         + timedelta(minutes=int(hours * 60)))
            forgot = rng.random() < NO_CLOCK_OUT_SHARE
            entries.append(hr.AttendanceInput(employee.id, arrive, None if forgot else leave))
        hr.record_attendance_day(self.session, day, entries, source="demo")
        for employee, hours in overtime:
            record = hr.record_overtime(self.session, self.hr_user, employee.id, day, hours, "大促备货发货")
            hr.decide_overtime(self.session, self._approver(employee), record.id, rng.random() > 0.05,
                               at=datetime.combine(day + timedelta(days=1), time(10, 0)))

    def _training(self, day: date, rng: random.Random) -> None:
        if rng.random() >= TRAINING_SHARE * len(self.employees) / 10:
            return
        employee = rng.choice(self.employees)
        course, provider, hours = rng.choice(COURSES)
        length = 0 if Decimal(hours) <= 8 else 1
        hr.record_training(self.session, self.hr_user, employee.id, course, day, day + timedelta(days=length),
                           hours, provider=provider, result="pass" if rng.random() < 0.9 else "fail",
                           certificate=f"CERT-{day:%Y%m%d}-{employee.code}" if rng.random() < 0.5 else None)

    def _reviews(self, day: date, rng: random.Random) -> None:
        period = hr.quarter_of(day)
        start, end = hr.period_bounds(period)
        reps = [e for e in self.employees if e.department == "销售部"]
        revenue = {e.id: hr.shipped_sales_actuals(self.session, e.id, start, end).revenue for e in reps}
        # Target: the team's mean, rounded to thousands (a rep at the mean scores 100 on revenue).
        mean = sum(revenue.values(), Decimal(0)) / len(reps) if reps else Decimal(0)
        target = max(Decimal(1000), (mean / 1000).quantize(Decimal(1)) * 1000)
        for employee in self.employees:
            if employee.hire_date and employee.hire_date > end:
                continue
            scheduled, present = hr.attendance_days(self.session, employee.id, start, end)
            attendance = (Decimal(present) / Decimal(scheduled) * 100).quantize(Decimal("0.01")) if scheduled else 0
            kpis = [hr.KpiInput(ATTENDANCE_KPI, 100, attendance, "0.3")]
            if employee.id in revenue:
                kpis.insert(0, hr.KpiInput(REVENUE_KPI, target, revenue[employee.id], "0.7"))
            else:
                kpis.insert(0, hr.KpiInput(QUALITY_KPI, 100, rng.randint(55, 112), "0.7"))
            # The general manager reviews everyone; HR reviews the general manager.
            reviewer = self.hr_user if employee.id == self.manager_user.employee_id else self.manager_user
            hr.create_review(self.session, reviewer, employee.id, period, kpis, comments=None)
