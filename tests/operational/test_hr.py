"""HR services: clocking, leave with its ledger and balances, approval rights, overtime, reviews."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from operational.db import unit_of_work
from operational.models import AppUser, Attendance, LeaveLedger, LeaveRequest
from operational.services import auth, hr
from operational.services import masterdata as md
from operational.services.errors import AuthError, StateError, ValidationError


def _people(engine: Engine) -> dict[str, int]:
    """A general manager, a warehouse head and a clerk reporting to them, and an HR clerk; logins
    for the clerk (staff), the head (warehouse) and HR. The clerk was hired on 2026-07-01."""
    with unit_of_work(engine) as s:
        gm = md.create_employee(s, "E001", "王总", department="总经办", hire_date=date(2020, 1, 1))
        head = md.create_employee(s, "E002", "李主管", department="仓储部", hire_date=date(2021, 3, 1))
        clerk = md.create_employee(s, "E003", "张仓管", department="仓储部", hire_date=date(2026, 7, 1))
        other = md.create_employee(s, "E004", "赵仓管", department="仓储部", hire_date=date(2022, 1, 1))
        hr_clerk = md.create_employee(s, "E005", "林人事", department="人力资源部", hire_date=date(2023, 1, 1))
        hr.set_managers(s, {head.id: gm.id, clerk.id: head.id, other.id: head.id, hr_clerk.id: gm.id})
        ids = {"gm": gm.id, "head": head.id, "clerk": clerk.id, "other": other.id, "hr_clerk": hr_clerk.id}
        for username, role, emp in (("staff", "staff", clerk), ("boss", "warehouse", head), ("hr", "hr", hr_clerk),
                                    ("peer", "staff", other)):
            ids[username] = auth.create_user(s, username, "secret-1", role, employee_id=emp.id, iterations=1000).id
        types = hr.ensure_leave_types(s)
        ids |= {f"type_{code}": t.id for code, t in types.items()}
        hr.grant_entitlements(s, 2026)
    return ids


def _user(s, user_id: int) -> AppUser:
    return s.get(AppUser, user_id)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The store on SQLite and on PostgreSQL (balances are sums of exact decimals on both)."""
    return request.getfixturevalue("store_engine" if request.param == "sqlite" else "pg_engine")


def test_entitlement_is_prorated_by_hire_date(store_engine):
    ids = _people(store_engine)
    with unit_of_work(store_engine) as s:
        annual, sick = ids["type_annual"], ids["type_sick"]
        # Hired 2026-07-01: 184 of 365 days → 5 × 184/365 = 2.52 → 2.5 days; sick 10 × … = 5.04 → 5.
        assert hr.leave_balance(s, ids["clerk"], annual, date(2026, 12, 31)) == Decimal("2.5")
        assert hr.leave_balance(s, ids["clerk"], sick, date(2026, 12, 31)) == Decimal("5")
        # Before the grant's date (the hire date) nothing is there yet.
        assert hr.leave_balance(s, ids["clerk"], annual, date(2026, 6, 30)) == 0
        assert hr.leave_balance(s, ids["other"], annual, date(2026, 12, 31)) == Decimal("5")
        # Granting again writes nothing.
        assert hr.grant_entitlements(s, 2026) == 0


