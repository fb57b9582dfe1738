"""Landed costs entered after the receipts they cover (到岸费用单): freight, duty, insurance or other
cost billed later, spread over one or several posted goods receipts (or some of their lines) by value
or by quantity, in cents, and a cancellation of such a document entered in error.

The document never touches the stock ledger (append-only, and the receipts' rows stay as posted):
its allocation rows, one per receipt line = receipt ledger row, are what the valuation adds to the
receipt (``valuation.LedgerMovement.added_cost``). The receipt then counts as having cost that much
from its own date: the warehouse and the store-side reconciliation re-value the product from there.

Allocation rule (one place, ``allocate``): each line's share is amount × weight ÷ Σ weights, where
the weight is the line's goods value (accepted quantity × order price net of discount, rounded to the
cent, i.e. the receipt line's amount) or its accepted quantity. Shares are whole cents and add up to
the amount exactly: every line first gets its share rounded down to the cent, and the cents still
missing go one each to the lines with the largest remainders (ties: the earlier line, in receipt
then line order). The receipt-time landed cost (``orders._landed_costs``) is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.models import (
    LANDED_COST_BASES,
    LANDED_COST_TYPES,
    POSTED,
    AppUser,
    GoodsReceipt,
    GoodsReceiptLine,
    LandedCost,
    LandedCostAllocation,
    Product,
    StockLedger,
    Supplier,
    utcnow,
)
from operational.services import auth
from operational.services.errors import StateError, ValidationError
from operational.services.numbering import next_doc_no
from operational.services.validation import choice, document_date, get_or_fail, required_text, to_decimal

# Who may enter and cancel landed costs (admins may do everything, see auth.require_role).
LANDED_COST_ROLES = ("purchasing", "finance")
CANCELLED = "cancelled"
MAX_RECEIPT_LINES = 500  # one document spreads over at most this many receipt lines
_CENT = Decimal("0.01")
_WEIGHT_PLACES = 4  # quantities have 4 places, goods values 2


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``amount`` (whole cents, >= 0) over ``weights`` (>= 0, not all 0, at most 4 decimal
    places) in proportion, in whole cents that add up to ``amount`` exactly: each share rounded down
    to the cent, then the missing cents one each to the largest remainders, the earlier position
    first on a tie. Integer arithmetic throughout, so the result is exact and deterministic."""
    scaled = [int(w.scaleb(_WEIGHT_PLACES).to_integral_value()) for w in weights]
    total_weight = sum(scaled)
    if total_weight <= 0 or any(w < 0 for w in scaled):
        raise ValueError("weights must be >= 0 and add up to more than zero")
    cents = int(amount.scaleb(2).to_integral_value())
    floors, remainders = zip(*(divmod(cents * w, total_weight) for w in scaled), strict=True)
    shares = list(floors)
    missing = cents - sum(shares)
    for i in sorted(range(len(shares)), key=lambda i: (-remainders[i], i))[:missing]:
        shares[i] += 1
    return [Decimal(c).scaleb(-2) for c in shares]


@dataclass(frozen=True)
class CoveredLine:
    """A receipt line a landed cost may be spread over (the preview and the posting use the same)."""

    receipt_id: int
    receipt_no: str
    receipt_date: date
    receipt_line_id: int
    line_no: int
    stock_ledger_id: int
    product_id: int
    sku: str
    product_name: str
    quantity: Decimal  # accepted
    goods_value: Decimal  # the line's amount: accepted quantity × order price net of discount
    share: Decimal = Decimal(0)  # the allocated part of the landed cost, cents


