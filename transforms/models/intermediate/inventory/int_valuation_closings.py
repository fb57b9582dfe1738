"""Closing quantity and value per product × warehouse on each day the product moved.

A product's value is company-wide; ``operational.services.valuation.daily_closings`` splits it
over the warehouses in proportion to quantity, to the cent (the largest holding takes the
rounding remainder, so the warehouses always add up to the product's value). Between two of these
days nothing changes; ``mart_inventory_daily`` carries each row forward to the next one.

Incremental: only the products revalued in the latest batch of ``int_movement_valuation`` are
recomputed, from that model's rows (the engine does not run twice). A closing day can disappear (a
cancelled (作废) document was that day's only movement): the post-hook in the model's YAML
(``drop_stale_closings``) drops the revalued products' rows of earlier batches.
"""

from __future__ import annotations

from itertools import groupby

import pyarrow as pa

from operational.services.valuation import ValuedMovement, daily_closings

SCHEMA = pa.schema([
    ("product_id", pa.int64()),
    ("warehouse_id", pa.int64()),
    ("closing_date", pa.date32()),
    ("closing_quantity", pa.decimal128(18, 4)),
    ("closing_value", pa.decimal128(18, 2)),
    ("revalued_from", pa.date32()),
    ("valued_at", pa.timestamp("us")),
])


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model signature
    dbt.config(
        materialized="incremental",
        unique_key=["product_id", "warehouse_id", "closing_date"],
        incremental_strategy="delete+insert",
        on_schema_change="sync_all_columns",
    )
    dbt.ref("int_movement_valuation").create_view("_valued", replace=True)
    scope = "where revalued_from is not null"
    if dbt.is_incremental:
        scope += " and valued_at = (select max(valued_at) from _valued)"
    cursor = session.execute(f"""
        select product_id, stock_ledger_id, movement_date, warehouse_id, movement_type, quantity, unit_cost,
               movement_value, provisional, revalued_from, valued_at, void
        from _valued
        where product_id in (select product_id from _valued {scope})
        order by product_id, movement_date, stock_ledger_id
    """)
    return pa.Table.from_batches(list(_record_batches(cursor)), schema=SCHEMA)


def _rows(cursor, size: int = 50_000):  # noqa: ANN001, ANN202
    while chunk := cursor.fetchmany(size):
        yield from chunk


def _record_batches(cursor, size: int = 50_000):  # noqa: ANN001, ANN202
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for product_id, group in groupby(_rows(cursor), key=lambda r: r[0]):
        group = list(group)
        revalued_from, valued_at = group[0][9], group[0][10]
        valued = [ValuedMovement(ledger_id=r[1], movement_date=r[2], warehouse_id=r[3], movement_type=r[4],
                                 quantity=r[5], unit_cost=r[6], value=r[7], provisional=r[8], void=bool(r[11]))
                  for r in group]
        for c in daily_closings(valued):
            cols["product_id"].append(product_id)
            cols["warehouse_id"].append(c.warehouse_id)
            cols["closing_date"].append(c.closing_date)
            cols["closing_quantity"].append(c.quantity)
            cols["closing_value"].append(c.value)
            cols["revalued_from"].append(revalued_from)
            cols["valued_at"].append(valued_at)
        if len(cols["product_id"]) >= size:
            yield pa.RecordBatch.from_pydict(cols, schema=SCHEMA)
            cols = {name: [] for name in SCHEMA.names}
    yield pa.RecordBatch.from_pydict(cols, schema=SCHEMA)
