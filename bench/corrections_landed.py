"""Subprocess entry for the late-landed-cost benchmark, run in a data directory whose warehouse the
full pipeline has built: post a landed cost (freight) over the busiest product's receipt of about 60
days back through the services, extract, and time

- the engine alone re-valuing that product with the landed cost (the store-side figure the
  reconciliation computes), and
- the incremental dbt run of the valuation chain (int_landed_cost_added → int_movement_valuation →
  int_valuation_closings → mart_inventory_daily), which revalues only that product from the
  receipt's date.

Prints a ``SUMMARY`` line the harness records (``python -m bench.corrections_landed``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
CHAIN = ["int_landed_cost_added", "int_movement_valuation", "int_valuation_closings", "mart_inventory_daily"]


def _dbt() -> float:
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "run", "--quiet", "--project-dir", "transforms",
                    "--profiles-dir", "transforms", "-s", *CHAIN], cwd=ROOT, check=True)
    return time.perf_counter() - start


def _warehouse() -> Path:
    return Path(os.environ["JXC_DATA_DIR"]) / "warehouse.duckdb"


def late_landed_cost() -> str:
    from sqlalchemy import select

    from ingestion.extract import extract_to_raw
    from operational.db import get_engine, unit_of_work
    from operational.models import AppUser, Product, StockLedger, Supplier
    from operational.services import landed_costs
    from operational.services.valuation import value_ledger

    with duckdb.connect(str(_warehouse()), read_only=True) as con:
        product_id, movements, last_day = con.execute(
            "select product_id, count(*), max(movement_date) from staging.stg_jxc__stock_ledger "
            "group by 1 order by 2 desc limit 1").fetchone()
        # The product's receipt closest to 60 days before its last movement: most of what follows re-costs.
        receipt_id, received_on = con.execute(
            "select doc_id, movement_date from staging.stg_jxc__stock_ledger "
            "where product_id = ? and movement_type = 'receipt' and doc_type = 'goods_receipt' "
            "order by abs(movement_date - ?::date), stock_ledger_id limit 1",
            [product_id, last_day - timedelta(days=60)]).fetchone()
    engine = get_engine()
    with unit_of_work(engine) as s:
        user = s.execute(select(AppUser).where(AppUser.role.in_(("purchasing", "admin")))
                         .order_by(AppUser.role.desc(), AppUser.id)).scalars().first()
        supplier = s.execute(select(Supplier.id).where(Supplier.status == "active").order_by(Supplier.id)).scalar()
        doc = landed_costs.post_landed_cost(s, supplier_id=supplier, cost_type="freight", amount=Decimal("888.88"),
                                            cost_date=last_day, basis="value", receipt_ids=[receipt_id], user=user)
        doc_no, lines = doc.doc_no, len(doc.allocations)
    with unit_of_work(engine) as s:
        product = s.get(Product, product_id)
        methods = {product_id: (product.valuation_method, product.standard_cost)}
        added = landed_costs.added_costs(s)
        rows = [(r.product_id, r.id, r.movement_date, r.warehouse_id, r.movement_type, r.quantity, r.unit_cost,
                 r.source_ledger_id, added.get(r.id)) for r in s.execute(
                     select(StockLedger).where(StockLedger.product_id == product_id)).scalars()]
    start = time.perf_counter()
    (_, valued), = value_ledger(rows, methods)
    engine_ms = (time.perf_counter() - start) * 1000
    extract_to_raw(engine.url.render_as_string(hide_password=False), _warehouse())
    seconds = _dbt()
    with duckdb.connect(str(_warehouse()), read_only=True) as con:
        revalued = con.execute(
            "select count(distinct product_id), count(*), min(revalued_from) from intermediate.int_movement_valuation "
            "where valued_at = (select max(valued_at) from intermediate.int_movement_valuation)").fetchone()
        # The product's value after its last day of movement (all its warehouses): equals the engine's.
        closing = con.execute(
            "select sum(closing_value) from intermediate.int_valuation_closings where product_id = ? and "
            "closing_date = (select max(closing_date) from intermediate.int_valuation_closings where product_id = ?)",
            [product_id, product_id]).fetchone()[0]
    return (f"product={product_id} product_movements={movements} document={doc_no} receipt_lines={lines} "
            f"receipt_date={received_on} revalued_products={revalued[0]} revalued_rows={revalued[1]} "
            f"revalued_from={revalued[2]} engine_ms={engine_ms:.0f} dbt_chain_seconds={seconds:.1f} "
            f"store_value={valued.value} warehouse_value={closing}")


def main() -> None:
    print("SUMMARY " + late_landed_cost(), flush=True)


if __name__ == "__main__":
    main()
