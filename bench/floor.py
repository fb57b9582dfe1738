"""The hand-written floor: the key numbers the marts publish, computed in one process by plain DuckDB
SQL over the raw tables of ``warehouse.duckdb`` (schema ``raw``), timed, and checked equal to the marts.

It answers "what would the minimum cost of these figures be", so that the pipeline's cost can be
read against it (``make bench`` reports the ratio). Figures, each compared with its mart exactly
(money to the cent, quantities to 4 places, rates as the mart rounds them):

- ``sales_daily``: orders, lines, quantity and amount per day × warehouse × category, counted order
  states only (``mart_sales_daily``);
- ``inventory_daily``: closing quantity, unit cost and value per product × warehouse × day, every
  day from the pair's first movement to the last posted date (``mart_inventory_daily``). The cost
  rule is *not* SQL: the moving average is re-rounded after every movement (each value depends on the
  previous one) and DuckDB's DECIMAL ÷ DECIMAL is a DOUBLE, so the movement values and each
  movement day's split over the warehouses come from ``operational.services.valuation``
  (``value_ledger`` + ``daily_closings``, the engine the dbt models run); reading the ledger,
  landed cost, cancellations and the daily carry-forward are SQL. FIFO products are included.
- ``ar_aging``: AR per customer × bucket on the latest report date, the unapplied (未核销) bucket
  included (``mart_ar_aging`` where ``is_latest``); the floor also checks that its buckets add up to
  the outstanding instalments less the unapplied money;
- ``supplier_on_time``: quantity due, quantity on time, lines due and on-time rate per supplier ×
  month (``mart_supplier_scorecard``, period ``month``, months with lines due);
- ``turnover_category``: cost of goods sold, average inventory and turnover per category × month
  (sums of ``mart_inventory_turnover``).

``python -m bench.floor`` (in ``JXC_DATA_DIR``) prints a ``SUMMARY`` line and exits non-zero when a
figure differs from its mart.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import psutil
import pyarrow as pa
import yaml

from operational.services.valuation import daily_closings, value_ledger

DBT_PROJECT = Path(__file__).resolve().parent.parent / "transforms" / "dbt_project.yml"

COUNTED_ORDER_STATES = ("confirmed", "partial", "completed", "closed")
_STATES = ", ".join(f"'{s}'" for s in COUNTED_ORDER_STATES)

# The last day: var as_of_date if set, else the last posted date (stock movements that stand,
# posted invoices and bills, cash entries); the first: the first posted date.
_LAST_POSTED_DATE = """
create temp table f_last_day as
with void as (
    select id from raw.stock_ledger where reverses_ledger_id is not null
    union
    select reverses_ledger_id from raw.stock_ledger where reverses_ledger_id is not null
)
select coalesce({as_of_date}, max(d)) as last_day, min(d) as first_day from (
    select movement_date as d from raw.stock_ledger where id not in (select id from void)
    union all select invoice_date from raw.sales_invoice where status = 'posted'
    union all select bill_date from raw.supplier_bill where status = 'posted'
    union all select entry_date from raw.cash_ledger
)
"""

_SALES_DAILY = f"""
create temp table f_sales_daily as
select o.order_date as date_day, o.warehouse_id, p.category_id,
       count(distinct o.id) as order_count, count(*) as line_count,
       cast(sum(l.quantity) as decimal(18, 4)) as quantity,
       cast(round(sum(l.amount), 2) as decimal(18, 2)) as amount
from raw.sales_order_line as l
join raw.sales_order as o on o.id = l.order_id
join raw.product as p on p.id = l.product_id
where o.status in ({_STATES})
group by all
"""

# The ledger as the engine takes it: landed cost added by posted documents, void rows (a
# cancelled document's rows and their reversals) and a receipt's exact value when it was entered in
# another unit (cost_amount), in (product, date, id) order.
_LEDGER = """
select l.product_id, l.id, l.movement_date, l.warehouse_id, l.movement_type, l.quantity, l.unit_cost,
       l.source_ledger_id, ad.added_cost,
       l.reverses_ledger_id is not null or r.reverses_ledger_id is not null as void,
       l.cost_amount
