"""The order → fulfilment machine shared by purchasing (PO → goods receipt) and sales
(SO → shipment). One implementation, described per side by an ``OrderKind``.

States: draft → confirmed → partial → completed; draft/confirmed → cancelled. The open quantity
of a confirmed or partly fulfilled order's lines can be cancelled with a reason
(``cancel_open_quantity``; ``close_order`` cancels all of it): a line's open quantity is ordered −
fulfilled − cancelled, and the status follows the lines (everything fulfilled or cancelled →
completed if anything was fulfilled, else cancelled). Orders closed before cancellations were kept
per line keep the status ``closed``. Fulfilment documents are posted when saved; each line appends
a stock-ledger row in the same transaction. Receipts also carry inspection (accepted and rejected
quantity), the supplier's over-receipt tolerance and landed costs.

Every action on an order first locks its row (``FOR UPDATE`` on PostgreSQL; SQLite transactions
are serialized by ``BEGIN IMMEDIATE``) and reads its lines fresh, so a cancellation racing a
receipt or shipment of the same line waits for it: fulfilled + cancelled never exceeds ordered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from operational.models import (
    CANCELLED,
    COMPLETED,
    CONFIRMED,
    DRAFT,
    PARTIAL,
    OrderLineCancellation,
    Product,
    Warehouse,
    utcnow,
)
from operational.models.order_cancellations import REASON_MAX
from operational.services import batches, tax, units
from operational.services.errors import StateError, ValidationError
from operational.services.inventory import Movement, post_movements
from operational.services.numbering import next_doc_no
from operational.services.validation import (
    document_date,
    get_or_fail,
    positive,
    rate,
    required_date,
    required_text,
    to_decimal,
    within_bound,
)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class OrderKind:
    """What differs between the purchase and the sales side."""

    order_entity: str  # "purchase_order"
    order_model: type
    line_model: type
    partner_model: type
    partner_field: str  # "supplier_id"
    partner_entity: str  # "supplier"
    fulfil_entity: str  # "goods_receipt"
    fulfil_model: type
    fulfil_line_model: type
    fulfil_date_field: str  # "receipt_date"
    fulfil_line_ref: str  # "po_line_id"
    done_qty_field: str  # "received_qty"
    movement_type: str  # "receipt"
    sign: int  # +1 into stock, -1 out of stock
    over_code: str  # "over_receipt"
    action: str  # "action.receive"
    carries_cost: bool  # receipts enter at their unit cost, inspected, with landed costs


ALLOCATION_BASES = ("value", "quantity")

@dataclass
class OrderLineInput:
    product_id: int | None
    quantity: Any
    unit_price: Any
    discount_rate: Any = None  # None: the partner's default discount (customers), else 0
    promised_date: date | None = None
    # None: as the supplier's price list / the partner states its prices (含税价 or 不含税价)
    price_includes_tax: bool | None = None
    tax_rate_code: str | None = None  # None: the product's (or its category's) default rate
    # The unit quantity and price are typed in (one of the product's units); None: the base unit.
    unit: str | None = None


@dataclass
class FulfilLineInput:
    """``quantity`` is what is accepted into stock; receipts may also reject some at inspection."""

    order_line_id: int
    quantity: Any
    rejected_qty: Any = 0
    reject_reason: str | None = None
    batch_no: str | None = None  # batch-tracked products, receipts only
    expiry_date: Any = None
    bin_id: int | None = None  # bin warehouses: receipts default to the default bin, shipments largest bin first
    unit: str | None = None  # the unit quantity and rejected_qty are typed in; None: the base unit


@dataclass
class LandedCosts:
    """Freight and duty paid for a receipt, spread over its lines by value or by quantity."""

    freight: Any = 0
    duty: Any = 0
    basis: str = "value"


@dataclass
class OrderHeader:
    partner_id: int | None
    warehouse_id: int | None
    order_date: Any
    due_date: Any = None  # expected (PO) or required (SO) date
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def line_amount(quantity: Decimal, unit_price: Decimal, discount_rate: Decimal) -> Decimal:
    """Net line amount, rounded half-up to the cent once, at the end."""
    return (quantity * unit_price * (1 - discount_rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def create_order(session: Session, kind: OrderKind, header: OrderHeader, lines: list[OrderLineInput],
                 *, user_id: int | None = None, due_field: str = "expected_date") -> Any:
    """Create a draft order. Validates every field first; nothing is written if one is wrong."""
    partner = get_or_fail(session, kind.partner_model, header.partner_id, kind.partner_entity,
                          field=kind.partner_field)
    if getattr(partner, "status", "active") != "active":
        raise ValidationError("partner_not_active", field=kind.partner_field, entity=f"entity.{kind.partner_entity}",
                              key=partner.code, state=f"state.{partner.status}")
    warehouse = get_or_fail(session, Warehouse, header.warehouse_id, "warehouse", field="warehouse_id")
    if not warehouse.is_active:
        raise ValidationError("inactive", field="warehouse_id", entity="entity.warehouse", key=warehouse.code)
    if warehouse.kind != "normal":  # goods are bought into and sold from normal stock, never quarantine
        raise ValidationError("order_warehouse_not_normal", field="warehouse_id", field_label="field.warehouse",
                              key=warehouse.code)
    order_date = document_date(header.order_date, "order_date", session=session)
    due = required_date(header.due_date, due_field) if header.due_date else None
    if due is not None and due < order_date:
        raise ValidationError("date_order", field=due_field, field_label=f"field.{due_field}",
                              other_label="field.order_date")
    if not lines:
        raise ValidationError("no_lines", field="lines")
    parsed = []
    for n, line in enumerate(lines, start=1):
        product = get_or_fail(session, Product, line.product_id, "product", field="product_id", line_no=n)
        if not product.is_active:
            raise ValidationError("inactive", field=f"lines.{n}.product_id", line_no=n,
                                  entity="entity.product", key=product.sku)
        qty = positive(line.quantity, "quantity", line_no=n)
        price = to_decimal(line.unit_price, "unit_price", line_no=n)
        if price < 0:
            raise ValidationError("must_not_be_negative", field=f"lines.{n}.unit_price", line_no=n,
                                  field_label="field.unit_price")
        # Quantity and price are per the entered unit: the amount is what was typed (1 箱 at
        # 100.00 is 100.00); the line's quantity and unit_price are per base unit.
        unit_name, factor = units.factor_of(session, product, line.unit, line_no=n)
        entered = units.convert(qty, unit_name, factor, line_no=n)
        disc = rate(line.discount_rate if line.discount_rate not in (None, "")
                    else getattr(partner, "discount_rate", 0), "discount_rate", line_no=n)
        code, tax_rate = tax.resolve(session, product, order_date, line.tax_rate_code, line_no=n)
        includes = (bool(line.price_includes_tax) if line.price_includes_tax is not None
                    else tax.prices_include_tax(session, partner, product_id=product.id, on=order_date))
        split = tax.split_line(qty, price, tax_rate, includes_tax=includes, discount_rate=disc)
        # Each factor is within its bound; their product must be an amount too (1e9 × 1e10 is not).
        within_bound(split.gross, "amount", line_no=n)
        parsed.append((n, product, entered, price, disc, line.promised_date, split, code, includes))

    order = kind.order_model(
        doc_no=next_doc_no(session, kind.order_entity, order_date),
        warehouse_id=warehouse.id, order_date=order_date, status=DRAFT, note=header.note,
        created_by=user_id, **{kind.partner_field: partner.id, due_field: due}, **header.extra,
    )
    for n, product, entered, price, disc, promised, split, code, includes in parsed:
        extra = {"promised_date": promised or due} if hasattr(kind.line_model, "promised_date") else {}
        if entered.unit is not None:
            extra.update(entered.columns(), price_in_unit=price)
            price = units.base_price(price, entered.factor)
        order.lines.append(kind.line_model(line_no=n, product_id=product.id, quantity=entered.base_qty,
                                           unit_price=price, discount_rate=disc,
                                           **tax.line_values(split, code, includes_tax=includes), **extra))
    sums = tax.totals(split for *_, split, _, _ in parsed)
    order.total_amount, order.tax_amount, order.gross_amount = sums.net, sums.tax, sums.gross
    session.add(order)
    session.flush()
    return order


@dataclass
class CancelLineInput:
    """Cancel ``quantity`` of the line's open quantity; None or blank: all of it."""

    order_line_id: int
    quantity: Any = None