def covered_lines(session: Session, *, receipt_ids: Sequence[Any] = (), receipt_line_ids: Sequence[Any] = (),
                  amount: Any = None, basis: str | None = None) -> list[CoveredLine]:
    """The accepted lines of the given receipts (all their lines with stock) and receipt lines,
    checked (exist, posted, accepted quantity > 0), in receipt then line order; with ``amount`` and
    ``basis``, each with its share. Raises ValidationError naming the receipt / line at fault."""
    rids = _ids(receipt_ids, "receipt_ids")
    lids = _ids(receipt_line_ids, "receipt_line_ids")
    if not rids and not lids:
        raise ValidationError("required", field="receipt_ids", field_label="field.landed_cost_receipts")
    receipts: dict[int, GoodsReceipt] = {}
    for rid in rids:
        receipts[rid] = _posted_receipt(session, rid)
    wanted: list[GoodsReceiptLine] = []
    for rid in rids:
        accepted = [ln for ln in receipts[rid].lines if ln.quantity > 0]
        if not accepted:
            raise ValidationError("landed_cost_nothing_accepted", field="receipt_ids", record=receipts[rid].doc_no)
        wanted.extend(accepted)
    for lid in lids:
        line = get_or_fail(session, GoodsReceiptLine, lid, "goods_receipt_line", field="receipt_line_ids")
        receipt = receipts.get(line.receipt_id) or _posted_receipt(session, line.receipt_id)
        receipts[receipt.id] = receipt
        if line.quantity <= 0:
            raise ValidationError("landed_cost_nothing_accepted", field="receipt_line_ids", record=receipt.doc_no,
                                  line_no=line.line_no)
        wanted.append(line)
    unique = {ln.id: ln for ln in wanted}  # a line named twice (its receipt and itself) counts once
    if len(unique) > MAX_RECEIPT_LINES:
        raise ValidationError("landed_cost_too_many_lines", field="receipt_ids", limit=MAX_RECEIPT_LINES)
    ledger = _receipt_ledger_rows(session, list(unique))
    products = {p.id: p for p in session.execute(
        select(Product).where(Product.id.in_({ln.product_id for ln in unique.values()}))).scalars()}
    lines = []
    for ln in sorted(unique.values(), key=lambda x: (receipts[x.receipt_id].receipt_date, x.receipt_id, x.line_no)):
        receipt = receipts[ln.receipt_id]
        if ln.id not in ledger:  # never the case for a posted line with stock; a data error otherwise
            raise StateError("landed_cost_no_ledger_row", field="receipt_ids", record=receipt.doc_no, line_no=ln.line_no)
        product = products[ln.product_id]
        lines.append(CoveredLine(receipt.id, receipt.doc_no, receipt.receipt_date, ln.id, ln.line_no, ledger[ln.id],
                                 ln.product_id, product.sku, product.name, ln.quantity, ln.amount))
    if amount is None or basis is None:
        return lines
    weights = [ln.goods_value if basis == "value" else ln.quantity for ln in lines]
    if sum(weights, Decimal(0)) <= 0:
        raise ValidationError("landed_cost_without_basis", field="allocation_basis")
    shares = allocate(amount, weights)
    return [CoveredLine(**{**ln.__dict__, "share": share}) for ln, share in zip(lines, shares, strict=True)]


def post_landed_cost(session: Session, *, supplier_id: Any, cost_type: Any, amount: Any, cost_date: Any,
                     basis: Any, receipt_ids: Sequence[Any] = (), receipt_line_ids: Sequence[Any] = (),
                     note: str | None = None, user: AppUser | None) -> LandedCost:
    """Post a landed-cost document over posted receipts (all their accepted lines) and/or receipt
    lines. Validates everything first; nothing is written if one check fails.

    The amount is in cents (more places are refused, never rounded), > 0 and within the amount
    bound; the date passes ``validation.document_date`` and is not before the latest receipt it
    covers. Each covered line gets one allocation row; the rows add up to the amount exactly."""
    auth.require_role(user, *LANDED_COST_ROLES)
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    if supplier.status == "blocked":
        raise StateError("landed_cost_supplier_blocked", field="supplier_id", key=supplier.code)
    kind = choice(cost_type, LANDED_COST_TYPES, "cost_type")
    how = choice(basis, LANDED_COST_BASES, "allocation_basis")
    total = parse_amount(amount)
    when = document_date(cost_date, "cost_date", session=session)
    lines = covered_lines(session, receipt_ids=receipt_ids, receipt_line_ids=receipt_line_ids, amount=total, basis=how)
    latest = max(lines, key=lambda ln: ln.receipt_date)
    if when < latest.receipt_date:
        raise ValidationError("landed_cost_before_receipt", field="cost_date", record=latest.receipt_no,
                              receipt_date=latest.receipt_date.isoformat(), value=when.isoformat())
    text = (note or "").strip() or None
    doc = LandedCost(doc_no=next_doc_no(session, "landed_cost", when), supplier_id=supplier.id, cost_type=kind,
                     amount=total, cost_date=when, allocation_basis=how, status=POSTED, note=text,
                     created_by=user.id if user else None)
    for n, ln in enumerate(lines, start=1):
        doc.allocations.append(LandedCostAllocation(
            line_no=n, receipt_id=ln.receipt_id, receipt_line_id=ln.receipt_line_id, stock_ledger_id=ln.stock_ledger_id,
            product_id=ln.product_id, basis_quantity=ln.quantity, basis_value=ln.goods_value, amount=ln.share))
    session.add(doc)
    session.flush()
    return doc