from raw.stock_ledger as l
left join (
    select a.stock_ledger_id, sum(a.amount) as added_cost
    from raw.landed_cost_allocation as a
    join raw.landed_cost as d on d.id = a.landed_cost_id
    where d.status = 'posted'
    group by 1
) as ad on ad.stock_ledger_id = l.id
left join (select distinct reverses_ledger_id from raw.stock_ledger where reverses_ledger_id is not null) as r
    on r.reverses_ledger_id = l.id
order by l.product_id, l.movement_date, l.id
"""

_VALUED = pa.schema([("product_id", pa.int64()), ("warehouse_id", pa.int64()), ("movement_date", pa.date32()),
                     ("movement_type", pa.string()), ("movement_value", pa.decimal128(18, 2))])
_CLOSINGS = pa.schema([("product_id", pa.int64()), ("warehouse_id", pa.int64()), ("closing_date", pa.date32()),
                       ("closing_quantity", pa.decimal128(18, 4)), ("closing_value", pa.decimal128(18, 2))])

_INVENTORY_DAILY = """
create temp table f_inventory_daily as
with segments as (
    select product_id, warehouse_id, closing_date as start_day,
           coalesce(lead(closing_date) over (partition by product_id, warehouse_id order by closing_date) - 1,
                    (select last_day from f_last_day)) as end_day,
           closing_quantity, closing_value
    from f_closings
    where closing_date <= (select last_day from f_last_day)
)
select cast(unnest(generate_series(start_day, end_day, interval 1 day)) as date) as date_day,
       product_id, warehouse_id, closing_quantity,
       case when closing_quantity <> 0
            then cast(round(closing_value / closing_quantity, 4) as decimal(18, 4)) end as unit_cost,
       closing_value
from segments
"""

# The latest AR report date: the later of the last AR activity and the last posted date.
_AR_AGING = """
create temp table f_ar_sources as
select 'receipt' as source_type, id as source_id, customer_id, receipt_date as source_date, amount,
       case when status = 'reversed' then reversed_on end as reversed_on
from raw.customer_receipt where status in ('posted', 'reversed')
union all
select 'credit_note', id, customer_id, note_date, amount, null from raw.credit_note;

create temp table f_ar_unapplied_changes as
select source_type, source_id, customer_id, source_date as changed_on, amount as delta from f_ar_sources
union all
select source_type, source_id, customer_id, reversed_on, -amount from f_ar_sources where reversed_on is not null
union all
select a.source_type, a.source_id, s.customer_id, a.allocated_on, -a.amount
from raw.ar_allocation as a
join f_ar_sources as s on s.source_type = a.source_type and s.source_id = a.source_id;

create temp table f_ar_day as
select greatest(max(d), (select last_day from f_last_day)) as report_date from (
    select invoice_date as d from raw.sales_invoice where status = 'posted'
    union all select allocated_on from raw.ar_allocation
    union all select changed_on from f_ar_unapplied_changes
);

create temp table f_ar_open as
select inv.customer_id, i.invoice_id, i.due_date,
       i.amount - coalesce((select sum(a.amount) from raw.ar_allocation as a
                            where a.instalment_id = i.id and a.allocated_on <= r.report_date), 0) as outstanding,
       r.report_date
from raw.ar_instalment as i
join raw.sales_invoice as inv on inv.id = i.invoice_id
cross join f_ar_day as r
where inv.status = 'posted' and inv.invoice_date <= r.report_date;

create temp table f_ar_unapplied as
select c.customer_id, c.source_type, c.source_id, sum(c.delta) as unapplied
from f_ar_unapplied_changes as c, f_ar_day as r
where c.changed_on <= r.report_date
group by all
having sum(c.delta) <> 0;

create temp table f_ar_aging as
select customer_id, {order} as bucket_order, {label} as bucket_label,
       cast(round(sum(outstanding), 2) as decimal(18, 2)) as outstanding_amount,
       count(*) as instalment_count, count(distinct invoice_id) as invoice_count,
       max(report_date - due_date) as max_days_overdue, 0 as unapplied_document_count
