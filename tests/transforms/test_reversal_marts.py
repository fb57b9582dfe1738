"""Reversed receipts and payments (冲销) in the warehouse: the receivables company of
test_receivables_marts plus, on 03-03, the reversal of C1's receipt of 1,200.00 (02-20), and a
supplier paid 150.00 on 02-21 whose payment is reversed on 03-02. A real dbt build of the AR, AP and
cash marts with their tests; the marts must equal the store before and after each reversal.

C1 on 03-05 (latest): instalment 1 (1,000.00 due 02-09) open again, 24 days late → 1-30 1,000.00;
instalments 2 (1,000.00 less the credit note's 300.00) and 3 not yet due → not_due 1,700.00.
On 02-28 (before the reversal) C1 still owes 1,800.00, not yet due.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.models import CashAccount, CustomerReceipt, Product, Warehouse
from operational.services import auth, payables, purchasing
from operational.services import masterdata as md
from operational.services import receivables as ar
from operational.services.orders import OrderLineInput as L
from operational.services.payables import BillLineInput
from orchestration.checks.open_items_reconciliation import (
    OpenItemsReconciliationSpec,
    store_side,
    warehouse_side,
)
from orchestration.resources import WarehouseResource
from tests.transforms.conftest import Warehouse as Built
from tests.transforms.conftest import dbt
from tests.transforms.test_receivables_marts import build as build_receivables

D = Decimal
DATES = [date(2026, 2, 28), date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 5)]


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("reversal_marts")
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    ids = build_receivables(engine)
    with unit_of_work(engine) as s:
        finance = auth.create_user(s, "cw", "secret-123", "finance", iterations=1000)
        bank = s.execute(select(CashAccount.id)).scalar_one()
        wh_id = s.execute(select(Warehouse.id)).scalar_one()
        product = s.execute(select(Product.id)).scalar_one()
        supplier = md.create_supplier(s, "S9", "九号供应商", payment_terms_days=30).id
        po = purchasing.create_purchase_order(s, supplier, wh_id, date(2026, 2, 1), [L(product, 100, "2.00")])
        purchasing.confirm_purchase_order(s, po.id)
        receipt = purchasing.receive_all(s, po.id, date(2026, 2, 1))
        payables.create_bill(s, supplier, "S9-001", date(2026, 2, 2), [BillLineInput(receipt.lines[0].id, 100, "2.00")],
                             user=finance)
        # after the 1,200.00 received on 02-20: a payment needs the money on its own date
        payment = payables.pay(s, supplier, "150", date(2026, 2, 21), bank, user=finance)
        payables.reverse_payment(s, payment.id, date(2026, 3, 2), "银行退票", user=finance)
        c1_receipt = s.execute(select(CustomerReceipt.id).where(CustomerReceipt.customer_id == ids["c1"])).scalar_one()
        ar.reverse_receipt(s, c1_receipt, date(2026, 3, 3), "客户录错", user=finance)
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--select", "+path:models/marts/receivables", "+path:models/marts/payables",
        "+path:models/marts/cash", "stg_jxc__supplier_payments", "stg_jxc__customer_receipts",
        "assert_ar_aging_buckets_sum_to_outstanding",
        "assert_ap_aging_buckets_sum_to_outstanding", "--indirect-selection", "cautious",
        "--vars", '{"ar_report_dates": ["2026-03-02", "2026-03-03"], "ap_report_dates": ["2026-03-02"]}')
    built = Built(warehouse)
    built.ids = {**ids, "supplier": supplier, "bank": bank}  # type: ignore[attr-defined]
    with unit_of_work(engine) as s:
        built.store_ar = {d: ar.aging(s, d) for d in DATES}  # type: ignore[attr-defined]
        built.store_ap = {d: payables.aging(s, d) for d in DATES}  # type: ignore[attr-defined]
        built.bank_balance = s.get(CashAccount, bank).balance  # type: ignore[attr-defined]
        built.checks = {}  # type: ignore[attr-defined]
        for name, side, relation, partner in (("ar", ar.AR, "marts.fct_receivable_instalments", "customer_id"),
                                              ("ap", payables.AP, "marts.fct_payable_instalments", "supplier_id")):
            spec = OpenItemsReconciliationSpec(None, name, name, side, relation, partner)  # type: ignore[arg-type]
            found, upto_alloc, upto_doc = warehouse_side(WarehouseResource(warehouse_path=str(warehouse)), spec)
            built.checks[name] = (found, store_side(s, spec, upto_alloc, upto_doc))  # type: ignore[attr-defined]
    engine.dispose()
    return built


def _mart(wh: Built, mart: str, partner: str, day: date) -> dict[tuple[int, int, str], Decimal]:
    return {(p, o, label): a for p, o, label, a in wh.rows(
        f"select {partner}, bucket_order, bucket_label, outstanding_amount from marts.{mart} "
        f"where report_date = '{day}'")}


def test_the_reversed_receipt_is_open_again_from_its_reversal_date(wh):
    c1 = wh.ids["c1"]
    assert {k: v for k, v in _mart(wh, "mart_ar_aging", "customer_id", date(2026, 3, 5)).items() if k[0] == c1} == {
        (c1, 0, "not_due"): D("1700.00"), (c1, 1, "1-30"): D("1000.00")}
    assert {k: v for k, v in _mart(wh, "mart_ar_aging", "customer_id", date(2026, 2, 28)).items() if k[0] == c1} == {
        (c1, 0, "not_due"): D("1800.00")}
    for day in DATES:
        assert _mart(wh, "mart_ar_aging", "customer_id", day) == wh.store_ar[day], day


def test_the_reversed_payment_is_owed_again_from_its_reversal_date(wh):
    """Bill of 200.00 due 03-04: 50.00 owed after the payment of 150.00, 200.00 again from 03-02."""
    s9 = wh.ids["supplier"]
    assert _mart(wh, "mart_ap_aging", "supplier_id", date(2026, 2, 28)) == {(s9, 0, "not_due"): D("50.00")}
    assert _mart(wh, "mart_ap_aging", "supplier_id", date(2026, 3, 2)) == {(s9, 0, "not_due"): D("200.00")}
    for day in (date(2026, 2, 28), date(2026, 3, 2)):
        assert _mart(wh, "mart_ap_aging", "supplier_id", day) == wh.store_ap[day], day
    assert wh.rows("select payment_status, reversed_on from staging.stg_jxc__supplier_payments") == [
        ("reversed", date(2026, 3, 2))]


def test_the_blocking_checks_and_the_cash_position_agree_with_the_store(wh):
    for name, (found, store) in wh.checks.items():
        assert found == store, name
    (closing,) = wh.rows("select closing_balance from marts.mart_cash_position_daily "
                         f"where account_id = {wh.ids['bank']} order by date_day desc limit 1")
    # 1,200.00 + 500.00 received, 150.00 paid, then 1,200.00 given back and 150.00 returned
    assert closing[0] == wh.bank_balance == D("500.00")
