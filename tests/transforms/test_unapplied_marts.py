"""Unapplied money (未核销) in the marts, on a hand-made company built once by a real dbt run and
compared with numbers computed by hand and with the store (open_items.aging / net_by_partner).

AR — customer C1 (30 days, product A at 2.50), C2 an ordinary customer:

- 01-05 C1 receipt R1 500.00, no invoice yet (an advance)
- 01-10 C1 invoice I1 400.00 (160 A), due 02-09; 01-12 C2 invoice 200.00 (80 A), due 02-11
- 01-15 C1 receipt R2 300.00, 100.00 of it named for I1: 200.00 unallocated
- 01-18 C1 shipment of 40 A (100.00); 01-20 20 returned → credit note CN 50.00, unapplied
- 02-10 I2 100.00 for the 40 A, due 03-12
- 02-15 R1 applied to I1 (300.00) → R1 200.00 left; 02-20 CN applied to I2 (50.00)
- 03-01 R2 reversed: I1's 100.00 open again, R2's 200.00 leaves. The latest date is the company's
  last posting, 03-15 (AP below).

| date  | C1                                             | net C1 | C2          |
|-------|------------------------------------------------|--------|-------------|
| 01-31 | not_due 300, unapplied −750                    | −450   | not_due 200 |
| 02-16 | not_due 100, unapplied −450                    | −350   | 1-30 200    |
| 02-28 | not_due 50, unapplied −400                     | −350   | 1-30 200    |
| 03-01 | not_due 50, 1-30 100 (20 d), unapplied −200    | −50    | 1-30 200    |
| 03-15 | 1-30 50 (3 d), 31-60 100 (34 d), unapplied −200 | −50   | 31-60 200   |

DSO (company, gross): Jan 500 ÷ 600 × 31 = 25.8 (net 500 − 750 = −250); Feb 250 ÷ 100 × 28 = 70.0
(net 250 − 400 = −150); Mar (to 03-15) gross 350, unapplied 200, net 150, no sales → NULL.

AP — supplier S1 (30 days), S2:

- 03-01 S1 advance payment P1 300.00
- 03-02 S1 receipt water 100 @ 2.00, tea 50 @ 4.00; S2 receipt tea 50 @ 4.00
- 03-05 S1 bill B1 200.00 (water), due 04-04: P1 applies 200.00; S2 bill B3 200.00, due 04-04
- 03-06 S1 return of 10 water → debit note 20.00 (B1 has nothing open: unapplied); S2 paid 200.00 → B3 settled
- 03-08 S2 return of 10 tea → debit note 40.00, unapplied
- 03-10 S1 bill B2 200.00 (tea), due 04-09: the debit note 20.00 and P1's 100.00 are applied → 80.00
- 03-12 S1 payment P2 100.00: 80.00 to B2, 20.00 unallocated; 03-15 P2 reversed. Latest 03-15.

| date  | S1                 | S2              |
|-------|--------------------|-----------------|
| 03-07 | unapplied −120     | –               |
| 03-12 | unapplied −20      | unapplied −40   |
| 03-15 | not_due 80         | unapplied −40   |

DPO March (to 03-15): gross 80 ÷ purchases 600 × 15 = 2.0; unapplied 40; net 40.
Upcoming from 03-15: S1 80.00 due 04-09 in week 4 (04-05 … 04-11); S2 week −1 (未核销) −40.00.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.models import AppUser
from operational.services import auth, cash, payables, purchasing, returns, sales
from operational.services import masterdata as md
from operational.services import receivables as ar
from operational.services.orders import OrderLineInput as L
from operational.services.payables import BillLineInput
from operational.services.returns import ReturnLineInput
from orchestration.checks.open_items_reconciliation import (
    OpenItemsReconciliationSpec,
    compare_partners,
    store_side,
    warehouse_side,
)
from orchestration.resources import WarehouseResource
from tests.transforms.conftest import Warehouse, dbt

D = Decimal
AR_DATES = [date(2026, 1, 31), date(2026, 2, 16), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 15)]
AP_DATES = [date(2026, 3, 7), date(2026, 3, 12), date(2026, 3, 15)]
AR_SPEC = OpenItemsReconciliationSpec(None, "ar", "AR", ar.AR, "marts.fct_receivable_instalments",  # type: ignore[arg-type]
                                      "customer_id", unapplied_relation="marts.fct_receivable_unapplied")
AP_SPEC = OpenItemsReconciliationSpec(None, "ap", "AP", payables.AP, "marts.fct_payable_instalments",  # type: ignore[arg-type]
                                      "supplier_id", unapplied_relation="marts.fct_payable_unapplied")


def _ship(s, customer, wh, supplier, product, qty, on):
    po = purchasing.create_purchase_order(s, supplier, wh, on, [L(product, qty, "1.00")])
    purchasing.confirm_purchase_order(s, po.id)
    purchasing.receive_all(s, po.id, on)
    so = sales.create_sales_order(s, customer, wh, on, [L(product, qty, "2.50", 0)])
    sales.confirm_sales_order(s, so.id)
    return sales.ship_all(s, so.id, on)


def _receive(s, supplier, wh, lines, on):
    po = purchasing.create_purchase_order(s, supplier, wh, on, lines)
    purchasing.confirm_purchase_order(s, po.id)
    return purchasing.receive_all(s, po.id, on)


def build(engine) -> dict[str, int]:
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "WH1", "上海主仓").id
        feeder = md.create_supplier(s, "S0", "备货供应商").id
        s1 = md.create_supplier(s, "S1", "一号供应商").id
        s2 = md.create_supplier(s, "S2", "二号供应商").id
        a = md.create_product(s, "A", "矿泉水").id
        water = md.create_product(s, "W", "纯净水").id
        tea = md.create_product(s, "T", "绿茶").id
        c1 = md.create_customer(s, "C1", "一号客户").id
        c2 = md.create_customer(s, "C2", "二号客户").id
        bank = cash.create_account(s, "B01", "工行", opening_balance="10000", opened_on=date(2026, 1, 1)).id
        fin = auth.create_user(s, "cw", "secret-123", "finance", iterations=1000).id
    with unit_of_work(engine) as s:
        r1 = ar.receive_payment(s, c1, "500", bank, date(2026, 1, 5)).id
        i1 = ar.invoice_shipments(s, [_ship(s, c1, wh, feeder, a, 160, date(2026, 1, 10)).id], date(2026, 1, 10))
        i1_id, i1_inst = i1.id, i1.instalments[0].id
        ar.invoice_shipments(s, [_ship(s, c2, wh, feeder, a, 80, date(2026, 1, 12)).id], date(2026, 1, 12))
        r2 = ar.receive_payment(s, c1, "300", bank, date(2026, 1, 15), allocation=[(i1_inst, "100")]).id
        sh = _ship(s, c1, wh, feeder, a, 40, date(2026, 1, 18))
        ret = returns.return_from_customer(s, sh.id, date(2026, 1, 20), [ReturnLineInput(sh.lines[0].id, 20)],
                                           reason="破损")
        cn = ar.issue_credit_note(s, ret.id).id
        ar.invoice_shipments(s, [sh.id], date(2026, 2, 10))
    with unit_of_work(engine) as s:
        ar.allocate_advance(s, r1, date(2026, 2, 15), invoice_ids=[i1_id])
        ar.apply_credit_note(s, cn, date(2026, 2, 20))
        ar.reverse_receipt(s, r2, date(2026, 3, 1), "收款客户错", user=s.get(AppUser, fin))
    with unit_of_work(engine) as s:
        user = s.get(AppUser, fin)
        payables.pay(s, s1, "300", date(2026, 3, 1), bank, user=user)
        gr1 = _receive(s, s1, wh, [L(water, 100, "2.00"), L(tea, 50, "4.00")], date(2026, 3, 2))
        gr2 = _receive(s, s2, wh, [L(tea, 50, "4.00")], date(2026, 3, 2))
        w_line, t_line = (ln.id for ln in gr1.lines)
        payables.create_bill(s, s1, "B1", date(2026, 3, 5), [BillLineInput(w_line, "100", "2.00")], user=user)
        payables.create_bill(s, s2, "B3", date(2026, 3, 5), [BillLineInput(gr2.lines[0].id, "50", "4.00")], user=user)
        ret1 = returns.return_to_supplier(s, gr1.id, date(2026, 3, 6), [ReturnLineInput(w_line, 10)], reason="破损")
        payables.create_debit_note(s, ret1.id, user=user)
        payables.pay(s, s2, "200", date(2026, 3, 6), bank, user=user)
        ret2 = returns.return_to_supplier(s, gr2.id, date(2026, 3, 8), [ReturnLineInput(gr2.lines[0].id, 10)],
                                          reason="破损")
        assert payables.create_debit_note(s, ret2.id, user=user).unallocated_amount == D("40.00")
        payables.create_bill(s, s1, "B2", date(2026, 3, 10), [BillLineInput(t_line, "50", "4.00")], user=user)
        p2 = payables.pay(s, s1, "100", date(2026, 3, 12), bank, user=user).id
    with unit_of_work(engine) as s:
        payables.reverse_payment(s, p2, date(2026, 3, 15), "付错", user=s.get(AppUser, fin))
    return {"c1": c1, "c2": c2, "s1": s1, "s2": s2, "r1": r1, "r2": r2, "cn": cn}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    work = tmp_path_factory.mktemp("unapplied_marts")
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    ids = build(engine)
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--select", "+path:models/marts/receivables", "+path:models/marts/payables",
        "+dim_customer", "+dim_supplier", "dim_aging_buckets", "assert_ar_aging_buckets_sum_to_outstanding",
        "assert_ap_aging_buckets_sum_to_outstanding", "--indirect-selection", "cautious",
        "--vars", '{"ar_report_dates": ["2026-02-16", "2026-03-01"], "ap_report_dates": ["2026-03-07", "2026-03-12"]}')
    built = Warehouse(warehouse)
    built.ids = ids  # type: ignore[attr-defined]
    built.work = work  # type: ignore[attr-defined]
    built.engine = engine  # type: ignore[attr-defined]
    with unit_of_work(engine) as s:
        built.ar_aging = {d: ar.aging(s, d) for d in AR_DATES}  # type: ignore[attr-defined]
        built.ap_aging = {d: payables.aging(s, d) for d in AP_DATES}  # type: ignore[attr-defined]
        built.ar_net = ar.net_balance(s)  # type: ignore[attr-defined]
        built.ap_net = payables.net_by_supplier(s)  # type: ignore[attr-defined]
    yield built
    engine.dispose()


def _mart(wh, mart, partner, day):
    return {(p, o, label): a for p, o, label, a in wh.rows(
        f"select {partner}, bucket_order, bucket_label, outstanding_amount from marts.{mart} "
        f"where report_date = '{day}'")}


def test_ar_aging_rows_by_hand_with_the_unapplied_bucket(wh):
    c1, c2 = wh.ids["c1"], wh.ids["c2"]
    rows = wh.rows("select report_date, customer_id, bucket_label, outstanding_amount, unapplied_document_count "
                   "from marts.mart_ar_aging order by 1, 2, bucket_order")
    assert rows == [
        (date(2026, 1, 31), c1, "unapplied", D("-750.00"), 3), (date(2026, 1, 31), c1, "not_due", D("300.00"), 0),
        (date(2026, 1, 31), c2, "not_due", D("200.00"), 0),
        (date(2026, 2, 16), c1, "unapplied", D("-450.00"), 3), (date(2026, 2, 16), c1, "not_due", D("100.00"), 0),
        (date(2026, 2, 16), c2, "1-30", D("200.00"), 0),
        (date(2026, 2, 28), c1, "unapplied", D("-400.00"), 2), (date(2026, 2, 28), c1, "not_due", D("50.00"), 0),
        (date(2026, 2, 28), c2, "1-30", D("200.00"), 0),
        (date(2026, 3, 1), c1, "unapplied", D("-200.00"), 1), (date(2026, 3, 1), c1, "not_due", D("50.00"), 0),
        (date(2026, 3, 1), c1, "1-30", D("100.00"), 0), (date(2026, 3, 1), c2, "1-30", D("200.00"), 0),
        (date(2026, 3, 15), c1, "unapplied", D("-200.00"), 1), (date(2026, 3, 15), c1, "1-30", D("50.00"), 0),
        (date(2026, 3, 15), c1, "31-60", D("100.00"), 0), (date(2026, 3, 15), c2, "31-60", D("200.00"), 0),
    ]
    # each row (customer) totals its net balance
    assert wh.rows("select report_date, sum(outstanding_amount) from marts.mart_ar_aging "
                   f"where customer_id = {c1} group by 1 order by 1") == [
        (date(2026, 1, 31), D("-450.00")), (date(2026, 2, 16), D("-350.00")),
        (date(2026, 2, 28), D("-350.00")), (date(2026, 3, 1), D("-50.00")), (date(2026, 3, 15), D("-50.00"))]


def test_ar_aging_equals_the_store_and_its_column_totals_tie_to_the_cent(wh):
    for day in AR_DATES:
        mart = _mart(wh, "mart_ar_aging", "customer_id", day)
        assert mart == wh.ar_aging[day], day
        columns: dict[str, Decimal] = {}
        for (_, _, label), amount in wh.ar_aging[day].items():
            columns[label] = columns.get(label, D(0)) + amount
        assert dict(wh.rows("select bucket_label, sum(outstanding_amount) from marts.mart_ar_aging "
                            f"where report_date = '{day}' group by 1")) == columns, day
    assert wh.ar_net == {wh.ids["c1"]: D("-50.00"), wh.ids["c2"]: D("200.00")}


def test_unapplied_fact_per_document(wh):
    assert wh.rows("select source_type, source_id, amount, applied_amount, reversed_amount, unapplied_amount "
                   "from marts.fct_receivable_unapplied order by 1, 2") == [
        ("credit_note", wh.ids["cn"], D("50.00"), D("50.00"), D("0.00"), D("0.00")),
        ("receipt", wh.ids["r1"], D("500.00"), D("300.00"), D("0.00"), D("200.00")),
        ("receipt", wh.ids["r2"], D("300.00"), D("0.00"), D("300.00"), D("0.00")),
    ]


def test_dso_is_gross_with_the_net_beside_it(wh):
    assert wh.rows("select year_month, ar_outstanding, ar_unapplied, ar_net_balance, credit_sales, dso_days "
                   "from marts.mart_dso_monthly where scope = 'company' order by 1") == [
        ("2026-01", D("500.00"), D("750.00"), D("-250.00"), D("600.00"), D("25.8")),
        ("2026-02", D("250.00"), D("400.00"), D("-150.00"), D("100.00"), D("70.0")),
        ("2026-03", D("350.00"), D("200.00"), D("150.00"), D("0.00"), None),
    ]


def test_ap_aging_with_the_unapplied_bucket_equals_the_store(wh):
    s1, s2 = wh.ids["s1"], wh.ids["s2"]
    assert wh.rows("select report_date, supplier_id, bucket_label, outstanding_amount from marts.mart_ap_aging "
                   "order by 1, 2, bucket_order") == [
        (date(2026, 3, 7), s1, "unapplied", D("-120.00")),
        (date(2026, 3, 12), s1, "unapplied", D("-20.00")), (date(2026, 3, 12), s2, "unapplied", D("-40.00")),
        (date(2026, 3, 15), s1, "not_due", D("80.00")), (date(2026, 3, 15), s2, "unapplied", D("-40.00")),
    ]
    for day in AP_DATES:
        assert _mart(wh, "mart_ap_aging", "supplier_id", day) == wh.ap_aging[day], day
    assert wh.ap_net == {s1: D("80.00"), s2: D("-40.00")}


def test_dpo_and_upcoming_payments_count_the_unapplied_money(wh):
    s1, s2 = wh.ids["s1"], wh.ids["s2"]
    assert wh.rows("select year_month, days_in_period, ap_outstanding, ap_unapplied, ap_net_balance, "
                   "purchases_amount, dpo_days from marts.mart_dpo_monthly") == [
        ("2026-03", 15, D("80.00"), D("40.00"), D("40.00"), D("600.00"), D("2.0"))]
    assert wh.rows("select supplier_id, week_no, week_start, week_end, amount_due from marts.mart_upcoming_payments "
                   "order by 1, 2") == [
        (s1, 4, date(2026, 4, 5), date(2026, 4, 11), D("80.00")),
        (s2, -1, None, None, D("-40.00")),
    ]


def test_reconciliation_compares_net_balances_and_catches_a_wrong_unapplied_amount(wh, tmp_path):
    with unit_of_work(wh.engine) as s:
        for spec, net in ((AR_SPEC, wh.ar_net), (AP_SPEC, wh.ap_net)):
            seen = warehouse_side(WarehouseResource(warehouse_path=str(wh.path)), spec)
            expected = store_side(s, spec, seen.upto_alloc, seen.upto_doc, seen.upto_sources)
            assert seen.net == expected == net
            assert compare_partners(expected, seen.net) == []
    # the warehouse's unapplied money of R1 one cent off: C1's net balance differs, the check fails
    copy = tmp_path / "broken.duckdb"
    shutil.copy(wh.path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update marts.fct_receivable_unapplied set unapplied_amount = unapplied_amount + 0.01 "
                    f"where source_type = 'receipt' and source_id = {wh.ids['r1']}")
    seen = warehouse_side(WarehouseResource(warehouse_path=str(copy)), AR_SPEC)
    with unit_of_work(wh.engine) as s:
        expected = store_side(s, AR_SPEC, seen.upto_alloc, seen.upto_doc, seen.upto_sources)
    assert [m.as_dict() for m in compare_partners(expected, seen.net)] == [
        {"partner_id": wh.ids["c1"], "store": "-50.00", "warehouse": "-50.01", "difference": "-0.01"}]


def test_aging_of_any_date_on_the_page_reads_the_unapplied_money(wh, data_dir):
    """02-18 (not a report date): C1 I2 100.00 not due, unapplied R1 200 + R2 200 + CN 50 = −450.00;
    equal to the store on that day."""
    from dashboards import serving_open_items as soi

    wh.publish(data_dir)
    c1 = wh.ids["c1"]
    day = date(2026, 2, 18)
    got = soi.aging(soi.AR, day)
    served = {(int(r.partner_id), int(r.bucket_order), r.bucket_label): D(f"{r.outstanding_amount:.2f}")
              for r in got.by_partner.itertuples()}
    assert {k: v for k, v in served.items() if k[0] == c1} == {(c1, 0, "not_due"): D("100.00"),
                                                              (c1, -1, "unapplied"): D("-450.00")}
    with unit_of_work(wh.engine) as s:
        assert served == ar.aging(s, day)
    assert (got.unapplied, got.net_total) == (-450.0, -150.0)  # C1 100 − 450, C2 200
    for report in AR_DATES:
        assert {(int(r.partner_id), int(r.bucket_order), r.bucket_label): D(f"{r.outstanding_amount:.2f}")
                for r in soi.aging(soi.AR, report).by_partner.itertuples()} == _mart(
            wh, "mart_ar_aging", "customer_id", report), report
