"""The VAT marts (销项 / 进项 / 应纳税额) on a hand-made company, built once by a real dbt run, with
numbers by hand and tied out to the store's documents to the cent.

Water is 13 % (standard), tea 9 % (low); the supplier's prices are without tax, the customer's with.

January
- receipt water 100 @ 1.00, tea 100 @ 2.00; bill B1 01-06: input 13 %: 100.00 / 13.00, 9 %: 200.00 / 18.00
- sales 01-10: water 30 @ 3.39 with tax = 101.70 → net 90.00, tax 11.70; tea 10 @ 5.45 = 54.50 → 50.00 / 4.50;
  invoiced 01-15. Output 16.20 < input 31.00: nothing owed, 14.80 carried forward (留抵)
February
- customer returns 3 water 02-03 → credit note 10.17 = 9.00 + 1.17 (output −)
- sales 02-10: water 50 @ 3.39 = 169.50 → 150.00 / 19.50, invoiced 02-12
- 10 tea returned to the supplier 02-15 → debit note 20.00 + 1.80 (input −)
- receipt of 10 water 02-16 billed with tax 0.50 instead of 1.30: held, not counted
- output 19.50 − 1.17 = 18.33; input −1.80; owed 18.33 + 1.80 − 14.80 = 5.33, nothing carried
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.models import AppUser, CreditNote, Product
from operational.models.payables import DebitNote, SupplierBill
from operational.models.receivables import SalesInvoice
from operational.services import auth, payables, purchasing, returns, sales, tax
from operational.services import masterdata as md
from operational.services import receivables as ar
from operational.services.orders import OrderLineInput as L
from operational.services.payables import BillLineInput as B
from operational.services.returns import ReturnLineInput
from tests.transforms.conftest import Warehouse, dbt

D = Decimal
JAN, FEB = date(2026, 1, 1), date(2026, 2, 1)
ZERO = D(0)


def _sell(s, customer, wh, on, lines, invoice_on):
    so = sales.create_sales_order(s, customer, wh, on, lines)
    sales.confirm_sales_order(s, so.id)
    shipment = sales.ship_all(s, so.id, on)
    ar.invoice_shipments(s, [shipment.id], invoice_on)
    return shipment


def build(engine) -> None:
    with unit_of_work(engine) as s:
        md.create_company(s, "增值税测试公司")
        wh = md.create_warehouse(s, "WH1", "上海主仓").id
        sup = md.create_supplier(s, "S1", "供应商一").id
        cus = md.create_customer(s, "C1", "客户一", credit_limit="100000", prices_include_tax=True).id
        water = md.create_product(s, "W", "矿泉水").id
        tea = md.create_product(s, "T", "茶叶").id
        tax.set_default_code(s, s.get(Product, water), "standard")
        tax.set_default_code(s, s.get(Product, tea), "low")
        fin = auth.create_user(s, "cw", "secret-123", "finance", iterations=1000).id
    with unit_of_work(engine) as s:
        user = s.get(AppUser, fin)
        po = purchasing.create_purchase_order(s, sup, wh, "2026-01-05", [L(water, 100, "1.00"), L(tea, 100, "2.00")])
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_all(s, po.id, "2026-01-05")
        payables.create_bill(s, sup, "B1", "2026-01-06", [B(ln.id, ln.quantity, "2.00" if ln.product_id == tea
                                                            else "1.00") for ln in gr.lines], user=user)
        jan = _sell(s, cus, wh, "2026-01-10", [L(water, 30, "3.39"), L(tea, 10, "5.45")], "2026-01-15")
        ret = returns.return_from_customer(s, jan.id, "2026-02-03", [ReturnLineInput(jan.lines[0].id, 3)],
                                           reason="破损")
        ar.issue_credit_note(s, ret.id)
        _sell(s, cus, wh, "2026-02-10", [L(water, 50, "3.39")], "2026-02-12")
        pret = returns.return_to_supplier(s, gr.id, "2026-02-15", [ReturnLineInput(gr.lines[1].id, 10)],
                                          reason="质量")
        payables.create_debit_note(s, pret.id, user=user)
        po2 = purchasing.create_purchase_order(s, sup, wh, "2026-02-16", [L(water, 10, "1.00")])
        purchasing.confirm_purchase_order(s, po2.id)
        gr2 = purchasing.receive_all(s, po2.id, "2026-02-16")
        held = payables.create_bill(s, sup, "B2", "2026-02-17", [B(gr2.lines[0].id, 10, "1.00", tax_amount="0.50")],
                                    user=user)
        assert held.status == "held"


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("vat")
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    build(engine)
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    # the VAT marts with their tie-out test, and the sales facts whose revenue must be net
    dbt(warehouse, work, "build", "--select", "+path:models/marts/tax", "+fct_shipment_lines",
        "+fct_sales_return_lines", "assert_vat_marts_tie_out", "--indirect-selection", "cautious")
    yield Warehouse(warehouse), engine
    engine.dispose()


def test_output_vat_by_month_and_rate(wh):
    w, _ = wh
    assert w.rows("select vat_month, tax_rate, net_amount, output_tax, gross_amount, invoice_count, credit_note_count "
                  "from marts.mart_output_vat_monthly order by 1, 2") == [
        (JAN, D("0.0900"), D("50.00"), D("4.50"), D("54.50"), 1, 0),
        (JAN, D("0.1300"), D("90.00"), D("11.70"), D("101.70"), 1, 0),
        (FEB, D("0.1300"), D("141.00"), D("18.33"), D("159.33"), 1, 1),
    ]


def test_input_vat_by_month_and_rate(wh):
    w, _ = wh
    assert w.rows("select vat_month, tax_rate, net_amount, input_tax, bill_count, debit_note_count "
                  "from marts.mart_input_vat_monthly order by 1, 2") == [
        (JAN, D("0.0900"), D("200.00"), D("18.00"), 1, 0),
        (JAN, D("0.1300"), D("100.00"), D("13.00"), 1, 0),
        (FEB, D("0.0900"), D("-20.00"), D("-1.80"), 0, 1),  # the held bill B2 is not counted
    ]


def test_vat_payable_carries_input_credit_forward(wh):
    w, _ = wh
    assert w.rows("select vat_month, output_tax, deductible_input_tax, vat_payable, credit_carried_forward "
                  "from marts.mart_vat_payable_monthly order by 1") == [
        (JAN, D("16.20"), D("31.00"), D("0.00"), D("14.80")),
        (FEB, D("18.33"), D("-1.80"), D("5.33"), D("0.00")),
    ]


def test_marts_tie_out_to_the_store_documents(wh):
    """Per month, the marts' VAT equals the store's document headers, to the cent."""
    w, engine = wh
    store: dict[str, list[Decimal]] = {}

    def add(on: date, output: Decimal = ZERO, input_: Decimal = ZERO) -> None:
        row = store.setdefault(on.strftime("%Y-%m"), [D(0), D(0)])
        row[0] += output
        row[1] += input_

    with unit_of_work(engine) as s:
        for inv in s.scalars(select(SalesInvoice).where(SalesInvoice.status == "posted")):
            add(inv.invoice_date, output=inv.tax_amount)
        for note in s.scalars(select(CreditNote)):
            add(note.note_date, output=-note.tax_amount)
        for bill in s.scalars(select(SupplierBill).where(SupplierBill.status == "posted")):
            add(bill.bill_date, input_=bill.tax_amount)
        for debit in s.scalars(select(DebitNote)):
            add(debit.note_date, input_=-debit.tax_amount)
    store = {m: tuple(v) for m, v in store.items()}
    marts = {d.strftime("%Y-%m"): (o, i) for d, o, i in w.rows(
        "select vat_month, output_tax, deductible_input_tax from marts.mart_vat_payable_monthly")}
    assert marts == store == {"2026-01": (D("16.20"), D("31.00")), "2026-02": (D("18.33"), D("-1.80"))}


def test_sales_revenue_and_margin_are_net_of_vat(wh):
    w, _ = wh
    assert w.rows("select ship_date, product_id, revenue from marts.fct_shipment_lines order by 1, 2") == [
        (date(2026, 1, 10), 1, D("90.00")), (date(2026, 1, 10), 2, D("50.00")), (date(2026, 2, 10), 1, D("150.00"))]
    assert w.rows("select revenue_reversed from marts.fct_sales_return_lines") == [(D("9.00"),)]