def open_quantity(line: Any, kind: OrderKind) -> Decimal:
    """What is still due on an order line: ordered − fulfilled − cancelled (never below 0: an
    over-receipt within tolerance owes nothing)."""
    return max(line.quantity - getattr(line, kind.done_qty_field) - (line.cancelled_qty or 0), Decimal(0))


def _load_order(session: Session, kind: OrderKind, order_id: int) -> Any:
    """The order, row-locked and with its lines read fresh (see the module docstring)."""
    order = get_or_fail(session, kind.order_model, order_id, kind.order_entity, field="order_id")
    if session.get_bind().dialect.name == "postgresql":
        model = kind.order_model
        # Fetched, not only executed: the ORM refreshes the order and its lines as rows are read.
        session.execute(select(model).where(model.id == order.id).with_for_update(of=model)
                        .options(selectinload(model.lines)).execution_options(populate_existing=True)).scalar_one()
    return order


def _require_state(order: Any, allowed: tuple[str, ...], action: str) -> None:
    if order.status not in allowed:
        raise StateError("bad_state", record=order.doc_no, field="status", state=f"state.{order.status}",
                         action=action)


def confirm_order(session: Session, kind: OrderKind, order_id: int) -> Any:
    order = _load_order(session, kind, order_id)
    _require_state(order, (DRAFT,), "action.confirm")
    order.status = CONFIRMED
    session.flush()
    return order


