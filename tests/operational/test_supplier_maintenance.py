"""Supplier maintenance: the over-receipt tolerance is validated (0 ≤ rate < 1), stored, and used
by goods receipts. Numbers are stated by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from operational.db import unit_of_work
from operational.models import PurchaseOrder, Supplier
from operational.services import masterdata as md
from operational.services import purchasing
from operational.services.errors import NotFoundError, ValidationError
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L


def _tolerance(t) -> Decimal:  # noqa: ANN001
    with unit_of_work(t.engine) as s:
        return s.get(Supplier, t.supplier).over_receipt_tolerance


def test_tolerance_is_stored_and_lets_a_receipt_exceed_the_order(tiny):
    with unit_of_work(tiny.engine) as s:
        supplier = md.set_over_receipt_tolerance(s, tiny.supplier, "0.05")
        assert supplier.over_receipt_tolerance == Decimal("0.05")
    assert _tolerance(tiny) == Decimal("0.05")
    with unit_of_work(tiny.engine) as s:
        po = purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-02", [L(tiny.water, 100, "1.20")])
        purchasing.confirm_purchase_order(s, po.id)
        po_id, line_id = po.id, po.lines[0].id
    with unit_of_work(tiny.engine) as s:  # 100 × 1.05 = 105 may be received
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(line_id, 105)])
        assert s.get(PurchaseOrder, po_id).status == "completed"
    with unit_of_work(tiny.engine) as s:  # back to none
        md.set_over_receipt_tolerance(s, tiny.supplier, 0)
    assert _tolerance(tiny) == Decimal(0)


@pytest.mark.parametrize("value", ["1", "1.5", "-0.01", "abc"])
def test_tolerance_outside_zero_to_one_is_refused_at_the_field_and_not_stored(tiny_sqlite, value):
    with unit_of_work(tiny_sqlite.engine) as s:
        md.set_over_receipt_tolerance(s, tiny_sqlite.supplier, "0.02")
    with unit_of_work(tiny_sqlite.engine) as s, pytest.raises(ValidationError) as err:
        md.set_over_receipt_tolerance(s, tiny_sqlite.supplier, value)
    assert err.value.field == "over_receipt_tolerance"
    if value != "abc":
        assert err.value.code == "invalid_rate"
        assert err.value.message() == "S001：超收容差必须在0到1之间"
        assert err.value.message("en") == "S001: Over-receipt tolerance must be between 0 and 1"
    assert _tolerance(tiny_sqlite) == Decimal("0.02")


def test_tolerance_of_an_unknown_supplier(tiny_sqlite):
    with unit_of_work(tiny_sqlite.engine) as s, pytest.raises(NotFoundError) as err:
        md.set_over_receipt_tolerance(s, 999, "0.05")
    assert err.value.field == "supplier_id"
