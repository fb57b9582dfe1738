"""The marts of the hand-made company (see conftest.py for the timeline), checked number by number."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D

import duckdb
import pytest
from sqlalchemy import select

from operational.models import StockBalance
from tests.transforms.conftest import dbt_process

pytestmark = pytest.mark.slow


def test_dim_date_spans_first_document_to_last_day(built):
    rows = built.warehouse.rows("select date_day, year, month, year_month, iso_week, day_of_week, is_weekend "
                                "from marts.dim_date order by date_day")
    assert [r[0] for r in rows] == [date(2026, 3, day) for day in range(1, 7)]
    assert rows[0] == (date(2026, 3, 1), 2026, 3, "2026-03", 9, 7, True)  # a Sunday in ISO week 9
    assert rows[1][4:] == (10, 1, False)  # Monday 2 March starts ISO week 10


def test_inventory_daily_closing_quantities_and_values(built):
    ids = built.company.ids
    rows = built.warehouse.rows(
        f"select date_day, closing_quantity, closing_value from marts.mart_inventory_daily "
        f"where product_id = {ids['a']} and warehouse_id = {ids['wh1']} order by date_day")
    # A is moving average, company-wide; each warehouse holds its share by quantity and the
    # largest holding (WH1) takes the rounding remainder:
    # 03-01 100 @ 1.10 = 110.00
    # 03-02 + WH2 20 @ 1.15: 120 worth 133.00; WH2 133 × 20/120 = 22.17, WH1 110.83
    # 03-03 + 50 @ 1.30 = 65.00: 170 worth 198.00; WH2 198 × 20/170 = 23.29, WH1 174.71
    # 03-04 ships 60 × 198/170 = 69.88: 110 worth 128.12; WH2 23.29, WH1 104.83
    # 03-05 ships 30 × 128.12/110 = 34.94: 80 worth 93.18; WH2 93.18/4 = 23.295 → 23.30, WH1 69.88
    # 03-06 ships 20 × 93.18/80 = 23.295 → 23.30: 60 worth 69.88; WH2 23.29, WH1 46.59
    assert rows == [
        (date(2026, 3, 1), D("100"), D("110.00")),
        (date(2026, 3, 2), D("100"), D("110.83")),
        (date(2026, 3, 3), D("150"), D("174.71")),
        (date(2026, 3, 4), D("90"), D("104.83")),
        (date(2026, 3, 5), D("60"), D("69.88")),
        (date(2026, 3, 6), D("40"), D("46.59")),
    ]
    wh2 = built.warehouse.rows(f"select closing_value from marts.mart_inventory_daily "
                               f"where product_id = {ids['a']} and warehouse_id = {ids['wh2']} order by date_day")
    assert [r[0] for r in wh2] == [D("22.17"), D("23.29"), D("23.29"), D("23.30"), D("23.29")]
    b = built.warehouse.rows(f"select closing_quantity, closing_value, unit_cost from marts.mart_inventory_daily "
                             f"where product_id = {ids['b']} order by date_day")
    # B: 20 @ 2.00 = 40.00, then 40 @ 2.25 (2.50 less 10 %) = 90.00 → 60 worth 130.00 (2.1667)
    assert b == [(D(20), D("40.00"), D(2))] * 2 + [(D(60), D("130.00"), D("2.1667"))] * 4
    first = built.warehouse.rows(f"select min(date_day), count(*) from marts.mart_inventory_daily "
                                 f"where product_id = {ids['a']} and warehouse_id = {ids['wh2']}")
    assert first == [(date(2026, 3, 2), 5)]  # from its first movement, carried to the last day
    # D never received: negative stock valued provisionally at its standard cost.
    assert built.warehouse.rows(f"select date_day, closing_quantity, unit_cost, closing_value "
                                f"from marts.mart_inventory_daily where product_id = {ids['d']}") == [
        (date(2026, 3, 6), D(-2), D(3), D("-6.00"))]
    assert built.warehouse.rows("select count(*) from marts.mart_inventory_daily") == [(6 + 6 + 5 + 1,)]


def test_last_day_equals_store_stock_balance(built):
    last = built.warehouse.rows(
        "select product_id, warehouse_id, closing_quantity from marts.mart_inventory_daily "
        "where date_day = (select max(date_day) from marts.dim_date)")
    with built.company.engine.connect() as conn:
        store = {(p, w): q for p, w, q in conn.execute(
            select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity))}
    assert {(p, w): q for p, w, q in last} == store
    assert len(store) == 4


def test_stock_current(built):
    ids = built.company.ids
    rows = built.warehouse.rows("select product_id, warehouse_id, on_hand_quantity, unit_cost, "
                                "stock_value, last_movement_date from marts.mart_stock_current")
    assert sorted(rows) == sorted([
        (ids["a"], ids["wh1"], D(40), D("1.1648"), D("46.59"), date(2026, 3, 6)),  # 46.59 / 40 = 1.16475
        (ids["b"], ids["wh1"], D(60), D("2.1667"), D("130.00"), date(2026, 3, 3)),
        (ids["a"], ids["wh2"], D(20), D("1.1645"), D("23.29"), date(2026, 3, 2)),
        (ids["d"], ids["wh2"], D(-2), D(3), D("-6.00"), date(2026, 3, 6)),
    ])


def test_stock_alerts(built):
    ids = built.company.ids
    rows = built.warehouse.rows("select product_id, warehouse_id, sku, warehouse_name, on_hand_quantity, min_qty, "
                                "max_qty, alert_type, suggested_quantity from marts.mart_stock_alerts")
    assert sorted(rows) == sorted([
        (ids["a"], ids["wh1"], "A", "上海主仓", D(40), D(50), D(200), "below_min", D(160)),  # up to max
        (ids["b"], ids["wh1"], "B", "上海主仓", D(60), D(10), D(30), "above_max", D(0)),
        (ids["c"], ids["wh2"], "C", "广州仓", D(0), D(5), None, "below_min", D(5)),  # no max: up to min
    ])


def test_sales_daily(built):
    ids = built.company.ids
    rows = built.warehouse.rows("select date_day, warehouse_id, category_id, order_count, line_count, quantity, "
                                "amount from marts.mart_sales_daily")
    assert sorted(rows) == sorted([
        (date(2026, 3, 3), ids["wh1"], ids["drink"], 1, 1, D(80), D("200.00")),
        # SO2 is cancelled and SO4 (A 2 @ 2.50) a draft: neither counts; SO3's A line 30 (68.40) does
        (date(2026, 3, 5), ids["wh1"], ids["drink"], 1, 1, D(30), D("68.40")),
        (date(2026, 3, 5), ids["wh1"], ids["snack"], 1, 1, D(4), D("20.00")),
        (date(2026, 3, 6), ids["wh2"], ids["snack"], 1, 1, D(2), D("12.00")),
    ])


def test_purchases_daily_and_fact_lines(built):
    ids = built.company.ids
    assert built.warehouse.rows("select date_day, warehouse_id, category_id, order_count, line_count, quantity, "
                                "amount from marts.mart_purchases_daily") == [
        (date(2026, 3, 2), ids["wh1"], ids["drink"], 1, 2, D(90), D("155.00"))]
    assert built.warehouse.rows(f"select status, quantity, shipped_qty, amount from marts.fct_sales_lines "
                                f"where sales_order_id = {ids['so3']} order by sales_order_line_id") == [
        ("partial", D(30), D(30), D("68.40")), ("partial", D(4), D(0), D("20.00"))]
    assert built.warehouse.rows("select count(*), count(*) filter (where status = 'cancelled') "
                                "from marts.fct_sales_lines") == [(6, 1)]


def test_stock_movements_fact(built):
    rows = built.warehouse.rows("select movement_type, count(*), sum(quantity) from marts.fct_stock_movements "
                                "group by 1 order by 1")
    assert rows == [("opening", 3, D(140)), ("receipt", 2, D(90)), ("shipment", 4, D(-112))]


def test_movement_valuation(built):
    ids = built.company.ids
    rows = built.warehouse.rows(
        f"select movement_date, movement_type, quantity, unit_cost, movement_value, provisional "
        f"from intermediate.int_movement_valuation where product_id in ({ids['a']}, {ids['d']}) "
        f"order by product_id, movement_date, stock_ledger_id")
    assert rows == [
        (date(2026, 3, 1), "opening", D(100), D("1.1"), D("110.00"), False),
        (date(2026, 3, 2), "opening", D(20), D("1.15"), D("23.00"), False),
        (date(2026, 3, 3), "receipt", D(50), D("1.3"), D("65.00"), False),
        (date(2026, 3, 4), "shipment", D(-60), D("1.1647"), D("-69.88"), False),  # 60 × 198/170
        (date(2026, 3, 5), "shipment", D(-30), D("1.1647"), D("-34.94"), False),  # 30 × 128.12/110
        (date(2026, 3, 6), "shipment", D(-20), D("1.1650"), D("-23.30"), False),  # 20 × 93.18/80
        (date(2026, 3, 6), "shipment", D(-2), D(3), D("-6.00"), True),  # D: no receipt yet to settle it
    ]
    # Every product's warehouses add up to its value: the sum of its non-transfer movement values.
    assert built.warehouse.rows(
        "select sum(movement_value) from intermediate.int_movement_valuation") == built.warehouse.rows(
        "select sum(stock_value) from marts.mart_stock_current")


def test_contract_column_types(built):
    types = dict(built.warehouse.rows(
        "select table_name || '.' || column_name, data_type from information_schema.columns "
        "where table_schema = 'marts'"))
    assert types["mart_inventory_daily.closing_quantity"] == "DECIMAL(18,4)"
    assert types["mart_inventory_daily.closing_value"] == "DECIMAL(18,2)"
    assert types["mart_sales_daily.amount"] == "DECIMAL(18,2)"
    assert types["mart_stock_alerts.suggested_quantity"] == "DECIMAL(18,4)"
    assert types["dim_date.year_month"] == "VARCHAR"
    tables = {t for (t,) in built.warehouse.rows(
        "select table_name from information_schema.tables where table_schema = 'marts'")}
    # The published contract (docs/architecture.md); later areas add marts beside it.
    assert tables >= {"dim_date", "dim_product", "dim_warehouse", "dim_supplier", "dim_customer",
                      "fct_sales_lines", "fct_purchase_lines", "fct_stock_movements", "mart_inventory_daily",
                      "mart_stock_current", "mart_stock_alerts", "mart_sales_daily", "mart_purchases_daily",
                      "fct_shipment_lines", "fct_sales_return_lines", "mart_inventory_valuation",
                      "mart_inventory_turnover", "mart_stock_ageing", "mart_stocktake_variance",
                      "mart_supplier_scorecard", "mart_batch_expiry"}


def test_shipment_lines_carry_cost_and_margin(built):
    ids = built.company.ids
    rows = built.warehouse.rows(f"select ship_date, quantity, revenue, cogs, gross_margin from marts.fct_shipment_lines "
                                f"where product_id = {ids['a']} order by ship_date")
    assert rows == [
        (date(2026, 3, 4), D(60), D("150.00"), D("69.88"), D("80.12")),  # 60 × 2.50; cost 60 × 198/170
        (date(2026, 3, 5), D(30), D("68.40"), D("34.94"), D("33.46")),  # 30 × 2.40 × 0.95
        (date(2026, 3, 6), D(20), D("50.00"), D("23.30"), D("26.70")),
    ]


def test_inventory_turnover_and_valuation(built):
    ids = built.company.ids
    [row] = built.warehouse.rows(
        f"select days_in_period, cogs, average_inventory, turnover, days_of_inventory from marts.mart_inventory_turnover "
        f"where product_id = {ids['a']} and warehouse_id = {ids['wh1']}")
    # COGS 69.88 + 34.94 + 23.30 = 128.12; average of the six closings
    # (110.00 + 110.83 + 174.71 + 104.83 + 69.88 + 46.59) / 6 = 616.84 / 6 = 102.8067;
    # turnover 128.12 / 102.8067 = 1.2462; days 6 / 1.2462 = 4.8
    assert row == (6, D("128.12"), D("102.81"), D("1.2462"), D("4.8"))
    [company] = built.warehouse.rows(
        f"select closing_quantity, closing_value, received_value, cogs from marts.mart_inventory_valuation "
        f"where product_id = {ids['a']} and date_day = '2026-03-03'")
    assert company == (D(170), D("198.00"), D("65.00"), D("0.00"))


def test_stock_ageing_from_layers(built):
    ids = built.company.ids
    # A: 60 on hand are the newest arrivals: 50 received 03-03 (3 days old on 03-06) and 10 of the
    # 20 opened in WH2 on 03-02 (4 days); FIFO by arrival, priced at the average 69.88 / 60.
    rows = built.warehouse.rows(f"select age_bucket, youngest_days, oldest_days, quantity from marts.mart_stock_ageing "
                                f"where product_id = {ids['a']}")
    assert rows == [("0-30", 3, 4, D(60))]


def test_publish_blocking_tests_catch_unsourced_returns_and_over_receipts(built, tmp_path):
    """Rows written around the services make the blocking dbt tests fail (on a copy of the warehouse)."""
    ids = built.company.ids
    copy = tmp_path / "broken.duckdb"
    shutil.copy(built.warehouse.path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"insert into raw.stock_ledger (id, movement_date, posted_at, product_id, warehouse_id, movement_type,"
                    f" quantity, doc_type, doc_id, doc_no, source_ledger_id) values (9001, date '2026-03-06', now(),"
                    f" {ids['a']}, {ids['wh1']}, 'sales_return', 1, 'sales_return', 1, 'SR-HAND', null)")
        con.execute("update raw.goods_receipt_line set quantity = quantity + 1 where id = (select min(id) from raw.goods_receipt_line)")
    done = dbt_process(copy, tmp_path, "test", "-s", "assert_returns_reference_their_source",
                       "assert_receipts_within_tolerance")
    assert done.returncode != 0
    assert "FAIL 1 assert_returns_reference_their_source" in done.stdout
    assert "FAIL 1 assert_receipts_within_tolerance" in done.stdout
