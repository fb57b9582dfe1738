"""Receiving with inspection, tolerance and landed costs; closing backorders; returns; transfers
through in-transit; stocktakes; supplier price lists and status. Numbers are stated by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import Product, PurchaseOrder, StockLedger, Supplier
from operational.services import masterdata as md
from operational.services import purchasing, returns, sales, stocktakes, transfers
from operational.services.errors import DomainError, InsufficientStockError, StateError, ValidationError
from operational.services.inventory import on_hand, post_opening_balance
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import LandedCosts
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput as R
from operational.services.transfers import TransferLineInput as T


def _po(t, lines, on="2026-03-02"):
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, on, lines)
        purchasing.confirm_purchase_order(s, po.id)
        return po.id, [line.id for line in po.lines]


def _ledger(s, doc_type):
    rows = s.execute(select(StockLedger).where(StockLedger.doc_type == doc_type).order_by(StockLedger.id)).scalars()
    return [(r.warehouse_id, r.movement_type, r.quantity, r.unit_cost) for r in rows]


def test_inspection_only_accepted_enters_stock_and_line_stays_open(tiny):
    po_id, (l1,) = _po(tiny, [L(tiny.water, 100, "1.20")])
    with unit_of_work(tiny.engine) as s:
        gr = purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 90, rejected_qty=10, reject_reason="破损")])
        line = gr.lines[0]
        assert (line.quantity, line.rejected_qty, line.reject_reason) == (Decimal(90), Decimal(10), "破损")
        assert on_hand(s, tiny.water, tiny.wh1) == Decimal(90)
        po = s.get(PurchaseOrder, po_id)
        # 100 ordered, 90 accepted: the 10 rejected are still owed (backorder)
        assert (po.status, po.lines[0].received_qty) == ("partial", Decimal(90))
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        purchasing.receive_goods(s, po_id, "2026-03-06", [F(l1, 0, rejected_qty=5)])
    assert err.value.field == "lines.1.reject_reason"
    assert "拒收原因不能为空" in err.value.message()


def test_over_receipt_tolerance_per_supplier(tiny):
    po_id, (l1,) = _po(tiny, [L(tiny.water, 100, "1.20")])
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 101)])
    assert err.value.code == "over_receipt" and "超过未收数量100" in err.value.message()
    with unit_of_work(tiny.engine) as s:
        s.get(Supplier, tiny.supplier).over_receipt_tolerance = Decimal("0.05")
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 60)])
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        # 100 × 1.05 = 105 allowed in all; 60 accepted, so at most 45 more
        purchasing.receive_goods(s, po_id, "2026-03-06", [F(l1, 46)])
    assert "超过未收数量45" in err.value.message()
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-06", [F(l1, 45)])
        po = s.get(PurchaseOrder, po_id)
        assert (po.status, po.lines[0].received_qty) == ("completed", Decimal(105))


def test_landed_costs_by_value_and_by_quantity(tiny):
    po_id, (l1, l2) = _po(tiny, [L(tiny.water, 100, "1.00"), L(tiny.tea, 50, "4.00")])
    with unit_of_work(tiny.engine) as s:
        gr = purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 100), F(l2, 50)],
                                      landed=LandedCosts(freight="25.00", duty="5.00", basis="value"))
        # values 100 and 200 of 300: water 30 × 1/3 = 10.00, tea takes the rest 20.00
        assert [line.landed_cost for line in gr.lines] == [Decimal("10.00"), Decimal("20.00")]
        # water 1.00 + 10/100 = 1.10; tea 4.00 + 20/50 = 4.40
        assert [line.unit_cost for line in gr.lines] == [Decimal("1.1000"), Decimal("4.4000")]
        assert (gr.freight_amount, gr.duty_amount, gr.allocation_basis) == (Decimal("25.00"), Decimal("5.00"), "value")
        assert [r[3] for r in _ledger(s, "goods_receipt")] == [Decimal("1.1000"), Decimal("4.4000")]
    po_id, (l1, l2) = _po(tiny, [L(tiny.water, 100, "1.00"), L(tiny.tea, 50, "4.00")])
    with unit_of_work(tiny.engine) as s:
        gr = purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 100), F(l2, 50)],
                                      landed=LandedCosts(freight="10.00", basis="quantity"))
        # 100 and 50 of 150 units: 10 × 2/3 = 6.67, the rest 3.33; 1 + 6.67/100 = 1.0667, 4 + 3.33/50 = 4.0666
        assert [line.landed_cost for line in gr.lines] == [Decimal("6.67"), Decimal("3.33")]
        assert [line.unit_cost for line in gr.lines] == [Decimal("1.0667"), Decimal("4.0666")]


def test_close_order_cancels_backorder(tiny):
    po_id, (l1,) = _po(tiny, [L(tiny.water, 100, "1.20")])
    with unit_of_work(tiny.engine) as s, pytest.raises(StateError):
        purchasing.close_purchase_order(s, po_id, reason="不再交货", on="2026-03-05")  # nothing received yet
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 30)])
        purchasing.close_purchase_order(s, po_id, reason="不再交货", on="2026-03-05")
        # the backorder (100 − 30 = 70) is cancelled on the line; received or cancelled: completed
        assert s.get(PurchaseOrder, po_id).status == "completed"
        assert s.get(PurchaseOrder, po_id).lines[0].cancelled_qty == Decimal("70")
    with unit_of_work(tiny.engine) as s, pytest.raises(StateError) as err:
        purchasing.receive_goods(s, po_id, "2026-03-06", [F(l1, 10)])
    assert "已完成" in err.value.message()


def test_blocked_supplier_takes_no_orders_and_no_receipts(tiny):
    po_id, (l1,) = _po(tiny, [L(tiny.water, 10, "1.20")])
    with unit_of_work(tiny.engine) as s:
        md.set_supplier_status(s, tiny.supplier, "on_hold")
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-03", [L(tiny.water, 1, 1)])
    assert "暂停" in err.value.message() and err.value.field == "supplier_id"
    with unit_of_work(tiny.engine) as s:  # on hold: the open order may still be received
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 5)])
        md.set_supplier_status(s, tiny.supplier, "blocked")
    with unit_of_work(tiny.engine) as s, pytest.raises(StateError) as err:
        purchasing.receive_goods(s, po_id, "2026-03-06", [F(l1, 5)])
    assert err.value.message("en") == "PO-2026-000001: supplier S001 is blocked; nothing can be received or shipped"


def test_purchase_return_limits_and_links_to_receipt(tiny):
    po_id, (l1,) = _po(tiny, [L(tiny.tea, 20, "2.00")])
    with unit_of_work(tiny.engine) as s:
        gr = purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 20)])
        gr_id, gr_line = gr.id, gr.lines[0].id
    with unit_of_work(tiny.engine) as s:
        ret = returns.return_to_supplier(s, gr_id, "2026-03-07", [R(gr_line, 8)], reason="质量问题")
        assert ret.doc_no == "PR-2026-000001" and ret.supplier_id == tiny.supplier
        assert on_hand(s, tiny.tea, tiny.wh1) == Decimal(12)
        receipt_row = s.execute(select(StockLedger.id).where(StockLedger.doc_type == "goods_receipt")).scalar_one()
        back = s.execute(select(StockLedger).where(StockLedger.doc_type == "purchase_return")).scalar_one()
        assert (back.movement_type, back.quantity, back.source_ledger_id) == ("purchase_return", Decimal(-8), receipt_row)
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        returns.return_to_supplier(s, gr_id, "2026-03-08", [R(gr_line, 13)], reason="质量问题")
    assert "退货数量13超过可退数量12" in err.value.message()
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        returns.return_to_supplier(s, gr_id, "2026-03-04", [R(gr_line, 1)], reason="质量问题")
    assert err.value.field == "return_date"


def test_sales_return_restock_or_quarantine(tiny):
    with unit_of_work(tiny.engine) as s:
        post_opening_balance(s, tiny.water, tiny.wh1, Decimal(50), Decimal("1.00"), on=date(2026, 3, 1))
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-02", [L(tiny.water, 20, "2.50")])
        sales.confirm_sales_order(s, so.id)
        sh = sales.ship_all(s, so.id, "2026-03-03")
        sh_id, sh_line = sh.id, sh.lines[0].id
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        returns.return_from_customer(s, sh_id, "2026-03-04", [R(sh_line, 2)], reason="", disposition="restock")
    assert err.value.field == "return_reason"
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        returns.return_from_customer(s, sh_id, "2026-03-04", [R(sh_line, 2)], reason="包装破损", disposition="quarantine")
    assert err.value.code == "no_quarantine_warehouse"
    with unit_of_work(tiny.engine) as s:
        qc = md.create_warehouse(s, "QC", "待检仓", kind="quarantine")
        returns.return_from_customer(s, sh_id, "2026-03-04", [R(sh_line, 2)], reason="包装破损", disposition="quarantine")
        returns.return_from_customer(s, sh_id, "2026-03-05", [R(sh_line, 3)], reason="客户多订")
        # 50 − 20 + 3 restocked = 33 in WH1; 2 in quarantine
        assert (on_hand(s, tiny.water, tiny.wh1), on_hand(s, tiny.water, qc.id)) == (Decimal(33), Decimal(2))
        ship_row = s.execute(select(StockLedger.id).where(StockLedger.doc_type == "shipment")).scalar_one()
        rows = s.execute(select(StockLedger).where(StockLedger.doc_type == "sales_return")).scalars().all()
        assert [(r.quantity, r.source_ledger_id) for r in rows] == [(Decimal(2), ship_row), (Decimal(3), ship_row)]
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        returns.return_from_customer(s, sh_id, "2026-03-06", [R(sh_line, 16)], reason="x")
    assert "可退数量15" in err.value.message()


def test_transfer_through_transit_with_loss(tiny):
    with unit_of_work(tiny.engine) as s:
        post_opening_balance(s, tiny.water, tiny.wh1, Decimal(100), Decimal("1.00"), on=date(2026, 3, 1))
    with unit_of_work(tiny.engine) as s:
        tr = transfers.ship_transfer(s, tiny.wh1, tiny.wh2, "2026-03-02", [T(tiny.water, 30)])
        transit = tr.transit_warehouse_id
        assert (tr.doc_no, tr.status) == ("TR-2026-000001", "in_transit")
        assert (on_hand(s, tiny.water, tiny.wh1), on_hand(s, tiny.water, transit)) == (Decimal(70), Decimal(30))
        tr_id, line_id = tr.id, tr.lines[0].id
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        transfers.receive_transfer(s, tr_id, "2026-03-04", {line_id: 31})
    assert "实收数量31超过调出数量30" in err.value.message()
    with unit_of_work(tiny.engine) as s:
        tr = transfers.receive_transfer(s, tr_id, "2026-03-04", {line_id: 28})
        assert tr.status == "received"
        assert [on_hand(s, tiny.water, w) for w in (tiny.wh1, transit, tiny.wh2)] == [Decimal(70), Decimal(0), Decimal(28)]
        assert _ledger(s, "stock_transfer") == [
            (tiny.wh1, "transfer_out", Decimal(-30), None), (transit, "transfer_in", Decimal(30), None),
            (transit, "transfer_out", Decimal(-28), None), (tiny.wh2, "transfer_in", Decimal(28), None),
            (transit, "transit_loss", Decimal(-2), None),
        ]
    with unit_of_work(tiny.engine) as s, pytest.raises(InsufficientStockError):
        transfers.ship_transfer(s, tiny.wh1, tiny.wh2, "2026-03-05", [T(tiny.water, 71)])
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        transfers.ship_transfer(s, tiny.wh1, tiny.wh1, "2026-03-05", [T(tiny.water, 1)])
    assert err.value.code == "same_warehouse"


def test_stocktake_freezes_book_counts_by_barcode_and_posts_differences(tiny):
    on = date(2026, 3, 1)
    with unit_of_work(tiny.engine) as s:
        post_opening_balance(s, tiny.water, tiny.wh1, Decimal(100), Decimal("1.00"), on=on)
        post_opening_balance(s, tiny.tea, tiny.wh1, Decimal(40), Decimal("2.00"), on=on)
        sheet = stocktakes.open_stocktake(s, tiny.wh1, "2026-03-31")
        assert [(line.product_id, line.book_qty) for line in sheet.lines] == [(tiny.water, 100), (tiny.tea, 40)]
        sheet_id = sheet.id
    with unit_of_work(tiny.engine) as s:
        # water by barcode, tea by SKU, ice found on the shelf (not on the sheet, book 0)
        stocktakes.record_counts(s, sheet_id, {"6901234567892": 97, "P002": "41", tiny.ice: 5})
    with unit_of_work(tiny.engine) as s, pytest.raises(ValidationError) as err:
        stocktakes.record_counts(s, sheet_id, {"NOPE": 1})
    assert err.value.field == "barcode"
    with unit_of_work(tiny.engine) as s:
        sheet = stocktakes.post_stocktake(s, sheet_id)
        assert sheet.status == "posted"
        assert [(v["product_id"], v["difference"]) for v in stocktakes.variance(sheet)] == [
            (tiny.water, Decimal(-3)), (tiny.tea, Decimal(1)), (tiny.ice, Decimal(5))]
        assert [(r[1], r[2]) for r in _ledger(s, "stocktake")] == [
            ("stocktake_loss", Decimal(-3)), ("stocktake_gain", Decimal(1)), ("stocktake_gain", Decimal(5))]
        assert on_hand(s, tiny.water, tiny.wh1) == Decimal(97)
    with unit_of_work(tiny.engine) as s, pytest.raises(StateError):
        stocktakes.record_counts(s, sheet_id, {tiny.water: 1})


def test_stocktake_category_scope(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        other = md.create_category(s, "ICE", "冰品")
        s.get(Product, t.ice).category_id = other.id
        post_opening_balance(s, t.water, t.wh1, Decimal(10), Decimal(1), on=date(2026, 3, 1))
        post_opening_balance(s, t.ice, t.wh1, Decimal(10), Decimal(1), on=date(2026, 3, 1))
        sheet = stocktakes.open_stocktake(s, t.wh1, "2026-03-31", category_id=other.id)
        assert [line.product_id for line in sheet.lines] == [t.ice]


def test_supplier_price_list_history_and_order_terms(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        purchasing.set_supplier_price(s, t.supplier, t.water, "1.20", "2026-01-01", min_order_qty=100,
                                      order_multiple=24, lead_time_days=5, is_preferred=True)
        purchasing.set_supplier_price(s, t.supplier, t.water, "1.25", "2026-03-01", min_order_qty=100,
                                      order_multiple=24)
        assert purchasing.supplier_price(s, t.supplier, t.water, date(2026, 2, 15)).price == Decimal("1.2000")
        now = purchasing.supplier_price(s, t.supplier, t.water, date(2026, 3, 1))
        assert now.price == Decimal("1.2500")
        # 130 wanted: at least 100, in multiples of 24 → 6 × 24 = 144; 10 wanted → 100 → 5 × 24 = 120
        assert purchasing.round_to_order_terms(Decimal(130), now) == Decimal(144)
        assert purchasing.round_to_order_terms(Decimal(10), now) == Decimal(120)
        with pytest.raises(ValidationError) as err:
            purchasing.set_supplier_price(s, t.supplier, t.water, "-1", "2026-04-01")
        assert err.value.field == "unit_price"


def test_store_valuation_for_reconciliation(tiny):
    """monitoring.stock_values values the store's own ledger with the warehouse's engine."""
    from operational.services import monitoring

    with unit_of_work(tiny.engine) as s:
        post_opening_balance(s, tiny.tea, tiny.wh1, Decimal(10), Decimal("2.00"), on=date(2026, 3, 1))
    po_id, (l1,) = _po(tiny, [L(tiny.tea, 10, "2.60")])
    with unit_of_work(tiny.engine) as s:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(l1, 10)])
        first = s.execute(select(StockLedger.id).order_by(StockLedger.id.desc())).scalars().first()
        transfers.ship_transfer(s, tiny.wh1, tiny.wh2, "2026-03-06", [T(tiny.tea, 12)])
    with unit_of_work(tiny.engine) as s:
        # FIFO tea: 10 @ 2.00 + 10 @ 2.60 = 46.00; 12 moved to transit: company value unchanged,
        # split by quantity: transit 46 × 12/20 = 27.60 (largest, takes the remainder), WH1 46 × 8/20 = 18.40
        values = monitoring.stock_values(s)
        transit = transfers.transit_warehouse(s).id
        assert values == {(tiny.tea, tiny.wh1): Decimal("18.40"), (tiny.tea, transit): Decimal("27.60")}
        # as of the receipt (before the transfer): everything in WH1
        assert monitoring.stock_values(s, up_to_id=first) == {(tiny.tea, tiny.wh1): Decimal("46.00")}


def test_credit_check_blocks_confirmation_until_a_manager_approves(tiny):
    from operational.models import CreditApproval, SalesOrder
    from operational.services import auth
    from operational.services.credit import CreditLimitError, check_credit

    with unit_of_work(tiny.engine) as s:
        manager = auth.create_user(s, "boss", "secret-pass", role="manager", iterations=1000).id
        clerk = auth.create_user(s, "clerk", "secret-pass", role="sales", iterations=1000).id
        # limit 50,000: an open order of 30,000 (confirmed, 10,000 of it shipped) leaves 20,000 open
        post_opening_balance(s, tiny.water, tiny.wh1, Decimal(10000), Decimal("1.00"), on=date(2026, 3, 1))
        first = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-02", [L(tiny.water, 10000, "3.00")])
        sales.confirm_sales_order(s, first.id)
        sales.ship_goods(s, first.id, "2026-03-03", [F(first.lines[0].id, 3334)])
        second = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-04", [L(tiny.water, 10000, "3.00")])
        # open: 30,000.00 × (10000 − 3334)/10000 = 19,998.00; this order 30,000.00 → 49,998.00 ≤ 50,000
        check = check_credit(s, second)
        assert (check.open_orders, check.this_order, check.exposure, check.within_limit) == (
            Decimal("19998.00"), Decimal("30000.00"), Decimal("49998.00"), True)
        sales.confirm_sales_order(s, second.id)
        third = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-05", [L(tiny.water, 1, "3.00")])
        third_id = third.id
    with unit_of_work(tiny.engine) as s, pytest.raises(CreditLimitError) as err:
        sales.confirm_sales_order(s, third_id)  # 19,998 + 30,000 + 3 = 50,001 > 50,000
    assert err.value.field == "customer_id"
    assert err.value.message() == "SO-2026-000003：客户C001信用额度不足：占用50001超过额度50000，需经理审批"
    with unit_of_work(tiny.engine) as s, pytest.raises(DomainError):
        sales.approve_and_confirm(s, third_id, clerk)  # a sales clerk cannot approve
    with unit_of_work(tiny.engine) as s:
        sales.approve_and_confirm(s, third_id, manager, note="老客户，月底回款")
    with unit_of_work(tiny.engine) as s:
        assert s.get(SalesOrder, third_id).status == "confirmed"
        approval = s.execute(select(CreditApproval)).scalar_one()
        assert (approval.approved_by, approval.exposure, approval.credit_limit, approval.note) == (
            manager, Decimal("50001.00"), Decimal("50000.00"), "老客户，月底回款")


def test_customer_discount_is_the_default_line_discount(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        from operational.models import Customer

        s.get(Customer, t.customer).discount_rate = Decimal("0.05")
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-02",
                                      [L(t.water, 10, "2.00"), L(t.water, 10, "2.00", discount_rate="0.10")])
        # 10 × 2.00 × 0.95 = 19.00 by the customer's discount; an explicit 10 % wins: 18.00
        assert [(line.discount_rate, line.amount) for line in so.lines] == [
            (Decimal("0.05"), Decimal("19.00")), (Decimal("0.1"), Decimal("18.00"))]
