"""The cost of every stock movement, by the product's valuation method (moving average or FIFO).

The rules live in ``operational.services.valuation`` (pure Python, unit-tested with hand-computed
numbers); this model feeds it the warehouse's copy of the stock ledger. The same function values
the store's ledger in the reconciliation check, so the two can only differ if the data differs.

Landed cost entered after a receipt (``int_landed_cost_added``) is fed in as the receipt row's
``added_cost``: the receipt is valued as if it had cost that much from the start.

Incremental, per product, from saved states (docs/valuation.md "Incremental valuation"): the row
that ends a month, and a product's last row, carry the engine's state after it (``book_state``,
JSON). A product is affected when it has ledger rows not valued yet, a new reversal (作废: the row it
cancels becomes void), a changed landed cost added to a receipt row, or a changed method or fallback
cost. It is valued from its latest saved state before the earliest affected row (a method or
fallback change: from the start), so an appended day values only the new rows and a back-dated
posting replays from the month end before it. Written (delete+insert by ledger id) are the rows
valued, plus the rows before the state whose figures the continuation changes: outbound movements
still short when the state was saved (a later receipt settles them) and the rows whose layer was
on hand (its remaining quantity and, for moving average, its unit cost move). ``revalued_from`` is
the earliest date whose value changed; the downstream daily closings rewrite from it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa

from operational.services.valuation import BookState, ValuedMovement, value_ledger

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
    ("book_state", pa.string()),  # JSON of the engine's state after this row: month ends and the last row
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
    valued_at = datetime.now(UTC).replace(tzinfo=None)
    if not dbt.is_incremental:
        cursor = session.execute(f"{_FEED} order by l.product_id, l.movement_date, l.stock_ledger_id")
        return _table(cursor, methods, valued_at, _Resume())
    resume = _plan(session, str(dbt.this))
    cursor = session.execute("select * from _feed order by 1, 3, 2")
    return _table(cursor, methods, valued_at, resume)


# Every ledger row with what the engine needs. void: a row of a cancelled (作废) document or its
# reversal (valued as never posted); cost_amount: the exact value of a receipt entered in another
# unit of measure (valuation.LedgerMovement.cost_amount).
_FEED = """
    select l.product_id, l.stock_ledger_id, l.movement_date, l.warehouse_id, l.movement_type, l.quantity,
           l.unit_cost, l.source_ledger_id, ad.added_cost,
           l.reverses_ledger_id is not null or r.reverses_ledger_id is not null as void,
           l.cost_amount
    from _ledger as l
    left join _added as ad on ad.stock_ledger_id = l.stock_ledger_id
    left join (select reverses_ledger_id from _ledger where reverses_ledger_id is not null) as r
        on r.reverses_ledger_id = l.stock_ledger_id
