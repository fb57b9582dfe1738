"""Expense claims and cash through the Streamlit forms against a real store: a staff claim
submitted, approved by the line manager and paid by finance (cash balance checked), the threshold
routing (finance then the general manager above 5,000.00), rejection without a reason refused at
the field, the cash forms (open an account, transfer, ledger drill-down), and the cash and
finance-analysis pages on marts published by a real dbt run."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from dashboard_support import APP, Company, table, texts
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboards.session import USER_KEY, CurrentUser
from operational.db import unit_of_work
from operational.models import AppUser, CashAccount, CashLedger, ExpenseClaim
from operational.services import cash, expenses
from operational.services import masterdata as md

YEAR = date.today().year
PAGE = "views/expenses.py"


@pytest.fixture
def office(company: Company) -> dict[str, int]:
    """Employees behind the role logins: staff (a warehouse clerk) reports to the warehouse head
    (login ``warehouse``); finance and the general manager (login ``manager``). Cash box C01 holds
    1,000.00, bank B01 100,000.00."""
    with unit_of_work(company.engine) as s:
        gm = md.create_employee(s, "E001", "王总", department="总经办")
        head = md.create_employee(s, "E002", "李仓", department="仓储部", manager_id=gm.id)
        clerk = md.create_employee(s, "E003", "张三", department="仓储部", manager_id=head.id)
        fin = md.create_employee(s, "E004", "赵会计", department="财务部", manager_id=gm.id)
        for role, emp in (("staff", clerk), ("warehouse", head), ("finance", fin), ("manager", gm)):
            s.get(AppUser, company.users[role].id).employee_id = emp.id
        cats = expenses.ensure_categories(s)
        box = cash.create_account(s, "C01", "库存现金", kind="cash", opening_balance="1000", opened_on=date(YEAR, 1, 1))
        bank = cash.create_account(s, "B01", "工行基本户", opening_balance="100000", opened_on=date(YEAR, 1, 1))
        return {"travel": cats["TRAVEL"].id, "office": cats["OFFICE"].id, "c01": box.id, "b01": bank.id,
                "clerk": clerk.id}


def _file_claim(at: AppTest, office: dict[str, int], amounts: list[str]) -> None:
    for n, amount in enumerate(amounts, start=1):
        if n > 1:
            at.button(key="ex.new.add_line").click().run()
        at.selectbox(key=f"ex.new.line{n}.category").set_value(office["travel"])
        at.text_input(key=f"ex.new.line{n}.amount").set_value(amount)
        at.text_input(key=f"ex.new.line{n}.description").set_value(f"出差{n}").run()
    at.button(key="ex.new.submit").click().run()


def _claim(company: Company) -> ExpenseClaim:
    with unit_of_work(company.engine) as s:
        claim = s.execute(select(ExpenseClaim)).scalar_one()
        s.expunge(claim)
        return claim


def test_staff_claim_submitted_approved_and_paid_through_the_forms(app_for, company, office):
    at = app_for("staff", page=PAGE)
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["我的报销", "新建报销单"]  # no queues for staff
    _file_claim(at, office, ["300.00", "120.50"])
    assert not at.exception
    assert [s.value for s in at.success] == [f"已提交报销单 EC-{YEAR}-000001（需 1 级审批）"]
    claim = _claim(company)
    assert (claim.employee_id, claim.department, claim.total_amount, claim.status) == (
        office["clerk"], "仓储部", Decimal("420.50"), "submitted")
    mine = table(at, "审批进度")
    assert list(mine["单号"]) == [f"EC-{YEAR}-000001"] and list(mine["审批进度"]) == ["0 / 1"]

    # The general manager is not level 1 for a small claim: nothing in their queue.
    assert "待我审批（0）" in [tab.label for tab in app_for("manager", page=PAGE).tabs]
    head = app_for("warehouse", page=PAGE)  # the clerk's line manager
    assert "待我审批（1）" in [tab.label for tab in head.tabs]
    head.selectbox(key="ex.appr.claim").set_value(claim.id).run()
    head.text_input(key="ex.appr.note").set_value("同意")
    head.button(key="ex.appr.approve").click().run()
    assert [s.value for s in head.success] == [f"报销单 EC-{YEAR}-000001 的状态已变为：已审批"]

    fin = app_for("finance", page=PAGE)
    assert "待支付（1）" in [tab.label for tab in fin.tabs]
    fin.selectbox(key="ex.pay.claim").set_value(claim.id).run()
    fin.selectbox(key="ex.pay.account").set_value(office["c01"])
    fin.button(key="ex.pay.pay").click().run()
    assert not fin.exception and not fin.error
    with unit_of_work(company.engine) as s:
        assert s.get(CashAccount, office["c01"]).balance == Decimal("579.50")
        row = s.execute(select(CashLedger).where(CashLedger.doc_type == "expense_claim")).scalar_one()
        assert (row.amount, row.kind, row.doc_no, row.counterparty, row.entry_date) == (
            Decimal("-420.50"), "expense_reimbursement", f"EC-{YEAR}-000001", "张三", date.today())
        assert s.get(ExpenseClaim, claim.id).status == "reimbursed"
        assert [(st.step, st.level, st.user_id) for st in expenses.history(s, claim.id)] == [
            ("submit", None, company.users["staff"].id), ("approve", 1, company.users["warehouse"].id),
            ("reimburse", None, company.users["finance"].id)]
    # The claimant sees the whole trail on their claim.
    at = app_for("staff", page=PAGE)
    at.selectbox(key="ex.mine.claim").set_value(claim.id).run()
    trail = table(at, "步骤")
    assert list(trail["步骤"]) == ["提交", "审批通过", "支付"]
    assert list(trail["操作人"]) == ["staff-用户", "warehouse-用户", "finance-用户"]


def test_above_the_threshold_finance_then_the_general_manager(app_for, company, office):
    at = app_for("staff", page=PAGE)
    _file_claim(at, office, ["5000.00", "0.01"])
    assert [s.value for s in at.success] == [f"已提交报销单 EC-{YEAR}-000001（需 2 级审批）"]
    claim = _claim(company)
    manager = app_for("manager", page=PAGE)
    assert "待我审批（0）" in [tab.label for tab in manager.tabs]  # level 1 comes first
    fin = app_for("finance", page=PAGE)
    fin.selectbox(key="ex.appr.claim").set_value(claim.id).run()
    fin.button(key="ex.appr.approve").click().run()
    assert _claim(company).approved_levels == 1 and _claim(company).status == "submitted"
    assert "待我审批（0）" in [tab.label for tab in app_for("finance", page=PAGE).tabs]
    manager = app_for("manager", page=PAGE)
    assert "待我审批（1）" in [tab.label for tab in manager.tabs]
    manager.selectbox(key="ex.appr.claim").set_value(claim.id).run()
    manager.button(key="ex.appr.approve").click().run()
    assert _claim(company).status == "approved"
    # Paying from the cash box (1,000.00) is refused and nothing is written; the bank pays.
    fin = app_for("finance", page=PAGE)
    fin.selectbox(key="ex.pay.claim").set_value(claim.id).run()
    fin.selectbox(key="ex.pay.account").set_value(office["c01"])
    fin.button(key="ex.pay.pay").click().run()
    assert [e.value for e in fin.error] == [
        f"EC-{YEAR}-000001：账户库存现金余额不足：余额1000，需支付5000.01"]
    assert _claim(company).status == "approved"
    fin.selectbox(key="ex.pay.account").set_value(office["b01"])
    fin.button(key="ex.pay.pay").click().run()
    with unit_of_work(company.engine) as s:
        assert s.get(CashAccount, office["b01"]).balance == Decimal("94999.99")
        assert s.get(CashAccount, office["c01"]).balance == Decimal("1000.00")


def test_rejection_needs_a_reason_shown_at_the_field(app_for, company, office):
    _file_claim(app_for("staff", page=PAGE), office, ["88.00"])
    claim = _claim(company)
    head = app_for("warehouse", page=PAGE)
    head.selectbox(key="ex.appr.claim").set_value(claim.id).run()
    head.button(key="ex.appr.reject").click().run()
    assert [e.value for e in head.error] == [f"EC-{YEAR}-000001：驳回必须填写原因"]
    head.text_input(key="ex.appr.note").set_value("无发票")
    head.button(key="ex.appr.reject").click().run()
    assert _claim(company).status == "rejected"


def test_cash_forms_open_an_account_transfer_and_drill_to_the_claim(app_for, company, office):
    with unit_of_work(company.engine) as s:
        users = {r: s.get(AppUser, company.users[r].id) for r in ("staff", "warehouse", "finance")}
        claim = expenses.create_claim(s, users["staff"], office["clerk"], date.today(),
                                      [expenses.ClaimLineInput(office["office"], date.today(), "66.00")], submit=True)
        expenses.approve_claim(s, users["warehouse"], claim.id)
        expenses.reimburse_claim(s, users["finance"], claim.id, office["c01"], date.today())
    at = app_for("finance", page="views/cash.py")
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["资金账户", "日记账", "资金调拨", "资金头寸", "13周现金预测"]
    at.text_input(key="cash.acc.code").set_value("B02")
    at.text_input(key="cash.acc.name").set_value("招行一般户")
    at.text_input(key="cash.acc.opening").set_value("500")
    at.button(key="cash.acc.save").click().run()
    assert [s.value for s in at.success] == ["已开立资金账户 B02 招行一般户"]
    accounts = table(at, "账户余额")
    assert dict(zip(accounts["账户编码"], accounts["账户余额"], strict=True)) == {
        "B01": 100000.0, "B02": 500.0, "C01": 934.0}
    at.selectbox(key="cash.move.from").set_value(office["b01"])
    at.selectbox(key="cash.move.to").set_value(office["c01"])
    at.text_input(key="cash.move.amount").set_value("2000")
    at.button(key="cash.move.post").click().run()
    assert at.success[-1].value == f"已调拨 ¥2,000.00（CT-{YEAR}-000001）"
    with unit_of_work(company.engine) as s:
        assert s.get(CashAccount, office["c01"]).balance == Decimal("2934.00")
    at.selectbox(key="cash.ledger.account").set_value(office["c01"]).run()
    ledger = table(at, "摘要")
    assert list(ledger["收入"]) == [2000.0, 0.0, 1000.0] and list(ledger["余额"]) == [2934.0, 934.0, 1000.0]
    at.selectbox(key="cash.ledger.doc").set_value(f"EC-{YEAR}-000001").run()
    assert f"EC-{YEAR}-000001 · 已支付" in texts(at)
    # Managers read but do not move money; staff cannot open the page at all.
    manager = app_for("manager", page="views/cash.py")
    assert "资金调拨" not in [tab.label for tab in manager.tabs]
    with pytest.raises(ValueError):
        app_for("staff").switch_page("views/cash.py")


def test_cash_and_finance_analysis_pages_read_the_published_marts(store_engine, data_dir):
    """The hand-made company of tests/transforms/expenses_company.py, through extract → dbt →
    serving file, on the position, forecast, expenses, budget and profit tabs."""
    from ingestion.extract import extract_to_raw
    from orchestration.serving_file import PublishInfo, build_serving_file
    from tests.transforms.conftest import dbt
    from tests.transforms.expenses_company import build_expense_company

    built = build_expense_company(store_engine)
    warehouse = data_dir / "warehouse.duckdb"
    extract_to_raw(store_engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, data_dir, "build", "--select", "+path:models/marts/cash", "+path:models/marts/expenses",
        "--indirect-selection", "cautious")
    build_serving_file(warehouse, data_dir / "serving.duckdb", "marts",
                       PublishInfo(published_at=datetime(2026, 3, 21), run_id="test", job_name="test",
                                   store_watermark=""), [])
    with unit_of_work(store_engine) as s:
        fin = s.get(AppUser, built.ids["finance"])
        user = CurrentUser(fin.id, fin.username, fin.display_name, fin.role)

    def page(path: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.session_state[USER_KEY] = user
        at.run()
        at.switch_page(path).run()
        assert not at.exception
        return at

    at = page("views/cash.py")
    assert "2026-03-10 资金余额 ¥42,829.50" in texts(at)  # the last posted day (03-20 is an order date)
    forecast = table(at, "周末资金")
    # Week 1 is 03-11..03-17 (the day after the last posting); the same figures as mart_cash_forecast_13w.
    assert list(forecast["周末资金"])[:5] == [41879.5, 41849.5, 41849.5, 41957.5, 41897.5]
    assert list(forecast["待付报销"])[:1] == [-1200.0] and list(forecast["未发货销售订单"])[6] == 80.0
    assert list(forecast["应收到期"])[:4] == [250.0, 0.0, 0.0, 108.0] and list(forecast["应付到期"])[:2] == [0.0, -30.0]

    at = page("views/finance_analysis.py")
    assert "费用合计 ¥9,620.50" in texts(at)
    by_category = table(at, "报销单数")
    assert dict(zip(by_category["费用类别"], by_category["金额"], strict=True)) == {"租金": 8000.0, "差旅费": 1620.5}
    at.selectbox(key="fa.exp.drill").set_value(built.ids["cat_travel"]).run()
    lines = table(at, "发票号")
    assert sorted(lines["金额"]) == [420.5, 1200.0]
    bva = table(at, "差异率")
    assert list(zip(bva["月份"], bva["费用类别"], bva["差异率"], strict=True)) == [
        ("2026-02", "差旅费", -57.95), ("2026-02", "租金", 0.0), ("2026-03", "差旅费", 20.0)]
    profit = table(at, "营业利润率")
    assert list(profit["营业利润"]) == [-8270.5, -1147.0] and list(profit["毛利率"]) == [60.0, 63.86]


def test_budget_and_category_forms_keep_the_budget_history(app_for, company, office):
    from operational.models import Budget, BudgetRevision, ExpenseCategory

    at = app_for("finance", page="views/finance_analysis.py")
    assert not at.exception
    at.selectbox(key="fa.budget.category").set_value(office["travel"])
    at.selectbox(key="fa.budget.department").set_value("仓储部")
    at.date_input(key="fa.budget.month").set_value(date(2026, 3, 17))
    at.text_input(key="fa.budget.amount").set_value("1200")
    at.button(key="fa.budget.save").click().run()
    assert [s.value for s in at.success] == ["预算已设为 ¥1,200.00（第1版）"]
    at.selectbox(key="fa.budget.category").set_value(office["travel"])
    at.selectbox(key="fa.budget.department").set_value("仓储部")
    at.date_input(key="fa.budget.month").set_value(date(2026, 3, 1))
    at.text_input(key="fa.budget.amount").set_value("1500.5")
    at.button(key="fa.budget.save").click().run()
    assert at.success[0].value == "预算已设为 ¥1,500.50（第2版）"
    at.text_input(key="fa.category.code").set_value("TRAINING")
    at.text_input(key="fa.category.name").set_value("培训费")
    at.button(key="fa.category.save").click().run()
    assert "已新增费用类别 TRAINING 培训费" in [s.value for s in at.success]
    with unit_of_work(company.engine) as s:
        budget = s.execute(select(Budget)).scalar_one()
        assert (budget.month, budget.department, budget.amount, budget.version) == (
            date(2026, 3, 1), "仓储部", Decimal("1500.50"), 2)
        assert [(r.version, r.amount, r.previous_amount, r.set_by) for r in s.execute(
            select(BudgetRevision).order_by(BudgetRevision.version)).scalars()] == [
            (1, Decimal("1200.00"), None, company.users["finance"].id),
            (2, Decimal("1500.50"), Decimal("1200.00"), company.users["finance"].id)]
        assert s.execute(select(ExpenseCategory.name).where(ExpenseCategory.code == "TRAINING")).scalar_one() == "培训费"
    # An analyst reads the analysis but has no budget form.
    analyst = app_for("analyst", page="views/finance_analysis.py")
    assert not analyst.exception
    assert not [b for b in analyst.button if b.key == "fa.budget.save"]


def test_every_allowed_role_opens_the_pages_in_both_languages(app_for, company, office):
    from dashboards.navigation import is_allowed, page_spec
    from operational.models import ROLES

    for key in ("expenses", "cash", "finance_analysis"):
        for role in ROLES:
            if not is_allowed(page_spec(key), role):
                continue
            for language in ("zh_CN", "en"):
                at = app_for(role, page=f"views/{key}.py", language=language)
                assert not at.exception, (key, role, language)
                assert not [e.value for e in at.error], (key, role, language)
    at = app_for("admin", page=PAGE, language="en")
    assert [tab.label for tab in at.tabs] == ["My claims", "New claim", "To approve (0)", "To pay (0)", "All claims"]
    assert "Your login is not linked to an employee" not in texts(at)  # admin files for anyone


def test_a_draft_is_saved_then_edited_and_submitted(app_for, company, office):
    at = app_for("staff", page=PAGE)
    at.selectbox(key="ex.new.line1.category").set_value(office["office"])
    at.text_input(key="ex.new.line1.amount").set_value("50")
    at.button(key="ex.new.draft").click().run()
    assert [s.value for s in at.success] == [f"已保存报销单草稿 EC-{YEAR}-000001"]
    claim = _claim(company)
    at.selectbox(key="ex.mine.claim").set_value(claim.id).run()
    at.button(key="ex.mine.edit").click().run()
    assert not at.exception and not at.warning
    assert at.text_input(key="ex.new.line1.amount").value == "50.00"
    assert f"正在修改草稿 EC-{YEAR}-000001：保存即更新该单" in texts(at)
    at.button(key="ex.new.add_line").click().run()
    at.selectbox(key="ex.new.line2.category").set_value(office["travel"])
    at.text_input(key="ex.new.line2.amount").set_value("30.5").run()
    at.button(key="ex.new.submit").click().run()
    assert not at.error
    with unit_of_work(company.engine) as s:
        claim = s.get(ExpenseClaim, claim.id)
        assert (claim.doc_no, claim.status, claim.total_amount) == (f"EC-{YEAR}-000001", "submitted", Decimal("80.50"))
        assert [(line.line_no, line.amount) for line in claim.lines] == [(1, Decimal("50.00")), (2, Decimal("30.50"))]
        assert s.execute(select(ExpenseClaim.id)).all() == [(claim.id,)]  # updated, not a second claim
