"""What every operational store must satisfy, however its rows were written (services, bulk
demo path, an import): a list of violations, empty when all is well.

- stock_balance equals the sum of the stock ledger per product × warehouse
- no negative balance for a product that does not allow it
- each receipt / shipment line that moved stock has exactly its ledger row, with the same signed
  quantity (a receipt line rejected whole has none)
- received / shipped quantity per order line equals the sum of its receipt / shipment lines, and
  is at most the ordered quantity (plus the supplier's over-receipt tolerance on receipts)
- order status agrees with the quantities (closed: partly fulfilled, the rest cancelled); header
  total equals the sum of line amounts
- line amount = quantity × price × (1 − discount), rounded to the cent
- receipts: rejected goods have a reason; the lines' landed costs add up to freight + duty
- returns: returned_qty on each receipt / shipment line equals its return lines and is at most
  its quantity; each return line has its ledger row, pointing (source_ledger_id) at the ledger
  row of the line it returns; every return ledger row has a source
- transfers: out of the source the shipped quantity, into in-transit the same; once received,
  in-transit gives up all of it, the destination gets what arrived and the rest is a transit
  loss — so each line's legs balance to minus its loss
- stocktakes: a posted sheet's ledger rows are counted − book of its counted lines, dated the
  count date; a sheet still counting has none
- cash: an account's balance is the sum of its ledger, and an account without an overdraft is
  never below zero at the end of any day of its ledger
- document numbers are unique, PREFIX-YYYY-NNNNNN with the document's year, within the sequence
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, Engine, and_, case, func, literal, select

from operational.models import (
    CANCELLED,
    CLOSED,
    COMPLETED,
    IN_TRANSIT,
    PARTIAL,
    POSTED,
    QUARANTINE,
    CashAccount,
    CashLedger,
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
    StockBinBalance,
    StockLedger,
    Stocktake,
    StocktakeLine,
    StockTransfer,
    StockTransferLine,
    Supplier,
    Warehouse,
)
from operational.services import tax
from operational.services.numbering import PREFIXES

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
# name, return model, its source-document reference, its line model, the line's source-line
# reference, source line model, source document model, the source line's document reference,
# ledger doc types (return, source), sign
_RETURNS = (
    ("purchase return", PurchaseReturn, PurchaseReturn.receipt_id, PurchaseReturnLine,
     PurchaseReturnLine.receipt_line_id, GoodsReceiptLine, GoodsReceipt, GoodsReceiptLine.receipt_id,
     "purchase_return", "goods_receipt", -1),
    ("sales return", SalesReturn, SalesReturn.shipment_id, SalesReturnLine, SalesReturnLine.shipment_line_id,
     ShipmentLine, Shipment, ShipmentLine.shipment_id, "sales_return", "shipment", 1),
)


def check_invariants(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        problems = _stock(conn)
        for side in _SIDES:
            problems += _fulfilment(conn, *side)
            problems += _order_states(conn, side[0], side[1], side[2], side[3])
        problems += _inspection(conn)
        for kind in _RETURNS:
            problems += _returns(conn, *kind)
        problems += _transfers(conn)
        problems += _stocktakes(conn)
        problems += _doc_numbers(conn)
        problems += _bins(conn)
        problems += _cash(conn)
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


def _cash(conn: Connection) -> list[str]:
    ledger = dict(conn.execute(select(CashLedger.account_id, func.sum(CashLedger.amount))
                               .group_by(CashLedger.account_id)).all())
    mismatch, negative = [], []
    for account_id, code, balance, overdraft in conn.execute(
            select(CashAccount.id, CashAccount.code, CashAccount.balance, CashAccount.allow_overdraft)
            .order_by(CashAccount.id)):
        if Decimal(ledger.get(account_id, ZERO)) != balance:
            mismatch.append(f"account {code}: balance {balance} ≠ ledger {ledger.get(account_id, ZERO)}")
        if overdraft:
            continue
        running = ZERO
        for day, amount in conn.execute(
                select(CashLedger.entry_date, func.sum(CashLedger.amount)).where(CashLedger.account_id == account_id)
                .group_by(CashLedger.entry_date).order_by(CashLedger.entry_date)):
            running += Decimal(amount)
            if running < 0:
                negative.append(f"account {code} on {day}: {running}")
                break
    return _limited("cash balance differs from ledger", mismatch) + _limited("cash account below zero", negative)


def _fulfilment(conn: Connection, name: str, order, line, done_col, fline, fline_ref, fdoc, fdoc_ref,  # type: ignore[no-untyped-def]
                doc_type: str, sign: int) -> list[str]:
    sums = (select(fline_ref.label("line_id"), func.sum(fline.quantity).label("qty"))
            .group_by(fline_ref).subquery())
    # a supplier may deliver up to its tolerance beyond the order; customers get no more than ordered
    tolerance = Supplier.over_receipt_tolerance if order is PurchaseOrder else literal(0)
    query = (select(order.doc_no, line.line_no, line.quantity, done_col, sums.c.qty, tolerance)
             .join(order, order.id == line.order_id).outerjoin(sums, sums.c.line_id == line.id)
             .where((done_col != 0) | sums.c.qty.is_not(None)))
    if order is PurchaseOrder:
        query = query.join(Supplier, Supplier.id == order.supplier_id)
    wrong = []
    for doc_no, line_no, qty, done, fulfilled, tol in conn.execute(query):
        fulfilled = fulfilled if fulfilled is not None else ZERO
        allowed = qty if not tol else (qty * (1 + Decimal(tol))).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        if done != fulfilled or done > allowed:
            wrong.append(f"{doc_no} line {line_no}: ordered {qty}, recorded {done}, documents {fulfilled}")
    ledger = select(StockLedger.doc_line_id, StockLedger.quantity, StockLedger.doc_id).where(
        StockLedger.doc_type == doc_type).subquery()
    unposted = conn.execute(
        select(fdoc.doc_no, fline.line_no, fline.quantity, ledger.c.quantity)
        .join(fdoc, fdoc.id == fdoc_ref)
        .outerjoin(ledger, and_(ledger.c.doc_line_id == fline.id, ledger.c.doc_id == fdoc.id))
    )
    missing = [f"{doc_no} line {line_no}: quantity {q}, ledger {lq}" for doc_no, line_no, q, lq in unposted
               if (lq is None and q != 0) or (lq is not None and lq != sign * q)]
    orphans = conn.execute(
        select(func.count()).select_from(ledger).where(
            ~ledger.c.doc_line_id.in_(select(fline.id)))).scalar_one()
    return (_limited(f"{name}: line quantity differs from its documents", wrong)
            + _limited(f"{name}: document line without matching ledger row", missing)
            + ([f"{name}: {orphans} ledger rows point at no document line"] if orphans else []))


def _order_states(conn: Connection, name: str, order, line, done_col) -> list[str]:  # type: ignore[no-untyped-def]
    # A line is settled when fulfilled + cancelled covers it; cancelled quantity is never due.
    rows = conn.execute(
        select(order.doc_no, order.status, order.total_amount, func.count(line.id),
               func.sum(case((done_col + line.cancelled_qty >= line.quantity, 1), else_=0)),
               func.sum(case((done_col > 0, 1), else_=0)), func.sum(line.amount),
               func.sum(case((line.cancelled_qty > 0, 1), else_=0)))
        .join(line, line.order_id == order.id).group_by(order.id, order.doc_no, order.status, order.total_amount)
    )
    wrong, totals = [], []
    for doc_no, status, total, n, n_full, n_started, line_total, n_cancelled in rows:
        expected = (COMPLETED if n_full == n else PARTIAL) if n_started else (
            CANCELLED if n_cancelled and n_full == n else None)
        if expected == PARTIAL and status == CLOSED:
            pass  # partly fulfilled, the backorder cancelled before cancellations were kept per line
        elif (expected and status != expected) or (not expected and status in (COMPLETED, PARTIAL, CLOSED)):
            wrong.append(f"{doc_no}: status {status}, {n_full}/{n} lines done, {n_started} started")
        elif status == CANCELLED and n_started:
            wrong.append(f"{doc_no}: cancelled after fulfilment started")
        if total != line_total:
            totals.append(f"{doc_no}: total {total} ≠ lines {line_total}")
    # net / VAT / gross as operational.services.tax splits the line
    amounts = [f"{doc_no} line {line_no}: {(amount, vat, gross)} ≠ {(want.net, want.tax, want.gross)}"
               for doc_no, line_no, q, p, d, r, inc, amount, vat, gross in conn.execute(
                   select(order.doc_no, line.line_no, line.quantity, line.unit_price, line.discount_rate,
                          line.tax_rate, line.price_includes_tax, line.amount, line.tax_amount, line.gross_amount)
                   .join(order, order.id == line.order_id))
               if (amount, vat, gross) != ((want := tax.split_line(q, p, r, includes_tax=bool(inc), discount_rate=d)).net,
                                           want.tax, want.gross)]
    return (_limited(f"{name}: status disagrees with quantities", wrong)
            + _limited(f"{name}: header total differs from lines", totals)
            + _limited(f"{name}: line amount miscomputed", amounts)
            + _cancellations(conn, name, order, line, done_col))


def _cancellations(conn: Connection, name: str, order, line, done_col) -> list[str]:  # type: ignore[no-untyped-def]
    """A line's cancelled quantity is the sum of its history rows."""
    ref = getattr(OrderLineCancellation, f"{order.__tablename__}_line_id")
    history = (select(ref.label("line_id"), func.sum(OrderLineCancellation.quantity).label("qty"))
               .where(ref.is_not(None)).group_by(ref).subquery())
    rows = conn.execute(
        select(order.doc_no, line.line_no, line.quantity, done_col, line.cancelled_qty, history.c.qty)
        .join(order, order.id == line.order_id).outerjoin(history, history.c.line_id == line.id)
        .where((line.cancelled_qty != 0) | history.c.qty.is_not(None)))
    wrong = [f"{doc_no} line {line_no}: cancelled {cancelled}, history {logged}, ordered {qty}, done {done}"
             for doc_no, line_no, qty, done, cancelled, logged in rows
             if cancelled != (logged or ZERO)]
    return _limited(f"{name}: cancelled quantity differs from its history", wrong)


