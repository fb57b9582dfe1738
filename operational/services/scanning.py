"""Barcode scanning (扫码): what a scanned code stands for, and how scans add up.

A keyboard-wedge scanner types the code and Enter, like a clerk typing a SKU. Every form that takes
scans (stocktake, goods receipt, shipment, transfer) and the stock lookup ask ``resolve_code`` what a
code means — the one place that knows it, so a new kind of code (a case barcode entering one case
of a product with units of measure) is added here and every scan field follows.

The counting rules are pure functions (no store, no Streamlit), unit-tested on their own:

- ``add_scan``: each scan adds its quantity to what was counted so far (nothing counted = 0), so
  scanning the same code again adds one more;
- ``line_for_scan``: on a document with lines (an order being received or shipped, a transfer
  arriving), the scan goes to the first line of that product not yet scanned up to its open
  quantity, else to the product's last line (the service then applies the over-receipt tolerance
  or refuses, as for a typed quantity); a product that is not on the document is refused.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.orm import Session

from operational.services import units
from operational.services.errors import ValidationError

# Longer than any barcode (product.barcode is 40) or SKU: a bound on what a scan field accepts, so a
# scanner stuck on repeat or a pasted paragraph is refused with a message instead of being looked up.
MAX_CODE_LENGTH = 64

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class ScannedItem:
    """What one scan enters: ``quantity`` of the product in its base ``unit``: 1 for the product's
    own barcode or SKU, the case's content (24) for a case barcode (多单位)."""

    code: str
    product_id: int
    sku: str
    name: str
    unit: str
    quantity: Decimal

    @property
    def label(self) -> str:
        return f"{self.sku} {self.name}"


def resolve_code(session: Session, code: object, *, record: str | None = None) -> ScannedItem:
    """The product (and unit and quantity per scan) a scanned barcode or typed SKU stands for.

    Refused with a message naming the code: empty, longer than ``MAX_CODE_LENGTH``, or unknown."""
    text = "" if code is None else str(code).strip()
    if not text:
        raise ValidationError("required", field="barcode", record=record, field_label="field.barcode")
    if len(text) > MAX_CODE_LENGTH:
        raise ValidationError("too_long", field="barcode", record=record, entity="entity.product",
                              field_label="field.barcode", max_length=MAX_CODE_LENGTH, length=len(text))
    found = units.scan(session, text)
    if found is None:
        raise ValidationError("scan_unknown_code", field="barcode", record=record, key=text)
    product = found.product
    # A case barcode (多单位) enters one case: counted here in the base unit, 1 × its factor.
    return ScannedItem(text, product.id, product.sku, product.name, product.unit, found.factor)


def add_scan(counts: Mapping[K, Decimal | None], key: K, quantity: Decimal) -> dict[K, Decimal | None]:
    """``counts`` with one more scan of ``quantity`` on ``key`` (not counted yet = 0)."""
    result = dict(counts)
    result[key] = (result.get(key) or Decimal(0)) + quantity
    return result


@dataclass(frozen=True)
class ScanLine:
    """A document line a scan may land on: its id, product and the quantity still open."""

    line_id: int
    product_id: int
    open_quantity: Decimal


def line_for_scan(lines: Sequence[ScanLine], scanned: Mapping[int, Decimal | None], item: ScannedItem, *,
                  record: str | None = None) -> int:
    """The line a scan of ``item`` counts on (see the module docstring); ``scanned`` is what was
    scanned per line so far. A product that is not on the document is refused."""
    mine = [line for line in lines if line.product_id == item.product_id]
    if not mine:
        raise ValidationError("scan_not_on_document", field="barcode", record=record, product=item.label)
    for line in mine:
        if (scanned.get(line.line_id) or Decimal(0)) + item.quantity <= line.open_quantity:
            return line.line_id
    return mine[-1].line_id
