"""VAT on invoices, credit notes, supplier bills (three-way match of net and tax) and debit notes.
Customer prices include tax, the supplier's do not; water is 13 %, tea 9 %."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import AppUser, Customer, Product, Supplier
from operational.models.payables import ApInstalment, SupplierBill
from operational.services import auth, payables, purchasing, returns, sales, tax
from operational.services import receivables as ar
from operational.services.orders import OrderLineInput as L
from operational.services.payables import BillLineInput as B
from operational.services.returns import ReturnLineInput

D = Decimal


def _setup(t):
    with unit_of_work(t.engine) as s:
        tax.set_default_code(s, s.get(Product, t.water), "standard")
        tax.set_default_code(s, s.get(Product, t.tea), "low")
        tax.set_partner_prices_include_tax(s, Customer, t.customer, True)
        tax.set_partner_prices_include_tax(s, Supplier, t.supplier, False)
        fin = auth.create_user(s, "cw", "secret-123", "finance", "出纳", iterations=1000).id
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02",
                                              [L(t.water, 100, "1.00"), L(t.tea, 100, "2.00")])
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_all(s, po.id, "2026-03-03")
        return fin, gr.id, [ln.id for ln in gr.lines]


def test_invoice_and_credit_note_carry_tax_per_rate(tiny_sqlite):
    t = tiny_sqlite
    _setup(t)
    with unit_of_work(t.engine) as s:
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-04",
                                      [L(t.water, 3, "33.33"), L(t.tea, 1, "109")])
        sales.confirm_sales_order(s, so.id)
        shipment = sales.ship_all(s, so.id, "2026-03-05")
        invoice = ar.invoice_shipments(s, [shipment.id], "2026-03-06")
        lines = [(ln.tax_rate, ln.amount, ln.tax_amount, ln.gross_amount) for ln in invoice.lines]
        # water 3 × 33.33 with tax at 13 %: 88.49 + 11.50 = 99.99; tea 109.00 at 9 %: 100.00 + 9.00
        assert lines == [(D("0.13"), D("88.49"), D("11.50"), D("99.99")),
                         (D("0.09"), D("100.00"), D("9.00"), D("109.00"))]
        # the customer owes the gross; the invoice's net and tax are the sums of its lines
        assert (invoice.total_amount, invoice.net_amount, invoice.tax_amount) == (
            D("208.99"), D("188.49"), D("20.50"))
        assert sum(i.amount for i in invoice.instalments) == D("208.99")
        ret = returns.return_from_customer(s, shipment.id, "2026-03-07",
                                           [ReturnLineInput(shipment.lines[0].id, 1)], reason="破损")
        note = ar.issue_credit_note(s, ret.id)
        # 1 × 33.33 with tax: net 29.50, tax 3.83
        assert (note.amount, note.tax_amount) == (D("33.33"), D("3.83"))


def test_bill_matches_net_and_tax(tiny_sqlite):
    t = tiny_sqlite
    fin, _, (water_rl, tea_rl) = _setup(t)
    with unit_of_work(t.engine) as s:
        user = s.get(AppUser, fin)
        # the supplier's invoice as typed from paper: water with tax (1.13), tea without (2.00)
        bill = payables.create_bill(s, t.supplier, "FP001", "2026-03-10",
                                    [B(water_rl, 100, "1.13", price_includes_tax=True), B(tea_rl, 100, "2.00")],
                                    user=user)
        assert bill.status == "posted"
        got = [(ln.unit_price, ln.amount, ln.tax_rate, ln.tax_amount, ln.gross_amount, ln.tax_variance)
               for ln in bill.lines]
        assert got == [(D("1.0000"), D("100.00"), D("0.13"), D("13.00"), D("113.00"), D("0.00")),
                       (D("2.0000"), D("200.00"), D("0.09"), D("18.00"), D("218.00"), D("0.00"))]
        assert (bill.total_amount, bill.net_amount, bill.tax_amount) == (D("331.00"), D("300.00"), D("31.00"))
        inst = s.execute(select(ApInstalment.amount).where(ApInstalment.bill_id == bill.id)).scalars().all()
        assert sum(inst) == D("331.00")


@pytest.mark.parametrize(("stated", "status", "variance"), [
    ("13.05", "posted", D("0.05")),  # within the 0.06 a VAT invoice may differ by
    ("9.00", "held", D("-4.00")),  # billed at 9 % for goods ordered at 13 %
])
def test_bill_tax_outside_tolerance_is_held(tiny_sqlite, stated, status, variance):
    t = tiny_sqlite
    fin, _, (water_rl, _) = _setup(t)
    with unit_of_work(t.engine) as s:
        bill = payables.create_bill(s, t.supplier, "FP002", "2026-03-10", [B(water_rl, 100, "1.00", tax_amount=stated)],
                                    user=s.get(AppUser, fin))
        line = bill.lines[0]
        assert (bill.status, line.tax_amount, line.tax_variance) == (status, D(stated), variance)
        assert bill.total_amount == D("100.00") + D(stated)
        if status == "held":
            assert "4.00" in bill.hold_reason and "第 1 行税额" in bill.hold_reason
            assert payables.line_check(s, line).tax_ok is False
            payables.approve_bill(s, bill.id, user=s.get(AppUser, fin))
        assert s.get(SupplierBill, bill.id).status == "posted"


def test_debit_note_takes_back_input_vat(tiny_sqlite):
    t = tiny_sqlite
    fin, gr_id, (water_rl, _) = _setup(t)
    with unit_of_work(t.engine) as s:
        user = s.get(AppUser, fin)
        payables.create_bill(s, t.supplier, "FP003", "2026-03-10", [B(water_rl, 100, "1.00")], user=user)
        ret = returns.return_to_supplier(s, gr_id, "2026-03-11", [ReturnLineInput(water_rl, 10)], reason="破损")
        note = payables.create_debit_note(s, ret.id, user=user)
        # 10 × 1.00 net + 13 % = 1.30 tax: the supplier owes back 11.30
        assert (note.amount, note.tax_amount, note.lines[0].amount) == (D("11.30"), D("1.30"), D("10.00"))


def test_note_lines_carry_the_split(tiny_sqlite):
    """Credit and debit notes keep their VAT per line, so the VAT marts can take it back per rate."""
    t = tiny_sqlite
    fin, gr_id, (water_rl, tea_rl) = _setup(t)
    with unit_of_work(t.engine) as s:
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-04", [L(t.water, 2, "11.30"), L(t.tea, 2, "10.90")])
        sales.confirm_sales_order(s, so.id)
        shipment = sales.ship_all(s, so.id, "2026-03-05")
        ret = returns.return_from_customer(s, shipment.id, "2026-03-07",
                                           [ReturnLineInput(ln.id, 1) for ln in shipment.lines], reason="破损")
        note = ar.issue_credit_note(s, ret.id)
        assert [(ln.tax_rate, ln.amount, ln.tax_amount) for ln in note.lines] == [
            (D("0.13"), D("10.00"), D("1.30")), (D("0.09"), D("10.00"), D("0.90"))]
        assert (note.amount, note.tax_amount) == (D("22.20"), D("2.20"))
        user = s.get(AppUser, fin)
        payables.create_bill(s, t.supplier, "FP004", "2026-03-10", [B(water_rl, 100, "1.00"), B(tea_rl, 100, "2.00")],
                             user=user)
        pret = returns.return_to_supplier(s, gr_id, "2026-03-11",
                                          [ReturnLineInput(water_rl, 1), ReturnLineInput(tea_rl, 1)], reason="破损")
        debit = payables.create_debit_note(s, pret.id, user=user)
        assert [(ln.tax_rate, ln.amount, ln.tax_amount, ln.gross_amount) for ln in debit.lines] == [
            (D("0.13"), D("1.00"), D("0.13"), D("1.13")), (D("0.09"), D("2.00"), D("0.18"), D("2.18"))]
        assert (debit.amount, debit.tax_amount) == (D("3.31"), D("0.31"))
