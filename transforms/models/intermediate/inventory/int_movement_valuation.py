"""The cost of every stock movement, by the product's valuation method (moving average or FIFO).

The rules live in ``operational.services.valuation`` (pure Python, unit-tested with hand-computed
numbers); this model feeds it the warehouse's copy of the stock ledger. The same function values
the store's ledger in the reconciliation check, so the two can only differ if the data differs.

Landed cost entered after a receipt (``int_landed_cost_added``) is fed in as the receipt row's
``added_cost``: the receipt is valued as if it had cost that much from the start.

Incremental, per product: a product is revalued over its whole history when it has ledger rows
not valued yet (new, or back-dated: the date does not matter, the product is recomputed), its
method or fallback cost changed, or the landed cost added to one of its receipt rows changed (a
landed-cost document posted or cancelled). Every row of such a product is rewritten (delete+insert by
ledger id) and stamped with the batch's ``valued_at``; a cancellation adds reversal rows, so its
product is revalued (the cancelled rows and their reversals are ``void``: 0.00, as never posted);
``revalued_from`` is the earliest date
whose value changed, which is where the downstream daily closings start rewriting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa

from operational.services.valuation import value_ledger

QTY, COST, MONEY = pa.decimal128(18, 4), pa.decimal128(18, 4), pa.decimal128(18, 2)
_NO_ADDED = Decimal("0.00")
SCHEMA = pa.schema([
    ("stock_ledger_id", pa.int64()),
    ("product_id", pa.int64()),
    ("warehouse_id", pa.int64()),
    ("movement_date", pa.date32()),
    ("movement_type", pa.string()),
    ("quantity", QTY),
    ("unit_cost", COST),
    ("movement_value", MONEY),
    ("added_cost", MONEY),
    ("provisional", pa.bool_()),
    ("void", pa.bool_()),
    ("layer_remaining_qty", QTY),
    ("layer_unit_cost", COST),
    ("valuation_method", pa.string()),
    ("fallback_cost", COST),
    ("revalued_from", pa.date32()),
    ("valued_at", pa.timestamp("us")),
])


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model signature
    dbt.config(
        materialized="incremental",
        unique_key="stock_ledger_id",
        incremental_strategy="delete+insert",
        on_schema_change="sync_all_columns",
    )
    ledger = dbt.ref("stg_jxc__stock_ledger")
    products = dbt.ref("stg_jxc__products")
    added = dbt.ref("int_landed_cost_added")
    ledger.create_view("_ledger", replace=True)
    products.create_view("_products", replace=True)
    added.create_view("_added", replace=True)
    methods = {pid: (method, cost if cost is not None else Decimal(0)) for pid, method, cost in session.execute(
        "select product_id, valuation_method, standard_cost from _products").fetchall()}

    old_values: dict[int, Decimal] = {}
    if dbt.is_incremental:
        this = str(dbt.this)
        session.execute(f"""
            create or replace temp table _affected as
            select distinct l.product_id from _ledger as l
            anti join {this} as t on t.stock_ledger_id = l.stock_ledger_id
            union
            select distinct t.product_id from {this} as t
            join _products as p on p.product_id = t.product_id
            where t.valuation_method is distinct from p.valuation_method
               or t.fallback_cost is distinct from coalesce(p.standard_cost, 0)
            union
            {_changed_landed_costs(session, this)}
        """)
        old_values = dict(session.execute(f"""
            select t.stock_ledger_id, t.movement_value from {this} as t semi join _affected as a using (product_id)
        """).fetchall())
        scope = "semi join _affected as af on af.product_id = l.product_id"
    else:
        scope = ""
    # void: a row of a cancelled (作废) document or its reversal (valued as never posted). A new
    # reversal row is a row not valued yet, so the cancellation re-values its product above.
    cursor = session.execute(f"""
        select l.product_id, l.stock_ledger_id, l.movement_date, l.warehouse_id, l.movement_type, l.quantity,
               l.unit_cost, l.source_ledger_id, ad.added_cost,
               l.reverses_ledger_id is not null or r.reverses_ledger_id is not null as void
        from _ledger as l
        left join _added as ad on ad.stock_ledger_id = l.stock_ledger_id
        left join (select reverses_ledger_id from _ledger where reverses_ledger_id is not null) as r
            on r.reverses_ledger_id = l.stock_ledger_id
        {scope}
        order by l.product_id, l.movement_date, l.stock_ledger_id
    """)
    valued_at = datetime.now(UTC).replace(tzinfo=None)
    rows = _stream(cursor)
    added_by_row: dict[int, Decimal] = {}
    batches = _record_batches(value_ledger(_remember_added(rows, added_by_row), methods), methods, old_values,
                              valued_at, added_by_row)
    return pa.Table.from_batches(list(batches), schema=SCHEMA)


def _changed_landed_costs(session, this: str) -> str:  # noqa: ANN001 - DuckDB connection
    """SQL for the products whose landed cost added to a receipt row differs from what this table
    valued it with (a landed-cost document posted or cancelled since). A table built before the
    column existed has valued every row with none."""
    columns = {row[0] for row in session.execute(f"select * from {this} limit 0").description}
    if "added_cost" not in columns:
        return "select distinct product_id from _added"
    return f"""
            select distinct coalesce(a.product_id, t.product_id) from _added as a
            full join (select stock_ledger_id, product_id, added_cost from {this} where added_cost <> 0) as t
              on t.stock_ledger_id = a.stock_ledger_id
            where coalesce(a.added_cost, 0) <> coalesce(t.added_cost, 0)"""


def _stream(cursor, size: int = 50_000):  # noqa: ANN001, ANN202
    """The ledger rows a chunk at a time, so a million-row ledger is never all Python objects at once."""
    while chunk := cursor.fetchmany(size):
        yield from chunk


def _remember_added(rows, added_by_row: dict):  # noqa: ANN001, ANN202
    """Pass the rows through, noting each non-zero added cost (few rows have one) for the output column."""
    for row in rows:
        if row[8]:
            added_by_row[row[1]] = row[8]
        yield row


def _record_batches(valued, methods, old_values, valued_at, added, size: int = 50_000):  # noqa: ANN001, ANN202
    """Arrow record batches of about ``size`` rows: Arrow columns are far smaller than Python lists."""
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    for product_id, result in valued:
        method, fallback = methods.get(product_id, ("moving_average", Decimal(0)))
        remaining: dict[int, list] = {}
        for layer in result.layers:
            entry = remaining.setdefault(layer.source_ledger_id, [Decimal(0), layer.unit_cost])
            entry[0] += layer.quantity
        # The first movement (in processing order) that is new or whose value moved; None if the
        # product was revalued to the same figures (e.g. an unused fallback cost changed).
        changed_from = next((mv.movement_date for mv in result.movements
                             if old_values.get(mv.ledger_id) != mv.value), None)
        for mv in result.movements:
            layer = remaining.get(mv.ledger_id)
            cols["stock_ledger_id"].append(mv.ledger_id)
            cols["product_id"].append(product_id)
            cols["warehouse_id"].append(mv.warehouse_id)
            cols["movement_date"].append(mv.movement_date)
            cols["movement_type"].append(mv.movement_type)
            cols["quantity"].append(mv.quantity)
            cols["unit_cost"].append(mv.unit_cost)
            cols["movement_value"].append(mv.value)
            cols["added_cost"].append(added.get(mv.ledger_id, _NO_ADDED))
            cols["provisional"].append(mv.provisional)
            cols["void"].append(mv.void)
            cols["layer_remaining_qty"].append(layer[0] if layer else None)
            cols["layer_unit_cost"].append(layer[1] if layer else None)
            cols["valuation_method"].append(method)
            cols["fallback_cost"].append(fallback)
            cols["revalued_from"].append(changed_from)
            cols["valued_at"].append(valued_at)
        if len(cols["stock_ledger_id"]) >= size:
            yield pa.RecordBatch.from_pydict(cols, schema=SCHEMA)
            cols = {name: [] for name in SCHEMA.names}
    yield pa.RecordBatch.from_pydict(cols, schema=SCHEMA)
