"""HR pages through Streamlit AppTest: self-service clocking and leave, approval by HR changing the
balance the employee sees, a performance review entered with KPI lines, who sees which page, and
each HR entry form saving one record per drawn form (double click, "save" again after success)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from dashboard_support import Company, post_history, table, texts
from sqlalchemy import func, select

from dashboards.navigation import visible_pages
from operational.db import unit_of_work
from operational.i18n import translate
from operational.models import (
    AppUser,
    Attendance,
    Employee,
    LeaveRequest,
    OvertimeRecord,
    PerformanceReview,
    TrainingRecord,
)
from operational.services import hr, sales
from operational.services import masterdata as md
from operational.services.orders import OrderLineInput


@pytest.fixture
def people(company: Company) -> dict[str, int]:
    """A warehouse clerk (login staff) and an HR clerk (login hr), both hired long ago, with this
    year's entitlements (annual 5, sick 10)."""
    year = hr.local_now().date().year
    with unit_of_work(company.engine) as s:
        clerk = md.create_employee(s, "E001", "张仓管", department="仓储部", hire_date=date(2020, 1, 1))
        hr_clerk = md.create_employee(s, "E002", "林人事", department="人力资源部", hire_date=date(2020, 1, 1))
        s.get(AppUser, company.users["staff"].id).employee_id = clerk.id
        s.get(AppUser, company.users["hr"].id).employee_id = hr_clerk.id
        types = hr.ensure_leave_types(s)
        hr.grant_entitlements(s, year, on=date(year, 1, 1))
        return {"clerk": clerk.id, "hr_clerk": hr_clerk.id, "annual": types["annual"].id}


