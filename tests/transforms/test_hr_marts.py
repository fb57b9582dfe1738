"""The HR marts on a hand-made company, posted through the services, extracted and built by dbt.

People: E001 王总 (总经办), E002 李销售 (销售部, salesperson), E003 张仓管 (仓储部, hired 2026-07-01:
annual leave 5 × 184/365 → 2.5 days) and E004 赵仓管 (仓储部). Attendance 2026-09-01 (Tue) to
09-04 (Fri), so each employee has 4 scheduled days:

- E001 present 09-01..03; 09-04 sick leave only submitted (not approved) → absent
- E002 present every day on time
- E003 09-01 08:55; 09-02 09:12 (late 12); 09-03 annual leave (approved, 1 day);
       09-04 half-day personal leave (0.5) and present 08:58–12:00; overtime 09-01 1 h rejected
- E004 09-01 09:30 (late 30); 09-02 09:00; 09-03 absent; 09-04 09:05 (in the grace period);
       overtime 09-02 2.5 h approved; annual leave 10-05..06 approved (2 days) and 10-08 approved
       then cancelled by HR (1 day back)

Sales (product A opening 100 @ 1.00): SO1 (E002) 10 @ 5.00 = 50.00 shipped 09-02; SO2 (E002)
20 @ 4.00 −10 % = 72.00 shipped 09-03; SO3 (no salesperson) 5 @ 3.00 = 15.00 shipped 09-03.
Reviews 2026-Q3: E001 95 (A), E002 80 (B), E003 70 (C), E004 92 (A).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

import pytest

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.models import AppUser
from operational.services import auth, hr, sales
from operational.services import masterdata as md
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput as L
from tests.transforms.conftest import Warehouse, dbt

pytestmark = pytest.mark.slow


def _t(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 9, day, hour, minute)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("hr_marts")
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    ids: dict[str, int] = {}
    with unit_of_work(engine) as s:
        gm = md.create_employee(s, "E001", "王总", department="总经办", hire_date=date(2020, 1, 1))
        rep = md.create_employee(s, "E002", "李销售", department="销售部", hire_date=date(2021, 1, 1))
        clerk = md.create_employee(s, "E003", "张仓管", department="仓储部", hire_date=date(2026, 7, 1))
        other = md.create_employee(s, "E004", "赵仓管", department="仓储部", hire_date=date(2022, 1, 1))
        hr.set_managers(s, {rep.id: gm.id, clerk.id: gm.id, other.id: gm.id})
        admin = auth.create_user(s, "hr", "secret-1", "hr", iterations=1000)
        types = hr.ensure_leave_types(s)
        hr.grant_entitlements(s, 2026)
        ids = {"gm": gm.id, "rep": rep.id, "clerk": clerk.id, "other": other.id, "hr": admin.id}
        ids |= {code: t.id for code, t in types.items()}
        wh = md.create_warehouse(s, "WH1", "主仓").id
        cus = md.create_customer(s, "C001", "苏州便利连锁").id
        a = md.create_product(s, "A", "矿泉水", standard_cost="1.00").id
        post_opening_balance(s, a, wh, D(100), D("1.00"), date(2026, 9, 1))
    with unit_of_work(engine) as s:
        actor = s.get(AppUser, ids["hr"])
        hr.record_attendance_day(s, date(2026, 9, 1), [
            hr.AttendanceInput(ids["gm"], _t(1, 8, 50), _t(1, 18, 10)),
            hr.AttendanceInput(ids["rep"], _t(1, 8, 45), _t(1, 18, 0)),
            hr.AttendanceInput(ids["clerk"], _t(1, 8, 55), _t(1, 18, 0)),
            hr.AttendanceInput(ids["other"], _t(1, 9, 30), _t(1, 18, 0))])
        hr.record_attendance_day(s, date(2026, 9, 2), [
            hr.AttendanceInput(ids["gm"], _t(2, 8, 50), _t(2, 18, 10)),
            hr.AttendanceInput(ids["rep"], _t(2, 8, 45), _t(2, 18, 0)),
            hr.AttendanceInput(ids["clerk"], _t(2, 9, 12), _t(2, 18, 0)),
            hr.AttendanceInput(ids["other"], _t(2, 9, 0), _t(2, 20, 30))])
        hr.record_attendance_day(s, date(2026, 9, 3), [
            hr.AttendanceInput(ids["gm"], _t(3, 8, 50), _t(3, 18, 10)),
            hr.AttendanceInput(ids["rep"], _t(3, 8, 45), _t(3, 18, 0))])
        hr.record_attendance_day(s, date(2026, 9, 4), [
            hr.AttendanceInput(ids["rep"], _t(4, 8, 45), _t(4, 18, 0)),
            hr.AttendanceInput(ids["clerk"], _t(4, 8, 58), _t(4, 12, 0)),
            hr.AttendanceInput(ids["other"], _t(4, 9, 5), _t(4, 18, 0))])
        for employee, code, start, end, half, decision in (
            (ids["clerk"], "annual", date(2026, 9, 3), date(2026, 9, 3), False, "approve"),
            (ids["clerk"], "personal", date(2026, 9, 4), date(2026, 9, 4), True, "approve"),
            (ids["gm"], "sick", date(2026, 9, 4), date(2026, 9, 4), False, None),
            (ids["other"], "annual", date(2026, 10, 5), date(2026, 10, 6), False, "approve"),
            (ids["other"], "annual", date(2026, 10, 8), date(2026, 10, 8), False, "cancel"),
        ):
            request = hr.create_leave_request(s, actor, employee, ids[code], start, end, half_day=half)
            if decision:
                hr.approve_leave(s, actor, request.id, at=datetime(2026, 9, 1, 10))
            if decision == "cancel":
                hr.cancel_leave(s, actor, request.id, at=datetime(2026, 9, 2, 10))
        rejected = hr.record_overtime(s, actor, ids["clerk"], date(2026, 9, 1), "1")
        hr.decide_overtime(s, actor, rejected.id, False)
        approved = hr.record_overtime(s, actor, ids["other"], date(2026, 9, 2), "2.5")
        hr.decide_overtime(s, actor, approved.id, True)
        for key, score in (("gm", 95), ("rep", 80), ("clerk", 70), ("other", 92)):
            hr.create_review(s, actor, ids[key], "2026-Q3", score=score)
    with unit_of_work(engine) as s:
        for salesperson, qty, price, discount, ship in ((ids["rep"], 10, "5.00", "0", 2),
                                                        (ids["rep"], 20, "4.00", "0.10", 3), (None, 5, "3.00", "0", 3)):
            order = sales.create_sales_order(s, cus, wh, date(2026, 9, 1), [L(a, qty, price, discount)],
                                             salesperson_id=salesperson)
            sales.confirm_sales_order(s, order.id)
            sales.ship_all(s, order.id, date(2026, 9, ship))
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--select", "+path:models/marts/hr", "--indirect-selection", "cautious")
    yield engine, Warehouse(warehouse), ids
    engine.dispose()


def test_attendance_by_department_and_month(built):
    _, wh, _ = built
    rows = wh.rows("""
        select department, headcount, scheduled_days, present_days, leave_days, absent_days, attendance_rate,
               late_count, lateness_rate, late_minutes, annual_leave_days, sick_leave_days, personal_leave_days,
               overtime_hours
        from marts.mart_attendance_monthly where year_month = '2026-09' order by department""")
    assert rows == [
        ("仓储部", 2, 8, 6, D("1.5"), D(1), D("0.7500"), 2, D("0.3333"), 42, D(1), D(0), D("0.5"), D("2.5")),
        ("总经办", 1, 4, 3, D(0), D(1), D("0.7500"), 0, D(0), 0, D(0), D(0), D(0), D(0)),
        ("销售部", 1, 4, 4, D(0), D(0), D("1.0000"), 0, D(0), 0, D(0), D(0), D(0), D(0)),
    ]
    # The spine ends with the last attendance date: no October row although leave is booked there.
    assert wh.rows("select distinct year_month from marts.mart_attendance_monthly") == [("2026-09",)]
    late = wh.rows("select employee_code, work_date, late_minutes from marts.fct_attendance where is_late "
                   "order by employee_code")
    assert late == [("E003", date(2026, 9, 2), 12), ("E004", date(2026, 9, 1), 30)]


def test_sales_by_salesperson(built):
    _, wh, _ = built
    rows = wh.rows("""
        select salesperson_code, revenue, cogs, gross_margin, margin_rate, orders, customers, shipment_lines
        from marts.mart_sales_by_salesperson where year_month = '2026-09' order by salesperson_code nulls last""")
    assert rows == [("E002", D("122.00"), D("30.00"), D("92.00"), D("0.7541"), 2, 1, 2),
                    (None, D("15.00"), D("5.00"), D("10.00"), D("0.6667"), 1, 1, 1)]


def test_performance_distribution(built):
    _, wh, _ = built
    rows = wh.rows("select department, rating, employees, share, average_score "
                   "from marts.mart_performance_distribution where period = '2026-Q3' order by department, rating")
    assert rows == [("仓储部", "A", 1, D("0.5000"), D("92.00")), ("仓储部", "C", 1, D("0.5000"), D("70.00")),
                    ("总经办", "A", 1, D("1.0000"), D("95.00")), ("销售部", "B", 1, D("1.0000"), D("80.00"))]


def test_leave_balances_equal_the_service(built):
    engine, wh, ids = built
    rows = wh.rows("select employee_id, leave_type_id, year, entitled_days, used_days, remaining_days "
                   "from marts.mart_leave_balances order by employee_id, leave_type_id")
    by_key = {(r[0], r[1]): r[3:] for r in rows}
    # E003 annual: 2.5 granted, 1 used; E004 annual: 5 granted, 2 used (the cancelled day came back).
    assert by_key[(ids["clerk"], ids["annual"])] == (D("2.5"), D(1), D("1.5"))
    assert by_key[(ids["other"], ids["annual"])] == (D(5), D(2), D(3))
    assert by_key[(ids["clerk"], ids["sick"])] == (D(5), D(0), D(5))
    assert (ids["clerk"], ids["personal"]) not in by_key  # personal leave keeps no balance
    assert len(rows) == 8  # 4 employees × (annual, sick)
    with unit_of_work(engine) as s:
        for employee_id, leave_type_id, year, _, _, remaining in rows:
            assert hr.leave_balance(s, employee_id, leave_type_id, date(year, 12, 31)) == remaining