def test_leave_submitted_by_staff_and_approved_changes_the_balance(any_engine):
    store_engine = any_engine
    ids = _people(store_engine)
    annual = ids["type_annual"]
    with unit_of_work(store_engine) as s:
        # Thu 2026-09-10 to Mon 09-14: Thu, Fri, Mon = 3 working days.
        request = hr.create_leave_request(s, _user(s, ids["staff"]), ids["clerk"], annual, date(2026, 9, 10),
                                          date(2026, 9, 14), reason="回老家")
        assert (request.doc_no, request.status, request.days) == ("LV-2026-000001", "submitted", Decimal(3))
        request_id = request.id
    with pytest.raises(ValidationError) as err, unit_of_work(store_engine) as s:
        # 3 days > 2.5 left: refused naming the request and the field.
        hr.approve_leave(s, _user(s, ids["boss"]), request_id)
    assert err.value.record == "LV-2026-000001" and err.value.field == "days"
    assert err.value.message() == "LV-2026-000001：年假余额不足：申请3天，可用2.5天"
    with unit_of_work(store_engine) as s:
        hr.cancel_leave(s, _user(s, ids["staff"]), request_id)
        half = hr.create_leave_request(s, _user(s, ids["staff"]), ids["clerk"], annual, date(2026, 9, 11),
                                       date(2026, 9, 11), half_day=True)
        two = hr.create_leave_request(s, _user(s, ids["staff"]), ids["clerk"], annual, date(2026, 9, 14),
                                      date(2026, 9, 15))
        hr.approve_leave(s, _user(s, ids["boss"]), half.id, at=datetime(2026, 9, 1, 10))  # the clerk's manager
        hr.approve_leave(s, _user(s, ids["hr"]), two.id, at=datetime(2026, 9, 2, 10))
        assert hr.leave_balance(s, ids["clerk"], annual, date(2026, 12, 31)) == Decimal("0")  # 2.5 − 0.5 − 2
        assert hr.leave_balance(s, ids["clerk"], annual, date(2026, 9, 1)) == Decimal("2")  # before the 2nd use
        two_id = two.id
    with unit_of_work(store_engine) as s:
        hr.cancel_leave(s, _user(s, ids["hr"]), two_id, at=datetime(2026, 9, 5, 9))  # HR gives the days back
        assert hr.leave_balance(s, ids["clerk"], annual, date(2026, 12, 31)) == Decimal("2")
        kinds = [(r.kind, r.days) for r in s.execute(
            select(LeaveLedger).where(LeaveLedger.employee_id == ids["clerk"], LeaveLedger.leave_type_id == annual)
            .order_by(LeaveLedger.id)).scalars()]
        assert kinds == [("grant", Decimal("2.5")), ("use", Decimal("-0.5")), ("use", Decimal("-2")),
                         ("reverse", Decimal("2"))]


def test_who_may_submit_approve_and_cancel(store_engine):
    ids = _people(store_engine)
    annual = ids["type_annual"]
    with pytest.raises(AuthError), unit_of_work(store_engine) as s:
        # Staff only for themselves.
        hr.create_leave_request(s, _user(s, ids["staff"]), ids["other"], annual, date(2026, 9, 10), date(2026, 9, 10))
    with unit_of_work(store_engine) as s:
        request_id = hr.create_leave_request(s, _user(s, ids["peer"]), ids["other"], annual, date(2026, 9, 10),
                                             date(2026, 9, 10)).id
    for approver in ("staff", "peer"):  # a colleague, and the employee themself
        with pytest.raises(AuthError), unit_of_work(store_engine) as s:
            hr.approve_leave(s, _user(s, ids[approver]), request_id)
    with unit_of_work(store_engine) as s:
        hr.approve_leave(s, _user(s, ids["boss"]), request_id)
    with pytest.raises(StateError), unit_of_work(store_engine) as s:
        hr.cancel_leave(s, _user(s, ids["peer"]), request_id)  # approved leave: only HR cancels
    with pytest.raises(ValidationError) as err, unit_of_work(store_engine) as s:
        hr.create_leave_request(s, _user(s, ids["peer"]), ids["other"], ids["type_personal"], date(2026, 9, 10),
                                date(2026, 9, 11))
    assert err.value.field == "start_date" and "LV-2026-000001" in err.value.message()
    with unit_of_work(store_engine) as s:
        assert s.execute(select(LeaveRequest.status)).scalars().all() == ["approved"]


def test_leave_days_count_working_days_only(store_engine):
    assert hr.leave_days(date(2026, 9, 11), date(2026, 9, 21)) == 7  # Fri … Mon next-but-one
    assert hr.leave_days(date(2026, 9, 12), date(2026, 9, 13)) == 0  # a weekend
    ids = _people(store_engine)
    with pytest.raises(ValidationError) as err, unit_of_work(store_engine) as s:
        hr.create_leave_request(s, _user(s, ids["staff"]), ids["clerk"], ids["type_sick"], date(2026, 12, 30),
                                date(2027, 1, 2))
    assert err.value.field == "end_date"