from f_ar_open
where outstanding <> 0
group by all
union all
select customer_id, -1, 'unapplied', cast(round(-sum(unapplied), 2) as decimal(18, 2)), 0, 0, null, count(*)
from f_ar_unapplied
group by customer_id
having sum(unapplied) <> 0;
"""

_SUPPLIER_ON_TIME = f"""
create temp table f_supplier_on_time as
with lines as (
    select o.supplier_id, l.id as line_id, l.quantity - coalesce(l.cancelled_qty, 0) as due_qty, l.received_qty,
           coalesce(l.promised_date, o.expected_date, o.order_date) as promised_date
    from raw.purchase_order_line as l
    join raw.purchase_order as o on o.id = l.order_id
    where o.status in ({_STATES})
),
on_time as (
    select gl.po_line_id as line_id, sum(gl.quantity) as accepted
    from raw.goods_receipt_line as gl
    join raw.goods_receipt as g on g.id = gl.receipt_id
    join lines as l on l.line_id = gl.po_line_id
    where g.receipt_date <= l.promised_date and g.status <> 'cancelled'
    group by 1
)
select l.supplier_id, strftime(l.promised_date, '%Y-%m') as year_month,
       cast(sum(l.due_qty) as decimal(18, 4)) as qty_due,
       cast(sum(least(coalesce(t.accepted, 0), l.due_qty)) as decimal(18, 4)) as qty_on_time,
       count(*) as lines_due,
       cast(round(sum(least(coalesce(t.accepted, 0), l.due_qty)) / sum(l.due_qty), 4) as decimal(9, 4))
           as on_time_rate
from lines as l
left join on_time as t on t.line_id = l.line_id
cross join f_last_day as b
where l.promised_date between date_trunc('month', b.first_day) and b.last_day
  and (l.due_qty > 0 or l.received_qty > 0)
group by all
"""

# Per product × warehouse × month as mart_inventory_turnover (the average inventory rounded per
# row, then summed: what "turnover of a category" reads), then per category × month.
_TURNOVER = """
create temp table f_turnover_category as
with days as (
    select strftime(d, '%Y-%m') as year_month, count(*) as days_in_period
    from f_last_day, unnest(generate_series(first_day, last_day, interval 1 day)) as t(d)
    group by 1
),
inventory as (
    select strftime(date_day, '%Y-%m') as year_month, product_id, warehouse_id, sum(closing_value) as value_days
    from f_inventory_daily group by all
),
cogs as (
    select strftime(movement_date, '%Y-%m') as year_month, product_id, warehouse_id, -sum(movement_value) as cogs
    from f_valued where movement_type in ('shipment', 'sales_return') group by all
),
keys as (
    select year_month, product_id, warehouse_id from inventory
    union
    select year_month, product_id, warehouse_id from cogs
),
rows as (
    select k.year_month, p.category_id,
           cast(round(coalesce(c.cogs, 0), 2) as decimal(18, 2)) as cogs,
           cast(round(coalesce(i.value_days, 0) / d.days_in_period, 2) as decimal(18, 2)) as average_inventory
    from keys as k
    join days as d on d.year_month = k.year_month
    join raw.product as p on p.id = k.product_id
    left join inventory as i
        on i.year_month = k.year_month and i.product_id = k.product_id and i.warehouse_id = k.warehouse_id
    left join cogs as c
        on c.year_month = k.year_month and c.product_id = k.product_id and c.warehouse_id = k.warehouse_id
)
select category_id, year_month, sum(cogs) as cogs, sum(average_inventory) as average_inventory,
       case when sum(average_inventory) > 0
            then cast(round(sum(cogs) / sum(average_inventory), 4) as decimal(18, 4)) end as turnover
