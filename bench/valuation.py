"""Subprocess entries for the valuation benchmark, run in a data directory whose warehouse the full
pipeline has built:

- ``full``: revalue the whole ledger: ``dbt run --full-refresh`` of the valuation chain
  (int_movement_valuation → int_valuation_closings → mart_inventory_daily); also the engine alone
  on the warehouse's ledger, in-process, to separate its cost from dbt's.
- ``append``: simulate one more day through the services (``operational.demo.simulate_days``),
  extract, and time the incremental dbt run of the chain: each product continues from its saved
  state, so only the new rows (and the few earlier rows whose figures they move) are written.
- ``backdated``: post a receipt dated 60 days back for the busiest product (most ledger rows)
  through the services, extract, and time the incremental dbt run of the same chain, which
  revalues only that product, from its last month end before that date.

Each prints a ``SUMMARY`` line the harness records.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
CHAIN = ["int_movement_valuation", "int_valuation_closings", "mart_inventory_daily"]


def _dbt(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "run", "--quiet", "--project-dir", "transforms",
                    "--profiles-dir", "transforms", "-s", *CHAIN, *args], cwd=ROOT, check=True)
    return time.perf_counter() - start


def _warehouse() -> Path:
    return Path(os.environ["JXC_DATA_DIR"]) / "warehouse.duckdb"


def full() -> str:
    from operational.services.valuation import value_ledger

    with duckdb.connect(str(_warehouse()), read_only=True) as con:
        methods = {p: (m, c) for p, m, c in con.execute(
            "select product_id, valuation_method, standard_cost from staging.stg_jxc__products").fetchall()}
        rows = con.execute("select product_id, stock_ledger_id, movement_date, warehouse_id, movement_type, quantity, "
                           "unit_cost, source_ledger_id from staging.stg_jxc__stock_ledger "
                           "order by product_id").fetchall()
    start = time.perf_counter()
    products = sum(1 for _ in value_ledger(rows, methods))
    engine_s = time.perf_counter() - start
    dbt_s = _dbt("--full-refresh")
    return f"movements={len(rows)} products={products} engine_seconds={engine_s:.1f} dbt_chain_seconds={dbt_s:.1f}"


def _latest_batch() -> tuple[int, int, int]:
    """Products and rows written by the latest valuation batch, and all rows."""
    with duckdb.connect(str(_warehouse()), read_only=True) as con:
        return con.execute("select count(distinct product_id) filter (where valued_at = m), "
                           "count(*) filter (where valued_at = m), count(*) from intermediate.int_movement_valuation, "
                           "(select max(valued_at) as m from intermediate.int_movement_valuation)").fetchone()


def append() -> str:
    from ingestion.extract import extract_to_raw
    from operational.db import get_engine
    from operational.demo import simulate_days

    engine = get_engine()
    summary = simulate_days(engine, days=1)
    written = extract_to_raw(engine.url.render_as_string(hide_password=False), _warehouse())
    seconds = _dbt()
    products, rows, total = _latest_batch()
    return (f"day={summary.last_day} new_ledger_rows={written.get('stock_ledger', 0)} revalued_products={products} "
            f"revalued_rows={rows} of_rows={total} dbt_chain_seconds={seconds:.1f}")


def backdated() -> str:
    from ingestion.extract import extract_to_raw
    from operational.db import get_engine, unit_of_work
    from operational.models import Supplier
    from operational.services import purchasing
    from operational.services.orders import OrderLineInput

    with duckdb.connect(str(_warehouse()), read_only=True) as con:
        product_id, warehouse_id, movements, last_day = con.execute(
            "select product_id, arg_max(warehouse_id, n), sum(n), max(last_day) from ("
            "  select product_id, warehouse_id, count(*) as n, max(movement_date) as last_day"
            "  from staging.stg_jxc__stock_ledger group by 1, 2) group by 1 order by 3 desc limit 1").fetchone()
    on = last_day - timedelta(days=60)
    engine = get_engine()
    with unit_of_work(engine) as s:
        supplier = s.query(Supplier.id).filter(Supplier.status == "active").order_by(Supplier.id).first()[0]
        po = purchasing.create_purchase_order(s, supplier, warehouse_id, on,
                                              [OrderLineInput(product_id, Decimal(50), Decimal("1.00"))])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_all(s, po.id, on)
    extract_to_raw(engine.url.render_as_string(hide_password=False), _warehouse())
    seconds = _dbt()
    products, rows, _ = _latest_batch()
    return (f"product={product_id} product_movements={movements} backdated_to={on} "
            f"revalued_products={products} revalued_rows={rows} dbt_chain_seconds={seconds:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["full", "append", "backdated"])
    args = parser.parse_args()
    print("SUMMARY " + {"full": full, "append": append, "backdated": backdated}[args.what](), flush=True)


if __name__ == "__main__":
    main()
