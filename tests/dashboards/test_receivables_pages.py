"""Receivables pages against a real store: a customer receipt (oldest first and allocated by hand,
over-allocation refused at the line), a write-off requested by finance and approved by the
manager, and who may open which page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard_support import publish_receivables, table, texts
from sqlalchemy import select

from dashboards.navigation import is_allowed, page_spec
from operational.db import unit_of_work
from operational.models import AppUser, ArInstalment, BadDebtWriteOff, CustomerReceipt
from operational.services import cash, collection, purchasing, receivables, sales
from operational.services.orders import OrderLineInput

D = Decimal


def _invoiced(company, quantity: int, price: str, on: date) -> tuple[int, int]:  # noqa: ANN001
    """Ship ``quantity`` water to the company's customer and invoice it; (invoice id, account id)."""
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, on,
                                              [OrderLineInput(company.water, quantity, "1")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_all(s, po.id, on)
        so = sales.create_sales_order(s, company.customer, company.wh1, on,
                                      [OrderLineInput(company.water, quantity, price, 0)])
        sales.confirm_sales_order(s, so.id)
        shipment = sales.ship_all(s, so.id, on)
        invoice = receivables.invoice_shipments(s, [shipment.id], on)
        account = s.execute(select(cash.CashAccount.id).where(cash.CashAccount.code == "B01")).scalar()
        if account is None:
            account = cash.create_account(s, "B01", "工商银行基本户").id
        return invoice.id, account


def test_receipt_oldest_first_and_by_hand(app_for, company):
    first, account = _invoiced(company, 40, "2.50", date(2026, 1, 5))  # 100.00
    second, _ = _invoiced(company, 80, "2.50", date(2026, 1, 6))  # 200.00
    at = app_for("finance", page="views/ar_entry.py")
    assert not at.exception
    at.selectbox(key="ar.rc.customer").set_value(company.customer).run()
    at.selectbox(key="ar.rc.account").set_value(account)
    at.text_input(key="ar.rc.amount").set_value("150").run()
    at.button(key="ar.rc.save").click().run()
    assert not at.exception
    assert "预收¥0.00" in texts(at)
    with unit_of_work(company.engine) as s:
        settled = dict(s.execute(select(ArInstalment.invoice_id, ArInstalment.settled_amount)).all())
        assert settled == {first: D("100.00"), second: D("50.00")}  # oldest first
        open_id = s.execute(select(ArInstalment.id).where(ArInstalment.invoice_id == second)).scalar_one()
    # by hand: 150.01 on an instalment with 150.00 open is refused under that line, nothing written
    at.selectbox(key="ar.rc.customer").set_value(company.customer).run()
    at.selectbox(key="ar.rc.account").set_value(account)
    at.text_input(key="ar.rc.amount").set_value("200").run()
    at.radio(key="ar.rc.mode").set_value("manual").run()
    at.text_input(key=f"ar.rc.q.{open_id}").set_value("150.01").run()
    at.button(key="ar.rc.save").click().run()
    assert [e.value for e in at.error] == ["RC-2026-000002第1行：核销金额150.01超过SI-2026-000002第1期未结金额150"]
    with unit_of_work(company.engine) as s:
        assert len(s.execute(select(CustomerReceipt)).scalars().all()) == 1
    at.text_input(key=f"ar.rc.q.{open_id}").set_value("150").run()
    at.button(key="ar.rc.save").click().run()
    assert "预收¥50.00" in texts(at)  # 200 received, 150 allocated, 50 left as an advance
    with unit_of_work(company.engine) as s:
        assert receivables.outstanding(s) == {}
        assert receivables.unapplied_credits(s) == {company.customer: D("50.00")}


def test_write_off_request_and_manager_approval(app_for, company):
    invoice_id, _ = _invoiced(company, 100, "2.50", date(2026, 1, 5))  # 250.00
    with unit_of_work(company.engine) as s:
        clerk = s.get(AppUser, company.users["finance"].id)
        wo = receivables.request_write_off(s, invoice_id, "客户已注销", date(2026, 8, 1), user=clerk)
    # finance cannot approve: no approval buttons for finance
    at = app_for("finance", page="views/ar_entry.py")
    assert not at.exception
    assert not [b for b in at.button if b.key == "ar.dec.approve"]
    at = app_for("manager", page="views/ar_entry.py")
    assert not at.exception
    at.selectbox(key="ar.dec.write_off").set_value(wo.id).run()
    at.date_input(key="ar.dec.date").set_value(date(2026, 8, 3)).run()
    at.button(key="ar.dec.approve").click().run()
    assert not at.exception
    assert "WO-2026-000001：已审批" in texts(at)
    with unit_of_work(company.engine) as s:
        row = s.get(BadDebtWriteOff, wo.id)
        assert (row.status, row.decided_by, row.decided_on) == ("approved", company.users["manager"].id,
                                                                 date(2026, 8, 3))
        assert receivables.outstanding(s) == {}


def test_collection_page_for_sales_and_statement_downloads(app_for, company):
    _invoiced(company, 40, "2.50", date(2026, 1, 5))
    assert is_allowed(page_spec("collection"), "sales")
    assert not is_allowed(page_spec("ar_entry"), "sales")
    assert not is_allowed(page_spec("receivables"), "sales")
    with unit_of_work(company.engine) as s:  # a broken promise and a note in the history
        collection.record_follow_up(s, company.customer, date(2026, 2, 10), "call", "答应月底付清",
                                    promised_date=date(2026, 2, 28), promised_amount="100",
                                    user=s.execute(select(AppUser).where(AppUser.role == "finance")).scalar_one())
    at = app_for("finance", page="views/collection.py")
    assert not at.exception
    assert "C001" in at.dataframe[1].value.iloc[:, 0].tolist()  # 100.00 overdue since 2026-02-04
    assert "答应月底付清" in texts(at) or any("答应月底付清" in df.value.to_string() for df in at.dataframe)
    at.selectbox(key="col.stmt.customer").set_value(company.customer).run()
    at.date_input(key="col.stmt.start").set_value(date(2026, 1, 1)).run()
    assert not at.exception
    assert "¥100.00" in texts(at)  # the closing balance of the statement


def test_analysis_page_reads_the_published_marts_and_drills_down(app_for, company, data_dir, tmp_path):
    """Invoices of 100.00 (01-05) and 200.00 (01-06), a receipt of 150.00 on 01-20 (oldest first):
    on the latest date (01-20) 150.00 is outstanding, all of it not yet due; drill-down shows the
    customer's open instalment and the second invoice's allocation of 50.00."""


    _, account = _invoiced(company, 40, "2.50", date(2026, 1, 5))
    second, _ = _invoiced(company, 80, "2.50", date(2026, 1, 6))
    with unit_of_work(company.engine) as s:
        receivables.receive_payment(s, company.customer, "150", account, date(2026, 1, 20))
    publish_receivables(company.engine, tmp_path, data_dir, date(2026, 1, 20))
    at = app_for("finance", page="views/receivables.py")
    assert not at.exception
    assert at.date_input(key="ar.aging.date").value == date(2026, 1, 20)
    assert "应收余额 ¥150.00" in texts(at) and "逾期金额 ¥0.00" in texts(at)
    # any other day: on 01-05 only the first invoice (100.00) was open; on 03-01 the second's
    # 150.00 is 25 days overdue (due 02-05), or in 15+ with buckets of 15
    at.date_input(key="ar.aging.date").set_value(date(2026, 1, 5)).run()
    assert "应收余额 ¥100.00" in texts(at)
    at.date_input(key="ar.aging.date").set_value(date(2026, 3, 1)).run()
    assert "逾期金额 ¥150.00" in texts(at)
    assert list(table(at, "逾期 1-30 天")["逾期 1-30 天"]) == [150.0]
    at.multiselect(key="ar.aging.buckets.30-60-90-120").set_value([5]).run()  # 120+: nothing there
    assert "没有数据" in texts(at)  # nothing in 120+ on 03-01
    at.text_input(key="ar.aging.bounds").set_value("15").run()  # bucket 5 does not exist any more
    assert not at.exception
    assert list(table(at, "逾期 15+ 天")["逾期 15+ 天"]) == [150.0]
    at.text_input(key="ar.aging.bounds").set_value("30,x").run()
    assert "账龄区间必须为递增的正整数：30,x" in texts(at)
    at.text_input(key="ar.aging.bounds").set_value("30,60,90,120").run()
    at.date_input(key="ar.aging.date").set_value(date(2026, 1, 20)).run()
    at.selectbox(key="ar.aging.drill").set_value(company.customer).run()
    assert not at.exception
    at.selectbox(key="ar.aging.invoice").set_value(second).run()
    assert not at.exception
    allocations = [f.value for f in at.dataframe if "核销单据" in f.value.columns]
    assert allocations and allocations[0]["金额"].tolist() == [50.0]


def test_payment_term_made_on_the_page_splits_the_next_invoice_and_an_unpaid_invoice_is_cancelled(app_for, company):
    from operational.models import PaymentTerm, SalesInvoice

    at = app_for("finance", page="views/ar_entry.py")
    at.text_input(key="ar.term.code").set_value("T3060")
    at.text_input(key="ar.term.name").set_value("30/60各半")
    at.text_input(key="ar.term.p1").set_value("50")
    at.text_input(key="ar.term.d1").set_value("30")
    at.text_input(key="ar.term.p2").set_value("40")
    at.text_input(key="ar.term.d2").set_value("60").run()
    at.button(key="ar.term.save").click().run()
    assert "付款条件各期比例合计必须为100%，当前为90%" in [e.value for e in at.error]
    at.text_input(key="ar.term.p2").set_value("50").run()
    at.button(key="ar.term.save").click().run()
    assert "已创建付款条件T3060" in texts(at)
    with unit_of_work(company.engine) as s:
        term_id = s.execute(select(PaymentTerm.id)).scalar_one()
    at.selectbox(key="ar.term.customer").set_value(company.customer)
    at.selectbox(key="ar.term.term").set_value(term_id).run()
    at.button(key="ar.term.assign").click().run()
    invoice_id, _ = _invoiced(company, 41, "2.50", date(2026, 1, 5))  # 102.50 → 51.25 + 51.25
    with unit_of_work(company.engine) as s:
        assert [(i.due_date, i.amount) for i in s.get(SalesInvoice, invoice_id).instalments] == [
            (date(2026, 2, 4), D("51.25")), (date(2026, 3, 6), D("51.25"))]
    at = app_for("finance", page="views/ar_entry.py")
    at.selectbox(key="ar.cancel.invoice").set_value(invoice_id).run()
    at.button(key="ar.cancel.save").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        assert s.get(SalesInvoice, invoice_id).status == "cancelled"
        assert receivables.outstanding(s) == {}


def test_invoice_form_bills_part_of_a_shipment_line(app_for, company):
    """Shipped 10 water at 2.50: invoicing 11 is refused at the line, 4 posts 10.00, 6 stay open."""
    from operational.models import SalesInvoice

    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date(2026, 1, 5),
                                              [OrderLineInput(company.water, 10, "1")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_all(s, po.id, date(2026, 1, 5))
        so = sales.create_sales_order(s, company.customer, company.wh1, date(2026, 1, 5),
                                      [OrderLineInput(company.water, 10, "2.50", 0)])
        sales.confirm_sales_order(s, so.id)
        line_id = sales.ship_all(s, so.id, date(2026, 1, 5)).lines[0].id
    at = app_for("finance", page="views/ar_entry.py")
    at.selectbox(key="ar.inv.customer").set_value(company.customer).run()
    at.text_input(key=f"ar.inv.q.{line_id}").set_value("11").run()
    at.button(key="ar.inv.save").click().run()
    assert [e.value for e in at.error] == ["SH-2026-000001第1行：开票数量11超过可开票数量10"]
    at.text_input(key=f"ar.inv.q.{line_id}").set_value("4").run()
    at.button(key="ar.inv.save").click().run()
    assert not at.exception
    assert "金额¥10.00" in texts(at)
    with unit_of_work(company.engine) as s:
        assert [i.total_amount for i in s.execute(select(SalesInvoice)).scalars()] == [D("10.00")]
    from operational.services import receivables_queries

    with unit_of_work(company.engine) as s:  # what the form offers next: 6 left at 15.00
        [row] = receivables_queries.uninvoiced_shipment_lines(s, company.customer)
        assert (row["invoiced_qty"], row["open_qty"], row["open_amount"]) == (D("4"), D("6"), D("15.00"))


def test_finance_reverses_a_receipt_entered_in_error_on_the_receipts_tab(app_for, company):
    """A receipt of 100.00 settles the invoice; reversed on the page with a reason it is listed as
    已冲销 and the invoice is open again. Without a reason the form says what is missing."""
    invoice, account = _invoiced(company, 40, "2.50", date(2026, 1, 5))
    with unit_of_work(company.engine) as s:
        receipt = receivables.receive_payment(s, company.customer, "100", account, date(2026, 1, 10)).id
    at = app_for("finance", page="views/ar_entry.py")
    at.selectbox(key="ar.rev.doc").set_value(receipt).run()
    at.date_input(key="ar.rev.date").set_value(date(2026, 1, 12)).run()
    at.button(key="ar.rev.save").click().run()
    assert not at.exception
    assert "RC-2026-000001：冲销原因不能为空" in texts(at)
    at.text_input(key="ar.rev.reason").set_value("客户选错").run()
    at.button(key="ar.rev.save").click().run()
    assert not at.exception
    assert "RC-2026-000001（¥100.00）已冲销" in texts(at)
    assert list(table(at, "冲销原因")["状态"]) == ["已冲销"]
    with unit_of_work(company.engine) as s:
        assert receivables.outstanding(s) == {company.customer: D("100.00")}
        assert s.get(CustomerReceipt, receipt).reversed_on == date(2026, 1, 12)
