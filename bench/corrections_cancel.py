"""Subprocess entry for the cancellation benchmark, run in a data directory whose warehouse the
full pipeline has built: a receipt of 50 units of the busiest product (most ledger rows) dated 60
days back is posted and the pipeline's valuation chain brought up to date; then that receipt is
cancelled (作废) through ``stock_cancellation.cancel_stock_document``, extracted, and the incremental
dbt run of the valuation chain (int_movement_valuation → int_valuation_closings →
mart_inventory_daily) is timed: it re-values only that product, from the receipt's date, as if the
receipt had never been posted. Prints a ``SUMMARY`` line the harness records."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import duckdb

from bench.valuation import _dbt, _warehouse


def cancel() -> str:
    from ingestion.extract import extract_to_raw
    from operational.db import get_engine, unit_of_work
    from operational.models import Supplier
    from operational.services import purchasing
    from operational.services.orders import OrderLineInput
    from operational.services.stock_cancellation import cancel_stock_document

    with duckdb.connect(str(_warehouse()), read_only=True) as con:
        product_id, warehouse_id, movements, last_day = con.execute(
            "select product_id, arg_max(warehouse_id, n), sum(n), max(last_day) from ("
            "  select product_id, warehouse_id, count(*) as n, max(movement_date) as last_day"
            "  from staging.stg_jxc__stock_ledger group by 1, 2) group by 1 order by 3 desc limit 1").fetchone()
    on = last_day - timedelta(days=60)
    engine = get_engine()
    url = engine.url.render_as_string(hide_password=False)
    with unit_of_work(engine) as s:
        supplier = s.query(Supplier.id).filter(Supplier.status == "active").order_by(Supplier.id).first()[0]
        po = purchasing.create_purchase_order(s, supplier, warehouse_id, on,
                                              [OrderLineInput(product_id, Decimal(50), Decimal("1.00"))])
        purchasing.confirm_purchase_order(s, po.id)
        receipt_id = purchasing.receive_all(s, po.id, on).id
    extract_to_raw(url, _warehouse())
    _dbt()  # the receipt valued: the starting point

    start = time.perf_counter()
    with unit_of_work(engine) as s:
        cancel_stock_document(s, "goods_receipt", receipt_id, "bench: entered in error")
    service_s = time.perf_counter() - start
    extract_to_raw(url, _warehouse())
    seconds = _dbt()
    with duckdb.connect(str(_warehouse()), read_only=True) as con:
        revalued = con.execute("select count(distinct product_id), count(*), min(revalued_from) "
                               "from intermediate.int_movement_valuation "
                               "where valued_at = (select max(valued_at) from intermediate.int_movement_valuation)"
                               ).fetchone()
    return (f"product={product_id} product_movements={movements} cancelled_receipt_dated={on} "
            f"service_seconds={service_s:.2f} revalued_products={revalued[0]} revalued_rows={revalued[1]} "
            f"revalued_from={revalued[2]} dbt_chain_seconds={seconds:.1f}")


if __name__ == "__main__":
    print("SUMMARY " + cancel(), flush=True)