def cancel_order(session: Session, kind: OrderKind, order_id: int) -> Any:
    """Cancel an order that nothing has been received or shipped against."""
    order = _load_order(session, kind, order_id)
    _require_state(order, (DRAFT, CONFIRMED), "action.cancel")
    order.status = CANCELLED
    session.flush()
    return order


def close_order(session: Session, kind: OrderKind, order_id: int, *, reason: Any, on: Any,
                user_id: int | None = None) -> Any:
    """Close a partly fulfilled order: what is still open on every line (the backorder) is
    cancelled with ``reason`` on ``on``, recorded per line; the order is then completed."""
    order = _load_order(session, kind, order_id)
    _require_state(order, (PARTIAL,), "action.close")
    cancel_open_quantity(session, kind, order_id, reason=reason, on=on, user_id=user_id)
    return order


def cancel_open_quantity(session: Session, kind: OrderKind, order_id: int, *, reason: Any, on: Any,
                         lines: list[CancelLineInput] | None = None,
                         user_id: int | None = None) -> list[OrderLineCancellation]:
    """Cancel open quantity of a confirmed or partly fulfilled order, before or after partial
    fulfilment: the given lines (a quantity, or all that is open on the line), or every open line
    when ``lines`` is None. A cancelled quantity is never due again (scorecard, open orders).

    Refused: a draft (cancel the whole draft instead), a completed, closed or cancelled order, more
    than a line still has open, no reason, a date before the order date. One history row per line
    cancelled; the order's status follows its lines."""
    order = _load_order(session, kind, order_id)
    if order.status == DRAFT:
        raise StateError("cancel_open_draft", record=order.doc_no, field="status")
    _require_state(order, (CONFIRMED, PARTIAL), "action.cancel_open")
    text = required_text(reason, "cancel_reason", record=order.doc_no)
    if len(text) > REASON_MAX:
        raise ValidationError("too_long", record=order.doc_no, field="cancel_reason",
                              entity=f"entity.{kind.order_entity}", field_label="field.cancel_reason",
                              max_length=REASON_MAX, length=len(text))
    when = document_date(on, "cancel_date", session=session, record=order.doc_no)
    if when < order.order_date:
        raise ValidationError("date_order", record=order.doc_no, field="cancel_date",
                              field_label="field.cancel_date", other_label="field.order_date")
    left = {line.id: open_quantity(line, kind) for line in order.lines}
    by_id = {line.id: line for line in order.lines}
    wanted: list[tuple[Any, Decimal]] = []
    if lines is None:
        wanted = [(line, left[line.id]) for line in order.lines if left[line.id] > 0]
        if not wanted:
            raise StateError("nothing_open", record=order.doc_no, field="lines")
    else:
        for n, item in enumerate(lines, start=1):
            line = by_id.get(item.order_line_id)
            if line is None:
                raise ValidationError("line_not_in_order", record=order.doc_no, field=f"lines.{n}.order_line_id",
                                      line_no=n, order_no=order.doc_no)
            if item.quantity is None or str(item.quantity).strip() == "":
                qty = left[line.id]
                if qty <= 0:
                    raise ValidationError("cancel_more_than_open", record=order.doc_no, line_no=line.line_no,
                                          field=f"lines.{line.line_no}.cancel_qty", quantity=qty,
                                          remaining=left[line.id])
            else:
                qty = positive(item.quantity, "cancel_qty", record=order.doc_no, line_no=line.line_no)
            if qty > left[line.id]:
                raise ValidationError("cancel_more_than_open", record=order.doc_no, line_no=line.line_no,
                                      field=f"lines.{line.line_no}.cancel_qty", quantity=qty,
                                      remaining=left[line.id])
            left[line.id] -= qty  # the same line twice: the second takes what the first left
            wanted.append((line, qty))
        if not wanted:
            raise ValidationError("no_lines", record=order.doc_no, field="lines")
    rows = []
    entered = utcnow()  # one stamp for the rows of one call: ``cancelled_together`` finds them by it
    for line, qty in wanted:
        line.cancelled_qty = (line.cancelled_qty or Decimal(0)) + qty
        row = OrderLineCancellation(order_kind=kind.order_entity, line_no=line.line_no, quantity=qty, reason=text,
                                    cancel_date=when, cancelled_by=user_id, created_at=entered,
                                    **{f"{kind.order_entity}_id": order.id, f"{kind.order_entity}_line_id": line.id})
        session.add(row)
        rows.append(row)
    _refresh_status(order, kind)
    session.flush()
    return rows