def _inspection(conn: Connection) -> list[str]:
    """Rejected goods need a reason; landed costs are fully spread over the receipt's lines."""
    unexplained = [f"{doc_no} line {line_no}: {q} rejected" for doc_no, line_no, q in conn.execute(
        select(GoodsReceipt.doc_no, GoodsReceiptLine.line_no, GoodsReceiptLine.rejected_qty)
        .join(GoodsReceipt, GoodsReceipt.id == GoodsReceiptLine.receipt_id)
        .where((GoodsReceiptLine.rejected_qty < 0)
               | ((GoodsReceiptLine.rejected_qty > 0) & GoodsReceiptLine.reject_reason.is_(None))))]
    shares = (select(GoodsReceiptLine.receipt_id.label("rid"), func.sum(GoodsReceiptLine.landed_cost).label("total"))
              .group_by(GoodsReceiptLine.receipt_id).subquery())
    unspread = [f"{doc_no}: freight {f} + duty {d} ≠ lines {t}" for doc_no, f, d, t in conn.execute(
        select(GoodsReceipt.doc_no, GoodsReceipt.freight_amount, GoodsReceipt.duty_amount, shares.c.total)
        .join(shares, shares.c.rid == GoodsReceipt.id)
        .where((GoodsReceipt.freight_amount != 0) | (GoodsReceipt.duty_amount != 0) | (shares.c.total != 0)))
        if f + d != (t or ZERO)]
    return (_limited("receipt: rejection without a reason", unexplained)
            + _limited("receipt: landed costs not spread over its lines", unspread))


