"""Acceptance on real data: Northwind (../shared/datasets/northwind, beside the repository) is
imported through importing/mappings/northwind.toml into a fresh store, the full pipeline runs, and
the published marts give the figures of its expected_figures.json.

Revenue: JXC rounds every line to the cent (half-up, DESIGN "VAT"), Northwind's published total
rounds once at the end; so the marts must equal the sum of the per-line rounded amounts computed
here from the CSV, exactly, and lie within half a cent per line of the published figure.
"""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, func, select

from importing.engine import run_import
from operational.db import read_only
from operational.models import Employee, SalesOrder, StockBalance
from operational.settings import PROJECT_ROOT, get_settings
from orchestration.runner import run_pipeline

pytestmark = pytest.mark.slow
# The dataset lives beside the repository (../shared/datasets), in CI's clean clone as well.
DATASET = PROJECT_ROOT.parent / "shared" / "datasets" / "northwind"
if not DATASET.is_dir():  # also the git worktrees' layout: /work/wt/<part> next to /work/shared
    DATASET = PROJECT_ROOT.parents[1] / "shared" / "datasets" / "northwind"
MAPPING = PROJECT_ROOT / "importing" / "mappings" / "northwind.toml"
CENT = Decimal("0.01")


def _serving(sql: str) -> list[tuple]:
    con = duckdb.connect(str(get_settings().serving_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _line_rounded_revenue() -> tuple[Decimal, dict[str, Decimal], int]:
    """JXC's rule applied to the CSV: each line's quantity × price × (1 − discount) rounded half-up."""
    orders = {r["OrderID"]: r for r in csv.DictReader((DATASET / "csv" / "Orders.csv").open(encoding="utf-8"))}
    total, by_year, lines = Decimal(0), {}, 0
    for r in csv.DictReader((DATASET / "csv" / "Order_Details.csv").open(encoding="utf-8")):
        amount = (Decimal(r["Quantity"]) * Decimal(r["UnitPrice"]) * (1 - Decimal(r["Discount"]))).quantize(
            CENT, ROUND_HALF_UP)
        year = orders[r["OrderID"]]["OrderDate"][:4]
        total += amount
        by_year[year] = by_year.get(year, Decimal(0)) + amount
        lines += 1
    return total, by_year, lines


@pytest.mark.skipif(not DATASET.is_dir(), reason=f"the Northwind dataset is absent ({DATASET})")
def test_northwind_import_pipeline_and_marts(store_engine: Engine, dagster_home: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    expected = json.loads((DATASET / "expected_figures.json").read_text(encoding="utf-8"))

    # Northwind is dated 1996–1998: below the default earliest document date, refused with its row.
    refused = run_import(store_engine, DATASET / "csv", mapping=MAPPING)
    assert not refused.ok and refused.records == 0
    first = refused.errors[0]
    assert (first.source, first.column) == ("Employees.csv", "hire_date") or first.column in (
        "opening_date", "order_date", "ship_date")
    assert "2000-01-01" in first.message("en")
    with read_only(store_engine) as s:
        assert s.execute(select(func.count()).select_from(SalesOrder)).scalar_one() == 0

    monkeypatch.setenv("JXC_EARLIEST_DATE", "1996-01-01")
    phases: list[str] = []
    result = run_import(store_engine, DATASET / "csv", mapping=MAPPING, progress=lambda p, d, t: phases.append(p))
    assert result.ok, [(e.source, e.row, e.column, e.message("en")) for e in result.errors[:10]]
    assert {"validate", "write"} <= set(phases)
    counts = expected["row_counts"]
    assert result.rows == (counts["Categories"] + 1 + counts["Employees"] + 3 * counts["Products"]
                           + counts["Suppliers"] + counts["Customers"] + counts["Order Details"])

    # The same folder and mapping again: recognised by its content hash, refused, nothing written.
    again = run_import(store_engine, DATASET / "csv", mapping=MAPPING)
    assert not again.ok and "imported" in again.errors[0].message("en")

    with read_only(store_engine) as s:
        assert s.execute(select(func.count()).select_from(SalesOrder)).scalar_one() == counts["Orders"]
        employee_codes = {i: c for i, c in s.execute(select(Employee.id, Employee.code))}
        # Stock opened with UnitsInStock + everything ordered; every shipped line left it.
        on_hand = s.execute(select(func.sum(StockBalance.quantity))).scalar_one()
    unshipped_units = sum(int(r["Quantity"]) for r in csv.DictReader(
        (DATASET / "csv" / "Order_Details.csv").open(encoding="utf-8"))
        if r["OrderID"] in {o["OrderID"] for o in csv.DictReader((DATASET / "csv" / "Orders.csv").open(encoding="utf-8"))
                            if not o["ShippedDate"]})
    assert on_hand == expected["inventory_snapshot"]["units_in_stock"] + unshipped_units

    outcome = run_pipeline(full=True)
    assert outcome.success, [c.label for c in outcome.failed_checks]

    line_total, line_by_year, lines = _line_rounded_revenue()
    counted = "status in ('confirmed', 'partial', 'completed', 'closed')"
    (revenue, order_count), = _serving(f"select sum(amount), count(distinct sales_order_id) from fct_sales_lines where {counted}")
    assert revenue == line_total
    assert abs(revenue - Decimal(str(expected["total_revenue"]))) <= lines * Decimal("0.005")
    assert order_count == counts["Orders"]

    by_year = {str(y): (a, n) for y, a, n in _serving(
        f"select year(order_date), sum(amount), count(distinct sales_order_id) from fct_sales_lines "
        f"where {counted} group by 1")}
    assert {y: n for y, (_, n) in by_year.items()} == expected["orders_by_year"]
    assert {y: a for y, (a, _) in by_year.items()} == line_by_year
    for year, published in expected["revenue_by_order_year"].items():
        assert abs(by_year[year][0] - Decimal(str(published))) <= Decimal("0.25")

    per_employee = {employee_codes[e].removeprefix("NW-E"): n for e, n in _serving(
        f"select salesperson_id, count(distinct sales_order_id) from fct_sales_lines where {counted} group by 1")}
    assert per_employee == expected["orders_per_employee"]

    without = sorted(c for (c,) in _serving(
        "select customer_code from dim_customer where customer_id not in "
        f"(select customer_id from fct_sales_lines where {counted})"))
    assert without == expected["customers_without_orders"]

    (units,), = _serving("select sum(quantity) from fct_sales_lines")
    assert units == expected["units_sold"]
