"""Payables through the Streamlit pages against a real store: purchasing enters a bill whose price
is off (held, with the line named), a manager approves it from the queue; purchasing proposes a
payment and finance approves and pays it (cash and instalment checked); the payables analysis page
on marts published by a real dbt run (aging, drill-down to the bill lines, DPO, upcoming)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from dashboard_support import APP, Company, index_of, table, texts
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboards.session import USER_KEY, CurrentUser
from operational.db import unit_of_work
from operational.models import AppUser, CashAccount, CashLedger
from operational.models.payables import ApInstalment, SupplierBill, SupplierPayment
from operational.services import cash, purchasing
from operational.services.orders import OrderLineInput

TODAY = date.today()
BILL, PAY = "views/supplier_bill.py", "views/supplier_payment.py"


def _receipt(company: Company) -> tuple[int, int]:
    """100 water at 1.50 received today: (receipt id, receipt line id)."""
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, TODAY,
                                              [OrderLineInput(company.water, "100", "1.50")])
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_all(s, po.id, TODAY)
        return gr.id, gr.lines[0].id


def _page(app_for, role: str, page: str) -> AppTest:
    at = app_for(role, page=page)
    assert not at.exception, at.exception
    return at


def test_a_held_bill_is_entered_by_purchasing_and_approved_by_a_manager(company, app_for):
    receipt_id, line_id = _receipt(company)
    at = _page(app_for, "purchasing", BILL)
    at.selectbox(key="ap.bill.supplier").set_value(company.supplier).run()
    at.multiselect(key="ap.bill.receipts").set_value([receipt_id]).run()
    # defaults: the billable 100 at the order's net price 1.50 → matched
    assert at.text_input(key=f"ap.bill.qty.{line_id}").value == "100"
    assert "✓ 在容差内" in texts(at)
    at.text_input(key=f"ap.bill.price.{line_id}").set_value("1.60").run()  # +0.10 > 1.50 × 1 % + 0.01
    assert "✗ 第 1 行单价 1.60 与订单净价 1.50 不符（差异 0.10，6.67%，容差 0.025）" in texts(at)
    assert "¥1.50" in texts(at) and "发票合计 ¥160.00" in texts(at)
    at.text_input(key="ap.bill.invoice_no").set_value("04400001").run()
    at.button(key="ap.bill.save").click().run()
    assert not at.exception
    assert f"PI-{TODAY.year}-000001 超出容差，已挂起待批" in texts(at)
    with unit_of_work(company.engine) as s:
        bill = s.execute(select(SupplierBill)).scalar_one()
        assert (bill.status, bill.total_amount, bill.created_by) == ("held", Decimal("160.00"),
                                                                     company.users["purchasing"].id)
    # purchasing has no approval queue; the manager has
    assert not any("待审批发票" in tab.label for tab in at.tabs)
    at = _page(app_for, "manager", BILL)
    assert any(tab.label == "待审批发票（1）" for tab in at.tabs)
    at.selectbox(key="ap.held.bill").set_value(bill.id).run()
    lines = table(at, "订单净价")
    assert list(lines["价格差异"]) == [0.1] and list(lines["价格"]) == ["✗"] and list(lines["数量"]) == ["✓"]
    at.selectbox(key="ap.held.detail.receipt").set_value(receipt_id).run()  # drill to the receipt
    receipt = table(at, "验收数量")
    assert (list(receipt["验收数量"]), list(receipt["已开票"]), list(receipt["可开票"])) == ([100.0], [100.0], [0.0])
    at.text_input(key="ap.held.note").set_value("供应商涨价已确认").run()
    at.button(key="ap.held.approve").click().run()
    assert not at.exception
    assert f"PI-{TODAY.year}-000001：已过账" in texts(at)
    with unit_of_work(company.engine) as s:
        bill = s.get(SupplierBill, bill.id)
        assert (bill.status, bill.approved_by, bill.decision_note) == ("posted", company.users["manager"].id,
                                                                       "供应商涨价已确认")
        inst = s.execute(select(ApInstalment)).scalar_one()
        assert (inst.due_date, inst.amount) == (TODAY + timedelta(days=30), Decimal("160.00"))


def test_purchasing_proposes_a_payment_and_finance_pays_it(company, app_for):
    _, line_id = _receipt(company)
    with unit_of_work(company.engine) as s:
        from operational.services import payables
        from operational.services.payables import BillLineInput

        bank = cash.create_account(s, "B01", "工行基本户", opening_balance="1000", opened_on=TODAY).id
        payables.create_bill(s, company.supplier, "04400002", TODAY, [BillLineInput(line_id, "100", "1.50")],
                             user=s.get(AppUser, company.users["finance"].id))
        inst_id = s.execute(select(ApInstalment.id)).scalar_one()
    at = _page(app_for, "purchasing", PAY)
    assert "待付合计" in texts(at) and "¥150.00" in texts(at)  # the schedule: 150.00 due in 30 days
    schedule = table(at, "建议付款账户")
    assert list(schedule["建议付款账户"]) == ["B01 工行基本户"] and list(schedule["未付金额"]) == [150.0]
    at.selectbox(key="ap.prop.supplier").set_value(company.supplier).run()
    at.selectbox(key="ap.prop.account").set_value(bank).run()
    at.text_input(key=f"ap.prop.q.{inst_id}").set_value("100").run()
    at.button(key="ap.prop.save").click().run()
    assert not at.exception
    assert f"付款申请 PY-{TODAY.year}-000001（¥100.00）已提交财务审批" in texts(at)
    assert not any(tab.label.startswith("待审批付款") for tab in at.tabs)  # purchasing does not pay

    at = _page(app_for, "finance", PAY)
    assert any(tab.label == "待审批付款（1）" for tab in at.tabs)
    payment_id = None
    with unit_of_work(company.engine) as s:
        payment_id = s.execute(select(SupplierPayment.id)).scalar_one()
    at.selectbox(key="ap.appr.payment").set_value(payment_id).run()
    assert list(table(at, "期次")["金额"]) == [100.0]
    at.button(key="ap.appr.pay").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        payment = s.get(SupplierPayment, payment_id)
        assert (payment.status, payment.approved_by) == ("paid", company.users["finance"].id)
        assert s.get(ApInstalment, inst_id).settled_amount == Decimal("100.00")
        assert s.get(CashAccount, bank).balance == Decimal("900.00")
        assert s.execute(select(CashLedger.amount).where(CashLedger.kind == "supplier_payment")).scalar_one() == \
            Decimal("-100.00")


def test_payables_analysis_reads_the_published_marts(store_engine, data_dir):
    """The hand-made company of tests/transforms/test_payables_marts.py, extract → dbt → serving."""
    from ingestion.extract import extract_to_raw
    from orchestration.serving_file import PublishInfo, build_serving_file
    from tests.transforms.conftest import dbt
    from tests.transforms.test_payables_marts import build

    ids = build(store_engine)
    warehouse = data_dir / "warehouse.duckdb"
    extract_to_raw(store_engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, data_dir, "build", "--select", "+path:models/marts/payables", "+dim_supplier", "dim_aging_buckets",
        "--indirect-selection", "cautious")
    build_serving_file(warehouse, data_dir / "serving.duckdb", "marts",
                       PublishInfo(published_at=datetime(2026, 3, 11), run_id="test", job_name="test",
                                   store_watermark=""), [])
    with unit_of_work(store_engine) as s:
        fin = s.get(AppUser, ids["finance"])
        user = CurrentUser(fin.id, fin.username, fin.display_name, fin.role)
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state[USER_KEY] = user
    at.run()
    at.switch_page("views/payables.py").run()
    assert not at.exception
    # latest report date 2026-03-10: S1 155.00 (50.00 31-60 days overdue), S2 300.00 not yet due
    assert "应付余额 ¥455.00" in texts(at) and "已逾期 ¥50.00" in texts(at)
    aging = table(at, "供应商")
    assert list(aging["应付余额"]) == [300.0, 155.0] and list(aging["逾期 31-60 天"]) == [0.0, 50.0]  # largest first
    at.date_input(key="ap.an.date").set_value(date(2026, 1, 31)).run()
    assert "应付余额 ¥800.00" in texts(at)
    at.date_input(key="ap.an.date").set_value(date(2026, 3, 5)).run()  # not a report date
    assert list(table(at, "供应商")["逾期 1-30 天"]) == [240.0, 50.0]
    at.date_input(key="ap.an.date").set_value(date(2026, 3, 10)).run()
    at.selectbox(key="ap.an.drill").set_value(ids["s1"]).run()
    open_bills = table(at, "供应商发票号")
    assert sorted(open_bills["应付余额"]) == [50.0, 105.0]
    with unit_of_work(store_engine) as s:  # the held-then-approved bill B3: its line shows the variance
        b3 = s.execute(select(SupplierBill.id).where(SupplierBill.supplier_invoice_no == "S1-002")).scalar_one()
    at.selectbox(key="ap.an.bill").set_value(b3).run()
    assert not at.exception
    lines = table(at, "订单净价")
    assert (list(lines["开票单价"]), list(lines["订单净价"]), list(lines["价格"])) == ([2.1], [2.0], ["✗"])
    dpo = table(at, "应付周转天数")
    assert list(dpo["应付周转天数"].fillna(-1)) == [31.0, 201.3, -1]
    upcoming = table(at, "到期金额")
    assert list(upcoming["到期金额"]) == [50.0, 105.0, 300.0]


def test_finance_gives_a_supplier_its_own_tolerance(company, app_for):
    from operational.services import payables
    from operational.services.payables import BillLineInput, Tolerance

    _, line_id = _receipt(company)
    at = _page(app_for, "finance", BILL)
    assert "公司默认：数量 2%，价格 1% 加每单位 0.01 元" in texts(at)
    at.selectbox(key="ap.tol.supplier").set_value(company.supplier).run()
    at.text_input(key="ap.tol.qty").set_value("5").run()
    at.text_input(key="ap.tol.price").set_value("abc").run()
    at.text_input(key="ap.tol.abs").set_value("0").run()
    at.button(key="ap.tol.save").click().run()
    assert "价格容差不是有效的数字" in texts(at).replace(" ", "").replace("：abc", "")
    at.text_input(key="ap.tol.price").set_value("0.5").run()
    at.button(key="ap.tol.save").click().run()
    assert "供应商容差已保存" in texts(at)
    assert list(table(at, "数量容差（%）")["数量容差（%）"]) == [5.0]
    with unit_of_work(company.engine) as s:
        assert payables.tolerance_for(s, company.supplier) == Tolerance(Decimal("0.05"), Decimal("0.005"), Decimal(0))
        # 104 of 100 received is within 5 %
        bill = payables.create_bill(s, company.supplier, "T-1", TODAY, [BillLineInput(line_id, "104", "1.50")],
                                    user=s.get(AppUser, company.users["finance"].id))
        assert bill.status == "posted"
    # managers approve held bills but do not set tolerances
    assert not any(tab.label == "匹配容差" for tab in _page(app_for, "manager", BILL).tabs)


def test_a_row_error_in_the_payment_grid_shows_under_the_row_typed_in(company, app_for):
    """Two bills of 75.00 (due in 30 days); the first row left blank and 80.00 typed on the second:
    the over-allocation error names the second bill and stands under its row, and nothing is
    proposed."""
    _, line_id = _receipt(company)
    with unit_of_work(company.engine) as s:
        from operational.services import payables
        from operational.services.payables import BillLineInput

        bank = cash.create_account(s, "B01", "工行基本户", opening_balance="1000", opened_on=TODAY).id
        finance = s.get(AppUser, company.users["finance"].id)
        first = payables.create_bill(s, company.supplier, "0001", TODAY, [BillLineInput(line_id, "50", "1.50")],
                                     user=finance)
        second = payables.create_bill(s, company.supplier, "0002", TODAY, [BillLineInput(line_id, "50", "1.50")],
                                      user=finance)
        ids = [s.execute(select(ApInstalment.id).where(ApInstalment.bill_id == bill.id)).scalar_one()
               for bill in (first, second)]
        second_no = second.doc_no
    at = _page(app_for, "purchasing", PAY)
    at.selectbox(key="ap.prop.supplier").set_value(company.supplier).run()
    at.selectbox(key="ap.prop.account").set_value(bank).run()
    at.text_input(key=f"ap.prop.q.{ids[1]}").set_value("80").run()
    at.button(key="ap.prop.save").click().run()
    assert not at.exception
    message = f"第2行：核销金额80超过{second_no}第1期未结金额75"
    assert [e.value for e in at.error] == [message]
    error_at = index_of(at, lambda n: n.type == "error" and n.value == message)
    second_row = index_of(at, lambda n: getattr(n, "key", None) == f"ap.prop.q.{ids[1]}")
    first_row = index_of(at, lambda n: getattr(n, "key", None) == f"ap.prop.q.{ids[0]}")
    assert first_row < second_row < error_at
    with unit_of_work(company.engine) as s:
        assert s.execute(select(SupplierPayment)).first() is None


def test_finance_reverses_a_paid_payment_on_the_payments_tab(company, app_for):
    _, line_id = _receipt(company)
    with unit_of_work(company.engine) as s:
        from operational.services import payables
        from operational.services.payables import BillLineInput

        bank = cash.create_account(s, "B01", "工行基本户", opening_balance="1000", opened_on=TODAY).id
        finance = s.get(AppUser, company.users["finance"].id)
        payables.create_bill(s, company.supplier, "0001", TODAY, [BillLineInput(line_id, "100", "1.50")],
                             user=finance)
        paid = payables.pay(s, company.supplier, "150", TODAY, bank, user=finance).id
    at = _page(app_for, "finance", PAY)
    at.selectbox(key="ap.rev.doc").set_value(paid).run()
    at.text_input(key="ap.rev.reason").set_value("银行退票").run()
    at.button(key="ap.rev.save").click().run()
    assert not at.exception
    assert f"PY-{TODAY.year}-000001（¥150.00）已冲销" in texts(at)
    with unit_of_work(company.engine) as s:
        assert s.get(SupplierPayment, paid).status == "reversed"
        assert s.get(CashAccount, bank).balance == Decimal("1000.00")
    assert not [w for w in _page(app_for, "purchasing", PAY).selectbox if w.key == "ap.rev.doc"]