"""
_KEPT_COLUMNS = ("stock_ledger_id, product_id, warehouse_id, movement_date, movement_type, quantity, unit_cost, "
                 "movement_value, added_cost, provisional, void, book_state")


class _Resume:
    """What an incremental run continues from: per product the saved state, the shipments valued
    before it (for customer returns of them), the stored rows before it that may be rewritten, the
    stored values of every row valued again (to find ``revalued_from``), and the row whose state
    stops being a checkpoint (a month end no more)."""

    def __init__(self) -> None:
        self.starts: dict[int, BookState] = {}
        self.prior_shipments: dict[int, dict[int, ValuedMovement]] = {}
        self.kept: dict[int, dict[int, tuple]] = {}
        self.old_values: dict[int, tuple[Decimal, bool]] = {}  # ledger id -> stored (value, void)
        self.first_after: dict[int, date] = {}  # product -> date of its first row valued in this run


def _plan(session, this: str) -> _Resume:  # noqa: ANN001 - DuckDB connection
    """Find the affected products, where each one starts, and put its rows to value in ``_feed``."""
    columns = {row[0] for row in session.execute(f"select * from {this} limit 0").description}
    # The earliest affected row of each product: (date, ledger id) in processing order.
    session.execute(f"""
        create or replace temp table _first as
        select product_id, d, id from (
            select product_id, d, id, row_number() over (partition by product_id order by d, id) as rn from (
                -- rows not valued yet (new, back-dated or reversals)
                select l.product_id, l.movement_date as d, l.stock_ledger_id as id
                from _ledger as l anti join {this} as t on t.stock_ledger_id = l.stock_ledger_id
                union all
                -- the row a new reversal cancels: dated as it, with a lower id
                select o.product_id, o.movement_date, o.stock_ledger_id
                from _ledger as l join _ledger as o on o.stock_ledger_id = l.reverses_ledger_id
                anti join {this} as t on t.stock_ledger_id = l.stock_ledger_id
                union all
                -- receipt rows whose landed cost added after the receipt changed
                select l.product_id, l.movement_date, l.stock_ledger_id
                from _ledger as l semi join ({_changed_landed_costs(columns, this)}) as c
                    on c.stock_ledger_id = l.stock_ledger_id
                union all
                -- a changed method or fallback cost: from the start
                select distinct t.product_id, date '0001-01-01', -1 from {this} as t
                join _products as p on p.product_id = t.product_id
                where t.valuation_method is distinct from p.valuation_method
                   or t.fallback_cost is distinct from coalesce(p.standard_cost, 0)
            )
        ) where rn = 1
    """)
    # The latest saved state before it (none: from the start; a table from before book_state has none).
    state_column = "t.book_state" if "book_state" in columns else "null::varchar"
    session.execute(f"""
        create or replace temp table _starts as
        select product_id, k_date, k_id, book_state from (
            select f.product_id, t.movement_date as k_date, t.stock_ledger_id as k_id, {state_column} as book_state,
                   row_number() over (partition by f.product_id
                                      order by t.movement_date desc, t.stock_ledger_id desc) as rn
            from _first as f join {this} as t on t.product_id = f.product_id
            where {state_column} is not null
              and (t.movement_date < f.d or (t.movement_date = f.d and t.stock_ledger_id < f.id))
        ) where rn = 1
    """)
    session.execute(f"""
        create or replace temp table _feed as
        select feed.* from ({_FEED}) as feed
        join _first as f on f.product_id = feed.product_id
        left join _starts as s on s.product_id = feed.product_id
        where s.k_id is null or feed.movement_date > s.k_date
           or (feed.movement_date = s.k_date and feed.stock_ledger_id > s.k_id)
    """)
    resume = _Resume()
    resume.first_after = dict(session.execute(
        "select product_id, min(movement_date) from _feed group by 1").fetchall())
    wanted: set[int] = set()
    for product_id, k_id, text in session.execute("select product_id, k_id, book_state from _starts").fetchall():
        first = resume.first_after.get(product_id)
        if first is None:  # the affected row is after the state, so it is in _feed
            raise RuntimeError(f"product {product_id}: a saved state but no row after it to value")
        state = BookState.from_json(text)
        resume.starts[product_id] = state
        if (first.year, first.month) == (state.as_of[0].year, state.as_of[0].month):
            wanted.add(k_id)  # no longer its month's last row: rewritten without its state
        wanted.update(m.ledger_id for m, *_ in state.deficits)
        wanted.update(layer[3] for layer in state.layers)
    if wanted:
        # A list parameter, not a registered Arrow table (registering imports pandas: seconds).
        session.execute("create or replace temp table _wanted as select unnest(?::bigint[]) as stock_ledger_id",
                        [sorted(wanted)])
        for row in session.execute(f"select {_KEPT_COLUMNS} from {this} semi join _wanted using (stock_ledger_id)"
                                   ).fetchall():
            resume.kept.setdefault(row[1], {})[row[0]] = row
            resume.old_values[row[0]] = (row[7], row[10])
    resume.old_values.update((i, (value, void)) for i, value, void in session.execute(
        f"select t.stock_ledger_id, t.movement_value, t.void from {this} as t semi join _feed as f using (stock_ledger_id)"
    ).fetchall())
    # Customer returns of shipments valued before the state: the shipment's stored (final) value.
    for product_id, ledger_id, day, wh, qty, cost, value in session.execute(f"""
        select t.product_id, t.stock_ledger_id, t.movement_date, t.warehouse_id, t.quantity, t.unit_cost,
               t.movement_value
        from {this} as t
        join (select distinct product_id, source_ledger_id from _feed where movement_type = 'sales_return') as r
            on r.source_ledger_id = t.stock_ledger_id and r.product_id = t.product_id
        anti join _feed as f on f.stock_ledger_id = t.stock_ledger_id
        where t.movement_type = 'shipment' and not t.void and t.quantity <> 0
    """).fetchall():
        resume.prior_shipments.setdefault(product_id, {})[ledger_id] = ValuedMovement(
            ledger_id, day, wh, "shipment", qty, cost, value, False)
    return resume


def _table(cursor, methods: dict, valued_at: datetime, resume: _Resume) -> pa.Table:  # noqa: ANN001
    added_by_row: dict[int, Decimal] = {}
    valued = value_ledger(_remember_added(_stream(cursor), added_by_row), methods, starts=resume.starts,
                          prior_shipments=resume.prior_shipments, checkpoints=True)
    batches = _record_batches(valued, methods, resume, valued_at, added_by_row)
    return pa.Table.from_batches(list(batches), schema=SCHEMA)


def _changed_landed_costs(columns: set[str], this: str) -> str:
    """SQL for the receipt rows whose landed cost added after the receipt differs from what this
    table valued them with (a landed-cost document posted or cancelled since). A table built before
    the column existed has valued every row with none."""
    if "added_cost" not in columns:
        return "select stock_ledger_id from _added"
    return f"""
            select coalesce(a.stock_ledger_id, t.stock_ledger_id) as stock_ledger_id from _added as a
            full join (select stock_ledger_id, added_cost from {this} where added_cost <> 0) as t
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