from rows group by all
"""


def _project_vars() -> dict:
    """The dbt project's vars (aging_buckets, as_of_date), so the floor ages and ends as the marts do.
    Read from the file rather than imported from operational.services.open_items, whose import (the
    ORM) would cost the floor more than computing a figure."""
    return yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8")).get("vars", {})


def _bucket_sql(bounds: tuple[int, ...]) -> tuple[str, str]:
    """The aging bucket (order, label) of ``report_date − due_date`` (operational.services.open_items.bucket)."""
    age = "(report_date - due_date)"
    order = [f"when {age} <= 0 then 0"] + [f"when {age} <= {b} then {i}" for i, b in enumerate(bounds, 1)]
    lows = [1] + [b + 1 for b in bounds[:-1]]
    label = [f"when {age} <= 0 then 'not_due'"] + [f"when {age} <= {b} then '{lo}-{b}'"
                                                  for lo, b in zip(lows, bounds, strict=True)]
    return (f"case {' '.join(order)} else {len(bounds) + 1} end",
            f"case {' '.join(label)} else '{bounds[-1]}+' end")


# Each figure: the floor's table and the same columns read from the mart, compared as multisets.
MART_SQL = {
    "sales_daily": ("f_sales_daily",
                    "select date_day, warehouse_id, category_id, order_count, line_count, quantity, amount "
                    "from wh.marts.mart_sales_daily"),
    "inventory_daily": ("f_inventory_daily",
                        "select date_day, product_id, warehouse_id, closing_quantity, unit_cost, closing_value "
                        "from wh.marts.mart_inventory_daily"),
    "ar_aging": ("f_ar_aging",
                 "select customer_id, bucket_order, bucket_label, outstanding_amount, instalment_count, invoice_count, "
                 "max_days_overdue, unapplied_document_count from wh.marts.mart_ar_aging where is_latest"),
    "supplier_on_time": ("f_supplier_on_time",
                         "select supplier_id, year_month, qty_due, qty_on_time, lines_due, on_time_rate "
                         "from wh.marts.mart_supplier_scorecard where period = 'month' and lines_due > 0"),
    "turnover_category": ("f_turnover_category",
                          "select category_id, year_month, sum(cogs), sum(average_inventory), "
                          "case when sum(average_inventory) > 0 then cast(round(sum(cogs) / sum(average_inventory), 4)"
                          " as decimal(18, 4)) end from wh.marts.mart_inventory_turnover group by all"),
}


@dataclass
class FloorResult:
    seconds: dict[str, float]  # per figure (the valuation engine separately), in computation order
    rows: dict[str, int]  # rows of each figure
    mismatches: dict[str, int]  # rows in one of floor / mart and not the other, per figure
    ar_buckets_sum_to_outstanding: bool
    last_day: object
    process_seconds: float  # from this process's start (interpreter, imports) to the last figure built

    @property
    def compute_seconds(self) -> float:
        return sum(self.seconds.values())

    @property
    def ok(self) -> bool:
        return self.ar_buckets_sum_to_outstanding and not any(self.mismatches.values())


def _value(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    """Every movement's value and every movement day's closings per warehouse, by the valuation engine."""
    methods = {pid: (method, cost if cost is not None else Decimal(0)) for pid, method, cost in con.execute(
        "select id, valuation_method, standard_cost from raw.product").fetchall()}
    cursor = con.execute(_LEDGER)

    def rows():  # noqa: ANN202 - a chunk at a time, never the whole ledger as Python tuples
        while chunk := cursor.fetchmany(50_000):
            yield from chunk

    valued: dict[str, list] = {n: [] for n in _VALUED.names}
    closings: dict[str, list] = {n: [] for n in _CLOSINGS.names}
    for product_id, result in value_ledger(rows(), methods):
        for mv in result.movements:
            valued["product_id"].append(product_id)
            valued["warehouse_id"].append(mv.warehouse_id)
            valued["movement_date"].append(mv.movement_date)
            valued["movement_type"].append(mv.movement_type)
            valued["movement_value"].append(mv.value)
        for c in daily_closings(result.movements):
            closings["product_id"].append(product_id)
            closings["warehouse_id"].append(c.warehouse_id)
            closings["closing_date"].append(c.closing_date)
            closings["closing_quantity"].append(c.quantity)
            closings["closing_value"].append(c.value)
    return pa.Table.from_pydict(valued, schema=_VALUED), pa.Table.from_pydict(closings, schema=_CLOSINGS)


def compute(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Build the floor's tables (temp tables f_*) on ``con``, whose ``raw`` schema is the warehouse's;
    return the seconds each part took."""
    seconds: dict[str, float] = {}

    def timed(name: str, *sql: str) -> None:
        start = time.perf_counter()
        for statement in sql:
            con.execute(statement)
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start

    project = _project_vars()
    as_of = project.get("as_of_date")
    timed("calendar", _LAST_POSTED_DATE.format(as_of_date=f"date '{as_of}'" if as_of else "null"))
    timed("sales_daily", _SALES_DAILY)
    start = time.perf_counter()
    valued, closings = _value(con)
    con.register("f_valued_arrow", valued)
    con.register("f_closings_arrow", closings)
    con.execute("create temp table f_valued as select * from f_valued_arrow")
    con.execute("create temp table f_closings as select * from f_closings_arrow")
    seconds["valuation engine"] = time.perf_counter() - start
    timed("inventory_daily", _INVENTORY_DAILY)
    order, label = _bucket_sql(tuple(int(b) for b in project.get("aging_buckets") or (30, 60, 90, 120)))
    timed("ar_aging", _AR_AGING.format(order=order, label=label))
    timed("supplier_on_time", _SUPPLIER_ON_TIME)
    timed("turnover_category", _TURNOVER)
    return seconds


