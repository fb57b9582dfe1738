"""The hand-written floor (bench/floor.py) equals the marts, figure by figure, and a one-cent or
one-unit change in the raw data shows up. Called by the end-to-end test right after its full
pipeline run on the demo company (one demo and one run serve both)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb

from bench import floor
from operational.settings import get_settings


def _warehouse_copy(tmp_path: Path, name: str, sql: str) -> Path:
    """A copy of the built warehouse with one change made to its raw tables (the marts left as built)."""
    copy = tmp_path / f"{name}.duckdb"
    shutil.copy(get_settings().warehouse_path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(sql)
    return copy


def check_floor_equals_marts(tmp_path: Path, last_day: date) -> None:
    """After a full run on a company whose last day is ``last_day``."""
    result, con = floor.run(get_settings().warehouse_path)
    try:  # closed even when an assertion fails: a connection left open keeps the warehouse attached
        details = {name: floor.differences(con, name) for name, n in result.mismatches.items() if n}
        assert result.mismatches == dict.fromkeys(floor.MART_SQL, 0), details
        assert result.ar_buckets_sum_to_outstanding
        # Every figure has data, so "equal" is not "both empty".
        assert all(n > 0 for n in result.rows.values()), result.rows
        assert result.last_day == last_day
        # AR: the latest report date has open invoices in more than one bucket.
        assert con.execute("select count(distinct bucket_order) from f_ar_aging").fetchone()[0] >= 2
    finally:
        con.close()

    # One cent more on one counted sales line: the day's row differs (one row each side), nothing else.
    cent = _warehouse_copy(tmp_path, "cent", """
        update raw.sales_order_line set amount = amount + 0.01
        where id = (select min(l.id) from raw.sales_order_line as l join raw.sales_order as o on o.id = l.order_id
                    where o.status in ('confirmed', 'partial', 'completed', 'closed'))""")
    changed, con = floor.run(cent)
    con.close()
    assert changed.mismatches == {**dict.fromkeys(floor.MART_SQL, 0), "sales_daily": 2}

    # One unit less on the last shipment: the stock from that day on and the turnover differ.
    unit = _warehouse_copy(tmp_path, "unit", """
        update raw.stock_ledger set quantity = quantity + 1
        where id = (select max(id) from raw.stock_ledger where movement_type = 'shipment' and quantity <= -2)""")
    changed, con = floor.run(unit)
    con.close()
    assert changed.mismatches["inventory_daily"] > 0
    assert changed.mismatches["turnover_category"] > 0
    assert changed.mismatches["sales_daily"] == 0
