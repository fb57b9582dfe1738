"""Request and response bodies. Their bounds are the services' (docs/input_rules.md): text fits
its column, numbers their kind's bound, ids a 32-bit key, at most 500 lines per document. The
services check every business rule again; the schema makes the spec say what is accepted, and
keeps out what a database cannot even store (a NUL character, an unpaired surrogate).

Amounts, prices and quantities are decimals: sent as JSON numbers or strings, returned as strings
("12.50") so no client rounds them through a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from operational.services.validation import AMOUNT_MAX, QUANTITY_MAX, UNIT_PRICE_MAX

MAX_ID = 2_147_483_647  # PostgreSQL INTEGER
MAX_LINES = 500


def _storable(text: str) -> str:
    """No NUL (PostgreSQL text cannot hold one) and no unpaired surrogate (not UTF-8)."""
    if "\x00" in text:
        raise ValueError("NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode") from None
    return text


def text(max_length: int, min_length: int = 0) -> object:
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length),
                     AfterValidator(_storable)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Code = text(20, 1)
Name100 = text(100, 1)
Name200 = text(200, 1)
Quantity = Annotated[Decimal, Field(ge=0, le=QUANTITY_MAX, max_digits=18, decimal_places=4, allow_inf_nan=False)]
Price = Annotated[Decimal, Field(ge=0, le=UNIT_PRICE_MAX, max_digits=18, decimal_places=4, allow_inf_nan=False)]
Money = Annotated[Decimal, Field(ge=0, le=AMOUNT_MAX, max_digits=18, decimal_places=2, allow_inf_nan=False)]
Rate = Annotated[Decimal, Field(ge=0, lt=1, max_digits=6, decimal_places=4, allow_inf_nan=False)]
Days = Annotated[int, Field(ge=0, le=3650)]
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]


class Strict(BaseModel):
    """Unknown fields are refused, not ignored: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ------------------------------------------------------------------------------------------ masters

class ProductIn(Strict):
    sku: text(40, 1)  # type: ignore[valid-type]
    name: Name200  # type: ignore[valid-type]
    category_id: Id | None = None
    unit: text(20, 1) = "个"  # type: ignore[valid-type]
    barcode: text(40) | None = None  # type: ignore[valid-type]
    spec: text(100) | None = None  # type: ignore[valid-type]
    valuation_method: Literal["moving_average", "fifo"] = "moving_average"
    allow_negative: bool = False
    list_price: Price = Decimal(0)
    standard_cost: Price = Decimal(0)
    tracks_batches: bool = False
    shelf_life_days: Annotated[int, Field(ge=1, le=36500)] | None = None


class ProductPatch(Strict):
    name: Name200 | None = None  # type: ignore[valid-type]
    unit: text(20, 1) | None = None  # type: ignore[valid-type]
    barcode: text(40) | None = None  # type: ignore[valid-type]
    spec: text(100) | None = None  # type: ignore[valid-type]
    category_id: Id | None = None
    list_price: Price | None = None
    standard_cost: Price | None = None
    shelf_life_days: Annotated[int, Field(ge=1, le=36500)] | None = None
    is_active: bool | None = None


class ProductOut(Out):
    id: int
    sku: str
    name: str
    category_id: int | None
    unit: str
    barcode: str | None
    spec: str | None
    valuation_method: str
    allow_negative: bool
    list_price: Decimal
    standard_cost: Decimal
    tracks_batches: bool
    shelf_life_days: int | None
    is_active: bool


class _Party(Strict):
    contact: text(50) | None = None  # type: ignore[valid-type]
    phone: text(40) | None = None  # type: ignore[valid-type]
    address: text(300) | None = None  # type: ignore[valid-type]
    email: text(100) | None = None  # type: ignore[valid-type]


class CustomerIn(_Party):
    code: Code  # type: ignore[valid-type]
    name: Name200  # type: ignore[valid-type]
    region: text(50) | None = None  # type: ignore[valid-type]
    credit_limit: Money = Decimal(0)
    payment_terms_days: Days = 30
    discount_rate: Rate = Decimal(0)


class CustomerPatch(_Party):
    name: Name200 | None = None  # type: ignore[valid-type]
    region: text(50) | None = None  # type: ignore[valid-type]
    credit_limit: Money | None = None
    payment_terms_days: Days | None = None
    discount_rate: Rate | None = None


class CustomerOut(Out):
    id: int
    code: str
    name: str
    contact: str | None
    phone: str | None
    address: str | None
    email: str | None
    region: str | None
    credit_limit: Decimal
    payment_terms_days: int
    discount_rate: Decimal


class SupplierIn(_Party):
    code: Code  # type: ignore[valid-type]
    name: Name200  # type: ignore[valid-type]
    lead_time_days: Days = 7
    payment_terms_days: Days = 30


class SupplierPatch(_Party):
    name: Name200 | None = None  # type: ignore[valid-type]
    lead_time_days: Days | None = None
    payment_terms_days: Days | None = None
    over_receipt_tolerance: Rate | None = None
    status: Literal["active", "on_hold", "blocked"] | None = None


class SupplierOut(Out):
    id: int
    code: str
    name: str
    contact: str | None
    phone: str | None
    address: str | None
    email: str | None
    lead_time_days: int
    payment_terms_days: int
    over_receipt_tolerance: Decimal
    status: str