def cancelled_together(session: Session, first: OrderLineCancellation) -> list[OrderLineCancellation]:
    """The history rows one ``cancel_open_quantity`` call wrote, given its first row (what a repeated
    form submission finds again): same order, same entry stamp."""
    order_column = getattr(OrderLineCancellation, f"{first.order_kind}_id")
    return list(session.scalars(select(OrderLineCancellation).where(
        order_column == getattr(first, f"{first.order_kind}_id"),
        OrderLineCancellation.created_at == first.created_at).order_by(OrderLineCancellation.id)))


def fulfil_order(session: Session, kind: OrderKind, order_id: int, on: Any, lines: list[FulfilLineInput],
                 *, user_id: int | None = None, note: str | None = None,
                 landed: LandedCosts | None = None) -> Any:
    """Post a goods receipt or a shipment against a confirmed order (whole or partial)."""
    order = _load_order(session, kind, order_id)
    _require_state(order, (CONFIRMED, PARTIAL), kind.action)
    partner = session.get(kind.partner_model, getattr(order, kind.partner_field))
    if getattr(partner, "status", "active") == "blocked":
        raise StateError("partner_blocked", record=order.doc_no, field=kind.partner_field,
                         entity=f"entity.{kind.partner_entity}", key=partner.code)
    when = document_date(on, kind.fulfil_date_field, session=session, record=order.doc_no)
    if when < order.order_date:
        raise ValidationError("date_order", record=order.doc_no, field=kind.fulfil_date_field,
                              field_label=f"field.{kind.fulfil_date_field}", other_label="field.order_date")
    by_id = {line.id: line for line in order.lines}
    parsed, entered_units = _parse_fulfil_lines(session, order, kind, by_id, lines,
                                                tolerance=getattr(partner, "over_receipt_tolerance", 0))
    costs = _landed_costs(order, landed, parsed) if kind.carries_cost else {}
    doc = kind.fulfil_model(
        doc_no=next_doc_no(session, kind.fulfil_entity, when), warehouse_id=order.warehouse_id,
        created_by=user_id, note=note,
        **{kind.fulfil_date_field: when, f"{kind.order_entity}_id": order.id,
           kind.partner_field: getattr(order, kind.partner_field)},
    )
    if kind.carries_cost and landed is not None:
        doc.freight_amount, doc.duty_amount, doc.allocation_basis = costs["freight"], costs["duty"], costs["basis"]
    # Batches are resolved (and checked) before any order line changes.
    batch_ids = _receipt_batches(session, order, doc.doc_no, when, parsed) if kind.carries_cost else {}
    small_scale = tax.is_small_scale(session, when) if kind.carries_cost else False  # status on the receipt date
    cost_amounts: dict[int, Decimal] = {}  # receipt line no → its exact value (order entered in another unit)
    for n, (ol, qty, rejected, reason, _) in enumerate(parsed, start=1):
        setattr(ol, kind.done_qty_field, getattr(ol, kind.done_qty_field) + qty)
        fields: dict[str, Any] = {kind.fulfil_line_ref: ol.id, **entered_units[n - 1].columns()}
        if kind.carries_cost:
            share = costs.get(ol.id, Decimal(0))
            unit_cost, exact = receipt_cost(ol, qty, share, small_scale=small_scale)
            if exact is not None:
                cost_amounts[n] = exact
            fields.update(unit_cost=unit_cost, landed_cost=share, rejected_qty=rejected, reject_reason=reason,
                          **tax.line_values(tax.resplit(ol, qty), ol.tax_rate_code,
                                            includes_tax=bool(ol.price_includes_tax)))
            fields["batch_id"] = batch_ids.get(n)
        doc.lines.append(kind.fulfil_line_model(line_no=n, product_id=ol.product_id, quantity=qty, **fields))
    session.add(doc)
    session.flush()
    bin_ids = {n: item.bin_id for n, (*_, item) in enumerate(parsed, start=1)}
    post_movements(session, [
        Movement(product_id=dl.product_id, warehouse_id=doc.warehouse_id, quantity=kind.sign * dl.quantity,
                 movement_type=kind.movement_type, movement_date=when, doc_type=kind.fulfil_entity,
                 doc_id=doc.id, doc_line_id=dl.id, doc_no=doc.doc_no,
                 unit_cost=getattr(dl, "unit_cost", None), line_no=by_id[getattr(dl, kind.fulfil_line_ref)].line_no,
                 record=order.doc_no, batch_id=getattr(dl, "batch_id", None), bin_id=bin_ids.get(dl.line_no),
                 cost_amount=cost_amounts.get(dl.line_no))
        for dl in doc.lines if dl.quantity > 0
    ])
    _refresh_status(order, kind)
    session.flush()
    return doc