def _record_batches(valued, methods, resume: _Resume, valued_at, added, size: int = 50_000):  # noqa: ANN001, ANN202
    """Arrow record batches of about ``size`` rows: Arrow columns are far smaller than Python lists."""
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    old_values = resume.old_values
    for product_id, result in valued:
        method, fallback = methods.get(product_id, ("moving_average", Decimal(0)))
        remaining: dict[int, list] = {}
        for layer in result.layers:
            entry = remaining.setdefault(layer.source_ledger_id, [Decimal(0), layer.unit_cost])
            entry[0] += layer.quantity
        # The earliest movement that is new or whose value (or void flag: a cancelled row of value
        # 0.00 still moved quantity) changed; None if the product was revalued to the same figures
        # (e.g. an unused fallback cost changed).
        changed_from = min((mv.movement_date for mv in result.movements
                            if old_values.get(mv.ledger_id) != (mv.value, mv.void)), default=None)
        states = {state.as_of[1]: state.to_json() for state in result.states}
        kept = resume.kept.get(product_id, {})
        start = resume.starts.get(product_id)
        if start is not None:
            first = resume.first_after[product_id]
            if (first.year, first.month) == (start.as_of[0].year, start.as_of[0].month):
                # The saved row is no longer its month's last: a whole-history run keeps no state there.
                states[start.as_of[1]] = None
        written: set[int] = set()
        for mv in result.movements:
            written.add(mv.ledger_id)
            stored = kept.get(mv.ledger_id)
            state = states.get(mv.ledger_id, stored[11] if stored else None)
            layer = remaining.get(mv.ledger_id)
            _append(cols, mv.ledger_id, product_id, mv.warehouse_id, mv.movement_date, mv.movement_type, mv.quantity,
                    mv.unit_cost, mv.value, added.get(mv.ledger_id, _NO_ADDED), mv.provisional, mv.void, layer,
                    method, fallback, state, changed_from, valued_at)
        # Rows before the state whose layer moved (or whose state is dropped): same figures, new layer.
        for ledger_id, row in kept.items():
            if ledger_id not in written:
                state = states.get(ledger_id, row[11])
                _append(cols, *row[:11], remaining.get(ledger_id), method, fallback, state, changed_from, valued_at)
        if len(cols["stock_ledger_id"]) >= size:
            yield pa.RecordBatch.from_pydict(cols, schema=SCHEMA)
            cols = {name: [] for name in SCHEMA.names}
    yield pa.RecordBatch.from_pydict(cols, schema=SCHEMA)


def _append(cols: dict, ledger_id, product_id, warehouse_id, day, kind, quantity, unit_cost, value, added_cost,  # noqa: ANN001, PLR0913
            provisional, void, layer, method, fallback, state, changed_from, valued_at) -> None:
    cols["stock_ledger_id"].append(ledger_id)
    cols["product_id"].append(product_id)
    cols["warehouse_id"].append(warehouse_id)
    cols["movement_date"].append(day)
    cols["movement_type"].append(kind)
    cols["quantity"].append(quantity)
    cols["unit_cost"].append(unit_cost)
    cols["movement_value"].append(value)
    cols["added_cost"].append(added_cost)
    cols["provisional"].append(provisional)
    cols["void"].append(void)
    cols["layer_remaining_qty"].append(layer[0] if layer else None)
    cols["layer_unit_cost"].append(layer[1] if layer else None)
    cols["valuation_method"].append(method)
    cols["fallback_cost"].append(fallback)
    cols["book_state"].append(state)
    cols["revalued_from"].append(changed_from)
    cols["valued_at"].append(valued_at)
