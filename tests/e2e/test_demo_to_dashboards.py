"""End to end: a small demo company → full pipeline → published marts that reconcile with the store;
then a purchase order entered like the form does → the sensor asks for a run → the incremental run
publishes it → the dashboards' reader sees it; a draft sales order saved at the same time changes
neither the overview's sales nor the latest document date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import dagster as dg
import duckdb
import pytest
import streamlit as st
from sqlalchemy import Engine, func, select

from dashboards import serving
from operational.db import read_only, unit_of_work
from operational.demo import check_invariants, generate
from operational.models import (
    Customer,
    Product,
    PurchaseOrder,
    SalesOrder,
    SalesOrderLine,
    Supplier,
    Warehouse,
)
from operational.services import monitoring, purchasing, queries, sales
from operational.services.orders import OrderLineInput
from operational.settings import get_settings
from orchestration.resources import StoreResource
from orchestration.runner import run_pipeline
from orchestration.sensors import store_change_sensor
from tests.bench.floor_support import check_floor_equals_marts

pytestmark = pytest.mark.slow
END = date(2026, 6, 30)
# The orders the figures count (DESIGN: never drafts or cancelled documents).
COUNTED = ("confirmed", "partial", "completed", "closed")


def _serving(sql: str) -> list[tuple]:
    con = duckdb.connect(str(get_settings().serving_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _tick(cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    # The sensor compares with the last extraction recorded in the instance, so it needs the real one.
    with dg.DagsterInstance.get() as instance:
        context = dg.build_sensor_context(cursor=cursor, instance=instance, resources={"store": StoreResource()})
        result = store_change_sensor(context)
    return result, context.cursor


def test_demo_company_through_pipeline_to_dashboards(store_engine: Engine, dagster_home, tmp_path) -> None:
    summary = generate(store_engine, scale=0.02, seed=7, end_date=END, days=90)
    assert summary.sales_order_lines > 200
    assert check_invariants(store_engine) == []

    outcome = run_pipeline(full=True)
    assert outcome.success, [c.label for c in outcome.failed_checks]
    assert outcome.checks and all(c.passed for c in outcome.checks)
    # The hand-written floor of `make bench` computes the key figures from the raw tables: equal.
    check_floor_equals_marts(tmp_path, END)

    # Stock: every product × warehouse in the published marts equals the store's balance, exactly.
    with read_only(store_engine) as s:
        balances = {k: v for k, v in monitoring.stock_balances(s).items() if v != 0}
        store_sales = s.execute(select(func.sum(SalesOrder.total_amount))
                                .where(SalesOrder.status.in_(COUNTED))).scalar_one()
        store_lines = s.execute(select(func.count()).select_from(SalesOrderLine).join(SalesOrder)
                                .where(SalesOrder.status.in_(COUNTED))).scalar_one()
    published = {(p, w): q for p, w, q in _serving(
        "SELECT product_id, warehouse_id, on_hand_quantity FROM mart_stock_current WHERE on_hand_quantity <> 0")}
    assert published == balances
    last_day = {(p, w): q for p, w, q in _serving(
        "SELECT product_id, warehouse_id, closing_quantity FROM mart_inventory_daily "
        "WHERE date_day = (SELECT max(date_day) FROM mart_inventory_daily) AND closing_quantity <> 0")}
    assert last_day == balances

    # Sales: the daily mart adds up to the store's totals of the orders that count, to the cent.
    [(mart_amount, mart_lines)] = _serving("SELECT sum(amount), sum(line_count) FROM mart_sales_daily")
    assert mart_amount == store_sales
    assert mart_lines == store_lines

    # The dashboards' reader shows the same figures.
    st.cache_data.clear()
    options = serving.filter_options()
    assert options.last_day == END
    overview = serving.overview(serving.Filters(options.first_day, options.last_day))
    assert overview.kpis.sales_amount == store_sales

    # A clerk enters and confirms a purchase order; the sensor notices and the run publishes it.
    skipped, cursor = _tick(None)  # just extracted: nothing new for the sensor
    assert isinstance(skipped, dg.SkipReason)
    with unit_of_work(store_engine) as s:
        supplier = s.execute(select(Supplier.id).where(Supplier.status == "active").limit(1)).scalar_one()
        warehouse = s.execute(select(Warehouse.id).limit(1)).scalar_one()
        product = s.execute(select(func.min(Product.id)).where(Product.is_active)).scalar_one()
        # priced without VAT (the demo's suppliers quote with VAT): the line's net is 12 × 3.50
        po = purchasing.create_purchase_order(s, supplier, warehouse, END,
                                              [OrderLineInput(product, "12", "3.50", price_includes_tax=False)])
        purchasing.confirm_purchase_order(s, po.id)
        doc_no = po.doc_no
        # A sales order saved as a draft, dated after everything else: ¥35,000.00 that is not a sale.
        customer = s.execute(select(func.min(Customer.id))).scalar_one()
        sales.create_sales_order(s, customer, warehouse, date(2026, 7, 20), [OrderLineInput(product, "1000", "35")])
    request, _ = _tick(cursor)
    assert isinstance(request, dg.RunRequest)

    incremental = run_pipeline(full=False)
    assert incremental.success, [c.label for c in incremental.failed_checks]
    assert _serving(f"SELECT status, sum(amount) FROM fct_purchase_lines WHERE doc_no = '{doc_no}' GROUP BY 1") == [
        ("confirmed", Decimal("42.00"))]
    with read_only(store_engine) as s:
        assert s.execute(select(PurchaseOrder.status).where(PurchaseOrder.doc_no == doc_no)).scalar_one() == "confirmed"
        store_latest = queries.latest_document_date(s)

    # The draft changed neither the overview's sales nor the calendar or the latest document date
    # (published and in the store alike: no "the store has newer documents" on the pipeline page).
    st.cache_data.clear()
    options = serving.filter_options()
    assert options.last_day == END
    assert serving.overview(serving.Filters(options.first_day, date(2026, 7, 31))).kpis.sales_amount == store_sales
    assert max(d for d in serving.pipeline_status().last_dates.values() if d is not None) == END
    assert store_latest == END