def cancel_landed_cost(session: Session, landed_cost_id: Any, reason: Any, *, user: AppUser | None) -> LandedCost:
    """Cancel a landed-cost document entered in error: its allocations stop counting, so the
    receipts it covered are valued as before it, from their own dates. The reason is required."""
    auth.require_role(user, *LANDED_COST_ROLES)
    doc = get_or_fail(session, LandedCost, landed_cost_id, "landed_cost", field="landed_cost_id")
    why = required_text(reason, "cancel_reason", record=doc.doc_no)
    if doc.status != POSTED:
        raise StateError("bad_state", record=doc.doc_no, field="status", state=f"state.{doc.status}",
                         action="action.cancel")
    doc.status = CANCELLED
    doc.cancel_reason = why
    doc.cancelled_at = utcnow()
    doc.cancelled_by = user.id if user else None
    session.flush()
    return doc


def added_costs(session: Session, *, ledger_ids: Sequence[int] | None = None) -> dict[int, Decimal]:
    """Landed cost added later per receipt ledger row: the sum of the allocations of posted
    documents (the valuation's ``added_cost``)."""
    stmt = (select(LandedCostAllocation.stock_ledger_id, func.sum(LandedCostAllocation.amount))
            .join(LandedCost, LandedCost.id == LandedCostAllocation.landed_cost_id)
            .where(LandedCost.status == POSTED).group_by(LandedCostAllocation.stock_ledger_id))
    if ledger_ids is not None:
        stmt = stmt.where(LandedCostAllocation.stock_ledger_id.in_(ledger_ids))
    return {lid: Decimal(total) for lid, total in session.execute(stmt)}


# --- what the pages read ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LandedCostRow:
    id: int
    doc_no: str
    cost_date: date
    supplier_name: str
    cost_type: str
    allocation_basis: str
    amount: Decimal
    status: str
    note: str | None
    cancel_reason: str | None
    allocated: Decimal  # to the receipt asked about (receipt_history), else the whole amount


def receipt_choices(session: Session, *, search: str = "", limit: int = 200) -> list[tuple[int, str]]:
    """Posted receipts with stock accepted, newest first: (id, "GR-… · date · supplier")."""
    stmt = (select(GoodsReceipt.id, GoodsReceipt.doc_no, GoodsReceipt.receipt_date, Supplier.name)
            .join(Supplier, Supplier.id == GoodsReceipt.supplier_id)
            .where(GoodsReceipt.status == POSTED)
            .where(select(GoodsReceiptLine.id).where(GoodsReceiptLine.receipt_id == GoodsReceipt.id,
                                                    GoodsReceiptLine.quantity > 0).exists()))
    text = search.strip()
    if text:
        stmt = stmt.where(GoodsReceipt.doc_no.contains(text, autoescape=True)
                          | Supplier.name.contains(text, autoescape=True))
    rows = session.execute(stmt.order_by(GoodsReceipt.receipt_date.desc(), GoodsReceipt.id.desc()).limit(limit))
    return [(rid, f"{no} · {on.isoformat()} · {name}") for rid, no, on, name in rows]


