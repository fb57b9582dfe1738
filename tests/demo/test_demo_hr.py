"""The demo company's HR pass at scale 0.02 over 400 days (to 2026-03-31): logins and reporting
lines, attendance on working days only and never on a day of full-day leave, balances that never
go below zero, reviews at quarter ends, overtime in the promotion peaks, and the same store when
the days come in two calls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from operational.db import make_engine, unit_of_work
from operational.demo import DEMO_PASSWORD, generate, passes
from operational.demo import hr as hr_pass
from operational.demo.calendar import date_range
from operational.migrate import upgrade
from operational.models import (
    AppUser,
    Attendance,
    Employee,
    LeaveLedger,
    LeaveRequest,
    OvertimeRecord,
    PerformanceReview,
    TrainingRecord,
)
from operational.services import auth, hr

END = date(2026, 3, 31)
DAYS = 400
SCALE = 0.02


def _engine(path: Path) -> Engine:
    path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path / 'jxc.sqlite'}")
    upgrade(engine)
    return engine


def _hr_only() -> list[tuple[str, passes.Pass]]:
    """The HR pass alone: it runs first and depends on nothing the other passes write."""
    return [entry for entry in passes.PASSES if entry[0] == "hr"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _engine(tmp_path_factory.mktemp("demo_hr"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passes, "PASSES", _hr_only())
        generate(engine, scale=SCALE, seed=42, end_date=END, days=DAYS)
    yield engine
    engine.dispose()


def _fingerprint(engine: Engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {
            "attendance": conn.execute(select(func.count(), func.sum(Attendance.late_minutes))
                                       .select_from(Attendance)).one(),
            "leave": conn.execute(select(LeaveRequest.doc_no, LeaveRequest.employee_id, LeaveRequest.start_date,
                                         LeaveRequest.days, LeaveRequest.status).order_by(LeaveRequest.doc_no)).all(),
            "ledger": conn.execute(select(LeaveLedger.employee_id, LeaveLedger.kind, func.sum(LeaveLedger.days))
                                   .group_by(LeaveLedger.employee_id, LeaveLedger.kind)
                                   .order_by(LeaveLedger.employee_id, LeaveLedger.kind)).all(),
            "overtime": conn.execute(select(func.count(), func.sum(OvertimeRecord.hours))
                                     .select_from(OvertimeRecord)).one(),
            "reviews": conn.execute(select(PerformanceReview.employee_id, PerformanceReview.period,
                                           PerformanceReview.score).order_by(PerformanceReview.id)).all(),
            "training": conn.execute(select(func.count()).select_from(TrainingRecord)).scalar(),
        }


def test_logins_and_reporting_lines(demo: Engine) -> None:
    with unit_of_work(demo) as s:
        hr_user = auth.authenticate(s, "hr", DEMO_PASSWORD)
        staff = auth.authenticate(s, "staff", DEMO_PASSWORD)
        assert s.get(Employee, hr_user.employee_id).department == "人力资源部"
        clerk = s.get(Employee, staff.employee_id)
        assert clerk.department == "仓储部" and clerk.manager_id is not None
        # The clerk reports to the warehouse head, who reports to the general manager, who reports to nobody.
        head = s.get(Employee, clerk.manager_id)
        general = s.get(Employee, head.manager_id)
        assert head.department == "仓储部" and general.department == "总经办" and general.manager_id is None
        manager = s.execute(select(AppUser).where(AppUser.username == "manager")).scalar_one()
        assert manager.employee_id == general.id
        assert s.execute(select(func.count()).select_from(Employee).where(Employee.manager_id.is_(None))).scalar() == 1


def test_attendance_leave_and_overtime_are_believable(demo: Engine) -> None:
    with unit_of_work(demo) as s:
        employees = s.execute(select(func.count()).select_from(Employee)).scalar()
        working = sum(1 for d in date_range(END - timedelta(days=DAYS - 1), DAYS) if hr.is_working_day(d))
        rows = s.execute(select(Attendance)).scalars().all()
        assert all(hr.is_working_day(r.work_date) for r in rows)
        # Nearly everyone is there nearly every working day (leave and rare absences aside).
        assert 0.9 * employees * working <= len(rows) <= employees * working
        late = sum(1 for r in rows if r.late_minutes > 0)
        assert 0.03 * len(rows) <= late <= 0.10 * len(rows)
        present = {(r.employee_id, r.work_date) for r in rows}
        approved = s.execute(select(LeaveRequest).where(LeaveRequest.status == "approved")).scalars().all()
        assert len(approved) >= 20
        for request in approved:
            if request.days != Decimal("0.5"):
                for day in hr.working_days(request.start_date, request.end_date):
                    assert (request.employee_id, day) not in present, request.doc_no
        statuses = {r.status for r in s.execute(select(LeaveRequest)).scalars()}
        assert {"approved", "rejected"} <= statuses
        # Balances of every employee × type × year never go below zero.
        sums = s.execute(select(func.sum(LeaveLedger.days)).group_by(
            LeaveLedger.employee_id, LeaveLedger.leave_type_id, LeaveLedger.year)).scalars().all()
        assert sums and min(sums) >= 0
        peaks = s.execute(select(func.count()).select_from(OvertimeRecord).where(
            func.strftime("%m", OvertimeRecord.work_date).in_(("06", "11")))).scalar()
        total = s.execute(select(func.count()).select_from(OvertimeRecord)).scalar()
        assert total and peaks >= 0.5 * total


def test_quarterly_reviews(demo: Engine) -> None:
    with unit_of_work(demo) as s:
        periods = set(s.execute(select(PerformanceReview.period)).scalars())
        # 400 days to 2026-03-31 start on 2025-02-25: quarter ends 2025-03-31 … 2026-03-31.
        assert periods == {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"}
        reviews = s.execute(select(PerformanceReview)).scalars().all()
        assert all(r.rating == hr.rating_for(r.score) and len(r.kpis) == 2 for r in reviews)
        assert len({r.rating for r in reviews}) >= 3
        revenue = [k for r in reviews for k in r.kpis if k.name == hr_pass.REVENUE_KPI]
        assert revenue and sum(k.actual for k in revenue) > 0


def test_two_calls_give_the_same_hr_as_one(demo: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine(tmp_path / "split")
    monkeypatch.setattr(passes, "PASSES", [])
    generate(engine, scale=SCALE, seed=42, end_date=END, days=DAYS)
    days = date_range(END - timedelta(days=DAYS - 1), DAYS)
    hr_pass.run(engine, days[:200], 42)
    hr_pass.run(engine, days[200:], 42)
    assert _fingerprint(engine) == _fingerprint(demo)
    engine.dispose()
