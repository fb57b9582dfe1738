"""Replenishment (补货): the planner's side of the supply plan in the store.

- Demand adjustments on top of the forecast (who, when, why), read by the next plan.
- The target service level per ABC class.
- Turning selected plan suggestions into *draft* purchase orders (one per supplier and receiving
  warehouse) and draft transfers (one per source and destination), through the purchasing and
  transfer services like any other entry, with a link from each plan line to its document line.
  A line whose linked document is still open (order draft / confirmed / partly received, transfer
  draft / in transit) cannot be created again and is not suggested again by the plan.

Everything happens in the caller's transaction: an error leaves nothing half-written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from operational.models import (
    ABC_CLASSES,
    ADJUSTMENT_MODES,
    CONFIRMED,
    DRAFT,
    IN_TRANSIT,
    PARTIAL,
    PLAN_LINK_KINDS,
    DemandAdjustment,
    PlanDocumentLink,
    PlanningServiceLevel,
    Product,
    PurchaseOrder,
    StockTransfer,
    Supplier,
    Warehouse,
)
from operational.models.planning import REASON_MAX
from operational.services import purchasing, transfers
from operational.services.errors import StateError, ValidationError
from operational.services.orders import OrderLineInput
from operational.services.validation import (
    choice,
    current_day,
    get_or_fail,
    positive,
    required_date,
    required_text,
    to_decimal,
)

OPEN_ORDER_STATES = (DRAFT, CONFIRMED, PARTIAL)
OPEN_TRANSFER_STATES = (DRAFT, IN_TRANSIT)
# How far ahead a planner may adjust demand (the forecast covers 12 weeks; a little more room).
ADJUST_WEEKS_AHEAD = 26
PLAN_NOTE = "由供应计划生成"


@dataclass(frozen=True)
class SuggestionPick:
    """One selected plan line, as the plan mart gives it."""

    kind: str  # purchase / transfer
    product_id: int
    warehouse_id: int  # receiving warehouse
    quantity: Any
    suggestion_key: str
    plan_as_of: date
    supplier_id: int | None = None  # purchase
    from_warehouse_id: int | None = None  # transfer


# ---------------------------------------------------------------- demand adjustments

def record_adjustment(session: Session, product_id: int | None, warehouse_id: int | None, week_start: Any,
                      mode: Any, quantity: Any, reason: Any, *, user_id: int | None = None,
                      today: date | None = None) -> DemandAdjustment:
    """Record a planner's change to one week's demand: ``delta`` adds (may be negative), ``override``
    replaces the forecast. The newest row of a product × warehouse × week is in force."""
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    warehouse = get_or_fail(session, Warehouse, warehouse_id, "warehouse", field="warehouse_id")
    week = required_date(week_start, "week_start")
    if week.weekday() != 0:
        raise ValidationError("week_not_monday", field="week_start", record=product.sku, value=week.isoformat())
    this_week = (today or current_day()) - timedelta(days=(today or current_day()).weekday())
    if not this_week <= week <= this_week + timedelta(weeks=ADJUST_WEEKS_AHEAD):
        raise ValidationError("week_out_of_range", field="week_start", record=product.sku, value=week.isoformat(),
                              weeks=ADJUST_WEEKS_AHEAD)
    how = choice(mode, ADJUSTMENT_MODES, "adjustment_mode", record=product.sku)
    qty = to_decimal(quantity, "adjustment_qty", record=product.sku)
    if how == "override" and qty < 0:
        raise ValidationError("must_not_be_negative", field="adjustment_qty", record=product.sku,
                              field_label="field.adjustment_qty")
    why = required_text(reason, "adjustment_reason", record=product.sku)
    if len(why) > REASON_MAX:
        raise ValidationError("adjustment_reason_too_long", field="adjustment_reason", record=product.sku,
                              max_length=REASON_MAX, length=len(why))
    row = DemandAdjustment(product_id=product.id, warehouse_id=warehouse.id, week_start=week, mode=how,
                           quantity=qty, reason=why, created_by=user_id)
    session.add(row)
    session.flush()
    return row


def adjustments(session: Session, *, since: date | None = None) -> list[DemandAdjustment]:
    """Adjustments from ``since`` (a week start) on, newest first: history included."""
    stmt = select(DemandAdjustment).order_by(DemandAdjustment.id.desc())
    if since is not None:
        stmt = stmt.where(DemandAdjustment.week_start >= since)
    return list(session.execute(stmt).scalars())


# ---------------------------------------------------------------- service levels

def set_service_level(session: Session, abc_class: Any, level: Any, *, user_id: int | None = None) -> PlanningServiceLevel:
    """Target cycle service level of an ABC class, strictly between 50 % and 100 %."""
    klass = choice(abc_class, ABC_CLASSES, "abc_class")
    value = to_decimal(level, "service_level")
    if not Decimal("0.5") < value < Decimal(1):
        raise ValidationError("service_level_range", field="service_level", record=klass, value=f"{value:f}")
    row = session.get(PlanningServiceLevel, klass)
    if row is None:
        row = PlanningServiceLevel(abc_class=klass, service_level=value, updated_by=user_id)
        session.add(row)
    else:
        row.service_level, row.updated_by = value, user_id
    session.flush()
    return row


def service_levels(session: Session) -> dict[str, Decimal]:
    return {row.abc_class: row.service_level for row in session.execute(select(PlanningServiceLevel)).scalars()}


# ---------------------------------------------------------------- plan → documents

def _open_link_clause() -> Any:
    return or_(
        and_(PlanDocumentLink.purchase_order_id.is_not(None), PurchaseOrder.status.in_(OPEN_ORDER_STATES)),
        and_(PlanDocumentLink.stock_transfer_id.is_not(None), StockTransfer.status.in_(OPEN_TRANSFER_STATES)),
    )


def open_links(session: Session) -> set[tuple[str, int, int]]:
    """(kind, product, receiving warehouse) of plan lines whose document is still open."""
    rows = session.execute(
        select(PlanDocumentLink.kind, PlanDocumentLink.product_id, PlanDocumentLink.warehouse_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == PlanDocumentLink.purchase_order_id)
        .outerjoin(StockTransfer, StockTransfer.id == PlanDocumentLink.stock_transfer_id)
        .where(_open_link_clause())).all()
    return {(kind, product, warehouse) for kind, product, warehouse in rows}


def links(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest plan lines turned into documents, with the document number and its status."""
    rows = session.execute(
        select(PlanDocumentLink, PurchaseOrder.doc_no, PurchaseOrder.status, StockTransfer.doc_no,
               StockTransfer.status)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == PlanDocumentLink.purchase_order_id)
        .outerjoin(StockTransfer, StockTransfer.id == PlanDocumentLink.stock_transfer_id)
        .order_by(PlanDocumentLink.id.desc()).limit(limit)).all()
    return [{"kind": link.kind, "product_id": link.product_id, "warehouse_id": link.warehouse_id,
             "from_warehouse_id": link.from_warehouse_id, "supplier_id": link.supplier_id,
             "quantity": link.quantity, "doc_no": po_no or tr_no, "status": po_status or tr_status,
             "plan_as_of": link.plan_as_of, "created_at": link.created_at}
            for link, po_no, po_status, tr_no, tr_status in rows]


