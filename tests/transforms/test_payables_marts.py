"""The payables marts on a hand-made company, built once by a real dbt run, compared with numbers
computed by hand and with the store's own aging (operational.services.payables.aging).

Suppliers S1 (30 days, no term) and S2 (term 50 % at 30 days, 50 % at 60 days), product A:

- 01-05 S1 receipt A 100 @ 2.00; bill B1 01-06 200.00, due 02-05 (matched, posted)
- 01-20 S2 receipt A 200 @ 3.00; bill B2 01-22 600.00: 300.00 due 02-21, 300.00 due 03-23
- 02-10 payment S1 150.00, oldest first → B1 open 50.00
- 02-15 S1 receipt A 50 @ 2.00; bill B3 02-16 at 2.10 (0.10 > 0.03: held) 105.00, approved 02-20, due 03-18
- 03-01 return of 20 A to S2 → debit note 60.00 on B2's first instalment (open 240.00)
- 03-10 payment S2 240.00 chosen for B2's first instalment → settled
- the latest date is 03-10; report dates 01-31, 02-28, 03-10 and the requested 02-21

| date  | S1                              | S2                               |
|-------|---------------------------------|----------------------------------|
| 01-31 | not_due 200                     | not_due 600                      |
| 02-21 | 1-30 50 (16 d), not_due 105     | not_due 600 (02-21 is age 0)     |
| 02-28 | 1-30 50, not_due 105            | 1-30 300 (7 d), not_due 300      |
| 03-10 | 31-60 50 (33 d), not_due 105    | not_due 300                      |

DPO: Jan 800 ÷ 800 × 31 = 31.0; Feb 755 ÷ 105 × 28 = 201.3; Mar (to 03-10) nothing billed → NULL.
Upcoming from 03-10: S1 overdue 50 (week 0), S1 105 due 03-18 and S2 300 due 03-23 in week 2
(03-17 … 03-23).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import select

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.models import AppUser, CashAccount, PaymentTerm, PaymentTermLine, Supplier
from operational.models.payables import ApInstalment
from operational.services import auth, cash, payables, purchasing, returns
from operational.services import masterdata as md
from operational.services.orders import OrderLineInput as L
from operational.services.payables import BillLineInput
from operational.services.returns import ReturnLineInput
from orchestration.checks.open_items_reconciliation import (
    OpenItemsReconciliationSpec,
    compare_partners,
    journal_drift,
    store_side,
    warehouse_side,
)
from orchestration.resources import WarehouseResource
from tests.transforms.conftest import Warehouse, dbt

D = Decimal
REPORT_DATES = [date(2026, 1, 31), date(2026, 2, 21), date(2026, 2, 28), date(2026, 3, 10)]
OTHER_DATES = [date(2026, 1, 5), date(2026, 3, 5), date(2026, 4, 30)]  # not in the mart


def _receive(s, supplier: int, wh: int, product: int, qty: int, price: str, on: date):
    po = purchasing.create_purchase_order(s, supplier, wh, on, [L(product, qty, price)])
    purchasing.confirm_purchase_order(s, po.id)
    return purchasing.receive_all(s, po.id, on)


def build(engine) -> dict[str, int]:
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "WH1", "上海主仓").id
        s1 = md.create_supplier(s, "S1", "一号供应商", payment_terms_days=30).id
        s2 = md.create_supplier(s, "S2", "二号供应商").id
        a = md.create_product(s, "A", "矿泉水").id
        term = PaymentTerm(code="3060", name="30/60", lines=[PaymentTermLine(seq=1, percent=D(50), days=30),
                                                             PaymentTermLine(seq=2, percent=D(50), days=60)])
        s.add(term)
        s.flush()
        s.get(Supplier, s2).payment_term_id = term.id
        fin = auth.create_user(s, "cw", "secret-123", "finance", iterations=1000).id
        bank = cash.create_account(s, "B01", "工行", opening_balance="10000", opened_on=date(2026, 1, 1)).id
    with unit_of_work(engine) as s:
        user = s.get(AppUser, fin)
        gr1 = _receive(s, s1, wh, a, 100, "2.00", date(2026, 1, 5))
        payables.create_bill(s, s1, "S1-001", date(2026, 1, 6), [BillLineInput(gr1.lines[0].id, 100, "2.00")],
                             user=user)
        gr2 = _receive(s, s2, wh, a, 200, "3.00", date(2026, 1, 20))
        b2 = payables.create_bill(s, s2, "S2-001", date(2026, 1, 22), [BillLineInput(gr2.lines[0].id, 200, "3.00")],
                                  user=user)
        payables.pay(s, s1, "150", date(2026, 2, 10), bank, user=user)
        gr3 = _receive(s, s1, wh, a, 50, "2.00", date(2026, 2, 15))
        b3 = payables.create_bill(s, s1, "S1-002", date(2026, 2, 16), [BillLineInput(gr3.lines[0].id, 50, "2.10")],
                                  user=user)
        assert b3.status == "held"
        payables.approve_bill(s, b3.id, user=user, on=date(2026, 2, 20))
        ret = returns.return_to_supplier(s, gr2.id, date(2026, 3, 1), [ReturnLineInput(gr2.lines[0].id, 20)],
                                         reason="破损")
        payables.create_debit_note(s, ret.id, user=user)
        first = s.query(ApInstalment).filter_by(bill_id=b2.id, seq=1).one()
        payables.pay(s, s2, None, date(2026, 3, 10), bank, user=user, targets=[(first.id, "240")])
    return {"s1": s1, "s2": s2, "finance": fin}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    work = tmp_path_factory.mktemp("payables_marts")
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    ids = build(engine)
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--select", "+path:models/marts/payables", "+dim_supplier", "dim_aging_buckets",
        "--indirect-selection", "cautious",
        "--vars", '{"ap_report_dates": ["2026-02-21"]}')
    built = Warehouse(warehouse)
    built.ids = ids  # type: ignore[attr-defined]
    with unit_of_work(engine) as s:
        built.store_aging = {d: payables.aging(s, d) for d in REPORT_DATES + OTHER_DATES}  # type: ignore[attr-defined]
        built.store_outstanding = payables.outstanding_by_supplier(s)  # type: ignore[attr-defined]
        # a clerk pays S1 after the extract: the check compares with the store as extracted
        bank = s.execute(select(CashAccount.id)).scalar_one()
        payables.pay(s, ids["s1"], "50", date(2026, 3, 11), bank, user=s.get(AppUser, ids["finance"]))
    spec = OpenItemsReconciliationSpec(dg.AssetKey(["fct_payable_instalments"]), "ap", "AP", payables.AP,
                                       "marts.fct_payable_instalments", "supplier_id")
    found, upto_alloc, upto_doc = warehouse_side(WarehouseResource(warehouse_path=str(warehouse)), spec)
    with unit_of_work(engine) as s:
        built.check = (found, store_side(s, spec, upto_alloc, upto_doc), journal_drift(s, payables.AP),  # type: ignore[attr-defined]
                       payables.outstanding_by_supplier(s))
    engine.dispose()
    return built


def test_report_dates_are_month_ends_the_latest_date_and_requested_dates(wh):
    assert wh.rows("select report_date, is_month_end, is_latest from intermediate.int_ap_report_dates "
                   "order by 1") == [(date(2026, 1, 31), True, False), (date(2026, 2, 21), False, False),
                                     (date(2026, 2, 28), True, False), (date(2026, 3, 10), False, True)]


def test_aging_buckets_by_hand(wh):
    s1, s2 = wh.ids["s1"], wh.ids["s2"]
    rows = wh.rows("select report_date, supplier_id, bucket_label, outstanding_amount from marts.mart_ap_aging "
                   "order by 1, 2, bucket_order")
    assert rows == [
        (date(2026, 1, 31), s1, "not_due", D("200.00")), (date(2026, 1, 31), s2, "not_due", D("600.00")),
        (date(2026, 2, 21), s1, "not_due", D("105.00")), (date(2026, 2, 21), s1, "1-30", D("50.00")),
        (date(2026, 2, 21), s2, "not_due", D("600.00")),
        (date(2026, 2, 28), s1, "not_due", D("105.00")), (date(2026, 2, 28), s1, "1-30", D("50.00")),
        (date(2026, 2, 28), s2, "not_due", D("300.00")), (date(2026, 2, 28), s2, "1-30", D("300.00")),
        (date(2026, 3, 10), s1, "not_due", D("105.00")), (date(2026, 3, 10), s1, "31-60", D("50.00")),
        (date(2026, 3, 10), s2, "not_due", D("300.00")),
    ]


def test_mart_aging_equals_the_store_on_every_report_date(wh):
    for d in REPORT_DATES:
        mart = {(sup, order, label): amount for sup, order, label, amount in wh.rows(
            f"select supplier_id, bucket_order, bucket_label, outstanding_amount from marts.mart_ap_aging "
            f"where report_date = '{d}'")}
        assert mart == wh.store_aging[d], d
    fct = dict(wh.rows("select supplier_id, sum(outstanding_amount) from marts.fct_payable_instalments "
                       "group by 1 having sum(outstanding_amount) <> 0"))
    assert fct == wh.store_outstanding == {wh.ids["s1"]: D("155.00"), wh.ids["s2"]: D("300.00")}


def test_dpo_by_month(wh):
    assert wh.rows("select year_month, days_in_period, ap_outstanding, purchases_amount, dpo_days "
                   "from marts.mart_dpo_monthly order by 1") == [
        ("2026-01", 31, D("800.00"), D("800.00"), D("31.0")),
        ("2026-02", 28, D("755.00"), D("105.00"), D("201.3")),
        ("2026-03", 10, D("455.00"), D("0.00"), None),
    ]


def test_upcoming_payments_by_week(wh):
    s1, s2 = wh.ids["s1"], wh.ids["s2"]
    assert wh.rows("select supplier_id, week_no, week_start, week_end, amount_due from marts.mart_upcoming_payments "
                   "order by 1, 2") == [
        (s1, 0, None, None, D("50.00")),
        (s1, 2, date(2026, 3, 17), date(2026, 3, 23), D("105.00")),
        (s2, 2, date(2026, 3, 17), date(2026, 3, 23), D("300.00")),
    ]


def test_the_blocking_check_compares_the_store_as_extracted(wh):
    found, expected, drift, now = wh.check
    s1, s2 = wh.ids["s1"], wh.ids["s2"]
    assert found == expected == {s1: D("155.00"), s2: D("300.00")}
    assert compare_partners(expected, found) == [] and drift == []
    assert now == {s1: D("105.00"), s2: D("300.00")}  # the later payment settled B1's last 50.00
    assert [m.as_dict() for m in compare_partners(now, found)] == [
        {"partner_id": s1, "store": "105.00", "warehouse": "155.00", "difference": "50.00"}]


def test_aging_as_of_any_date_is_the_mart_on_its_dates_and_the_store_on_others(wh, data_dir):
    """03-05 (not a report date): S1 50.00 28 days late + 105.00 not due; S2 240.00 12 days late
    (300.00 less the debit note of 03-01) + 300.00 not due."""
    from dashboards import serving_open_items as soi

    wh.publish(data_dir)
    s1, s2 = wh.ids["s1"], wh.ids["s2"]

    def served(day: date) -> dict[tuple[int, int, str], Decimal]:
        return {(int(r.partner_id), int(r.bucket_order), r.bucket_label): D(f"{r.outstanding_amount:.2f}")
                for r in soi.aging(soi.AP, day).by_partner.itertuples()}

    assert served(date(2026, 3, 5)) == {(s1, 0, "not_due"): D("105.00"), (s1, 1, "1-30"): D("50.00"),
                                        (s2, 0, "not_due"): D("300.00"), (s2, 1, "1-30"): D("240.00")}
    for day in REPORT_DATES:
        mart = {(sup, order, label): amount for sup, order, label, amount in wh.rows(
            f"select supplier_id, bucket_order, bucket_label, outstanding_amount from marts.mart_ap_aging "
            f"where report_date = '{day}'")}
        assert served(day) == mart, day
    for day in OTHER_DATES:
        assert served(day) == wh.store_aging[day], day