def _returns(conn: Connection, name: str, model, model_source_ref, line, source_ref, source_line, source_doc,  # type: ignore[no-untyped-def]
             source_doc_ref, doc_type: str, source_type: str, sign: int) -> list[str]:
    sums = select(source_ref.label("sid"), func.sum(line.quantity).label("qty")).group_by(source_ref).subquery()
    over = [f"{doc_no} line {line_no}: quantity {q}, returned_qty {r}, return lines {s}"
            for doc_no, line_no, q, r, s in conn.execute(
                select(source_doc.doc_no, source_line.line_no, source_line.quantity, source_line.returned_qty, sums.c.qty)
                .join(source_doc, source_doc.id == source_doc_ref)
                .outerjoin(sums, sums.c.sid == source_line.id)
                .where((source_line.returned_qty != 0) | sums.c.qty.is_not(None)))
            if r != (s or ZERO) or r > q or r < 0]
    ledger = select(StockLedger.doc_line_id, StockLedger.quantity, StockLedger.warehouse_id, StockLedger.product_id,
                    StockLedger.movement_date, StockLedger.source_ledger_id).where(
        StockLedger.doc_type == doc_type).subquery()
    src = StockLedger.__table__.alias("src")
    rows = conn.execute(
        select(model.doc_no, line.line_no, line.quantity, line.product_id, model.warehouse_id, model.return_date,
               source_ref, ledger.c.quantity, ledger.c.warehouse_id, ledger.c.product_id, ledger.c.movement_date,
               src.c.doc_type, src.c.doc_line_id)
        .join(model, model.id == line.return_id)
        .outerjoin(ledger, ledger.c.doc_line_id == line.id)
        .outerjoin(src, src.c.id == ledger.c.source_ledger_id))
    unposted = []
    for doc_no, line_no, q, pid, wid, on, sid, lq, lwid, lpid, ldate, src_type, src_line in rows:
        if lq is None or (lq, lwid, lpid, ldate) != (sign * q, wid, pid, on):
            unposted.append(f"{doc_no} line {line_no}: quantity {q}, ledger {lq}")
        elif src_type != source_type or src_line != sid:
            unposted.append(f"{doc_no} line {line_no}: source ledger row is not that of the line it returns")
    sourceless = conn.execute(select(func.count()).select_from(ledger).where(
        ledger.c.source_ledger_id.is_(None) | ~ledger.c.doc_line_id.in_(select(line.id)))).scalar_one()
    where = [f"{doc_no}: warehouse {wid}" for doc_no, wid, src_wid, kind, disposition in conn.execute(
        select(model.doc_no, model.warehouse_id, source_doc.warehouse_id, Warehouse.kind,
               model.disposition if model is SalesReturn else literal("restock"))
        .join(source_doc, source_doc.id == model_source_ref)
        .join(Warehouse, Warehouse.id == model.warehouse_id))
        if not (wid == src_wid if disposition == "restock" else kind == QUARANTINE)]
    return (_limited(f"{name}: returned quantity wrong", over)
            + _limited(f"{name}: line without its ledger row", unposted)
            + ([f"{name}: {sourceless} ledger rows without a source or a return line"] if sourceless else [])
            + _limited(f"{name}: goods in the wrong warehouse", where))