class WarehouseIn(Strict):
    code: Code  # type: ignore[valid-type]
    name: Name100  # type: ignore[valid-type]
    address: text(300) | None = None  # type: ignore[valid-type]
    kind: Literal["normal", "transit", "quarantine"] = "normal"


class WarehousePatch(Strict):
    name: Name100 | None = None  # type: ignore[valid-type]
    address: text(300) | None = None  # type: ignore[valid-type]
    is_active: bool | None = None


class WarehouseOut(Out):
    id: int
    code: str
    name: str
    address: str | None
    kind: str
    is_active: bool


# ---------------------------------------------------------------------------------------- documents

class OrderLineIn(Strict):
    product_id: Id
    quantity: Quantity
    unit_price: Price
    discount_rate: Rate | None = None
    price_includes_tax: bool | None = None
    tax_rate_code: text(20) | None = None  # type: ignore[valid-type]
    promised_date: Day | None = None


class PurchaseOrderIn(Strict):
    supplier_id: Id
    warehouse_id: Id
    order_date: Day
    expected_date: Day | None = None
    note: text(500) | None = None  # type: ignore[valid-type]
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]


class SalesOrderIn(Strict):
    customer_id: Id
    warehouse_id: Id
    order_date: Day
    required_date: Day | None = None
    salesperson_id: Id | None = None
    note: text(500) | None = None  # type: ignore[valid-type]
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=MAX_LINES)]


class OrderLineOut(Out):
    id: int
    line_no: int
    product_id: int
    quantity: Decimal
    unit_price: Decimal
    discount_rate: Decimal
    amount: Decimal
    done_quantity: Decimal  # received (purchase) or shipped (sales)
    cancelled_qty: Decimal


class OrderOut(Out):
    id: int
    doc_no: str
    status: str
    partner_id: int  # supplier_id or customer_id
    warehouse_id: int
    order_date: date
    due_date: date | None  # expected_date or required_date
    total_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    note: str | None
    lines: list[OrderLineOut]


class OrderSummary(Out):
    id: int
    doc_no: str
    order_date: date
    partner_name: str
    warehouse_name: str
    status: str
    line_count: int
    total_amount: Decimal
    ordered_quantity: Decimal
    done_quantity: Decimal
    cancelled_qty: Decimal


class ReceiptLineIn(Strict):
    order_line_id: Id
    quantity: Quantity
    rejected_qty: Quantity = Decimal(0)
    reject_reason: text(200) | None = None  # type: ignore[valid-type]
    batch_no: text(40) | None = None  # type: ignore[valid-type]
    expiry_date: Day | None = None


class ReceiptIn(Strict):
    """``lines`` omitted: receive everything still open on the order."""

    receipt_date: Day
    note: text(500) | None = None  # type: ignore[valid-type]
    lines: Annotated[list[ReceiptLineIn], Field(min_length=1, max_length=MAX_LINES)] | None = None


class ShipmentLineIn(Strict):
    order_line_id: Id
    quantity: Quantity


class ShipmentIn(Strict):
    """``lines`` omitted: ship everything still open on the order."""

    ship_date: Day
    note: text(500) | None = None  # type: ignore[valid-type]
    lines: Annotated[list[ShipmentLineIn], Field(min_length=1, max_length=MAX_LINES)] | None = None


class ReturnLineIn(Strict):
    source_line_id: Id  # the receipt or shipment line
    quantity: Quantity


class PurchaseReturnIn(Strict):
    return_date: Day
    reason: text(200, 1)  # type: ignore[valid-type]
    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=MAX_LINES)]


class SalesReturnIn(PurchaseReturnIn):
    disposition: Literal["restock", "quarantine"] = "restock"


class StockLineOut(Out):
    id: int
    line_no: int
    product_id: int
    quantity: Decimal


class StockDocumentOut(Out):
    """A posted receipt, shipment or return."""

    id: int
    doc_no: str
    status: str
    warehouse_id: int
    date: date
    lines: list[StockLineOut]


# ------------------------------------------------------------------------------------ stock, marts

class StockRowOut(Out):
    product_id: int
    warehouse_id: int
    sku: str
    product_name: str
    barcode: str | None
    category_name: str | None
    warehouse_name: str
    on_hand_quantity: Decimal
    unit: str
    min_qty: Decimal | None
    max_qty: Decimal | None
    last_movement_date: date | None


class Page(BaseModel):
    limit: int
    offset: int
    count: int  # rows in this page; a full page may have more after it


class StockPage(Page):
    items: list[StockRowOut]


class MartInfo(BaseModel):
    name: str
    date_column: str | None
    filters: list[str]


class MartPage(Page):
    mart: str
    published_at: datetime | None
    columns: list[str]
    rows: list[dict[str, object]]


# ------------------------------------------------------------------------------------------ tokens

class TokenIn(Strict):
    user_id: Id
    name: text(100, 1)  # type: ignore[valid-type]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class TokenOut(Out):
    id: int
    user_id: int
    name: str
    token_prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str  # shown this once; the store keeps only its hash


class MeOut(BaseModel):
    id: int
    username: str
    role: str
