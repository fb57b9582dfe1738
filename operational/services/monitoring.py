"""Read-only figures about the store that the pipeline compares itself against.

The pipeline asks for ``table_markers`` (which extracted tables changed since the last publish?)
and ``change_fingerprint`` (has anything changed at all?), the reconciliation checks ask for
``stock_balances``; keeping the SQL here means the orchestration never queries the store on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from ingestion.schema import raw_table_specs
from operational.models import (
    POSTED,
    Base,
    LandedCost,
    LandedCostAllocation,
    Product,
    StockBalance,
    StockLedger,
)
from operational.services.stock_cancellation import ledger_row_is_void
from operational.services.valuation import ProductValuation, final_closings, value_ledger


def table_markers(session: Session, tables: Iterable[str] | None = None) -> dict[str, str]:
    """A marker per store table the pipeline extracts (or per name in ``tables``) that changes
    whenever a row of it is inserted, updated or deleted: ``<rows>|<max id>|<max updated_at>``.

    The row count catches deletions; ``updated_at`` (set on every update) catches edits in place;
    ``id`` catches appends to the append-only tables, which have no ``updated_at``. A table with
    neither (``doc_sequence``: a few rows, its counter updated in place) is marked by a digest of
    its rows. Every part is an aggregate an index or the table's size answers cheaply.
    """
    names = list(tables) if tables is not None else list(raw_table_specs())
    return {name: _table_marker(session, Base.metadata.tables[name]) for name in names}


def _table_marker(session: Session, table: Table) -> str:
    columns = [func.count()]
    columns += [func.max(table.c[name]) for name in ("id", "updated_at") if name in table.c]
    if len(columns) == 1:  # neither an id nor updated_at: small bookkeeping, hash the rows
        rows = sorted(tuple(str(v) for v in row) for row in session.execute(select(table)))
        return f"{len(rows)}|#{hashlib.sha256(repr(rows).encode()).hexdigest()[:16]}"
    values = session.execute(select(*columns).select_from(table)).one()
    return "|".join("" if v is None else str(v) for v in values)


def fingerprint_of(markers: Mapping[str, str]) -> str:
    """One string for a set of table markers: equal iff every marker is equal."""
    text = "\n".join(f"{name}={markers[name]}" for name in sorted(markers))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def change_fingerprint(session: Session) -> str:
    """A string that changes whenever any extracted table changes (derived from ``table_markers``)."""
    return fingerprint_of(table_markers(session))


def stock_balances(session: Session) -> dict[tuple[int, int], Decimal]:
    """Quantity on hand per (product_id, warehouse_id), as the store keeps it."""
    rows = session.execute(select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity))
    return {(p, w): q for p, w, q in rows}


def ledger_totals(session: Session, *, up_to_id: int | None = None) -> dict[tuple[int, int], Decimal]:
    """Sum of ledger quantities per (product_id, warehouse_id); equals ``stock_balances`` always.

    With ``up_to_id``, only ledger rows up to that id: the stock as it stood when the pipeline
    extracted the ledger, so a check is not upset by documents posted during the run."""
    stmt = select(StockLedger.product_id, StockLedger.warehouse_id, func.sum(StockLedger.quantity))
    if up_to_id is not None:
        stmt = stmt.where(StockLedger.id <= up_to_id)
    rows = session.execute(stmt.group_by(StockLedger.product_id, StockLedger.warehouse_id))
    return {(p, w): q for p, w, q in rows}


def stock_values(session: Session, *, up_to_id: int | None = None,
                 product_ids: Collection[int] | None = None) -> dict[tuple[int, int], Decimal]:
    """Value on hand per (product_id, warehouse_id) by each product's valuation method, computed from
    the store's own ledger (up to ``up_to_id``; only ``product_ids`` when given) by the same engine
    the warehouse runs. Landed costs entered after their receipts (posted landed-cost documents) are
    added to their receipt rows, as in the warehouse's int_movement_valuation."""
    values: dict[tuple[int, int], Decimal] = {}
    if product_ids is not None and not product_ids:
        return values
    for product_id, valuation in valuations(session, up_to_id=up_to_id,
                                            product_ids=sorted(product_ids) if product_ids is not None else None):
        for closing in final_closings(valuation.movements):
            values[(product_id, closing.warehouse_id)] = closing.value
    return values


