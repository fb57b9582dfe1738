"""The planning analyses built by dbt from the hand-made company of tests/transforms/conftest.py
(timeline there; the calendar ends 2026-03-06): fill rate to customers, stock-out days with lost
sales, slow-moving and dead stock — hand-computed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

pytestmark = pytest.mark.slow


def test_fill_rate_counts_only_lines_shipped_in_full_by_their_due_date(built):
    rows = built.warehouse.rows("select year_month, qty_due, qty_on_time, qty_on_time_in_full, lines_due, "
                                "lines_on_time_in_full, fill_rate, on_time_rate from marts.mart_customer_fill_rate")
    # SO1 A 80 due 03-03 (no required date: its order date), shipped 03-04 and 03-06 → late: 0;
    # SO3 A 30 due 03-05 shipped that day → 30; SO3 C 4 never shipped → 0; SO5 D 2 shipped on the day → 2.
    # SO2 (cancelled) and SO4 (draft) are not due.
    assert rows == [("2026-03", D(116), D(32), D(32), 4, 2, pytest.approx(32 / 116), pytest.approx(32 / 116))]


def test_stockout_days_and_lost_sales(built):
    ids = built.company.ids
    rows = built.warehouse.rows("select product_id, warehouse_id, days_tracked, stockout_days, demand_qty, "
                                "daily_demand, lost_sales_qty from marts.mart_stockout_days "
                                "order by product_id, warehouse_id")
    assert rows == [
        # A@WH1 never ran out: 110 shipped over 6 in-stock days.
        (ids["a"], ids["wh1"], 6, 0, D(110), pytest.approx(110 / 6), 0.0),
        # D@WH2 went to −2 on its only day: out of stock, never in stock → no rate to estimate from.
        (ids["d"], ids["wh2"], 1, 1, D(2), None, None),
    ]


def test_slow_moving_and_dead_stock(built):
    ids = built.company.ids
    rows = built.warehouse.rows("select product_id, warehouse_id, on_hand_quantity, last_sale_date, sold_90d, "
                                "days_of_cover, movement_status from marts.mart_slow_moving_stock "
                                "order by product_id, warehouse_id")
    assert rows == [
        # 40 on hand, 110 sold in 90 days: 40 ÷ (110 ÷ 90) = 32.7 days of cover.
        (ids["a"], ids["wh1"], D(40), date(2026, 3, 6), D(110), pytest.approx(40 / (110 / 90)), "active"),
        (ids["a"], ids["wh2"], D(20), None, D(0), None, "dead"),  # never sold from WH2
        (ids["b"], ids["wh1"], D(60), None, D(0), None, "dead"),
    ]