def _transfers(conn: Connection) -> list[str]:
    legs: dict[int, dict[tuple[int, str], Decimal]] = {}  # transfer line → (warehouse, movement) → quantity
    dates: dict[int, set[object]] = {}
    for line_id, wid, kind, on, qty in conn.execute(
            select(StockLedger.doc_line_id, StockLedger.warehouse_id, StockLedger.movement_type,
                   StockLedger.movement_date, func.sum(StockLedger.quantity))
            .where(StockLedger.doc_type == "stock_transfer")
            .group_by(StockLedger.doc_line_id, StockLedger.warehouse_id, StockLedger.movement_type,
                      StockLedger.movement_date)):
        mine = legs.setdefault(line_id, {})
        mine[(wid, kind)] = mine.get((wid, kind), ZERO) + qty
        dates.setdefault(line_id, set()).add(on)
    wrong = []
    for (doc_no, status, src, dst, transit, ship, received_on, line_id, line_no, qty, got) in conn.execute(
            select(StockTransfer.doc_no, StockTransfer.status, StockTransfer.from_warehouse_id,
                   StockTransfer.to_warehouse_id, StockTransfer.transit_warehouse_id, StockTransfer.ship_date,
                   StockTransfer.receive_date, StockTransferLine.id, StockTransferLine.line_no,
                   StockTransferLine.quantity, StockTransferLine.received_qty)
            .join(StockTransfer, StockTransfer.id == StockTransferLine.transfer_id)):
        done = status != IN_TRANSIT
        arrived = got if got is not None else ZERO
        expected = {(src, "transfer_out"): -qty, (transit, "transfer_in"): qty}
        if done:
            expected.update({(transit, "transfer_out"): -arrived, (dst, "transfer_in"): arrived,
                             (transit, "transit_loss"): arrived - qty})
        expected = {k: v for k, v in expected.items() if v != 0}
        actual = {k: v for k, v in legs.pop(line_id, {}).items() if v != 0}
        bad_dates = not dates.get(line_id, set()) <= {ship, received_on}
        bad_state = (got is None or received_on is None or got > qty) if done else (got is not None or received_on is not None)
        if actual != expected or bad_dates or bad_state:
            wrong.append(f"{doc_no} line {line_no}: shipped {qty}, received {got}, ledger {actual}")
    stray = sum(len(v) for v in legs.values())
    return (_limited("transfer: legs do not balance", wrong)
            + ([f"transfer: {stray} ledger rows point at no transfer line"] if stray else []))