def _first_monday_of_march(year: int) -> date:
    day = date(year, 3, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _balances(at) -> dict[str, float]:  # noqa: ANN001
    frame = table(at, "剩余天数")
    return dict(zip(frame["假期类型"], frame["剩余天数"], strict=True))


def test_leave_submitted_by_staff_and_approved_by_hr_changes_the_balance(app_for, people, company):
    year = hr.local_now().date().year
    monday = _first_monday_of_march(year)
    at = app_for("staff", "views/hr_self_service.py")
    assert not at.exception
    assert at.title[0].value == "员工自助"
    assert _balances(at) == {"年假": 5.0, "病假": 10.0}
    at.selectbox(key="hrs.leave.type").set_value(people["annual"])
    at.date_input(key="hrs.leave.start").set_value(monday)
    at.date_input(key="hrs.leave.end").set_value(monday + timedelta(days=1))
    at.text_input(key="hrs.leave.reason").set_value("家中有事")
    at.button(key="hrs.leave.submit").click().run()
    assert not at.exception
    assert f"已提交请假单 LV-{year}-000001，共 2 天" in texts(at)
    assert _balances(at)["年假"] == 5.0  # pending: nothing used yet

    with unit_of_work(company.engine) as s:
        request_id = s.query(LeaveRequest).one().id
    boss = app_for("hr", "views/hr_admin.py")
    assert not boss.exception
    boss.selectbox(key="hra.leave.request").set_value(request_id)
    boss.button(key="hra.leave.approve").click().run()
    assert not boss.exception
    assert f"请假单 LV-{year}-000001：{translate('state.approved')}" in texts(boss)

    at = app_for("staff", "views/hr_self_service.py")
    assert _balances(at) == {"年假": 3.0, "病假": 10.0}
    with unit_of_work(company.engine) as s:
        assert s.query(LeaveRequest).one().status == "approved"
        assert hr.leave_balance(s, people["clerk"], people["annual"], date(year, 12, 31)) == Decimal(3)


def test_more_leave_than_the_balance_is_refused_on_the_form(app_for, people, company):
    year = hr.local_now().date().year
    monday = _first_monday_of_march(year)
    at = app_for("staff", "views/hr_self_service.py")
    at.selectbox(key="hrs.leave.type").set_value(people["annual"])
    at.date_input(key="hrs.leave.start").set_value(monday)
    at.date_input(key="hrs.leave.end").set_value(monday + timedelta(days=7))  # 6 working days > 5
    at.button(key="hrs.leave.submit").click().run()
    with unit_of_work(company.engine) as s:
        request_id = s.query(LeaveRequest).one().id
    boss = app_for("hr", "views/hr_admin.py")
    boss.selectbox(key="hra.leave.request").set_value(request_id)
    boss.button(key="hra.leave.approve").click().run()
    assert f"LV-{year}-000001：年假余额不足：申请6天，可用5天" in [e.value for e in boss.error]


def test_clock_in_and_out_through_the_form(app_for, people, company):
    at = app_for("staff", "views/hr_self_service.py")
    at.button(key="hrs.clock.in").click().run()
    assert not at.exception
    assert any(s.value.startswith("已上班打卡：") for s in at.success)
    at.button(key="hrs.clock.in").click().run()
    assert any("上班打卡" in e.value and e.value.startswith("E001：") for e in at.error)
    at.button(key="hrs.clock.out").click().run()
    assert any(s.value.startswith("已下班打卡：") for s in at.success)
    with unit_of_work(company.engine) as s:
        row = s.query(Attendance).one()
        assert row.employee_id == people["clerk"] and row.source == "clock"
        assert row.work_date == hr.local_now().date()
        assert row.clock_out > row.clock_in
        assert row.late_minutes == hr.lateness(row.work_date, row.clock_in, None)[0]


def test_review_with_kpi_lines_through_the_form(app_for, people):
    at = app_for("hr", "views/hr_admin.py")
    at.selectbox(key="hra.review.employee").set_value(people["clerk"])
    at.text_input(key="hra.review.period").set_value("2026-Q3")
    for line, (name, target, actual, weight) in enumerate((("工作质量", "100", "80", "1"),
                                                          ("出勤率", "100", "60", "1")), start=1):
        at.text_input(key=f"hra.review.kpi.{line}.name").set_value(name)
        at.text_input(key=f"hra.review.kpi.{line}.target").set_value(target)
        at.text_input(key=f"hra.review.kpi.{line}.actual").set_value(actual)
        at.text_input(key=f"hra.review.kpi.{line}.weight").set_value(weight)
    at.button(key="hra.review.save").click().run()
    assert not at.exception
    # (80 + 60) ÷ 2 = 70 → C
    assert "已保存 2026-Q3 考核：70.00 分，等级 C" in texts(at)


def test_staff_sees_only_self_service_and_no_employee_is_explained(app_for, people):
    staff_pages = {spec.key for spec in visible_pages("staff")}
    assert "hr_self_service" in staff_pages
    assert not staff_pages & {"overview", "hr_admin", "hr_analysis", "inventory", "sales_margin"}
    assert {"hr_admin", "hr_analysis", "hr_self_service"} <= {spec.key for spec in visible_pages("hr")}
    assert "hr_admin" not in {spec.key for spec in visible_pages("analyst")}
    at = app_for("staff")
    assert not at.exception
    assert at.title[0].value == "员工自助"  # the only page is the landing page
    at = app_for("sales", "views/hr_self_service.py")  # a login without an employee
    assert "当前账号未关联员工档案" in texts(at)
    at = app_for("hr", "views/hr_analysis.py")
    assert not at.exception  # nothing published yet: the friendly message


def test_hr_analysis_reads_the_published_marts(app_for, people, company, data_dir):
    """Attendance 2026-09-01 (Tue) and 09-02: the clerk is there both days (late 20 minutes on the
    2nd), the HR clerk only on the 1st; published through extract → dbt → serving file."""
    from datetime import datetime

    from ingestion.extract import extract_to_raw
    from orchestration.serving_file import PublishInfo, build_serving_file
    from tests.transforms.conftest import dbt

    with unit_of_work(company.engine) as s:
        hr.record_attendance_day(s, date(2026, 9, 1), [
            hr.AttendanceInput(people["clerk"], datetime(2026, 9, 1, 8, 55), datetime(2026, 9, 1, 18, 0)),
            hr.AttendanceInput(people["hr_clerk"], datetime(2026, 9, 1, 8, 50), datetime(2026, 9, 1, 18, 0))])
        hr.record_attendance_day(s, date(2026, 9, 2), [
            hr.AttendanceInput(people["clerk"], datetime(2026, 9, 2, 9, 20), datetime(2026, 9, 2, 18, 0))])
        hr.create_review(s, s.get(AppUser, company.users["admin"].id), people["clerk"], "2026-Q3", score="88")
    # The clerk also sold: 10 water @ 3.00 = 30.00 shipped 2026-03-10 at cost 1.50 (margin 15.00).
    post_history(company)
    with unit_of_work(company.engine) as s:
        order = sales.create_sales_order(s, company.customer, company.wh1, date(2026, 3, 9),
                                         [OrderLineInput(company.water, "10", "3.00")], salesperson_id=people["clerk"])
        sales.confirm_sales_order(s, order.id)
        sales.ship_all(s, order.id, date(2026, 3, 10))
    warehouse = data_dir / "warehouse.duckdb"
    extract_to_raw(company.engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, data_dir, "build", "--select", "+path:models/marts/hr", "--indirect-selection", "cautious")
    build_serving_file(warehouse, data_dir / "serving.duckdb", "marts",
                       PublishInfo(datetime(2026, 9, 3), "test", "test", ""), [])

    at = app_for("hr", "views/hr_analysis.py")
    assert not at.exception
    frame = table(at, "出勤率")
    rows = {r["部门"]: (r["应出勤天数"], r["出勤天数"], r["出勤率"], r["迟到次数"]) for _, r in frame.iterrows()}
    assert rows == {"仓储部": (2, 2, 1.0, 1), "人力资源部": (2, 1, 0.5, 0)}
    at.selectbox(key="hrx.drill.department").set_value(list(frame["部门"]).index("仓储部")).run()
    at.selectbox(key="hrx.drill.employee").set_value(people["clerk"]).run()
    assert not at.exception
    detail = table(at, "在岗时长（小时）")
    assert list(detail["迟到分钟"]) == [0, 20]
    shares = table(at, "占比")
    assert list(shares["等级"]) == ["B"] and list(shares["占比"]) == [1.0]
    sellers = table(at, "毛利率")
    # post_history's order has no salesperson (an empty cell, not "None"): 30 × 2.50 = 75.00 at cost 45.00.
    assert list(zip(sellers["工号"], sellers["销售收入"], sellers["毛利"], strict=True)) == [
        ("", 75.0, 30.0), ("E001", 30.0, 15.0)]

    # The review form proposes the salesperson's KPIs from the published warehouse.
    admin = app_for("hr", "views/hr_admin.py")
    admin.selectbox(key="hra.review.employee").set_value(people["clerk"]).run()
    admin.text_input(key="hra.review.period").set_value("2026-Q1").run()
    admin.button(key="hra.review.propose").click().run()
    assert not admin.exception
    assert [admin.text_input(key=f"hra.review.kpi.{n}.{f}").value for n in (1, 2) for f in ("name", "actual")] == [
        "销售额", "30.00", "毛利", "15.00"]
    for line, target in ((1, "60"), (2, "10")):
        admin.text_input(key=f"hra.review.kpi.{line}.target").set_value(target)
    admin.button(key="hra.review.save").click().run()
    # revenue 30 of 60 → 50; margin 15 of 10 → 120 (the cap); 0.5 × 50 + 0.5 × 120 = 85 → B
    assert "已保存 2026-Q1 考核：85.00 分，等级 B" in texts(admin)


def test_hr_hires_an_employee_through_the_form_with_a_pro_rated_entitlement(app_for, people, company):
    at = app_for("hr", "views/hr_admin.py")
    at.button(key="hra.hire.save").click().run()  # nothing filled in: the missing field is named
    assert not at.exception
    assert "入职日期不能为空" in texts(at)
    at.text_input(key="hra.hire.code").set_value("E101")
    at.text_input(key="hra.hire.name").set_value("周新人")
    at.text_input(key="hra.hire.department").set_value("仓储部")
    at.date_input(key="hra.hire.hire_date").set_value(date(2026, 7, 1))
    at.selectbox(key="hra.hire.manager").set_value(people["clerk"])
    at.button(key="hra.hire.save").click().run()
    assert not at.exception
    assert "已为E101办理入职" in texts(at)
    with unit_of_work(company.engine) as s:
        hired = s.execute(select(Employee).where(Employee.code == "E101")).scalar_one()
        assert (hired.department, hired.manager_id, hired.hire_date) == ("仓储部", people["clerk"], date(2026, 7, 1))
        # Annual leave 5 days a year, employed 184 of 365 days in 2026 → 2.52, rounded down to half days.
        assert hr.leave_balance(s, hired.id, people["annual"], date(2026, 12, 31)) == Decimal("2.5")


# ------------------------------------------------------------------ one record per drawn form


def _count(engine, model) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _fill_leave(at, people) -> None:  # noqa: ANN001
    monday = _first_monday_of_march(hr.local_now().date().year)
    at.selectbox(key="hrs.leave.type").set_value(people["annual"])
    at.date_input(key="hrs.leave.start").set_value(monday)
    at.date_input(key="hrs.leave.end").set_value(monday + timedelta(days=1))


def _fill_overtime(at, people) -> None:  # noqa: ANN001
    at.date_input(key="hrs.ot.date").set_value(hr.local_now().date() - timedelta(days=1))
    at.text_input(key="hrs.ot.hours").set_value("2.5")


def _fill_hire(at, people) -> None:  # noqa: ANN001
    at.text_input(key="hra.hire.code").set_value("E101")
    at.text_input(key="hra.hire.name").set_value("周新人")
    at.date_input(key="hra.hire.hire_date").set_value(date(2026, 7, 1))


def _fill_review(at, people) -> None:  # noqa: ANN001
    at.selectbox(key="hra.review.employee").set_value(people["clerk"])
    at.text_input(key="hra.review.period").set_value("2026-Q3")
    at.text_input(key="hra.review.score").set_value("88")


def _fill_training(at, people) -> None:  # noqa: ANN001
    at.selectbox(key="hra.train.employee").set_value(people["clerk"])
    at.text_input(key="hra.train.course").set_value("叉车安全")
    at.date_input(key="hra.train.start").set_value(date(2026, 5, 6))
    at.date_input(key="hra.train.end").set_value(date(2026, 5, 6))
    at.text_input(key="hra.train.hours").set_value("4")


# (login, page, form prefix, save button, fill, what is created, its success message, the error
# of the same form pressed again once cleared)
_HR_FORMS = {
    "leave": ("staff", "views/hr_self_service.py", "hrs.leave", "hrs.leave.submit", _fill_leave, LeaveRequest,
              "已提交请假单 LV-{year}-000001，共 2 天", "假期类型不能为空"),
    "overtime": ("staff", "views/hr_self_service.py", "hrs.ot", "hrs.ot.submit", _fill_overtime, OvertimeRecord,
                 "已提交加班 2.5 小时", "E001：日期不能为空"),
    "hire": ("hr", "views/hr_admin.py", "hra.hire", "hra.hire.save", _fill_hire, Employee,
             "已为E101办理入职", "入职日期不能为空"),
    "review": ("hr", "views/hr_admin.py", "hra.review", "hra.review.save", _fill_review, PerformanceReview,
               "已保存 2026-Q3 考核：88.00 分，等级 B", "员工不能为空"),
    "training": ("hr", "views/hr_admin.py", "hra.train", "hra.train.save", _fill_training, TrainingRecord,
                 "已登记培训：叉车安全，4 小时", "员工不能为空"),
}


@pytest.mark.parametrize("form", list(_HR_FORMS))
def test_hr_form_double_click_and_save_again_create_one_record(app_for, people, company, form):
    role, page, prefix, save, fill, model, done, empty_error = _HR_FORMS[form]
    done = done.format(year=hr.local_now().date().year)
    before = _count(company.engine, model)  # the two employees of ``people`` for the hire form
    at = app_for(role, page)
    fill(at, people)
    token_key = f"{prefix}._token"
    token = at.session_state[token_key] if token_key in at.session_state else None
    at.button(key=save).click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [done]

    # "Save" pressed again on the cleared form: nothing to save, no second record.
    at.button(key=save).click().run()
    assert empty_error in [e.value for e in at.error]
    assert _count(company.engine, model) == before + 1

    # The second click of a double click: the first form's values and token, sent from the page as
    # it was before the redraw. The first record is shown again; nothing new is created.
    fill(at, people)
    if token is not None:
        at.session_state[token_key] = token
    at.run()
    at.button(key=save).click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [done]
    assert _count(company.engine, model) == before + 1
    assert token is not None and at.session_state[token_key] != token  # the cleared form is a new form
