"""Closing quantity and value per product × warehouse on each day the product moved.

A product's value is company-wide; ``operational.services.valuation.daily_closings`` splits it
over the warehouses in proportion to quantity, to the cent (the largest holding takes the
rounding remainder, so the warehouses always add up to the product's value). Between two of these
days nothing changes; ``mart_inventory_daily`` carries each row forward to the next one.

Incremental: only the products revalued in the latest batch of ``int_movement_valuation`` are
recomputed, from that model's rows (the engine does not run twice), and each only from its
``revalued_from`` day: the closings of the day before are where it stands then. A closing day can
disappear (a cancelled (作废) document was that day's only movement): the post-hook in the model's
YAML (``drop_stale_closings``) drops the revalued products' rows of earlier batches from that day on.
"""

from __future__ import annotations

from itertools import groupby

import pyarrow as pa

from operational.services.valuation import Closing, ValuedMovement, daily_closings

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
    if dbt.is_incremental:
        # The products of the latest batch, from the earliest day it changed.
        session.execute("""
            create or replace temp table _revalued as
            select product_id, min(revalued_from) as revalued_from, max(valued_at) as valued_at, min(revalued_from) as from_day
            from _valued where valued_at = (select max(valued_at) from _valued) and revalued_from is not null
            group by product_id
        """)
        openings = _openings(session, str(dbt.this))
    else:
        # Every product, from its first day, stamped with the batch that last revalued it.
        session.execute("""
            create or replace temp table _revalued as
            select product_id, arg_max(revalued_from, valued_at) as revalued_from, max(valued_at) as valued_at,
                   null::date as from_day
            from _valued group by product_id having count(revalued_from) > 0
        """)
        openings = {}
    cursor = session.execute("""
        select v.product_id, v.stock_ledger_id, v.movement_date, v.warehouse_id, v.movement_type, v.quantity,
               v.unit_cost, v.movement_value, v.provisional, r.revalued_from, r.valued_at, v.void
        from _valued as v join _revalued as r on r.product_id = v.product_id
        where r.from_day is null or v.movement_date >= r.from_day
        order by v.product_id, v.movement_date, v.stock_ledger_id
    """)
    return pa.Table.from_batches(list(_record_batches(cursor, openings)), schema=SCHEMA)


def _openings(session, this: str) -> dict[int, list[Closing]]:  # noqa: ANN001 - DuckDB connection
    """Per revalued product, its closings on the last day before it changed (none: from the start)."""
    openings: dict[int, list[Closing]] = {}
    for product_id, wh, day, qty, value in session.execute(f"""
        select c.product_id, c.warehouse_id, c.closing_date, c.closing_quantity, c.closing_value
        from {this} as c
        join (select c.product_id, max(c.closing_date) as day from {this} as c
              join _revalued as r on r.product_id = c.product_id
              where c.closing_date < r.from_day group by c.product_id) as o
            on o.product_id = c.product_id and o.day = c.closing_date
    """).fetchall():
        openings.setdefault(product_id, []).append(Closing(wh, day, qty, value))
    return openings


def _rows(cursor, size: int = 50_000):  # noqa: ANN001, ANN202
    while chunk := cursor.fetchmany(size):
        yield from chunk


def _record_batches(cursor, openings: dict[int, list[Closing]], size: int = 50_000):  # noqa: ANN001, ANN202
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for product_id, group in groupby(_rows(cursor), key=lambda r: r[0]):
        group = list(group)
        revalued_from, valued_at = group[0][9], group[0][10]
        valued = [ValuedMovement(ledger_id=r[1], movement_date=r[2], warehouse_id=r[3], movement_type=r[4],
                                 quantity=r[5], unit_cost=r[6], value=r[7], provisional=r[8], void=bool(r[11]))
                  for r in group]
        for c in daily_closings(valued, openings.get(product_id, ())):
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
