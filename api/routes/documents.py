"""Purchase and sales documents and their state changes, through the services:
purchase order create / confirm / cancel / receive, return to supplier; sales order create /
confirm / cancel / ship, return from customer. Every POST that creates a document runs once per
``Idempotency-Key`` (``operational.services.idempotency``), like the app's forms."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from api.deps import Caller, engine, idempotency_key, require, writing
from api.routes.common import (
    READ_ERRORS,
    WRITE_ERRORS,
    Limit,
    Offset,
    PathId,
    create_once,
    get_or_404,
)
from api.schemas import (
    OrderLineIn,
    OrderLineOut,
    OrderOut,
    OrderSummary,
    PurchaseOrderIn,
    PurchaseReturnIn,
    ReceiptIn,
    SalesOrderIn,
    SalesReturnIn,
    ShipmentIn,
    StockDocumentOut,
    StockLineOut,
)
from operational.db import read_only
from operational.models import GoodsReceipt, PurchaseOrder, SalesOrder, Shipment
from operational.services import purchasing, queries, returns, sales
from operational.services.orders import FulfilLineInput, OrderKind, OrderLineInput
from operational.services.returns import ReturnLineInput

router = APIRouter(tags=["documents"])

Status = Literal["draft", "confirmed", "partial", "completed", "closed", "cancelled"]


@dataclass(frozen=True)
class _Side:
    kind: OrderKind
    due_field: str


PURCHASE = _Side(purchasing.PURCHASE, "expected_date")
SALES = _Side(sales.SALES, "required_date")


def _order_out(order: Any, side: _Side) -> OrderOut:
    kind = side.kind
    return OrderOut(
        id=order.id, doc_no=order.doc_no, status=order.status, partner_id=getattr(order, kind.partner_field),
        warehouse_id=order.warehouse_id, order_date=order.order_date, due_date=getattr(order, side.due_field),
        total_amount=order.total_amount, tax_amount=order.tax_amount, gross_amount=order.gross_amount,
        note=order.note,
        lines=[OrderLineOut(id=line.id, line_no=line.line_no, product_id=line.product_id, quantity=line.quantity,
                            unit_price=line.unit_price, discount_rate=line.discount_rate, amount=line.amount,
                            done_quantity=getattr(line, kind.done_qty_field), cancelled_qty=line.cancelled_qty)
               for line in sorted(order.lines, key=lambda line: line.line_no)])


def _doc_out(doc: Any, date_field: str) -> StockDocumentOut:
    return StockDocumentOut(
        id=doc.id, doc_no=doc.doc_no, status=doc.status, warehouse_id=doc.warehouse_id,
        date=getattr(doc, date_field),
        lines=[StockLineOut(id=line.id, line_no=line.line_no, product_id=line.product_id, quantity=line.quantity)
               for line in sorted(doc.lines, key=lambda line: line.line_no)])


def _lines(body_lines: list[OrderLineIn]) -> list[OrderLineInput]:
    return [OrderLineInput(product_id=line.product_id, quantity=line.quantity, unit_price=line.unit_price,
                           discount_rate=line.discount_rate, promised_date=line.promised_date,
                           price_includes_tax=line.price_includes_tax, tax_rate_code=line.tax_rate_code)
            for line in body_lines]


# ------------------------------------------------------------------------------------------ purchase

@router.get("/purchase-orders", response_model=list[OrderSummary], responses=READ_ERRORS,
            dependencies=[Depends(require("purchase_orders.read"))], operation_id="list_purchase_orders")
def list_purchase_orders(request: Request, limit: Limit = 100, offset: Offset = 0,
                         status: Status | None = None) -> Any:
    """Newest first, with supplier, warehouse, amount and how much was received."""
    with read_only(engine(request)) as s:
        return queries.recent_orders(s, PURCHASE.kind, statuses=(status,) if status else None, limit=limit,
                                     offset=offset)


@router.get("/purchase-orders/{order_id}", response_model=OrderOut, responses=READ_ERRORS,
            dependencies=[Depends(require("purchase_orders.read"))], operation_id="get_purchase_order")
def get_purchase_order(request: Request, order_id: PathId) -> Any:
    with read_only(engine(request)) as s:
        return _order_out(get_or_404(s, PurchaseOrder, order_id, "purchase_order"), PURCHASE)


@router.post("/purchase-orders", response_model=OrderOut, status_code=201, responses=WRITE_ERRORS,
             operation_id="create_purchase_order")
def create_purchase_order(request: Request, response: Response, body: PurchaseOrderIn,
                          who: Annotated[Caller, Depends(require("purchase_orders.write"))],
                          key: Annotated[str | None, Depends(idempotency_key)] = None) -> Any:
    """A draft purchase order (confirm it to receive against it)."""
    with writing(request) as s:
        order = create_once(s, who, "create_purchase_order", key, response, lambda: purchasing.create_purchase_order(
            s, body.supplier_id, body.warehouse_id, body.order_date, _lines(body.lines),
            expected_date=body.expected_date, note=body.note, user_id=who.id))
        return _order_out(order, PURCHASE)


@router.post("/purchase-orders/{order_id}/confirm", response_model=OrderOut, responses=WRITE_ERRORS,
             dependencies=[Depends(require("purchase_orders.write"))], operation_id="confirm_purchase_order")
def confirm_purchase_order(request: Request, order_id: PathId) -> Any:
    with writing(request) as s:
        get_or_404(s, PurchaseOrder, order_id, "purchase_order")
        return _order_out(purchasing.confirm_purchase_order(s, order_id), PURCHASE)


@router.post("/purchase-orders/{order_id}/cancel", response_model=OrderOut, responses=WRITE_ERRORS,
             dependencies=[Depends(require("purchase_orders.write"))], operation_id="cancel_purchase_order")
def cancel_purchase_order(request: Request, order_id: PathId) -> Any:
    """Cancel a draft or confirmed order with nothing received yet."""
    with writing(request) as s:
        get_or_404(s, PurchaseOrder, order_id, "purchase_order")
        return _order_out(purchasing.cancel_purchase_order(s, order_id), PURCHASE)


@router.post("/purchase-orders/{order_id}/receipts", response_model=StockDocumentOut, status_code=201,
             responses=WRITE_ERRORS, operation_id="receive_purchase_order")
def receive(request: Request, response: Response, order_id: PathId, body: ReceiptIn,
            who: Annotated[Caller, Depends(require("goods_receipts.write"))],
            key: Annotated[str | None, Depends(idempotency_key)] = None) -> Any:
    """Post a goods receipt: the given lines (accepted and rejected quantity), or everything open."""
    with writing(request) as s:
        get_or_404(s, PurchaseOrder, order_id, "purchase_order")

        def post() -> Any:
            if body.lines is None:
                return purchasing.receive_all(s, order_id, body.receipt_date, user_id=who.id)
            lines = [FulfilLineInput(line.order_line_id, line.quantity, line.rejected_qty, line.reject_reason,
                                     line.batch_no, line.expiry_date) for line in body.lines]
            return purchasing.receive_goods(s, order_id, body.receipt_date, lines, user_id=who.id, note=body.note)

        return _doc_out(create_once(s, who, f"receive:{order_id}", key, response, post), "receipt_date")


@router.get("/goods-receipts/{receipt_id}", response_model=StockDocumentOut, responses=READ_ERRORS,
            dependencies=[Depends(require("purchase_orders.read"))], operation_id="get_goods_receipt")
def get_goods_receipt(request: Request, receipt_id: PathId) -> Any:
    with read_only(engine(request)) as s:
        return _doc_out(get_or_404(s, GoodsReceipt, receipt_id, "goods_receipt"), "receipt_date")


@router.post("/goods-receipts/{receipt_id}/returns", response_model=StockDocumentOut, status_code=201,
             responses=WRITE_ERRORS, operation_id="return_to_supplier")
def return_to_supplier(request: Request, response: Response, receipt_id: PathId, body: PurchaseReturnIn,
                       who: Annotated[Caller, Depends(require("purchase_returns.write"))],
                       key: Annotated[str | None, Depends(idempotency_key)] = None) -> Any:
    """Send goods back against a receipt (lines are the receipt's lines)."""
    with writing(request) as s:
        get_or_404(s, GoodsReceipt, receipt_id, "goods_receipt")
        doc = create_once(s, who, f"purchase_return:{receipt_id}", key, response, lambda: returns.return_to_supplier(
            s, receipt_id, body.return_date, [ReturnLineInput(line.source_line_id, line.quantity)
                                              for line in body.lines], reason=body.reason, user_id=who.id))
        return _doc_out(doc, "return_date")


# ------------------------------------------------------------------------------------------- sales

@router.get("/sales-orders", response_model=list[OrderSummary], responses=READ_ERRORS,
            dependencies=[Depends(require("sales_orders.read"))], operation_id="list_sales_orders")
def list_sales_orders(request: Request, limit: Limit = 100, offset: Offset = 0, status: Status | None = None) -> Any:
    """Newest first, with customer, warehouse, amount and how much was shipped."""
    with read_only(engine(request)) as s:
        return queries.recent_orders(s, SALES.kind, statuses=(status,) if status else None, limit=limit,
                                     offset=offset)


@router.get("/sales-orders/{order_id}", response_model=OrderOut, responses=READ_ERRORS,
            dependencies=[Depends(require("sales_orders.read"))], operation_id="get_sales_order")
def get_sales_order(request: Request, order_id: PathId) -> Any:
    with read_only(engine(request)) as s:
        return _order_out(get_or_404(s, SalesOrder, order_id, "sales_order"), SALES)


@router.post("/sales-orders", response_model=OrderOut, status_code=201, responses=WRITE_ERRORS,
             operation_id="create_sales_order")
def create_sales_order(request: Request, response: Response, body: SalesOrderIn,
                       who: Annotated[Caller, Depends(require("sales_orders.write"))],
                       key: Annotated[str | None, Depends(idempotency_key)] = None) -> Any:
    """A draft sales order (confirm it to ship against it)."""
    with writing(request) as s:
        order = create_once(s, who, "create_sales_order", key, response, lambda: sales.create_sales_order(
            s, body.customer_id, body.warehouse_id, body.order_date, _lines(body.lines),
            required_date=body.required_date, salesperson_id=body.salesperson_id, note=body.note, user_id=who.id))
        return _order_out(order, SALES)


@router.post("/sales-orders/{order_id}/confirm", response_model=OrderOut, responses=WRITE_ERRORS,
             dependencies=[Depends(require("sales_orders.write"))], operation_id="confirm_sales_order")
def confirm_sales_order(request: Request, order_id: PathId) -> Any:
    """Confirm a draft; refused (409, credit_limit_exceeded) beyond the customer's credit limit
    unless a manager approved the order in the app."""
    with writing(request) as s:
        get_or_404(s, SalesOrder, order_id, "sales_order")
        return _order_out(sales.confirm_sales_order(s, order_id), SALES)


@router.post("/sales-orders/{order_id}/cancel", response_model=OrderOut, responses=WRITE_ERRORS,
             dependencies=[Depends(require("sales_orders.write"))], operation_id="cancel_sales_order")
def cancel_sales_order(request: Request, order_id: PathId) -> Any:
    with writing(request) as s:
        get_or_404(s, SalesOrder, order_id, "sales_order")
        return _order_out(sales.cancel_sales_order(s, order_id), SALES)


@router.post("/sales-orders/{order_id}/shipments", response_model=StockDocumentOut, status_code=201,
             responses=WRITE_ERRORS, operation_id="ship_sales_order")
def ship(request: Request, response: Response, order_id: PathId, body: ShipmentIn,
         who: Annotated[Caller, Depends(require("shipments.write"))],
         key: Annotated[str | None, Depends(idempotency_key)] = None) -> Any:
    """Post a shipment: the given lines, or everything open; refused (409) if stock would go negative."""
    with writing(request) as s:
        get_or_404(s, SalesOrder, order_id, "sales_order")

        def post() -> Any:
            if body.lines is None:
                return sales.ship_all(s, order_id, body.ship_date, user_id=who.id)
            lines = [FulfilLineInput(line.order_line_id, line.quantity) for line in body.lines]
            return sales.ship_goods(s, order_id, body.ship_date, lines, user_id=who.id, note=body.note)

        return _doc_out(create_once(s, who, f"ship:{order_id}", key, response, post), "ship_date")


@router.get("/shipments/{shipment_id}", response_model=StockDocumentOut, responses=READ_ERRORS,
            dependencies=[Depends(require("sales_orders.read"))], operation_id="get_shipment")
def get_shipment(request: Request, shipment_id: PathId) -> Any:
    with read_only(engine(request)) as s:
        return _doc_out(get_or_404(s, Shipment, shipment_id, "shipment"), "ship_date")


@router.post("/shipments/{shipment_id}/returns", response_model=StockDocumentOut, status_code=201,
             responses=WRITE_ERRORS, operation_id="return_from_customer")
def return_from_customer(request: Request, response: Response, shipment_id: PathId, body: SalesReturnIn,
                         who: Annotated[Caller, Depends(require("sales_returns.write"))],
                         key: Annotated[str | None, Depends(idempotency_key)] = None) -> Any:
    """Take goods back against a shipment, restocked or into the quarantine warehouse."""
    with writing(request) as s:
        get_or_404(s, Shipment, shipment_id, "shipment")
        doc = create_once(s, who, f"sales_return:{shipment_id}", key, response, lambda: returns.return_from_customer(
            s, shipment_id, body.return_date, [ReturnLineInput(line.source_line_id, line.quantity)
                                               for line in body.lines], reason=body.reason,
            disposition=body.disposition, user_id=who.id))
        return _doc_out(doc, "return_date")