def receipt_cost(ol: Any, qty: Decimal, share: Decimal, *, small_scale: bool) -> tuple[Decimal, Decimal | None]:
    """(unit cost, exact value or None) of ``qty`` base units received against order line ``ol``
    (anything with its price attributes) with ``share`` of the landed costs.

    Input VAT is recoverable: stock enters at the price net of VAT (with VAT for a small-scale
    taxpayer), see ``tax.cost_unit_price``. A line priced per another unit (units of measure) has
    a rounded base-unit price, so the receipt's value is computed from the exact price per that
    unit (qty ÷ factor × price, to the cent) and carried into the ledger (``cost_amount``); its
    unit cost is that value ÷ qty, for display. Otherwise the value is qty × unit cost, as ever."""
    per_unit, factor = getattr(ol, "price_in_unit", None), getattr(ol, "unit_factor", None)
    if per_unit is not None and factor:
        cost = tax.cost_unit_price(per_unit, ol.discount_rate, ol.tax_rate,
                                   includes_tax=bool(ol.price_includes_tax), small_scale=small_scale)
        if not qty:
            return (cost / factor).quantize(Decimal("0.0001"), ROUND_HALF_UP), None
        exact = tax.cents(qty * cost / factor + share)
        return (exact / qty).quantize(Decimal("0.0001"), ROUND_HALF_UP), exact
    cost = tax.cost_unit_price(ol.unit_price, ol.discount_rate, ol.tax_rate,
                               includes_tax=bool(ol.price_includes_tax), small_scale=small_scale)
    return (cost + share / qty if qty else cost).quantize(Decimal("0.0001"), ROUND_HALF_UP), None


