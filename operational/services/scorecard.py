"""The supplier scorecard (供应商评估, DESIGN.md): the delivery rule per order line, the delivery
figures per supplier and month read from the store, and the score and grade — the weighted mean of
on-time rate, in-full rate and 1 − reject rate over the rates that have data, and a grade from it.

Delivery (``line_delivery``): cancelled quantity is never due. A line's quantity due is ordered −
cancelled; what it delivered on time (accepted on or before its promised date) counts up to that;
it is in full when received ≥ ordered − cancelled; a line cancelled entirely with nothing received
is not a line due at all. ``delivery`` applies it to the store exactly as ``mart_supplier_scorecard``
does in the warehouse (tests/transforms check store = warehouse).

No data is no data: a NULL rate is left out (never counted as 100 %), and a row without any rate
(or with all its weights at 0) has no score and no grade. ``mart_supplier_scorecard`` computes the
same score in SQL with the default weights (the dbt var ``supplier_scorecard_weights``); the
supplier page re-weights with this module when the user moves the weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.models import (
    CANCELLED,
    CLOSED,
    COMPLETED,
    CONFIRMED,
    PARTIAL,
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
)

GRADES = ((0.95, "A"), (0.85, "B"), (0.70, "C"))  # else D


@dataclass(frozen=True)
class Weights:
    on_time: float = 0.4
    in_full: float = 0.3
    quality: float = 0.3


DEFAULT_WEIGHTS = Weights()


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def score(on_time: object, in_full: object, reject: object, weights: Weights = DEFAULT_WEIGHTS) -> float | None:
    parts = [(weights.on_time, on_time), (weights.in_full, in_full),
             (weights.quality, 1 - float(reject) if _present(reject) else None)]
    used = [(w, float(v)) for w, v in parts if _present(v) and w > 0]
    total = sum(w for w, _ in used)
    if not used or total <= 0:
        return None
    return round(sum(w * v for w, v in used) / total, 4)


def grade(value: float | None) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return next((g for floor, g in GRADES if value >= floor), "D")


# Orders whose lines count towards delivery (drafts and cancelled orders promise nothing).
DELIVERY_STATES = (CONFIRMED, PARTIAL, COMPLETED, CLOSED)
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineDelivery:
    qty_due: Decimal  # ordered − cancelled
    qty_on_time: Decimal  # accepted by the promised date, at most qty_due
    counts: bool  # a line due (not cancelled entirely with nothing received)
    in_full: bool  # received ≥ ordered − cancelled


def line_delivery(ordered: Decimal, cancelled: Decimal, received: Decimal, on_time: Decimal) -> LineDelivery:
    """One order line's part in the on-time and in-full rates (see the module docstring)."""
    due = ordered - cancelled
    counts = due > 0 or received > 0
    return LineDelivery(due, min(on_time, due), counts, counts and received >= due)


@dataclass(frozen=True)
class Delivery:
    qty_due: Decimal = ZERO
    qty_on_time: Decimal = ZERO
    lines_due: int = 0
    lines_in_full: int = 0

    @property
    def on_time_rate(self) -> Decimal | None:
        """qty_on_time ÷ qty_due; None (no data), never 100 %, when nothing was due."""
        return self.qty_on_time / self.qty_due if self.qty_due > 0 else None

    @property
    def in_full_rate(self) -> Decimal | None:
        return Decimal(self.lines_in_full) / self.lines_due if self.lines_due > 0 else None

    def add(self, line: LineDelivery) -> Delivery:
        if not line.counts:
            return self
        return Delivery(self.qty_due + line.qty_due, self.qty_on_time + line.qty_on_time, self.lines_due + 1,
                        self.lines_in_full + int(line.in_full))


def delivery(session: Session, as_of: date, *, supplier_ids: Iterable[int] | None = None) -> dict[tuple[int, str], Delivery]:
    """(supplier id, 'YYYY-MM' of the promised date) → delivery figures from the store, for the
    order lines promised on or before ``as_of`` (the promised date: the line's, else the order's
    expected date, else its order date), as ``mart_supplier_scorecard`` computes them by month."""
    po, line = PurchaseOrder, PurchaseOrderLine
    promised = func.coalesce(line.promised_date, po.expected_date, po.order_date)
    stmt = (select(line.id, po.supplier_id, promised, line.quantity, line.cancelled_qty, line.received_qty)
            .join(po, po.id == line.order_id).where(po.status.in_(DELIVERY_STATES), promised <= as_of))
    if supplier_ids is not None:
        stmt = stmt.where(po.supplier_id.in_(list(supplier_ids)))
    rows = session.execute(stmt).all()
    on_time: dict[int, Decimal] = {}
    if rows:
        promised_by_line = {r[0]: r[2] for r in rows}
        for line_id, qty, received_on in session.execute(
                select(GoodsReceiptLine.po_line_id, GoodsReceiptLine.quantity, GoodsReceipt.receipt_date)
                .join(GoodsReceipt, GoodsReceipt.id == GoodsReceiptLine.receipt_id)
                .where(GoodsReceiptLine.po_line_id.in_(list(promised_by_line)),
                       GoodsReceipt.status != CANCELLED)):  # a cancelled (作废) receipt never arrived
            if received_on <= promised_by_line[line_id]:
                on_time[line_id] = on_time.get(line_id, ZERO) + qty
    out: dict[tuple[int, str], Delivery] = {}
    for line_id, supplier_id, promised_on, ordered, cancelled, received in rows:
        key = (supplier_id, f"{promised_on:%Y-%m}")
        part = line_delivery(ordered, cancelled or ZERO, received, on_time.get(line_id, ZERO))
        out[key] = out.get(key, Delivery()).add(part)
    return out
