"""Records the simulator's decisions with Core bulk inserts instead of the services, for
large demo stores (the benchmark's scale 20 ≈ 1M sales lines).

It writes the same rows the services would: ids and document numbers are allocated the way the
store allocates them, amounts with the services' rounding, one ledger row per receipt/shipment
line, balances moved by the same quantities. An order is written once, when it closes (or at the
end), with its final status and fulfilled quantities, together with its receipts/shipments; ledger
rows and balances are written as the days go. ``check_invariants`` holds for the result.

It assumes nobody else writes to the store while it runs (``generate`` on an empty store).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from operational.demo.profiles import CustomerProfile
from operational.demo.simulator import OrderLines
from operational.demo.world import Key, Line, Order, State
from operational.models import (
    DRAFT,
    POSTED,
    DocSequence,
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
    StockBalance,
    StockLedger,
    utcnow,
)
from operational.services.numbering import PREFIXES
from operational.services.orders import line_amount
from operational.types import ScaledDecimal

UNIT_COST = Decimal("0.0001")
FLUSH_ROWS = 50_000

# Insert order respects the foreign keys.
TABLES: tuple[Table, ...] = tuple(m.__table__ for m in (  # type: ignore[attr-defined]
    PurchaseOrder, PurchaseOrderLine, GoodsReceipt, GoodsReceiptLine,
    SalesOrder, SalesOrderLine, Shipment, ShipmentLine, StockLedger,
))


@dataclass
class _Pending:
    """An order not yet written: its rows wait for the final status and quantities."""

    header: dict[str, Any]
    lines: dict[int, dict[str, Any]]
    docs: list[tuple[Table, dict[str, Any], Table, list[dict[str, Any]]]] = field(default_factory=list)


@dataclass(frozen=True)
class _Side:
    order: Table
    line: Table
    doc: Table
    doc_line: Table
    doc_type: str
    order_ref: str  # column of the fulfilment document naming the order
    line_ref: str  # column of the fulfilment line naming the order line
    doc_ref: str  # column of the fulfilment line naming its document
    partner: str
    date_col: str
    done_col: str
    movement: str
    sign: int
    clerk: str


PURCHASE = _Side(PurchaseOrder.__table__, PurchaseOrderLine.__table__, GoodsReceipt.__table__,  # type: ignore[arg-type]
                 GoodsReceiptLine.__table__, "goods_receipt", "purchase_order_id", "po_line_id", "receipt_id",  # type: ignore[arg-type]
                 "supplier_id", "receipt_date", "received_qty", "receipt", 1, "warehouse")
SALES = _Side(SalesOrder.__table__, SalesOrderLine.__table__, Shipment.__table__,  # type: ignore[arg-type]
              ShipmentLine.__table__, "shipment", "sales_order_id", "so_line_id", "shipment_id",  # type: ignore[arg-type]
              "customer_id", "ship_date", "shipped_qty", "shipment", -1, "warehouse")


class BulkWriter:
    def __init__(self, engine: Engine, users: dict[str, int]) -> None:
        self.engine, self.users = engine, users
        with engine.connect() as conn:
            self.next_id = {t.name: (conn.execute(select(func.max(t.c.id))).scalar() or 0) + 1 for t in TABLES}
            self.sequence = {(p, y): n for p, y, n in conn.execute(
                select(DocSequence.prefix, DocSequence.year, DocSequence.last_no))}
        self.pending: dict[tuple[str, int], _Pending] = {}
        self.ready: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
        self.balance_delta: dict[Key, Decimal] = {}
        self.now = utcnow()
        self.storage = {t.name: _TableWriter(t, engine.dialect) for t in TABLES}

    # --- the Writer protocol -------------------------------------------------------------------

    @contextmanager
    def day(self, on: date) -> Iterator[None]:
        yield
        if sum(len(rows) for rows in self.ready.values()) >= FLUSH_ROWS:
            self._flush()

    def create_purchase_order(self, supplier_id: int, warehouse_id: int, on: date, expected: date,
                              lines: OrderLines) -> tuple[int, str, list[int]]:
        return self._create(PURCHASE, "purchase_order", on, lines, {
            "supplier_id": supplier_id, "warehouse_id": warehouse_id, "expected_date": expected,
            "created_by": self.users.get("purchasing")}, {"promised_date": expected})

    def create_sales_order(self, customer: CustomerProfile, warehouse_id: int, on: date, required: date,
                           lines: OrderLines) -> tuple[int, str, list[int]]:
        return self._create(SALES, "sales_order", on, lines, {
            "customer_id": customer.id, "warehouse_id": warehouse_id, "required_date": required,
            "salesperson_id": customer.salesperson_id, "created_by": self.users.get("sales")}, {})

    def confirm_purchase_order(self, order: Order) -> None:
        """Status is written when the order closes."""

    def confirm_sales_order(self, order: Order) -> None:
        """Status is written when the order closes."""

    def cancel_sales_order(self, order: Order) -> None:
        """Status is written when the order closes."""

    def receive(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> None:
        self._fulfil(PURCHASE, order, on, lines)

    def ship(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> bool:
        self._fulfil(SALES, order, on, lines)
        return True  # nobody else writes during a bulk run, so the mirror is always right

    def stock(self, key: Key) -> Decimal:
        raise RuntimeError("the bulk writer never refuses a shipment")

    def close(self, order: Order, kind: str) -> None:
        side = PURCHASE if kind == "purchase" else SALES
        pending = self.pending.pop((side.order.name, order.id))
        pending.header["status"] = order.status
        self.ready[side.order.name].append(pending.header)
        done = {ln.id: ln.done for ln in order.lines}
        for line_id, row in pending.lines.items():
            row[side.done_col] = done[line_id]
            self.ready[side.line.name].append(row)
        for doc_table, doc, line_table, doc_lines in pending.docs:
            self.ready[doc_table.name].append(doc)
            self.ready[line_table.name].extend(doc_lines)

    def finish(self, state: State) -> None:
        for order in state.purchase_orders.values():
            if (PURCHASE.order.name, order.id) in self.pending:
                self.close(order, "purchase")
        for order in state.sales_orders.values():
            if (SALES.order.name, order.id) in self.pending:
                self.close(order, "sales")
        assert not self.pending, "an order the simulator no longer tracks was never written"
        self._flush()
        if self.engine.dialect.name == "postgresql":
            self._advance_pg_sequences()

    # --- rows ----------------------------------------------------------------------------------

    def _id(self, table: Table) -> int:
        value = self.next_id[table.name]
        self.next_id[table.name] = value + 1
        return value

    def _doc_no(self, doc_type: str, on: date) -> str:
        key = (PREFIXES[doc_type], on.year)
        self.sequence[key] = self.sequence.get(key, 0) + 1
        return f"{key[0]}-{on.year}-{self.sequence[key]:06d}"

    def _stamp(self, row: dict[str, Any]) -> dict[str, Any]:
        row["created_at"] = row["updated_at"] = self.now
        return row

    def _create(self, side: _Side, doc_type: str, on: date, lines: OrderLines, header: dict[str, Any],
                line_extra: dict[str, Any]) -> tuple[int, str, list[int]]:
        oid, doc_no = self._id(side.order), self._doc_no(doc_type, on)
        rows: dict[int, dict[str, Any]] = {}
        total = Decimal(0)
        for n, (pid, qty, price, disc) in enumerate(lines, start=1):
            amount = line_amount(qty, price, disc)
            total += amount
            lid = self._id(side.line)
            rows[lid] = self._stamp({"id": lid, "order_id": oid, "line_no": n, "product_id": pid, "quantity": qty,
                                     "unit_price": price, "discount_rate": disc, "amount": amount, **line_extra})
        self.pending[(side.order.name, oid)] = _Pending(self._stamp({
            "id": oid, "doc_no": doc_no, "order_date": on, "status": DRAFT, "currency": "CNY",
            "total_amount": total, "note": None, **header}), rows)
        return oid, doc_no, list(rows)

    def _fulfil(self, side: _Side, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> None:
        pending = self.pending[(side.order.name, order.id)]
        doc_id, doc_no = self._id(side.doc), self._doc_no(side.doc_type, on)
        doc = self._stamp({"id": doc_id, "doc_no": doc_no, side.order_ref: order.id,
                           side.partner: order.partner_id, "warehouse_id": order.warehouse_id,
                           side.date_col: on, "status": POSTED, "note": None,
                           "created_by": self.users.get(side.clerk)})
        doc_lines = []
        for n, (line, qty) in enumerate(lines, start=1):
            ol = pending.lines[line.id]
            row = {"id": self._id(side.doc_line), side.doc_ref: doc_id,
                   "line_no": n, side.line_ref: line.id, "product_id": line.product_id, "quantity": qty}
            unit_cost = None
            if side is PURCHASE:
                unit_cost = (ol["unit_price"] * (1 - ol["discount_rate"])).quantize(UNIT_COST, ROUND_HALF_UP)
                row.update(unit_cost=unit_cost, amount=line_amount(qty, ol["unit_price"], ol["discount_rate"]))
            doc_lines.append(self._stamp(row))
            self.ready[StockLedger.__tablename__].append({
                "movement_date": on, "posted_at": self.now, "product_id": line.product_id,
                "warehouse_id": order.warehouse_id, "movement_type": side.movement, "quantity": side.sign * qty,
                "unit_cost": unit_cost, "doc_type": side.doc_type, "doc_id": doc_id, "doc_line_id": row["id"],
                "doc_no": doc_no})
            k = (line.product_id, order.warehouse_id)
            self.balance_delta[k] = self.balance_delta.get(k, Decimal(0)) + side.sign * qty
        pending.docs.append((side.doc, doc, side.doc_line, doc_lines))

    # --- writing -------------------------------------------------------------------------------

    def _flush(self) -> None:
        with self.engine.begin() as conn:
            for table in TABLES:
                rows = self.ready[table.name]
                if rows:
                    self.storage[table.name].write(conn, rows)
                    rows.clear()
            self._write_balances(conn)
            self._write_sequences(conn)

    def _insert(self, conn: Connection) -> Any:
        return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert

    def _write_balances(self, conn: Connection) -> None:
        if not self.balance_delta:
            return
        t = StockBalance.__table__
        keys = list(self.balance_delta)
        conn.execute(
            self._insert(conn)(t).on_conflict_do_nothing(index_elements=["product_id", "warehouse_id"]),
            [{"product_id": p, "warehouse_id": w, "quantity": Decimal(0), "updated_at": self.now} for p, w in keys])
        conn.execute(
            update(t).where(t.c.product_id == bindparam("p"), t.c.warehouse_id == bindparam("w"))
            .values(quantity=t.c.quantity + bindparam("d", type_=t.c.quantity.type), updated_at=bindparam("u")),
            [{"p": p, "w": w, "d": self.balance_delta[(p, w)], "u": self.now} for p, w in keys])
        self.balance_delta.clear()

    def _write_sequences(self, conn: Connection) -> None:
        if not self.sequence:
            return
        stmt = self._insert(conn)(DocSequence.__table__)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["prefix", "year"], set_={"last_no": stmt.excluded.last_no}),
            [{"prefix": p, "year": y, "last_no": n} for (p, y), n in sorted(self.sequence.items())])

    def _advance_pg_sequences(self) -> None:
        """Rows carry explicit ids; move each serial past them so the services can insert next."""
        with self.engine.begin() as conn:
            for table in TABLES:
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))


class _TableWriter:
    """Inserts plain row dicts into one table.

    On SQLite the rows go to the driver's executemany as tuples: exact decimals are scaled with
    each column's own scale (``operational.types``), other values through SQLAlchemy's own bind
    processors, memoised because dates and timestamps repeat. SQLAlchemy's per-row parameter
    handling was most of the bulk writer's time. On other backends the table's insert is used.
    """

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.table = table
        self.fast = dialect.name == "sqlite"
        self.columns = [c.name for c in table.columns]
        self.sql = (f"INSERT INTO {table.name} ({', '.join(self.columns)}) "
                    f"VALUES ({', '.join('?' for _ in self.columns)})")
        self.converters = [_converter(c.type, dialect) for c in table.columns]

    def write(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if not self.fast:
            conn.execute(self.table.insert(), rows)
            return
        pairs = list(zip(self.columns, self.converters, strict=True))
        conn.exec_driver_sql(self.sql, [tuple(convert(row.get(name)) for name, convert in pairs) for row in rows])


def _converter(column_type: Any, dialect: Dialect) -> Callable[[Any], Any]:
    if isinstance(column_type, ScaledDecimal):
        scale = column_type.scale

        def scaled(value: Any) -> Any:
            return None if value is None else int(Decimal(value).scaleb(scale).to_integral_value(ROUND_HALF_UP))
        return scaled
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return _same
    memo: dict[Any, Any] = {}

    def processed(value: Any) -> Any:
        if value is None:
            return None
        if value not in memo:
            memo[value] = process(value)
        return memo[value]
    return processed


def _same(value: Any) -> Any:
    return value
