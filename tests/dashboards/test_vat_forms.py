"""VAT on the entry forms: the clerk chooses prices with or without tax (含税价 / 不含税价), may
override a line's rate, and sees net + VAT = gross per line and for the order, as the service will
store it. The supplier-bill form takes prices with tax and shows the VAT the match expects."""

from __future__ import annotations

from decimal import Decimal

from dashboard_support import texts
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import Customer, Product, PurchaseOrder, SalesOrder
from operational.models.payables import SupplierBill
from operational.services import purchasing, tax
from operational.services.orders import OrderLineInput

D = Decimal


def _rates(company) -> None:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        tax.set_default_code(s, s.get(Product, company.water), "standard")
        tax.set_default_code(s, s.get(Product, company.chips), "low")


def test_purchase_order_with_tax_inclusive_prices(app_for, company):
    _rates(company)
    at = app_for("purchasing", page="views/purchase_order.py")
    at.selectbox(key="po.partner").set_value(company.supplier)
    at.radio(key="po.tax_mode").set_value("with")
    at.text_input(key="po.line1.code").set_value("P001").run()
    at.text_input(key="po.line1.unit_price").set_value("1.13")
    at.text_input(key="po.line1.quantity").set_value("100").run()
    at.button(key="po.add_line").click().run()
    at.selectbox(key="po.line2.product").set_value(company.chips).run()
    at.text_input(key="po.line2.unit_price").set_value("10.90")
    at.text_input(key="po.line2.quantity").set_value("10").run()
    shown = texts(at)
    # 100 × 1.13 with 13 %: 100.00 + 13.00; 10 × 10.90 with 9 %: 100.00 + 9.00
    assert "¥100.00 + ¥13.00 = ¥113.00" in [m.value for m in at.markdown]
    assert "合计：**¥200.00**" in shown
    assert "不含税 ¥200.00 + 税额 ¥22.00 = 价税合计 ¥222.00" in shown
    at.selectbox(key="po.line2.tax_rate_code").set_value("zero").run()  # the line's own rate
    assert "不含税 ¥209.00 + 税额 ¥13.00 = 价税合计 ¥222.00" in texts(at)
    at.button(key="po.save_confirm").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        po = s.execute(select(PurchaseOrder)).scalar_one()
        assert [(ln.price_includes_tax, ln.tax_rate_code, ln.amount, ln.tax_amount, ln.gross_amount)
                for ln in po.lines] == [(True, "standard", D("100.00"), D("13.00"), D("113.00")),
                                        (True, "zero", D("109.00"), D("0.00"), D("109.00"))]
        assert (po.total_amount, po.tax_amount, po.gross_amount) == (D("209.00"), D("13.00"), D("222.00"))


def test_sales_order_follows_the_customer_setting(app_for, company):
    _rates(company)
    with unit_of_work(company.engine) as s:
        tax.set_partner_prices_include_tax(s, Customer, company.customer, True)
    at = app_for("sales", page="views/sales_order.py")
    at.selectbox(key="so.partner").set_value(company.customer)
    at.text_input(key="so.line1.code").set_value("P001").run()
    at.text_input(key="so.line1.unit_price").set_value("33.33")
    at.text_input(key="so.line1.quantity").set_value("3").run()
    assert "¥88.49 + ¥11.50 = ¥99.99" in [m.value for m in at.markdown]  # the customer's prices include tax
    at.radio(key="so.tax_mode").set_value("without").run()
    assert "¥99.99 + ¥13.00 = ¥112.99" in [m.value for m in at.markdown]
    at.button(key="so.save_draft").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        so = s.execute(select(SalesOrder)).scalar_one()
        assert (so.total_amount, so.tax_amount, so.gross_amount) == (D("99.99"), D("13.00"), D("112.99"))


def test_supplier_bill_with_tax_inclusive_prices(app_for, company):
    _rates(company)
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, "2026-03-02",
                                              [OrderLineInput(company.water, 100, "1.00")])
        purchasing.confirm_purchase_order(s, po.id)
        receipt = purchasing.receive_all(s, po.id, "2026-03-03")
        line_id = receipt.lines[0].id
    at = app_for("finance", page="views/supplier_bill.py")
    at.selectbox(key="ap.bill.supplier").set_value(company.supplier).run()
    at.multiselect(key="ap.bill.receipts").set_value([receipt.id]).run()
    at.text_input(key="ap.bill.invoice_no").set_value("FP-001")
    at.radio(key="ap.bill.tax_mode").set_value("with")
    at.text_input(key=f"ap.bill.price.{line_id}").set_value("1.13").run()
    assert "不含税 ¥100.00，税额 ¥13.00，价税合计 ¥113.00" in texts(at)
    at.button(key="ap.bill.save").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        bill = s.execute(select(SupplierBill)).scalar_one()
        assert (bill.status, bill.net_amount, bill.tax_amount, bill.total_amount) == (
            "posted", D("100.00"), D("13.00"), D("113.00"))