def _stocktakes(conn: Connection) -> list[str]:
    ledger = select(StockLedger.doc_line_id, func.sum(StockLedger.quantity).label("qty"),
                    func.min(StockLedger.movement_date).label("first"), func.max(StockLedger.movement_date).label("last"),
                    func.count().label("n")).where(StockLedger.doc_type == "stocktake").group_by(
        StockLedger.doc_line_id).subquery()
    wrong = []
    for doc_no, status, on, line_no, book, counted, lq, first, last in conn.execute(
            select(Stocktake.doc_no, Stocktake.status, Stocktake.count_date, StocktakeLine.line_no,
                   StocktakeLine.book_qty, StocktakeLine.counted_qty, ledger.c.qty, ledger.c.first, ledger.c.last)
            .join(Stocktake, Stocktake.id == StocktakeLine.stocktake_id)
            .outerjoin(ledger, ledger.c.doc_line_id == StocktakeLine.id)):
        expected = counted - book if status == POSTED and counted is not None else ZERO
        if (lq or ZERO) != expected or (lq is not None and (first, last) != (on, on)):
            wrong.append(f"{doc_no} line {line_no}: book {book}, counted {counted}, ledger {lq}")
    stray = conn.execute(select(func.count()).select_from(ledger).where(
        ~ledger.c.doc_line_id.in_(select(StocktakeLine.id)))).scalar_one()
    return (_limited("stocktake: ledger differs from counted − book", wrong)
            + ([f"stocktake: {stray} ledger rows point at no count line"] if stray else []))


def _doc_numbers(conn: Connection) -> list[str]:
    dated = ((PurchaseOrder, PurchaseOrder.order_date, "purchase_order"), (GoodsReceipt, GoodsReceipt.receipt_date, "goods_receipt"),
             (SalesOrder, SalesOrder.order_date, "sales_order"), (Shipment, Shipment.ship_date, "shipment"),
             (PurchaseReturn, PurchaseReturn.return_date, "purchase_return"),
             (SalesReturn, SalesReturn.return_date, "sales_return"),
             (StockTransfer, StockTransfer.ship_date, "stock_transfer"), (Stocktake, Stocktake.count_date, "stocktake"))
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


def _bins(conn: Connection) -> list[str]:
    """In a warehouse that uses bins, a product's bin balances add up to its warehouse balance."""
    in_bins = {(p, w): q for p, w, q in conn.execute(
        select(StockBinBalance.product_id, StockBinBalance.warehouse_id, func.sum(StockBinBalance.quantity))
        .join(Warehouse, Warehouse.id == StockBinBalance.warehouse_id).where(Warehouse.uses_bins.is_(True))
        .group_by(StockBinBalance.product_id, StockBinBalance.warehouse_id))}
    balance = {(p, w): q for p, w, q in conn.execute(
        select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity)
        .join(Warehouse, Warehouse.id == StockBalance.warehouse_id).where(Warehouse.uses_bins.is_(True)))}
    wrong = [f"product {p} warehouse {w}: bins {in_bins.get((p, w), ZERO)} ≠ balance {balance.get((p, w), ZERO)}"
             for p, w in sorted(set(in_bins) | set(balance)) if in_bins.get((p, w), ZERO) != balance.get((p, w), ZERO)]
    return _limited("bin balances differ from the warehouse balance", wrong)
