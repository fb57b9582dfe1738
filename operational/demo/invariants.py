"""What every operational store must satisfy, however its rows were written (services, bulk
demo path, an import): a list of violations, empty when all is well.

- stock_balance equals the sum of the stock ledger per product × warehouse
- no negative balance for a product that does not allow it
- each receipt / shipment line has exactly its ledger row, with the same signed quantity
- received / shipped quantity per order line equals the sum of its receipt / shipment lines
- order status agrees with the quantities; header total equals the sum of line amounts
- line amount = quantity × price × (1 − discount), rounded to the cent
- document numbers are unique, PREFIX-YYYY-NNNNNN with the document's year, within the sequence
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import Connection, Engine, and_, case, func, select

from operational.models import (
    CANCELLED,
    COMPLETED,
    PARTIAL,
    DocSequence,
    GoodsReceipt,
    GoodsReceiptLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
    StockBalance,
    StockLedger,
)
from operational.services.numbering import PREFIXES
from operational.services.orders import line_amount

MAX_EXAMPLES = 10
DOC_NO = re.compile(r"^([A-Z]{2})-(\d{4})-(\d{6})$")
ZERO = Decimal(0)

# order model, line model, done column, fulfilment line model, its order-line reference, ledger sign
_SIDES = (
    ("purchase", PurchaseOrder, PurchaseOrderLine, PurchaseOrderLine.received_qty, GoodsReceiptLine,
     GoodsReceiptLine.po_line_id, GoodsReceipt, GoodsReceiptLine.receipt_id, "goods_receipt", 1),
    ("sales", SalesOrder, SalesOrderLine, SalesOrderLine.shipped_qty, ShipmentLine,
     ShipmentLine.so_line_id, Shipment, ShipmentLine.shipment_id, "shipment", -1),
)


def check_invariants(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        problems = _stock(conn)
        for side in _SIDES:
            problems += _fulfilment(conn, *side)
            problems += _order_states(conn, side[0], side[1], side[2], side[3])
        problems += _doc_numbers(conn)
    return problems


def _limited(title: str, items: Iterable[str]) -> list[str]:
    items = list(items)
    out = [f"{title}: {item}" for item in items[:MAX_EXAMPLES]]
    if len(items) > MAX_EXAMPLES:
        out.append(f"{title}: … and {len(items) - MAX_EXAMPLES} more")
    return out


def _stock(conn: Connection) -> list[str]:
    ledger = {(p, w): q for p, w, q in conn.execute(
        select(StockLedger.product_id, StockLedger.warehouse_id, func.sum(StockLedger.quantity))
        .group_by(StockLedger.product_id, StockLedger.warehouse_id))}
    balance = {(p, w): q for p, w, q in conn.execute(
        select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity))}
    may_go_negative = {pid for (pid,) in conn.execute(select(Product.id).where(Product.allow_negative.is_(True)))}
    keys = sorted(set(ledger) | set(balance))
    mismatch = [f"product {p} warehouse {w}: balance {balance.get((p, w), ZERO)} ≠ ledger {ledger.get((p, w), ZERO)}"
                for p, w in keys if balance.get((p, w), ZERO) != ledger.get((p, w), ZERO)]
    negative = [f"product {p} warehouse {w}: {q}" for (p, w), q in sorted(balance.items())
                if q < 0 and p not in may_go_negative]
    return _limited("balance differs from ledger", mismatch) + _limited("negative stock not allowed", negative)


def _fulfilment(conn: Connection, name: str, order, line, done_col, fline, fline_ref, fdoc, fdoc_ref,  # type: ignore[no-untyped-def]
                doc_type: str, sign: int) -> list[str]:
    sums = (select(fline_ref.label("line_id"), func.sum(fline.quantity).label("qty"))
            .group_by(fline_ref).subquery())
    rows = conn.execute(
        select(order.doc_no, line.line_no, line.quantity, done_col, sums.c.qty)
        .join(order, order.id == line.order_id).outerjoin(sums, sums.c.line_id == line.id)
        .where((done_col != 0) | sums.c.qty.is_not(None))
    )
    wrong = []
    for doc_no, line_no, qty, done, fulfilled in rows:
        fulfilled = fulfilled if fulfilled is not None else ZERO
        if done != fulfilled or done > qty:
            wrong.append(f"{doc_no} line {line_no}: ordered {qty}, recorded {done}, documents {fulfilled}")
    ledger = select(StockLedger.doc_line_id, StockLedger.quantity, StockLedger.doc_id).where(
        StockLedger.doc_type == doc_type).subquery()
    unposted = conn.execute(
        select(fdoc.doc_no, fline.line_no, fline.quantity, ledger.c.quantity)
        .join(fdoc, fdoc.id == fdoc_ref)
        .outerjoin(ledger, and_(ledger.c.doc_line_id == fline.id, ledger.c.doc_id == fdoc.id))
    )
    missing = [f"{doc_no} line {line_no}: quantity {q}, ledger {lq}" for doc_no, line_no, q, lq in unposted
               if lq is None or lq != sign * q]
    orphans = conn.execute(
        select(func.count()).select_from(ledger).where(
            ~ledger.c.doc_line_id.in_(select(fline.id)))).scalar_one()
    return (_limited(f"{name}: line quantity differs from its documents", wrong)
            + _limited(f"{name}: document line without matching ledger row", missing)
            + ([f"{name}: {orphans} ledger rows point at no document line"] if orphans else []))


def _order_states(conn: Connection, name: str, order, line, done_col) -> list[str]:  # type: ignore[no-untyped-def]
    rows = conn.execute(
        select(order.doc_no, order.status, order.total_amount, func.count(line.id),
               func.sum(case((done_col >= line.quantity, 1), else_=0)),
               func.sum(case((done_col > 0, 1), else_=0)), func.sum(line.amount))
        .join(line, line.order_id == order.id).group_by(order.id, order.doc_no, order.status, order.total_amount)
    )
    wrong, totals = [], []
    for doc_no, status, total, n, n_full, n_started, line_total in rows:
        expected = (COMPLETED if n_full == n else PARTIAL) if n_started else None
        if (expected and status != expected) or (not expected and status in (COMPLETED, PARTIAL)):
            wrong.append(f"{doc_no}: status {status}, {n_full}/{n} lines done, {n_started} started")
        elif status == CANCELLED and n_started:
            wrong.append(f"{doc_no}: cancelled after fulfilment started")
        if total != line_total:
            totals.append(f"{doc_no}: total {total} ≠ lines {line_total}")
    amounts = [f"{doc_no} line {line_no}: {amount} ≠ {line_amount(q, p, d)}"
               for doc_no, line_no, q, p, d, amount in conn.execute(
                   select(order.doc_no, line.line_no, line.quantity, line.unit_price, line.discount_rate, line.amount)
                   .join(order, order.id == line.order_id))
               if amount != line_amount(q, p, d)]
    return (_limited(f"{name}: status disagrees with quantities", wrong)
            + _limited(f"{name}: header total differs from lines", totals)
            + _limited(f"{name}: line amount miscomputed", amounts))


def _doc_numbers(conn: Connection) -> list[str]:
    dated = ((PurchaseOrder, PurchaseOrder.order_date, "purchase_order"), (GoodsReceipt, GoodsReceipt.receipt_date, "goods_receipt"),
             (SalesOrder, SalesOrder.order_date, "sales_order"), (Shipment, Shipment.ship_date, "shipment"))
    issued = {(prefix, year): last for prefix, year, last in conn.execute(
        select(DocSequence.prefix, DocSequence.year, DocSequence.last_no))}
    bad, seen_twice = [], []
    for model, date_col, doc_type in dated:
        prefix = PREFIXES[doc_type]
        seen: set[str] = set()
        for doc_no, on in conn.execute(select(model.doc_no, date_col)):
            m = DOC_NO.match(doc_no or "")
            if not m or m.group(1) != prefix or int(m.group(2)) != on.year:
                bad.append(f"{doc_no} (dated {on})")
            elif int(m.group(3)) > issued.get((prefix, on.year), 0):
                bad.append(f"{doc_no}: beyond the issued sequence {issued.get((prefix, on.year), 0)}")
            if doc_no in seen:
                seen_twice.append(doc_no)
            seen.add(doc_no)
    return _limited("malformed document number", bad) + _limited("duplicate document number", seen_twice)