def compare(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows that are in the floor's figure and not in the mart's, or the other way round (multisets)."""
    out = {}
    for name, (table, mart) in MART_SQL.items():
        out[name] = con.execute(f"""
            select (select count(*) from (select * from {table} except all {mart}))
                 + (select count(*) from ({mart} except all select * from {table}))""").fetchone()[0]
    return out


def differences(con: duckdb.DuckDBPyConnection, name: str, limit: int = 5) -> list[tuple]:
    """A few rows of one figure that differ: ('floor', ...) rows missing from the mart, ('mart', ...) the reverse."""
    table, mart = MART_SQL[name]
    return con.execute(f"""
        (select 'floor' as side, * from (select * from {table} except all {mart}) limit {limit})
        union all
        (select 'mart', * from ({mart} except all select * from {table}) limit {limit})""").fetchall()


def _ar_adds_up(con: duckdb.DuckDBPyConnection) -> bool:
    """The floor's aging buckets add up, per customer, to outstanding instalments less unapplied money."""
    return con.execute("""
        with buckets as (select customer_id, sum(outstanding_amount) as total from f_ar_aging group by 1),
        direct as (
            select customer_id, sum(amount) as total from (
                select customer_id, outstanding as amount from f_ar_open
                union all select customer_id, -unapplied from f_ar_unapplied)
            group by 1 having sum(amount) <> 0)
        select count(*) = 0 from buckets full join direct using (customer_id)
        where coalesce(buckets.total, 0) <> coalesce(direct.total, 0)""").fetchone()[0]


def run(warehouse: Path) -> tuple[FloorResult, duckdb.DuckDBPyConnection]:
    """Compute the floor from ``warehouse``'s raw tables (timed), then compare it with its marts."""
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    con.execute("use wh")  # raw.* resolves in the warehouse; the floor's own tables are temp tables
    seconds = compute(con)
    process_seconds = time.time() - psutil.Process().create_time()
    rows = {name: con.execute(f"select count(*) from {table}").fetchone()[0] for name, (table, _) in MART_SQL.items()}
    result = FloorResult(seconds=seconds, rows=rows, mismatches=compare(con),
                         ar_buckets_sum_to_outstanding=_ar_adds_up(con),
                         last_day=con.execute("select last_day from f_last_day").fetchone()[0],
                         process_seconds=process_seconds)
    return result, con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path,
                        default=Path(os.environ.get("JXC_DATA_DIR", "data")) / "warehouse.duckdb")
    args = parser.parse_args()
    result, con = run(args.warehouse)
    for name, diff in result.mismatches.items():
        if diff:
            print(f"{name}: {diff} rows differ from the mart, e.g.", *differences(con, name), sep="\n  ")
    if not result.ar_buckets_sum_to_outstanding:
        print("ar_aging: the floor's buckets do not add up to the outstanding instalments less unapplied money")
    parts = " ".join(f"{k.replace(' ', '_')}_s={v:.2f}" for k, v in result.seconds.items())
    rows = " ".join(f"{k}_rows={v}" for k, v in result.rows.items())
    print(f"SUMMARY floor_seconds={result.process_seconds:.2f} compute_seconds={result.compute_seconds:.2f} {parts} {rows} last_day={result.last_day} "
          f"mismatched_rows={sum(result.mismatches.values())} equal={'yes' if result.ok else 'no'}", flush=True)
    if not result.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