def test_clock_in_and_out(store_engine):
    ids = _people(store_engine)
    with unit_of_work(store_engine) as s:
        row = hr.clock_in(s, _user(s, ids["staff"]), ids["clerk"], datetime(2026, 9, 10, 9, 12))
        assert row.late_minutes == 12
    with pytest.raises(StateError) as err, unit_of_work(store_engine) as s:
        hr.clock_in(s, _user(s, ids["staff"]), ids["clerk"], datetime(2026, 9, 10, 9, 30))
    assert err.value.message() == "E003：2026-09-10已于09:12上班打卡"
    with pytest.raises(ValidationError), unit_of_work(store_engine) as s:
        hr.clock_out(s, _user(s, ids["staff"]), ids["clerk"], datetime(2026, 9, 10, 9, 0))
    with pytest.raises(StateError), unit_of_work(store_engine) as s:
        hr.clock_out(s, _user(s, ids["staff"]), ids["clerk"], datetime(2026, 9, 11, 18, 0))  # not clocked in
    with pytest.raises(AuthError), unit_of_work(store_engine) as s:
        hr.clock_in(s, _user(s, ids["staff"]), ids["other"], datetime(2026, 9, 10, 9, 0))
    with unit_of_work(store_engine) as s:
        row = hr.clock_out(s, _user(s, ids["staff"]), ids["clerk"], datetime(2026, 9, 10, 17, 45))
        assert (row.late_minutes, row.early_leave_minutes) == (12, 15)
        on_time = hr.clock_in(s, _user(s, ids["staff"]), ids["clerk"], datetime(2026, 9, 11, 9, 5))
        assert on_time.late_minutes == 0  # within the 5 minutes' grace


def test_a_whole_day_of_attendance_in_one_call(any_engine):
    store_engine = any_engine
    ids = _people(store_engine)
    day = date(2026, 9, 10)
    with unit_of_work(store_engine) as s:
        written = hr.record_attendance_day(s, day, [
            hr.AttendanceInput(ids["head"], datetime(2026, 9, 10, 8, 50), datetime(2026, 9, 10, 18, 30)),
            hr.AttendanceInput(ids["other"], datetime(2026, 9, 10, 9, 20), None),
        ])
        assert written == 2
        rows = s.execute(select(Attendance.employee_id, Attendance.late_minutes)
                         .order_by(Attendance.employee_id)).all()
        assert rows == [(ids["head"], 0), (ids["other"], 20)]
    with pytest.raises(ValidationError) as err, unit_of_work(store_engine) as s:
        hr.record_attendance_day(s, day, [hr.AttendanceInput(ids["gm"], datetime(2026, 9, 10, 9, 0)),
                                          hr.AttendanceInput(ids["head"], datetime(2026, 9, 10, 9, 0))])
    assert err.value.field == "lines.2.employee_id"
    with unit_of_work(store_engine) as s:
        assert hr.attendance_days(s, ids["other"], date(2026, 9, 1), date(2026, 9, 30)) == (22, 1)


def test_overtime_and_reviews(store_engine):
    ids = _people(store_engine)
    with pytest.raises(ValidationError), unit_of_work(store_engine) as s:
        hr.record_overtime(s, _user(s, ids["staff"]), ids["clerk"], date(2026, 9, 10), "13")
    with unit_of_work(store_engine) as s:
        record = hr.record_overtime(s, _user(s, ids["staff"]), ids["clerk"], date(2026, 9, 10), "2.5")
        with pytest.raises(AuthError):
            hr.decide_overtime(s, _user(s, ids["staff"]), record.id, True)
        assert hr.decide_overtime(s, _user(s, ids["boss"]), record.id, True).status == "approved"
        # Revenue 120,000 of 100,000 → 120 (the cap); attendance 90 of 100 → 90.
        # Score = 0.7 × 120 + 0.3 × 90 = 111 → capped at 100 → A.
        review = hr.create_review(s, _user(s, ids["hr"]), ids["clerk"], "2026-Q3", [
            hr.KpiInput("销售额", "100000", "130000", "0.7"), hr.KpiInput("出勤率", "100", "90", "0.3")])
        assert [k.score for k in review.kpis] == [Decimal("120.00"), Decimal("90.00")]
        assert (review.score, review.rating, review.period_start, review.period_end) == (
            Decimal("100.00"), "A", date(2026, 7, 1), date(2026, 9, 30))
        # 0.5 × 80 + 0.5 × 60 = 70 → C
        other = hr.create_review(s, _user(s, ids["boss"]), ids["other"], "2026-Q3", [
            hr.KpiInput("工作质量", "100", "80", "1"), hr.KpiInput("出勤率", "100", "60", "1")])
        assert (other.score, other.rating) == (Decimal("70.00"), "C")
        with pytest.raises(ValidationError):
            hr.create_review(s, _user(s, ids["hr"]), ids["other"], "2026-Q3", score="80")
    assert [hr.rating_for(Decimal(v)) for v in ("90", "89.99", "75", "60", "59.99")] == ["A", "B", "B", "C", "D"]
    assert hr.period_bounds("2026-H2") == (date(2026, 7, 1), date(2026, 12, 31))
    assert hr.period_bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