def recent_landed_costs(session: Session, *, limit: int = 200) -> list[LandedCostRow]:
    rows = session.execute(
        select(LandedCost, Supplier.name).join(Supplier, Supplier.id == LandedCost.supplier_id)
        .order_by(LandedCost.cost_date.desc(), LandedCost.id.desc()).limit(limit))
    return [_row(doc, name, doc.amount) for doc, name in rows]


def receipt_history(session: Session, receipt_id: int) -> list[LandedCostRow]:
    """The landed-cost documents applied to one receipt (its correction history), oldest first,
    cancelled ones included (with their reason), each with the part allocated to this receipt."""
    rows = session.execute(
        select(LandedCost, Supplier.name, func.sum(LandedCostAllocation.amount))
        .join(LandedCostAllocation, LandedCostAllocation.landed_cost_id == LandedCost.id)
        .join(Supplier, Supplier.id == LandedCost.supplier_id)
        .where(LandedCostAllocation.receipt_id == receipt_id)
        .group_by(LandedCost.id, Supplier.name)
        .order_by(LandedCost.cost_date, LandedCost.id))
    return [_row(doc, name, Decimal(part)) for doc, name, part in rows]


def cancellable_choices(session: Session, *, limit: int = 200) -> list[tuple[int, str]]:
    rows = session.execute(select(LandedCost.id, LandedCost.doc_no, LandedCost.cost_date, LandedCost.amount)
                           .where(LandedCost.status == POSTED)
                           .order_by(LandedCost.cost_date.desc(), LandedCost.id.desc()).limit(limit))
    return [(lid, f"{no} · {on.isoformat()} · {amount:,.2f}") for lid, no, on, amount in rows]


def _row(doc: LandedCost, supplier_name: str, allocated: Decimal) -> LandedCostRow:
    return LandedCostRow(doc.id, doc.doc_no, doc.cost_date, supplier_name, doc.cost_type, doc.allocation_basis,
                         doc.amount, doc.status, doc.note, doc.cancel_reason, allocated)


# --- helpers ------------------------------------------------------------------------------------------


def _ids(values: Sequence[Any], field: str) -> list[int]:
    found: list[int] = []
    for value in values or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError("invalid_choice", field=field, field_label=f"field.{field}", value=value) from None
        if number not in found:
            found.append(number)
    return found


def _posted_receipt(session: Session, receipt_id: int) -> GoodsReceipt:
    receipt = get_or_fail(session, GoodsReceipt, receipt_id, "goods_receipt", field="receipt_ids")
    if receipt.status != POSTED:
        raise StateError("landed_cost_receipt_not_posted", field="receipt_ids", record=receipt.doc_no,
                         state=f"state.{receipt.status}")
    return receipt


def _receipt_ledger_rows(session: Session, line_ids: list[int]) -> dict[int, int]:
    """Receipt line id → the id of the ledger row its accepted quantity posted."""
    rows = session.execute(select(StockLedger.doc_line_id, func.min(StockLedger.id))
                           .where(StockLedger.doc_type == "goods_receipt", StockLedger.movement_type == "receipt",
                                  StockLedger.doc_line_id.in_(line_ids))
                           .group_by(StockLedger.doc_line_id))
    return dict(rows.all())


def parse_amount(value: Any) -> Decimal:
    """A landed-cost amount as typed: > 0, within the amount bound, at most 2 decimal places."""
    amount = to_decimal(value, "amount")
    if amount <= 0:
        raise ValidationError("must_be_positive", field="amount", field_label="field.amount")
    if amount != amount.quantize(_CENT):
        # A value the user typed is never silently replaced: 12.345 is refused, not rounded.
        raise ValidationError("landed_cost_cents", field="amount", value=f"{amount:f}")
    return amount.quantize(_CENT)