def create_drafts(session: Session, picks: list[SuggestionPick], *, on: date | None = None,
                  user_id: int | None = None) -> list[PurchaseOrder | StockTransfer]:
    """Draft purchase orders (one per supplier × receiving warehouse, at the price in force) and
    draft transfers (one per source × destination) for the picked plan lines; the documents, in
    the order created. Refused as a whole if any line is already an open document."""
    if not picks:
        raise ValidationError("no_lines", field="lines")
    day = on or current_day()
    already = open_links(session)
    purchases: dict[tuple[int, int], list[tuple[SuggestionPick, Decimal]]] = defaultdict(list)
    moves: dict[tuple[int, int], list[tuple[SuggestionPick, Decimal]]] = defaultdict(list)
    seen: set[tuple[str, int, int]] = set()
    for n, pick in enumerate(picks, start=1):
        kind = choice(pick.kind, PLAN_LINK_KINDS, "plan_kind")
        product = get_or_fail(session, Product, pick.product_id, "product", field="product_id", line_no=n)
        key = (kind, product.id, pick.warehouse_id)
        if key in already or key in seen:
            raise StateError("plan_line_already_open", record=product.sku, field="suggestion", line_no=n)
        seen.add(key)
        qty = positive(pick.quantity, "quantity", record=product.sku, line_no=n)
        if kind == "purchase":
            if pick.supplier_id is None:
                raise ValidationError("required", field="supplier_id", record=product.sku, line_no=n,
                                      field_label="field.supplier")
            purchases[(pick.supplier_id, pick.warehouse_id)].append((pick, qty))
        else:
            if pick.from_warehouse_id is None:
                raise ValidationError("required", field="from_warehouse_id", record=product.sku, line_no=n,
                                      field_label="field.from_warehouse_id")
            moves[(pick.from_warehouse_id, pick.warehouse_id)].append((pick, qty))
    documents: list[PurchaseOrder | StockTransfer] = []
    for (supplier_id, warehouse_id), lines in sorted(purchases.items()):
        documents.append(_draft_order(session, supplier_id, warehouse_id, lines, day, user_id))
    for (source_id, target_id), lines in sorted(moves.items()):
        doc = transfers.create_draft_transfer(
            session, source_id, target_id, day,
            [transfers.TransferLineInput(pick.product_id, qty) for pick, qty in lines],
            note=PLAN_NOTE, user_id=user_id)
        for (pick, qty), line in zip(lines, doc.lines, strict=True):
            session.add(_link(pick, qty, line.line_no, user_id, stock_transfer_id=doc.id))
        documents.append(doc)
    session.flush()
    return documents