def products_moved(session: Session, *, after_id: int, up_to_id: int | None = None) -> set[int]:
    """The products with ledger rows whose id is above ``after_id`` (and at most ``up_to_id``): what
    moved since a given point of the ledger. The ledger's primary key makes this a range read."""
    stmt = select(StockLedger.product_id).where(StockLedger.id > after_id).distinct()
    if up_to_id is not None:
        stmt = stmt.where(StockLedger.id <= up_to_id)
    return {int(pid) for pid in session.execute(stmt).scalars()}


def valuations(session: Session, *, up_to_id: int | None = None,
               product_ids: list[int] | None = None) -> Iterator[tuple[int, ProductValuation]]:
    """(product_id, ProductValuation) of the store's ledger (up to ``up_to_id``; only ``product_ids``
    when given), valued by the engine the warehouse runs, with the same void flags."""
    methods = {pid: (method, cost) for pid, method, cost in session.execute(
        select(Product.id, Product.valuation_method, Product.standard_cost))}
    void = ledger_row_is_void(up_to_id=up_to_id)  # only reversals the warehouse saw count
    # Landed cost entered after the receipt: the posted allocations per receipt row, as in the
    # warehouse's int_landed_cost_added.
    added = (select(LandedCostAllocation.stock_ledger_id.label("ledger_id"),
                    func.sum(LandedCostAllocation.amount).label("added_cost"))
             .join(LandedCost, LandedCost.id == LandedCostAllocation.landed_cost_id)
             .where(LandedCost.status == POSTED)
             .group_by(LandedCostAllocation.stock_ledger_id).subquery())
    stmt = (select(StockLedger.product_id, StockLedger.id, StockLedger.movement_date, StockLedger.warehouse_id,
                   StockLedger.movement_type, StockLedger.quantity, StockLedger.unit_cost,
                   StockLedger.source_ledger_id, added.c.added_cost, void, StockLedger.cost_amount)
            .outerjoin(added, added.c.ledger_id == StockLedger.id)
            .order_by(StockLedger.product_id))
    if up_to_id is not None:
        stmt = stmt.where(StockLedger.id <= up_to_id)
    if product_ids is not None:
        stmt = stmt.where(StockLedger.product_id.in_(product_ids))
    yield from value_ledger(session.execute(stmt), methods)


@dataclass(frozen=True)
class StockSnapshot:
    """The store's stock in one read transaction."""

    balances: dict[tuple[int, int], Decimal]  # the stock_balance table now
    ledger_now: dict[tuple[int, int], Decimal]  # sum of every ledger row now
    ledger_as_of: dict[tuple[int, int], Decimal]  # sum of ledger rows up to the extracted id
    fingerprint: str
    values_as_of: dict[tuple[int, int], Decimal] | None = None  # valuation up to the extracted id
    value_products: frozenset[int] | None = None  # the products valued (None: every product)


def stock_snapshot(session: Session, *, up_to_ledger_id: int | None, with_values: bool = False,
                   values_moved_after: int | None = None, values_also: Collection[int] = ()) -> StockSnapshot:
    """Balances, ledger sums (now and as of ``up_to_ledger_id``) and the change fingerprint, read
    together; with ``with_values`` also the value on hand as of ``up_to_ledger_id``.

    Valuing the whole ledger is the expensive part: with ``values_moved_after`` only the products
    with ledger rows after that id (up to ``up_to_ledger_id``), plus ``values_also``, are valued,
    read in the same transaction."""
    value_products: set[int] | None = None
    if with_values and values_moved_after is not None:
        value_products = products_moved(session, after_id=values_moved_after, up_to_id=up_to_ledger_id)
        value_products |= set(values_also)
    ledger_now = ledger_totals(session)
    last_id = session.execute(select(func.max(StockLedger.id))).scalar() or 0
    # Summing a million-row ledger twice costs seconds; nothing posted since the extract is the usual case.
    as_of = ledger_now if up_to_ledger_id is None or up_to_ledger_id >= last_id else ledger_totals(
        session, up_to_id=up_to_ledger_id)
    return StockSnapshot(balances=stock_balances(session), ledger_now=ledger_now, ledger_as_of=as_of,
                         fingerprint=change_fingerprint(session),
                         values_as_of=stock_values(session, up_to_id=up_to_ledger_id, product_ids=value_products)
                         if with_values else None,
                         value_products=frozenset(value_products) if value_products is not None else None)


def table_counts(session: Session) -> dict[str, int]:
    """Row count of every table of the store, by table name."""
    return {table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables}
