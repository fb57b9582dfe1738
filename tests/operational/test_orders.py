"""Purchase and sales order state machines, posting, numbering and validation messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import GoodsReceipt, PurchaseOrder, SalesOrder, StockLedger
from operational.services import monitoring, purchasing, sales
from operational.services.errors import InsufficientStockError, StateError, ValidationError
from operational.services.inventory import on_hand, post_opening_balance
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L


def _po(t, lines, on="2026-03-02"):
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, on, lines, expected_date="2026-03-09")
        purchasing.confirm_purchase_order(s, po.id)
        return po.id, [line.id for line in po.lines], po.doc_no


def test_purchase_order_amounts_and_number(tiny):
    with unit_of_work(tiny.engine) as s:
        po = purchasing.create_purchase_order(
            s, tiny.supplier, tiny.wh1, date(2026, 3, 2),
            [L(tiny.water, "100", "1.2000", "0.05"), L(tiny.tea, 3, "2.333", 0)],
        )
        # 100 × 1.2 × 0.95 = 114.00; 3 × 2.333 = 6.999 → 7.00
        assert [line.amount for line in po.lines] == [Decimal("114.00"), Decimal("7.00")]
        assert po.total_amount == Decimal("121.00")
        assert po.doc_no == "PO-2026-000001"
        assert po.status == "draft"
        second = purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-03", [L(tiny.water, 1, 1)])
        assert second.doc_no == "PO-2026-000002"
    with unit_of_work(tiny.engine) as s:
        stored = s.get(PurchaseOrder, po.id)
        assert stored.total_amount == Decimal("121.00")
        assert stored.lines[1].unit_price == Decimal("2.3330")


def test_receipt_partial_then_complete_posts_ledger(tiny):
    po_id, (l1, l2), po_no = _po(tiny, [L(tiny.water, 100, "1.20", "0.10"), L(tiny.tea, 10, "2.00")])
    with unit_of_work(tiny.engine) as s:
        gr = purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 40), F(l2, 0)])
        assert gr.doc_no == "GR-2026-000001"
        assert [(line.quantity, line.unit_cost, line.amount) for line in gr.lines] == [
            (Decimal("40"), Decimal("1.0800"), Decimal("43.20"))
        ]
        assert s.get(PurchaseOrder, po_id).status == "partial"
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-08", [F(l1, 60), F(l2, 10)])
        assert s.get(PurchaseOrder, po_id).status == "completed"
        assert on_hand(s, tiny.water, tiny.wh1) == Decimal("100")
        rows = s.execute(select(StockLedger).order_by(StockLedger.id)).scalars().all()
        assert [(r.movement_type, r.quantity, r.unit_cost, r.doc_no) for r in rows] == [
            ("receipt", Decimal("40"), Decimal("1.0800"), "GR-2026-000001"),
            ("receipt", Decimal("60"), Decimal("1.0800"), "GR-2026-000002"),
            ("receipt", Decimal("10"), Decimal("2.0000"), "GR-2026-000002"),
        ]
        assert monitoring.stock_balances(s) == monitoring.ledger_totals(s)


def test_over_receipt_refused_and_nothing_written(tiny):
    po_id, (l1,), po_no = _po(tiny, [L(tiny.water, 10, 1)])
    with pytest.raises(ValidationError) as err, unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 11)])
    assert err.value.field == "lines.1.quantity"
    assert err.value.message() == f"{po_no}第1行：收货数量11超过未收数量10"
    assert err.value.message("en") == f"{po_no}, line 1: received quantity 11 exceeds the open quantity 10"
    with unit_of_work(tiny.engine) as s:
        assert s.execute(select(func.count()).select_from(GoodsReceipt)).scalar() == 0
        assert s.execute(select(func.count()).select_from(StockLedger)).scalar() == 0


def test_shipment_refuses_oversell_names_line_and_writes_nothing(tiny):
    po_id, (l1,), _ = _po(tiny, [L(tiny.water, 5, 1)])
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 5)])
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-06",
                                      [L(tiny.tea, 1, 4), L(tiny.water, 6, "2.5")])
        sales.confirm_sales_order(s, so.id)
        so_id, so_no, (_s1, s2) = so.id, so.doc_no, [line.id for line in so.lines]
    with pytest.raises(InsufficientStockError) as err, unit_of_work(tiny.engine) as s:
        sales.ship_goods(s, so_id, "2026-03-07", [F(s2, 6)])
    assert err.value.field == "lines.2.quantity"
    assert err.value.message() == f"{so_no}第2行：商品P001在仓库上海主仓库存不足：现有5，需要6"
    with unit_of_work(tiny.engine) as s:
        assert on_hand(s, tiny.water, tiny.wh1) == Decimal("5")
        assert s.get(SalesOrder, so_id).lines[1].shipped_qty == Decimal("0")
        sh = sales.ship_goods(s, so_id, "2026-03-07", [F(s2, 5)])
        assert sh.doc_no == "SH-2026-000001"  # the refused attempt used no number
        assert s.get(SalesOrder, so_id).status == "partial"
        assert on_hand(s, tiny.water, tiny.wh1) == Decimal("0")


def test_negative_allowed_product_can_ship_below_zero(tiny):
    with unit_of_work(tiny.engine) as s:
        so = sales.create_sales_order(s, tiny.customer, tiny.wh2, "2026-03-06", [L(tiny.ice, 3, 6)])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-03-06")
        assert on_hand(s, tiny.ice, tiny.wh2) == Decimal("-3")
        assert s.get(SalesOrder, so.id).status == "completed"


def test_state_machine_rules(tiny):
    with unit_of_work(tiny.engine) as s:
        po = purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-02", [L(tiny.water, 1, 1)])
        po_id, line_id, po_no = po.id, po.lines[0].id, po.doc_no
    with pytest.raises(StateError) as err, unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-03", [F(line_id, 1)])
    assert err.value.message() == f"{po_no}：单据状态为“草稿”，不能收货"
    with unit_of_work(tiny.engine) as s:
        purchasing.confirm_purchase_order(s, po_id)
    with pytest.raises(StateError), unit_of_work(tiny.engine) as s:
        purchasing.confirm_purchase_order(s, po_id)
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_all(s, po_id, "2026-03-03")
    with pytest.raises(StateError), unit_of_work(tiny.engine) as s:
        purchasing.cancel_purchase_order(s, po_id)
    with unit_of_work(tiny.engine) as s:
        other = purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-02", [L(tiny.water, 1, 1)])
        assert purchasing.cancel_purchase_order(s, other.id).status == "cancelled"


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (L(None, 1, 1), "lines.1.product_id", "第1行：商品不能为空"),
        ("water:0", "lines.1.quantity", "第1行：数量必须大于0"),
        ("water:abc", "lines.1.quantity", "第1行：数量不是有效的数字：abc"),
        ("water:-1", "lines.1.quantity", "第1行：数量必须大于0"),
        ("price:-2", "lines.1.unit_price", "第1行：单价不能为负数"),
        ("disc:1.5", "lines.1.discount_rate", "第1行：折扣率必须在0到1之间"),
    ],
)
def test_order_validation_messages(tiny_sqlite, line, field, message):
    t = tiny_sqlite
    if isinstance(line, str):
        kind, value = line.split(":")
        line = {"water": L(t.water, value, 1), "price": L(t.water, 1, value), "disc": L(t.water, 1, 1, value)}[kind]
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [line])
    assert err.value.field == field
    assert err.value.message() == message
    with unit_of_work(t.engine) as s:
        assert s.execute(select(func.count()).select_from(PurchaseOrder)).scalar() == 0


def test_header_validation(tiny_sqlite):
    t = tiny_sqlite
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        purchasing.create_purchase_order(s, None, t.wh1, "2026-03-02", [L(t.water, 1, 1)])
    assert (err.value.field, err.value.message()) == ("supplier_id", "供应商不能为空")
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 1, 1)],
                                         expected_date="2026-03-01")
    assert (err.value.field, err.value.message()) == ("expected_date", "预计到货日期不能早于订单日期")
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [])
    assert err.value.message("en") == "a document needs at least one line"


def test_opening_balance_and_decimal_quantities(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        post_opening_balance(s, t.water, t.wh1, Decimal("10.1234"), Decimal("1.1111"), date(2026, 1, 1))
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-01-02", [L(t.water, "0.1234", "2.5")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-01-02")
    with unit_of_work(t.engine) as s:
        assert on_hand(s, t.water, t.wh1) == Decimal("10.0000")
        assert monitoring.ledger_totals(s) == {(t.water, t.wh1): Decimal("10.0000")}


def test_stock_snapshot_as_of_an_extracted_ledger_id(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        first = post_opening_balance(s, t.water, t.wh1, Decimal("10"), Decimal("1.2"), date(2026, 1, 1))
        post_opening_balance(s, t.water, t.wh1, Decimal("5"), Decimal("1.2"), date(2026, 1, 2))
        first_id = first.id
    with unit_of_work(t.engine) as s:
        snap = monitoring.stock_snapshot(s, up_to_ledger_id=first_id)
        assert snap.ledger_as_of == {(t.water, t.wh1): Decimal("10")}  # the row posted after the extract is left out
        assert snap.ledger_now == snap.balances == {(t.water, t.wh1): Decimal("15")}
        assert monitoring.stock_snapshot(s, up_to_ledger_id=first_id + 1).ledger_as_of == snap.ledger_now