def _parse_fulfil_lines(session: Session, order: Any, kind: OrderKind, by_id: dict[int, Any],
                        lines: list[FulfilLineInput], *, tolerance: Any,
                        ) -> tuple[list[tuple[Any, Decimal, Decimal, str | None, FulfilLineInput]], list[units.Entered]]:
    """Validate the lines of a receipt/shipment; (order line, accepted, rejected, reason, input) per
    line, quantities in the base unit, and per line the unit it was entered in."""
    tolerance = Decimal(tolerance or 0)
    parsed = []
    entered_units = []
    for n, item in enumerate(lines, start=1):
        qty = to_decimal(item.quantity or 0, "quantity", record=order.doc_no, line_no=n)
        rejected = to_decimal(item.rejected_qty or 0, "rejected_qty", record=order.doc_no, line_no=n)
        if qty == 0 and rejected == 0:
            continue
        ol = by_id.get(item.order_line_id)
        if ol is None:
            raise ValidationError("line_not_in_order", record=order.doc_no, field=f"lines.{n}.order_line_id",
                                  line_no=n, order_no=order.doc_no)
        for value, name in ((qty, "quantity"), (rejected, "rejected_qty")):
            if value < 0:
                raise ValidationError("must_not_be_negative", record=order.doc_no, line_no=ol.line_no,
                                      field=f"lines.{ol.line_no}.{name}", field_label=f"field.{name}")
        if item.unit not in (None, ""):
            # Typed in another unit (a case scanned): both quantities convert to base, exactly.
            unit_name, factor = units.factor_of(session, session.get(Product, ol.product_id), item.unit,
                                                record=order.doc_no, line_no=ol.line_no)
            entered = units.convert(qty, unit_name, factor, record=order.doc_no, line_no=ol.line_no)
            rejected = units.convert(rejected, unit_name, factor, record=order.doc_no, line_no=ol.line_no,
                                     field="rejected_qty").base_qty
            qty = entered.base_qty
        else:
            entered = units.Entered(qty)
        if rejected and not kind.carries_cost:
            raise ValidationError("invalid_choice", record=order.doc_no, field=f"lines.{ol.line_no}.rejected_qty",
                                  field_label="field.rejected_qty", value=rejected, line_no=ol.line_no)
        reason = (item.reject_reason or "").strip() or None
        if rejected and reason is None:
            raise ValidationError("required", record=order.doc_no, field=f"lines.{ol.line_no}.reject_reason",
                                  field_label="field.reject_reason", line_no=ol.line_no)
        # Tolerance applies to the quantity due (ordered − cancelled); what was already accepted
        # counts against it.
        due = ol.quantity - (ol.cancelled_qty or 0)
        allowed = (due * (1 + tolerance)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        remaining = allowed - getattr(ol, kind.done_qty_field)
        if qty > remaining:
            raise ValidationError(kind.over_code, record=order.doc_no, field=f"lines.{ol.line_no}.quantity",
                                  line_no=ol.line_no, quantity=qty, remaining=max(remaining, Decimal(0)))
        parsed.append((ol, qty, rejected, reason, item))
        entered_units.append(entered)
    if not parsed:
        raise ValidationError("no_lines", record=order.doc_no, field="lines")
    return parsed, entered_units


def _receipt_batches(session: Session, order: Any, doc_no: str, when: date,
                     parsed: list[tuple[Any, Decimal, Decimal, str | None, FulfilLineInput]]) -> dict[int, int]:
    """Receipt line number → batch id, for the accepted lines of batch-tracked products."""
    found = {}
    for n, (ol, qty, _, _, item) in enumerate(parsed, start=1):
        product = session.get(Product, ol.product_id)
        if product.tracks_batches and qty > 0:
            found[n] = batches.batch_for_receipt(session, product, item.batch_no, item.expiry_date, when,
                                                 default_no=f"{doc_no}-{n}", record=order.doc_no,
                                                 line_no=ol.line_no).id
    return found


def _landed_costs(order: Any, landed: LandedCosts | None,
                  parsed: list[tuple[Any, Decimal, Decimal, str | None, FulfilLineInput]]) -> dict[Any, Any]:
    """Spread freight + duty over the accepted lines by value or quantity, to the cent; the last
    line takes the rounding remainder so the shares add up exactly."""
    if landed is None:
        return {}
    freight = _money(landed.freight, "freight_amount", order.doc_no)
    duty = _money(landed.duty, "duty_amount", order.doc_no)
    if landed.basis not in ALLOCATION_BASES:
        raise ValidationError("invalid_choice", record=order.doc_no, field="allocation_basis",
                              field_label="field.allocation_basis", value=landed.basis)
    total = freight + duty
    accepted = [(ol, qty) for ol, qty, *_ in parsed if qty > 0]
    weights = [qty * tax.net_unit_price(ol.unit_price, ol.discount_rate, ol.tax_rate,
                                        includes_tax=bool(ol.price_includes_tax)) if landed.basis == "value" else qty
               for ol, qty in accepted]
    weight_sum = sum(weights, Decimal(0))
    if total and (not accepted or weight_sum == 0):
        raise ValidationError("landed_cost_without_basis", record=order.doc_no, field="allocation_basis")
    shares: dict[Any, Any] = {"freight": freight, "duty": duty, "basis": landed.basis}
    left = total
    for i, ((ol, _), weight) in enumerate(zip(accepted, weights, strict=True)):
        share = left if i == len(accepted) - 1 else (total * weight / weight_sum).quantize(CENT, ROUND_HALF_UP)
        shares[ol.id] = share
        left -= share
    return shares


def _money(value: Any, field: str, record: str) -> Decimal:
    amount = to_decimal(value or 0, field, record=record)
    if amount < 0:
        raise ValidationError("must_not_be_negative", record=record, field=field, field_label=f"field.{field}")
    return amount.quantize(CENT, ROUND_HALF_UP)


def _refresh_status(order: Any, kind: OrderKind) -> None:
    """The status the lines imply: everything fulfilled or cancelled → completed if anything was
    fulfilled, else cancelled; something fulfilled and something open → partial; else confirmed."""
    done = [getattr(line, kind.done_qty_field) for line in order.lines]
    if all(open_quantity(line, kind) == 0 for line in order.lines):
        order.status = COMPLETED if any(d > 0 for d in done) else CANCELLED
    elif any(d > 0 for d in done):
        order.status = PARTIAL
    else:
        order.status = CONFIRMED
