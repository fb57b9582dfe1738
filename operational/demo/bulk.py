"""Records the simulator's decisions with Core bulk inserts instead of the services, for
large demo stores (the benchmark's scale 20 ≈ 1M sales lines).

It writes the same rows the services would: ids and document numbers are allocated the way the
store allocates them, amounts and landed costs with the services' rounding, one ledger row per
moved line in the services' order (so ledger ids match too), balances moved by the same
quantities. ``check_invariants`` holds for the result, and ``generate`` through either writer gives
the same company (``tests/demo``).

When rows are written:

- ledger rows, balances and price-list rows as the days go;
- an order once it closes (or at the end), with its final status and quantities, together with
  its receipts/shipments (inspection, landed costs) — the same as before the stock documents;
- a transfer when it is received, a stocktake when it is posted (or at the end, still open);
- returns at the end: they refer to receipt/shipment lines that may still be waiting with their
  order, and the ``returned_qty`` they add to those lines is set then too, as are supplier
  statuses. Everything here is written by this writer itself; no document goes through the
  services, so nothing is written twice or in another order.

It assumes nobody else writes to the store while it runs (``generate`` on an empty store).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
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
from sqlalchemy.orm import Session

from operational.demo.profiles import CustomerProfile
from operational.demo.simulator import BACKORDER_REASON, CREDIT_NOTE, CreditOverrun, OrderLines
from operational.demo.world import (
    CountSheet,
    Delivery,
    DocRef,
    Key,
    Line,
    Order,
    ReturnItem,
    State,
    Transfer,
    TransferLine,
)
from operational.demo.writers import case_line
from operational.models import (
    COUNTING,
    DRAFT,
    IN_TRANSIT,
    POSTED,
    RECEIVED,
    CreditApproval,
    Customer,
    DocSequence,
    GoodsReceipt,
    GoodsReceiptLine,
    OrderLineCancellation,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShipmentLine,
    StockBalance,
    StockLedger,
    Stocktake,
    StocktakeLine,
    StockTransfer,
    StockTransferLine,
    Supplier,
    SupplierPrice,
    TaxRate,
    Warehouse,
    utcnow,
)
from operational.services import tax, units
from operational.services.numbering import PREFIXES
from operational.services.orders import CENT, LandedCosts, receipt_cost
from operational.types import ScaledDecimal

ZERO = Decimal(0)
FLUSH_ROWS = 50_000

# Insert order respects the foreign keys.
TABLES: tuple[Table, ...] = tuple(m.__table__ for m in (  # type: ignore[attr-defined]
    SupplierPrice, PurchaseOrder, PurchaseOrderLine, GoodsReceipt, GoodsReceiptLine,
    SalesOrder, SalesOrderLine, Shipment, ShipmentLine, PurchaseReturn, PurchaseReturnLine,
    SalesReturn, SalesReturnLine, StockTransfer, StockTransferLine, Stocktake, StocktakeLine, StockLedger,
    CreditApproval, OrderLineCancellation,
))
LEDGER = StockLedger.__tablename__


@dataclass
class _Pending:
    """An order not yet written: its rows wait for the final status and quantities."""

    header: dict[str, Any]
    lines: dict[int, dict[str, Any]]
    docs: list[tuple[Table, dict[str, Any], Table, list[dict[str, Any]]]] = field(default_factory=list)
    cancellations: list[dict[str, Any]] = field(default_factory=list)  # closed backorder, per line


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


@dataclass(frozen=True)
class _ReturnSide:
    doc: Table
    line: Table
    entity: str
    source_ref: str  # column naming the receipt / shipment
    line_ref: str  # column naming its line
    source_line: Table  # whose returned_qty grows
    partner: str
    movement: str
    sign: int
    clerk: str


PURCHASE_RETURN = _ReturnSide(PurchaseReturn.__table__, PurchaseReturnLine.__table__, "purchase_return",  # type: ignore[arg-type]
                              "receipt_id", "receipt_line_id", GoodsReceiptLine.__table__, "supplier_id",  # type: ignore[arg-type]
                              "purchase_return", -1, "purchasing")
SALES_RETURN = _ReturnSide(SalesReturn.__table__, SalesReturnLine.__table__, "sales_return",  # type: ignore[arg-type]
                           "shipment_id", "shipment_line_id", ShipmentLine.__table__, "customer_id",  # type: ignore[arg-type]
                           "sales_return", 1, "warehouse")


class BulkWriter:
    def __init__(self, engine: Engine, users: dict[str, int]) -> None:
        self.engine, self.users = engine, users
        with engine.connect() as conn:
            self.next_id = {t.name: (conn.execute(select(func.max(t.c.id))).scalar() or 0) + 1 for t in TABLES}
            self.sequence = {(p, y): n for p, y, n in conn.execute(
                select(DocSequence.prefix, DocSequence.year, DocSequence.last_no))}
            # created by setup (the services would create it on the first transfer)
            self.transit_id = conn.execute(select(Warehouse.id).where(Warehouse.kind == "transit")
                                           .order_by(Warehouse.id)).scalars().first()
        # VAT as the services find it (operational.services.tax): each product's rate code, the dated
        # rates of each code, and whether each partner states its prices with tax.
        with Session(engine) as session:
            self.cases = units.purchase_units(session)  # bought by the case (多单位)
            self.tax_codes = {p.id: tax.default_code(session, p) for p in session.scalars(select(Product))}
            self.rates: dict[str, list[tuple[date, Decimal]]] = {}
            for code, valid_from, rate in session.execute(select(TaxRate.code, TaxRate.valid_from, TaxRate.rate)
                                                          .order_by(TaxRate.valid_from)):
                self.rates.setdefault(code, []).append((valid_from, rate))
            self.includes = {
                PURCHASE.order.name: dict(session.execute(select(Supplier.id, Supplier.prices_include_tax)).all()),
                SALES.order.name: dict(session.execute(select(Customer.id, Customer.prices_include_tax)).all())}
        self.pending: dict[tuple[str, int], _Pending] = {}
        self.transfers: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        self.sheets: dict[int, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        self.returns: list[tuple[Table, dict[str, Any]]] = []  # written at the end
        self.approvals: list[dict[str, Any]] = []  # credit approvals, written at the end
        self.returned: dict[str, dict[int, Decimal]] = {GoodsReceiptLine.__tablename__: {},
                                                        ShipmentLine.__tablename__: {}}
        self.supplier_status: dict[int, str] = {}
        self.preferred: dict[int, set[int]] = {}  # product → suppliers with a preferred price row
        self.ready: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}
        self.balance_delta: dict[Key, Decimal] = {}
        self.now = utcnow()
        self.storage = {t.name: _TableWriter(t, engine.dialect) for t in TABLES}

    # --- the Writer protocol: orders -----------------------------------------------------------

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

    def cancel_purchase_order(self, order: Order) -> None:
        """Status is written when the order closes."""

    def close_purchase_order(self, order: Order, on: date) -> None:
        """One cancellation row per line with open quantity, as the services write them (ids
        taken now, in the services' order); status and quantities are written when the order closes."""
        pending = self.pending[(PURCHASE.order.name, order.id)]
        t = OrderLineCancellation.__table__
        for n, ln in enumerate(order.lines, start=1):
            if ln.open > 0:
                pending.cancellations.append(self._stamp({
                    "id": self._id(t), "order_kind": "purchase_order", "purchase_order_id": order.id,  # type: ignore[arg-type]
                    "purchase_order_line_id": ln.id, "sales_order_id": None, "sales_order_line_id": None,
                    "line_no": n, "quantity": ln.open, "reason": BACKORDER_REASON, "cancel_date": on,
                    "cancelled_by": self.users.get("purchasing")}))

    def confirm_sales_order(self, order: Order, credit: CreditOverrun | None = None) -> None:
        """Status is written when the order closes; an approval at the end, after its order."""
        if credit is not None:
            self.approvals.append(self._stamp({
                "id": self._id(CreditApproval.__table__), "sales_order_id": order.id,
                "approved_by": self.users["manager"], "exposure": credit.exposure,
                "credit_limit": credit.credit_limit, "note": CREDIT_NOTE}))

    def cancel_sales_order(self, order: Order) -> None:
        """Status is written when the order closes."""

    def receive(self, order: Order, on: date, lines: list[Delivery], landed: LandedCosts | None) -> DocRef:
        return self._fulfil(PURCHASE, order, on, [(d.line, d.accepted, d) for d in lines], landed)

    def ship(self, order: Order, on: date, lines: list[tuple[Line, Decimal]]) -> DocRef | None:
        # nobody else writes during a bulk run, so the mirror is always right
        return self._fulfil(SALES, order, on, [(ln, qty, None) for ln, qty in lines], None)

    def stock(self, key: Key) -> Decimal:
        raise RuntimeError("the bulk writer never refuses a document")

    def close(self, order: Order, kind: str) -> None:
        side = PURCHASE if kind == "purchase" else SALES
        pending = self.pending.pop((side.order.name, order.id))
        pending.header["status"] = order.status
        self.ready[side.order.name].append(pending.header)
        done = {ln.id: (ln.done, ln.cancelled) for ln in order.lines}
        for line_id, row in pending.lines.items():
            row[side.done_col], row["cancelled_qty"] = done[line_id]
            self.ready[side.line.name].append(row)
        self.ready[OrderLineCancellation.__tablename__].extend(pending.cancellations)
        for doc_table, doc, line_table, doc_lines in pending.docs:
            self.ready[doc_table.name].append(doc)
            self.ready[line_table.name].extend(doc_lines)

    # --- the Writer protocol: suppliers --------------------------------------------------------

    def set_supplier_price(self, supplier_id: int, product_id: int, price: Decimal, valid_from: date, *,
                           order_multiple: int, lead_time: int, preferred: bool) -> None:
        self.ready[SupplierPrice.__tablename__].append(self._stamp({
            "id": self._id(SupplierPrice.__table__), "supplier_id": supplier_id, "product_id": product_id,  # type: ignore[arg-type]
            "valid_from": valid_from, "price": price, "currency": "CNY", "min_order_qty": Decimal(order_multiple),
            "order_multiple": Decimal(order_multiple), "lead_time_days": lead_time, "is_preferred": preferred,
            "price_includes_tax": self.includes[PURCHASE.order.name].get(supplier_id, False)}))
        if not preferred:
            return
        # as the services do: a preferred price clears the flag on the product's other suppliers
        others = self.preferred.get(product_id, set()) - {supplier_id}
        if others:
            self._clear_preferred(product_id, others)
        self.preferred[product_id] = {supplier_id}

    def _clear_preferred(self, product_id: int, suppliers: set[int]) -> None:
        for row in self.ready[SupplierPrice.__tablename__]:
            if row["product_id"] == product_id and row["supplier_id"] in suppliers:
                row["is_preferred"] = False
        t = SupplierPrice.__table__
        with self.engine.begin() as conn:  # rows already written (rare: only after a supplier is held)
            conn.execute(update(t).where(t.c.product_id == product_id, t.c.supplier_id.in_(suppliers),  # type: ignore[attr-defined]
                                         t.c.is_preferred.is_(True)).values(is_preferred=False))  # type: ignore[attr-defined]

    def set_supplier_status(self, supplier_id: int, status: str) -> None:
        self.supplier_status[supplier_id] = status  # written at the end

    # --- the Writer protocol: returns, transfers, stocktakes -----------------------------------

    def return_to_supplier(self, receipt: DocRef, on: date, items: list[ReturnItem], reason: str) -> bool:
        self._return(PURCHASE_RETURN, receipt, on, items, reason, receipt.warehouse_id, {})
        return True

    def return_from_customer(self, shipment: DocRef, on: date, items: list[ReturnItem], reason: str,
                             disposition: str, warehouse_id: int) -> bool:
        self._return(SALES_RETURN, shipment, on, items, reason, warehouse_id, {"disposition": disposition})
        return True

    def ship_transfer(self, from_warehouse_id: int, to_warehouse_id: int, on: date,
                      lines: list[tuple[int, Decimal]]) -> Transfer | None:
        assert self.transit_id is not None, "the store has no in-transit warehouse (setup creates it)"
        tid, doc_no = self._id(StockTransfer.__table__), self._doc_no("stock_transfer", on)  # type: ignore[arg-type]
        header = self._stamp({"id": tid, "doc_no": doc_no, "from_warehouse_id": from_warehouse_id,
                              "to_warehouse_id": to_warehouse_id, "transit_warehouse_id": self.transit_id,
                              "ship_date": on, "receive_date": None, "status": IN_TRANSIT, "note": None,
                              "created_by": self.users.get("warehouse")})
        rows = [self._stamp({"id": self._id(StockTransferLine.__table__), "transfer_id": tid, "line_no": n,  # type: ignore[arg-type]
                             "product_id": pid, "quantity": qty, "received_qty": None})
                for n, (pid, qty) in enumerate(lines, start=1)]
        # as the services post it: every line out of the source, then every line into in-transit
        for row in rows:
            self._ledger(on, row["product_id"], from_warehouse_id, "transfer_out", -row["quantity"], "stock_transfer",
                         tid, row["id"], doc_no)
        for row in rows:
            self._ledger(on, row["product_id"], self.transit_id, "transfer_in", row["quantity"], "stock_transfer",
                         tid, row["id"], doc_no)
        self.transfers[tid] = (header, rows)
        return Transfer(tid, doc_no, from_warehouse_id, to_warehouse_id, self.transit_id, on,
                        [TransferLine(row["id"], row["product_id"], row["quantity"]) for row in rows])

    def receive_transfer(self, transfer: Transfer, on: date, received: dict[int, Decimal]) -> bool:
        header, rows = self.transfers.pop(transfer.id)
        for row in rows:
            got, qty, pid = received.get(row["id"], row["quantity"]), row["quantity"], row["product_id"]
            row["received_qty"] = got
            args = ("stock_transfer", transfer.id, row["id"], transfer.doc_no)
            if got:
                self._ledger(on, pid, transfer.transit_warehouse_id, "transfer_out", -got, *args)
                self._ledger(on, pid, transfer.to_warehouse_id, "transfer_in", got, *args)
            if got < qty:
                self._ledger(on, pid, transfer.transit_warehouse_id, "transit_loss", got - qty, *args)
        header.update(status=RECEIVED, receive_date=on)
        self.ready[StockTransfer.__tablename__].append(header)
        self.ready[StockTransferLine.__tablename__].extend(rows)
        return True

    def open_stocktake(self, warehouse_id: int, on: date, book: list[tuple[int, Decimal]]) -> CountSheet:
        sid, doc_no = self._id(Stocktake.__table__), self._doc_no("stocktake", on)  # type: ignore[arg-type]
        header = self._stamp({"id": sid, "doc_no": doc_no, "warehouse_id": warehouse_id, "category_id": None,
                              "count_date": on, "status": COUNTING, "posted_date": None, "note": None,
                              "created_by": self.users.get("warehouse")})
        rows = [self._stamp({"id": self._id(StocktakeLine.__table__), "stocktake_id": sid, "line_no": n,  # type: ignore[arg-type]
                             "product_id": pid, "book_qty": qty, "counted_qty": None})
                for n, (pid, qty) in enumerate(book, start=1)]
        self.sheets[sid] = (header, rows)
        return CountSheet(sid, doc_no, warehouse_id, on, [(row["id"], row["product_id"], row["book_qty"]) for row in rows])

    def post_stocktake(self, sheet: CountSheet, counts: dict[int, Decimal]) -> bool:
        header, rows = self.sheets.pop(sheet.id)
        for row in rows:
            counted = counts.get(row["product_id"])
            if counted is None:
                continue
            row["counted_qty"] = counted
            diff = counted - row["book_qty"]
            if diff:
                self._ledger(sheet.count_date, row["product_id"], sheet.warehouse_id,
                             "stocktake_gain" if diff > 0 else "stocktake_loss", diff, "stocktake", sheet.id,
                             row["id"], sheet.doc_no)
        header.update(status=POSTED, posted_date=sheet.count_date)
        self.ready[Stocktake.__tablename__].append(header)
        self.ready[StocktakeLine.__tablename__].extend(rows)
        return True

    def finish(self, state: State) -> None:
        for order in state.purchase_orders.values():
            if (PURCHASE.order.name, order.id) in self.pending:
                self.close(order, "purchase")
        for order in state.sales_orders.values():
            if (SALES.order.name, order.id) in self.pending:
                self.close(order, "sales")
        assert not self.pending, "an order the simulator no longer tracks was never written"
        for table, line_table, documents in ((StockTransfer, StockTransferLine, self.transfers),
                                             (Stocktake, StocktakeLine, self.sheets)):
            for header, rows in documents.values():  # still on the road / being counted
                self.ready[table.__tablename__].append(header)
                self.ready[line_table.__tablename__].extend(rows)
            documents.clear()
        for table, row in self.returns:
            self.ready[table.name].append(row)
        self.ready[CreditApproval.__tablename__].extend(self.approvals)
        self._flush()
        self._write_late_updates()
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

    def _ledger(self, on: date, product_id: int, warehouse_id: int, movement: str, qty: Decimal, doc_type: str,
                doc_id: int, doc_line_id: int | None, doc_no: str, *, unit_cost: Decimal | None = None,
                source: int | None = None, cost_amount: Decimal | None = None) -> int:
        """One ledger row (id allocated here, in posting order, as the store would) and its balance."""
        row_id = self._id(StockLedger.__table__)  # type: ignore[arg-type]
        self.ready[LEDGER].append({
            "id": row_id, "movement_date": on, "posted_at": self.now, "product_id": product_id,
            "warehouse_id": warehouse_id, "movement_type": movement, "quantity": qty, "unit_cost": unit_cost,
            "doc_type": doc_type, "doc_id": doc_id, "doc_line_id": doc_line_id, "doc_no": doc_no,
            "source_ledger_id": source, "cost_amount": cost_amount})
        k = (product_id, warehouse_id)
        self.balance_delta[k] = self.balance_delta.get(k, ZERO) + qty
        return row_id

    def _tax_rate(self, product_id: int, on: date) -> tuple[str | None, Decimal]:
        """The product's default VAT rate code and its rate on ``on`` (``tax.resolve`` without a session)."""
        code = self.tax_codes.get(product_id)
        if code is None:
            return None, ZERO
        found = [rate for valid_from, rate in self.rates.get(code, ()) if valid_from <= on]
        if not found:
            raise ValueError(f"VAT rate {code} is not in force on {on}")
        return code, found[-1]

    def _create(self, side: _Side, doc_type: str, on: date, lines: OrderLines, header: dict[str, Any],
                line_extra: dict[str, Any]) -> tuple[int, str, list[int]]:
        oid, doc_no = self._id(side.order), self._doc_no(doc_type, on)
        rows: dict[int, dict[str, Any]] = {}
        splits = []
        partner = header["supplier_id"] if side is PURCHASE else header["customer_id"]
        includes = self.includes[side.order.name].get(partner, False)
        for n, (pid, qty, price, disc) in enumerate(lines, start=1):
            code, rate = self._tax_rate(pid, on)
            # Purchases of a product bought by the case are typed in cases, as the services are given them.
            typed = case_line(pid, qty, price, self.cases) if side is PURCHASE else {}
            # Every purchase line row has the unit columns (NULL: the base unit): one INSERT for all.
            entered: dict[str, Any] = ({"unit": None, "qty_in_unit": None, "unit_factor": None, "price_in_unit": None}
                                       if side is PURCHASE else {})
            if typed.get("unit") is not None:
                factor = self.cases[pid][1]
                entered = {"unit": typed["unit"], "qty_in_unit": typed["quantity"], "unit_factor": factor,
                           "price_in_unit": typed["unit_price"]}
                split = tax.split_line(typed["quantity"], typed["unit_price"], rate, includes_tax=includes,
                                       discount_rate=disc)
                price = units.base_price(typed["unit_price"], factor)
            else:
                split = tax.split_line(qty, price, rate, includes_tax=includes, discount_rate=disc)
            splits.append(split)
            lid = self._id(side.line)
            rows[lid] = self._stamp({"id": lid, "order_id": oid, "line_no": n, "product_id": pid, "quantity": qty,
                                     "unit_price": price, "discount_rate": disc, **entered,
                                     **tax.line_values(split, code, includes_tax=includes), **line_extra})
        sums = tax.totals(splits)
        self.pending[(side.order.name, oid)] = _Pending(self._stamp({
            "id": oid, "doc_no": doc_no, "order_date": on, "status": DRAFT, "currency": "CNY",
            "total_amount": sums.net, "tax_amount": sums.tax, "gross_amount": sums.gross, "note": None,
            **header}), rows)
        return oid, doc_no, list(rows)

    def _fulfil(self, side: _Side, order: Order, on: date, lines: list[tuple[Line, Decimal, Delivery | None]],
                landed: LandedCosts | None) -> DocRef:
        pending = self.pending[(side.order.name, order.id)]
        doc_id, doc_no = self._id(side.doc), self._doc_no(side.doc_type, on)
        doc = self._stamp({"id": doc_id, "doc_no": doc_no, side.order_ref: order.id,
                           side.partner: order.partner_id, "warehouse_id": order.warehouse_id,
                           side.date_col: on, "status": POSTED, "note": None,
                           "created_by": self.users.get(side.clerk)})
        shares: dict[int, Decimal] = {}
        if side is PURCHASE:
            freight, duty, basis = ZERO, ZERO, "value"
            if landed is not None:
                freight, duty, basis = _cents(landed.freight), _cents(landed.duty), landed.basis
                shares = _landed_shares(freight + duty, basis, [(pending.lines[ln.id], ln.id, qty)
                                                                for ln, qty, _ in lines if qty > 0])
            doc.update(freight_amount=freight, duty_amount=duty, allocation_basis=basis)
        ref = DocRef(doc_id, doc_no, order.partner_id, order.warehouse_id, {})
        doc_lines = []
        for n, (line, qty, delivery) in enumerate(lines, start=1):
            row = {"id": self._id(side.doc_line), side.doc_ref: doc_id, "line_no": n, side.line_ref: line.id,
                   "product_id": line.product_id, "quantity": qty, "returned_qty": ZERO}
            unit_cost = exact = None
            if side is PURCHASE:
                # The services' own rules for the receipt's cost and split (a case-priced line included).
                ol = SimpleNamespace(**pending.lines[line.id])
                share = shares.get(line.id, ZERO)
                unit_cost, exact = receipt_cost(ol, qty, share, small_scale=False)
                split = tax.resplit(ol, qty)
                row.update(unit_cost=unit_cost, **tax.line_values(split, ol.tax_rate_code,
                                                                  includes_tax=ol.price_includes_tax),
                           landed_cost=share, rejected_qty=delivery.rejected if delivery else ZERO,
                           reject_reason=delivery.reason if delivery else None)
            doc_lines.append(self._stamp(row))
            ref.lines[line.id] = row["id"]
            if qty > 0:  # a line rejected whole moves no stock
                ref.ledger[row["id"]] = self._ledger(on, line.product_id, order.warehouse_id, side.movement,
                                                     side.sign * qty, side.doc_type, doc_id, row["id"], doc_no,
                                                     unit_cost=unit_cost, cost_amount=exact)
        pending.docs.append((side.doc, doc, side.doc_line, doc_lines))
        return ref

    def _return(self, side: _ReturnSide, source: DocRef, on: date, items: list[ReturnItem], reason: str,
                warehouse_id: int, extra: dict[str, Any]) -> None:
        doc_id, doc_no = self._id(side.doc), self._doc_no(side.entity, on)
        self.returns.append((side.doc, self._stamp({
            "id": doc_id, "doc_no": doc_no, side.source_ref: source.id, side.partner: source.partner_id,
            "warehouse_id": warehouse_id, "return_date": on, "reason": reason, "status": POSTED,
            "created_by": self.users.get(side.clerk), **extra})))
        returned = self.returned[side.source_line.name]
        for n, item in enumerate(items, start=1):
            line_id = self._id(side.line)
            self.returns.append((side.line, self._stamp({
                "id": line_id, "return_id": doc_id, "line_no": n, side.line_ref: item.doc_line_id,
                "product_id": item.product_id, "quantity": item.quantity})))
            returned[item.doc_line_id] = returned.get(item.doc_line_id, ZERO) + item.quantity
            self._ledger(on, item.product_id, warehouse_id, side.movement, side.sign * item.quantity, side.entity,
                         doc_id, line_id, doc_no, source=source.ledger[item.doc_line_id])

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

    def _write_late_updates(self) -> None:
        """What the end brings: returned quantities on receipt/shipment lines, supplier statuses."""
        with self.engine.begin() as conn:
            for table in (GoodsReceiptLine.__table__, ShipmentLine.__table__):
                returned = self.returned[table.name]  # type: ignore[attr-defined]
                if returned:
                    conn.execute(update(table).where(table.c.id == bindparam("i"))  # type: ignore[attr-defined]
                                 .values(returned_qty=bindparam("q", type_=table.c.returned_qty.type)),  # type: ignore[attr-defined]
                                 [{"i": i, "q": q} for i, q in sorted(returned.items())])
            t = Supplier.__table__
            for sid, status in self.supplier_status.items():
                conn.execute(update(t).where(t.c.id == sid).values(status=status, updated_at=self.now))  # type: ignore[attr-defined]

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


def _cents(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


def _landed_shares(total: Decimal, basis: str, accepted: list[tuple[dict[str, Any], int, Decimal]]) -> dict[int, Decimal]:
    """The services' allocation (``orders._landed_costs``): by value or quantity, each share
    rounded to the cent, the last line taking the remainder."""
    weights = [qty * tax.net_unit_price(ol["unit_price"], ol["discount_rate"], ol["tax_rate"],
                                        includes_tax=ol["price_includes_tax"]) if basis == "value" else qty
               for ol, _, qty in accepted]
    weight_sum = sum(weights, ZERO)
    shares, left = {}, total
    for i, ((_, line_id, _), weight) in enumerate(zip(accepted, weights, strict=True)):
        share = left if i == len(accepted) - 1 else (total * weight / weight_sum).quantize(CENT, ROUND_HALF_UP)
        shares[line_id] = share
        left -= share
    return shares


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