def _draft_order(session: Session, supplier_id: int, warehouse_id: int,
                 lines: list[tuple[SuggestionPick, Decimal]], day: date, user_id: int | None) -> PurchaseOrder:
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    inputs, lead_days = [], 0
    for pick, qty in lines:
        price = purchasing.supplier_price(session, supplier.id, pick.product_id, day)
        if price is None:
            product = session.get(Product, pick.product_id)
            raise ValidationError("no_supplier_price", record=product.sku if product else None, field="unit_price",
                                  supplier=supplier.code)
        # The plan rounded already; rounding again here keeps the order terms if the price list changed.
        inputs.append(OrderLineInput(pick.product_id, purchasing.round_to_order_terms(qty, price), price.price))
        lead_days = max(lead_days, price.lead_time_days or supplier.lead_time_days or 0)
    order = purchasing.create_purchase_order(session, supplier.id, warehouse_id, day, inputs,
                                             expected_date=day + timedelta(days=lead_days), note=PLAN_NOTE,
                                             user_id=user_id)
    for (pick, _), line in zip(lines, order.lines, strict=True):
        session.add(_link(pick, line.quantity, line.line_no, user_id, purchase_order_id=order.id,
                          purchase_order_line_id=line.id))
    return order


def _link(pick: SuggestionPick, qty: Decimal, line_no: int, user_id: int | None, **document: int) -> PlanDocumentLink:
    return PlanDocumentLink(plan_as_of=pick.plan_as_of, suggestion_key=pick.suggestion_key[:100], kind=pick.kind,
                            product_id=pick.product_id, warehouse_id=pick.warehouse_id,
                            from_warehouse_id=pick.from_warehouse_id, supplier_id=pick.supplier_id, quantity=qty,
                            line_no=line_no, created_by=user_id, **document)
