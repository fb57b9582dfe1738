"""The receivables marts on a hand-made company, built once by a real dbt run, compared with numbers
computed by hand and with the store's own aging (operational.services.receivables.aging).

Customer C1 has the term 30/60/90 in thirds, C2 none (30 days); product A at 2.50:

- 01-10 C1 invoice 3,000.00 (1,200 A): 1,000.00 due 02-09, 03-11, 04-10
- 01-15 C2 invoice 500.00 (200 A), due 02-14
- 02-20 C1 receipt 1,200.00 oldest first: 1,000.00 + 200.00; C2 invoice 200.00 (80 A), due 03-22
- 03-01 C1 returns 120 A → credit note 300.00 on the next open instalment (03-11: open 500.00)
- 03-05 C2 receipt 500.00 oldest first → the 01-15 invoice; latest date 03-05; requested date 02-15

| date  | C1                           | C2                           |
|-------|------------------------------|------------------------------|
| 01-31 | not_due 3,000                | not_due 500                  |
| 02-15 | not_due 2,000, 1-30 1,000    | 1-30 500 (1 day)             |
| 02-28 | not_due 1,800                | not_due 200, 1-30 500        |
| 03-05 | not_due 1,500                | not_due 200                  |

DSO (company): Jan 3,500 ÷ 3,500 × 31 = 31.0; Feb 2,500 ÷ 200 × 28 = 350.0; Mar (to 03-05) no
sales → NULL. C2 Feb: 700 ÷ 200 × 28 = 98.0.
CEI (company): Jan nothing collectable → NULL; Feb (3,500 + 200 − 2,500) ÷ (3,700 − 2,000) = 70.6;
Mar (2,500 − 1,700) ÷ (2,500 − 1,700) = 100.0.
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
from operational.services import cash, purchasing, returns, sales
from operational.services import masterdata as md
from operational.services import receivables as ar
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput
from orchestration.checks.open_items_reconciliation import (
    OpenItemsReconciliationSpec,
    compare_partners,
    store_side,
    warehouse_side,
)
from orchestration.resources import WarehouseResource
from tests.transforms.conftest import Warehouse, dbt, dbt_process

D = Decimal
REPORT_DATES = [date(2026, 1, 31), date(2026, 2, 15), date(2026, 2, 28), date(2026, 3, 5)]
OTHER_DATES = [date(2026, 1, 9), date(2026, 2, 21), date(2026, 3, 2), date(2026, 6, 30)]  # not in the mart


def _ship(s, customer, wh, product, qty, on):
    po = purchasing.create_purchase_order(s, customer["sup"], wh, on, [L(product, qty, "1.00")])
    purchasing.confirm_purchase_order(s, po.id)
    purchasing.receive_all(s, po.id, on)
    so = sales.create_sales_order(s, customer["id"], wh, on, [L(product, qty, "2.50", 0)])
    sales.confirm_sales_order(s, so.id)
    return sales.ship_all(s, so.id, on)


def build(engine) -> dict[str, int]:
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "WH1", "上海主仓").id
        sup = md.create_supplier(s, "S1", "供应商").id
        a = md.create_product(s, "A", "矿泉水").id
        c1 = md.create_customer(s, "C1", "一号客户").id
        c2 = md.create_customer(s, "C2", "二号客户", payment_terms_days=30).id
        term = ar.create_payment_term(s, "T306090", "30/60/90", [("33.3333", 30), ("33.3333", 60), ("33.3334", 90)])
        ar.set_customer_term(s, c1, term.id)
        bank = cash.create_account(s, "B01", "工行").id
    one, two = {"id": c1, "sup": sup}, {"id": c2, "sup": sup}
    with unit_of_work(engine) as s:
        sh1 = _ship(s, one, wh, a, 1200, date(2026, 1, 10))
        ar.invoice_shipments(s, [sh1.id], date(2026, 1, 10))
        ar.invoice_shipments(s, [_ship(s, two, wh, a, 200, date(2026, 1, 15)).id], date(2026, 1, 15))
        ar.receive_payment(s, c1, "1200", bank, date(2026, 2, 20))
        ar.invoice_shipments(s, [_ship(s, two, wh, a, 80, date(2026, 2, 20)).id], date(2026, 2, 20))
        ret = returns.return_from_customer(s, sh1.id, date(2026, 3, 1), [ReturnLineInput(sh1.lines[0].id, 120)],
                                           reason="破损")
        assert ar.issue_credit_note(s, ret.id).unallocated_amount == D("0.00")
        ar.receive_payment(s, c2, "500", bank, date(2026, 3, 5))
    return {"c1": c1, "c2": c2}


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    work = tmp_path_factory.mktemp("receivables_marts")
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    ids = build(engine)
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--select", "+path:models/marts/receivables", "+dim_customer", "dim_aging_buckets",
        "assert_ar_aging_buckets_sum_to_outstanding", "--indirect-selection", "cautious",
        "--vars", '{"ar_report_dates": ["2026-02-15"]}')
    built = Warehouse(warehouse)
    built.ids = ids  # type: ignore[attr-defined]
    with unit_of_work(engine) as s:
        built.store_aging = {d: ar.aging(s, d) for d in REPORT_DATES + OTHER_DATES}  # type: ignore[attr-defined]
        built.store_outstanding = ar.outstanding(s)  # type: ignore[attr-defined]
        spec = OpenItemsReconciliationSpec(None, "x", "x", ar.AR, "marts.fct_receivable_instalments",  # type: ignore[arg-type]
                                           "customer_id")
        found, upto_alloc, upto_doc = warehouse_side(WarehouseResource(warehouse_path=str(warehouse)), spec)
        built.check = (found, store_side(s, spec, upto_alloc, upto_doc), upto_alloc, upto_doc)  # type: ignore[attr-defined]
    engine.dispose()
    return built


def test_report_dates_are_month_ends_the_latest_date_and_requested_dates(wh):
    assert wh.rows("select report_date, is_month_end, is_latest from intermediate.int_ar_report_dates "
                   "order by 1") == [(date(2026, 1, 31), True, False), (date(2026, 2, 15), False, False),
                                     (date(2026, 2, 28), True, False), (date(2026, 3, 5), False, True)]


def test_aging_buckets_by_hand(wh):
    c1, c2 = wh.ids["c1"], wh.ids["c2"]
    rows = wh.rows("select report_date, customer_id, bucket_label, outstanding_amount from marts.mart_ar_aging "
                   "order by 1, 2, bucket_order")
    assert rows == [
        (date(2026, 1, 31), c1, "not_due", D("3000.00")), (date(2026, 1, 31), c2, "not_due", D("500.00")),
        (date(2026, 2, 15), c1, "not_due", D("2000.00")), (date(2026, 2, 15), c1, "1-30", D("1000.00")),
        (date(2026, 2, 15), c2, "1-30", D("500.00")),
        (date(2026, 2, 28), c1, "not_due", D("1800.00")),
        (date(2026, 2, 28), c2, "not_due", D("200.00")), (date(2026, 2, 28), c2, "1-30", D("500.00")),
        (date(2026, 3, 5), c1, "not_due", D("1500.00")), (date(2026, 3, 5), c2, "not_due", D("200.00")),
    ]


def test_mart_aging_equals_the_store_on_every_report_date(wh):
    for report in REPORT_DATES:
        mart = {(c, o, label): a for c, o, label, a in wh.rows(
            "select customer_id, bucket_order, bucket_label, outstanding_amount from marts.mart_ar_aging "
            f"where report_date = '{report}'")}
        assert mart == wh.store_aging[report], report


def test_instalments_fact_equals_the_store(wh):
    rows = wh.rows("select customer_id, sum(outstanding_amount) from marts.fct_receivable_instalments "
                   "group by 1 having sum(outstanding_amount) <> 0 order by 1")
    assert dict(rows) == wh.store_outstanding == {wh.ids["c1"]: D("1500.00"), wh.ids["c2"]: D("200.00")}


def test_reconciliation_check_sides_agree(wh):
    found, expected, upto_alloc, upto_doc = wh.check
    assert (upto_alloc, upto_doc) == (4, 3)  # 1,000 + 200 + credit 300 + C2's 500; three invoices
    assert compare_partners(expected, found) == []
    assert compare_partners(expected, {**found, wh.ids["c2"]: D("200.01")})[0].as_dict()["difference"] == "0.01"


def test_dso_by_hand(wh):
    rows = wh.rows("select year_month, ar_outstanding, credit_sales, days_in_period, dso_days "
                   "from marts.mart_dso_monthly where scope = 'company' order by 1")
    assert rows == [("2026-01", D("3500.00"), D("3500.00"), 31, D("31.0")),
                    ("2026-02", D("2500.00"), D("200.00"), 28, D("350.0")),
                    ("2026-03", D("1700.00"), D("0.00"), 5, None)]
    assert wh.rows("select dso_days from marts.mart_dso_monthly where scope = 'customer' "
                   f"and customer_id = {wh.ids['c2']} and year_month = '2026-02'") == [(D("98.0"),)]


def test_collection_effectiveness_by_hand(wh):
    rows = wh.rows("select year_month, opening_ar, credit_sales, closing_ar, closing_current_ar, cei_percent "
                   "from marts.mart_collection_effectiveness where scope = 'company' order by 1")
    assert rows == [("2026-01", D("0.00"), D("3500.00"), D("3500.00"), D("3500.00"), None),
                    ("2026-02", D("3500.00"), D("200.00"), D("2500.00"), D("2000.00"), D("70.6")),
                    ("2026-03", D("2500.00"), D("0.00"), D("1700.00"), D("1700.00"), D("100.0"))]


def test_the_blocking_aging_test_catches_buckets_that_do_not_add_up(wh, tmp_path):
    """A cent moved in one bucket (on a copy of the warehouse) fails the shared aging test."""
    copy = tmp_path / "broken.duckdb"
    shutil.copy(wh.path, copy)
    with duckdb.connect(str(copy)) as con:
        day, customer, bucket = con.execute(
            "select report_date, customer_id, bucket_order from marts.mart_ar_aging where outstanding_amount > 0 "
            "order by all limit 1").fetchone()
        con.execute("update marts.mart_ar_aging set outstanding_amount = outstanding_amount + 0.01 "
                    "where report_date = ? and customer_id = ? and bucket_order = ?", [day, customer, bucket])
    done = dbt_process(copy, tmp_path, "test", "-s", "assert_ar_aging_buckets_sum_to_outstanding")
    assert done.returncode != 0
    assert "FAIL 1 assert_ar_aging_buckets_sum_to_outstanding" in done.stdout


# --- aging as of any date (dashboards.serving_open_items on the published periods) ---------------

def _served(aging) -> dict[tuple[int, int, str], Decimal]:
    return {(int(r.partner_id), int(r.bucket_order), r.bucket_label): D(f"{r.outstanding_amount:.2f}")
            for r in aging.by_partner.itertuples()}


def test_balance_periods_of_c1s_first_instalments(wh):
    """Instalment 2 of C1 (1,000.00 due 03-11): open in full from 01-10, 800.00 after the receipt
    of 02-20 (200.00 of it), 500.00 after the credit note of 03-01 (300.00)."""
    rows = wh.rows("select p.valid_from, p.valid_to, p.outstanding_amount from marts.fct_receivable_balance_periods p "
                   f"where p.customer_id = {wh.ids['c1']} and p.due_date = '2026-03-11' order by p.valid_from")
    assert rows == [(date(2026, 1, 10), date(2026, 2, 20), D("1000.00")),
                    (date(2026, 2, 20), date(2026, 3, 1), D("800.00")),
                    (date(2026, 3, 1), None, D("500.00"))]


def test_aging_as_of_a_report_date_is_the_mart(wh, data_dir):
    from dashboards import serving_open_items as soi

    wh.publish(data_dir)
    for report in REPORT_DATES:
        mart = wh.rows("select customer_id, bucket_order, bucket_label, outstanding_amount, instalment_count, "
                       f"invoice_count, max_days_overdue from marts.mart_ar_aging where report_date = '{report}' "
                       "order by customer_id, bucket_order")
        served = soi.aging(soi.AR, report).by_partner.sort_values(["partner_id", "bucket_order"])
        assert [(int(r.partner_id), int(r.bucket_order), r.bucket_label, D(f"{r.outstanding_amount:.2f}"),
                 int(r.instalment_count), int(r.document_count), int(r.max_days_overdue))
                for r in served.itertuples()] == mart, report


def test_aging_as_of_any_date_by_hand_and_equal_to_the_store(wh, data_dir):
    """02-21: C1 1,800.00 not due (receipt of 02-20); C2 500.00 7 days late + 200.00 not due.
    03-02: C1 1,500.00 (credit note of 03-01); C2 500.00 now 16 days late. 01-09: nothing yet."""
    from dashboards import serving_open_items as soi

    wh.publish(data_dir)
    c1, c2 = wh.ids["c1"], wh.ids["c2"]
    assert _served(soi.aging(soi.AR, date(2026, 2, 21))) == {
        (c1, 0, "not_due"): D("1800.00"), (c2, 0, "not_due"): D("200.00"), (c2, 1, "1-30"): D("500.00")}
    on_0302 = soi.aging(soi.AR, date(2026, 3, 2))
    assert _served(on_0302) == {
        (c1, 0, "not_due"): D("1500.00"), (c2, 0, "not_due"): D("200.00"), (c2, 1, "1-30"): D("500.00")}
    assert on_0302.buckets["outstanding_amount"].tolist() == [1700.0, 500.0, 0.0, 0.0, 0.0, 0.0]
    assert soi.aging(soi.AR, date(2026, 1, 9)).by_partner.empty
    for day in OTHER_DATES:
        assert _served(soi.aging(soi.AR, day)) == wh.store_aging[day], day


def test_aging_as_of_any_date_with_other_buckets(wh, data_dir):
    """Buckets (15, 45) on 03-02: C2's 500.00 is 16 days late → 16-45; only the overdue buckets
    asked for: C1 has nothing overdue."""
    from dashboards import serving_open_items as soi
    from operational.services.errors import ValidationError

    wh.publish(data_dir)
    c2 = wh.ids["c2"]
    aging = soi.aging(soi.AR, date(2026, 3, 2), (15, 45), bucket_orders=(1, 2, 3))
    assert _served(aging) == {(c2, 2, "16-45"): D("500.00")}
    assert aging.buckets["bucket_label"].tolist() == ["1-15", "16-45", "45+"]
    assert soi.aging(soi.AR, date(2026, 3, 2), partner_id=wh.ids["c1"]).by_partner["partner_id"].unique().tolist() \
        == [wh.ids["c1"]]
    with pytest.raises(ValidationError):
        soi.aging(soi.AR, date(2026, 3, 2), (30, 20))
