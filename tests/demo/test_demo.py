"""The demo-company simulator at scale 0.02 (≈ 1,000 sales lines over 400 days) on SQLite.

One store is generated through the services for the whole module; the bulk path and a second
services run are compared with it. Besides orders it holds the stock documents of a real
distributor (inspection, returns, transfers, stocktakes, price lists, back-dated entries); the
ranges below are what the simulator's rates give at this scale, wide enough for any seed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, and_, func, select

from operational.db import make_engine, unit_of_work
from operational.demo import DEMO_PASSWORD, DEMO_USERS, check_invariants, generate, simulate_days
from operational.demo.calendar import SPRING_FESTIVAL, event_factor
from operational.demo.passes import PASSES
from operational.demo.simulator import BLOCK_AT, HOLD_AT, REJECT_REASONS
from operational.demo.stockroom import QUARANTINE_REASONS, RESTOCK_REASONS
from operational.demo.world import last_activity_date
from operational.migrate import upgrade
from operational.models import (
    ROLES,
    Company,
    CreditApproval,
    Customer,
    GoodsReceipt,
    GoodsReceiptLine,
    OrderLineCancellation,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    PurchaseReturnLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShipmentLine,
    StockBalance,
    StockLedger,
    StockLimit,
    Stocktake,
    StocktakeLine,
    StockTransfer,
    StockTransferLine,
    Supplier,
    SupplierPrice,
    Warehouse,
)
from operational.services import auth, inventory, tax

END = date(2026, 3, 31)
SCALE = 0.02


def _fresh_engine(path: Path) -> Engine:
    path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path / 'jxc.sqlite'}")
    upgrade(engine)
    return engine


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, object]]:
    engine = _fresh_engine(tmp_path_factory.mktemp("demo"))
    summary = generate(engine, scale=SCALE, seed=42, end_date=END)
    yield engine, summary
    engine.dispose()


def _fingerprint(engine: Engine) -> dict[str, object]:
    """What must not change between two runs with the same seed and end date."""
    with engine.connect() as conn:
        return {
            "so": conn.execute(select(SalesOrder.doc_no, SalesOrder.status, SalesOrder.total_amount)
                               .order_by(SalesOrder.id)).all(),
            "po": conn.execute(select(PurchaseOrder.doc_no, PurchaseOrder.status, PurchaseOrder.total_amount)
                               .order_by(PurchaseOrder.id)).all(),
            "so_lines": conn.execute(select(func.sum(SalesOrderLine.amount), func.sum(SalesOrderLine.shipped_qty))).one(),
            "po_lines": conn.execute(select(func.sum(PurchaseOrderLine.amount),
                                            func.sum(PurchaseOrderLine.received_qty))).one(),
            "stock": conn.execute(select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity)
                                  .order_by(StockBalance.product_id, StockBalance.warehouse_id)).all(),
            "names": conn.execute(select(Customer.name).order_by(Customer.id)).scalars().all(),
            "credit_approvals": conn.execute(select(CreditApproval.sales_order_id, CreditApproval.exposure,
                                                    CreditApproval.credit_limit, CreditApproval.approved_by)
                                             .order_by(CreditApproval.id)).all(),
            "receipt_lines": conn.execute(select(
                GoodsReceiptLine.id, GoodsReceiptLine.quantity, GoodsReceiptLine.rejected_qty,
                GoodsReceiptLine.reject_reason, GoodsReceiptLine.unit_cost, GoodsReceiptLine.landed_cost,
                GoodsReceiptLine.returned_qty).order_by(GoodsReceiptLine.id)).all(),
            "receipts": conn.execute(select(GoodsReceipt.doc_no, GoodsReceipt.receipt_date, GoodsReceipt.freight_amount,
                                            GoodsReceipt.allocation_basis).order_by(GoodsReceipt.id)).all(),
            "shipment_returned": conn.execute(select(ShipmentLine.id, ShipmentLine.returned_qty)
                                              .where(ShipmentLine.returned_qty != 0).order_by(ShipmentLine.id)).all(),
            "returns": conn.execute(select(PurchaseReturn.doc_no, PurchaseReturn.receipt_id, PurchaseReturn.return_date,
                                           PurchaseReturn.reason).order_by(PurchaseReturn.id)).all()
            + conn.execute(select(SalesReturn.doc_no, SalesReturn.shipment_id, SalesReturn.return_date,
                                  SalesReturn.disposition, SalesReturn.warehouse_id).order_by(SalesReturn.id)).all(),
            "transfers": conn.execute(select(StockTransfer.doc_no, StockTransfer.status, StockTransfer.receive_date,
                                             StockTransferLine.quantity, StockTransferLine.received_qty)
                                      .join(StockTransferLine).order_by(StockTransferLine.id)).all(),
            "stocktakes": conn.execute(select(Stocktake.doc_no, Stocktake.status, StocktakeLine.product_id,
                                              StocktakeLine.book_qty, StocktakeLine.counted_qty)
                                       .join(StocktakeLine).order_by(StocktakeLine.id)).all(),
            "prices": conn.execute(select(SupplierPrice.supplier_id, SupplierPrice.product_id, SupplierPrice.valid_from,
                                          SupplierPrice.price, SupplierPrice.is_preferred)
                                   .order_by(SupplierPrice.id)).all(),
            "suppliers": conn.execute(select(Supplier.status, Supplier.over_receipt_tolerance)
                                      .order_by(Supplier.id)).all(),
            # the very same ledger, row by row (ids included: returns point at their source rows)
            "ledger": conn.execute(select(
                StockLedger.id, StockLedger.movement_date, StockLedger.product_id, StockLedger.warehouse_id,
                StockLedger.movement_type, StockLedger.quantity, StockLedger.unit_cost, StockLedger.doc_no,
                StockLedger.doc_line_id, StockLedger.source_ledger_id, StockLedger.cost_amount)
                .order_by(StockLedger.id)).all(),
            # units of measure: the purchase lines typed in cases, and the receipts' exact values
            "po_units": conn.execute(select(PurchaseOrderLine.id, PurchaseOrderLine.unit, PurchaseOrderLine.qty_in_unit,
                                            PurchaseOrderLine.unit_factor, PurchaseOrderLine.price_in_unit,
                                            PurchaseOrderLine.unit_price, PurchaseOrderLine.amount)
                                     .order_by(PurchaseOrderLine.id)).all(),
            "receipt_amounts": conn.execute(select(GoodsReceiptLine.id, GoodsReceiptLine.amount,
                                                   GoodsReceiptLine.tax_amount).order_by(GoodsReceiptLine.id)).all(),
        }


def test_counts_are_in_the_expected_ranges(demo) -> None:
    _, s = demo
    assert 60 <= s.products <= 80
    assert s.suppliers >= 12 and s.customers >= 40
    assert s.warehouses == 5  # three selling warehouses, 待检仓 (quarantine) and 在途仓 (in transit)
    assert 800 <= s.sales_order_lines <= 1300, s.sales_order_lines
    assert 80 <= s.sales_orders <= 250
    assert s.shipments >= 0.8 * s.sales_orders
    assert s.purchase_orders >= 30 and s.goods_receipts >= 0.6 * s.purchase_orders
    assert s.first_day == END - timedelta(days=399) and s.last_day == END
    # the stock documents beside orders, at their low rates (details in the tests below)
    assert 1 <= s.purchase_returns <= 0.05 * s.goods_receipts
    assert 5 <= s.sales_returns <= 40
    assert 20 <= s.stock_transfers <= 120
    assert s.stocktakes == 3 * 14  # each selling warehouse at each of the 14 month ends
    assert 300 <= s.supplier_prices <= 1000


def test_every_invariant_holds(demo) -> None:
    engine, _ = demo
    assert check_invariants(engine) == []


def test_master_data_looks_like_a_chinese_distributor(demo) -> None:
    engine, _ = demo
    with unit_of_work(engine) as session:
        company = session.execute(select(Company)).scalar_one()
        assert re.search(r"[\u4e00-\u9fff]", company.name) and company.name.endswith("商贸有限公司")
        products = session.execute(select(Product)).scalars().all()
        barcodes = [p.barcode for p in products]
        assert len(set(barcodes)) == len(products)
        for code in barcodes:
            digits = [int(c) for c in code]
            assert len(digits) == 13 and (sum(digits[0:12:2]) + 3 * sum(digits[1:12:2]) + digits[12]) % 10 == 0
        assert 1 <= sum(p.valuation_method == "fifo" for p in products) < len(products) // 4
        assert sum(p.allow_negative for p in products) == 2
        assert all(p.standard_cost < p.list_price for p in products)
        assert len({p.category_id for p in products}) == 10
        customers = session.execute(select(Customer)).scalars().all()
        assert all(c.salesperson_id and c.region and c.credit_limit > 0 for c in customers)
        assert len({c.region for c in customers}) >= 4
        limits = session.execute(select(StockLimit)).scalars().all()
        assert limits and all(limit.max_qty > limit.min_qty for limit in limits)
        # every role has a login with the demo password
        for username, role, _ in DEMO_USERS:
            assert auth.authenticate(session, username, DEMO_PASSWORD).role == role
        # hr and staff come from the HR pass (operational/demo/hr.py), linked to employees
        for role in ("hr", "staff"):
            assert auth.authenticate(session, role, DEMO_PASSWORD).employee_id is not None
    assert [role for _, role, _ in DEMO_USERS] + ["hr", "staff"] == list(ROLES)


def test_piece_goods_are_bought_by_the_case_and_sold_by_the_piece(demo) -> None:
    """Units of measure (多单位): bottles, bags and boxes come in cases of 10 with their own barcode;
    purchase lines of a whole number of cases are typed in cases, sales lines in pieces, and the
    ledger stays in pieces with each case receipt's exact value."""
    from operational.models import ProductUnit
    from operational.services import units

    engine, _ = demo
    with unit_of_work(engine) as s:
        cases = s.execute(select(ProductUnit)).scalars().all()
        assert cases and all((c.unit, c.factor) == ("箱", Decimal(10)) and c.barcode for c in cases)
        some = cases[0]
        found = units.scan(s, some.barcode)
        assert (found.product.id, found.unit, found.factor) == (some.product_id, "箱", Decimal(10))
        assert found.product.purchase_unit == "箱" and found.product.sales_unit is None
        in_cases = s.execute(select(PurchaseOrderLine).where(PurchaseOrderLine.unit == "箱")).scalars().all()
        assert len(in_cases) > 20
        for line in in_cases:
            assert line.quantity == line.qty_in_unit * line.unit_factor
            assert line.price_in_unit == line.unit_price * line.unit_factor  # demo prices are in cents
        assert s.execute(select(func.count()).select_from(SalesOrderLine)
                         .where(SalesOrderLine.unit.is_not(None))).scalar() == 0
        case_ids = {c.product_id for c in cases}
        exact = s.execute(select(StockLedger.product_id, StockLedger.quantity, StockLedger.unit_cost,
                                 StockLedger.cost_amount).where(StockLedger.cost_amount.is_not(None))).all()
        assert exact and {pid for pid, *_ in exact} <= case_ids
        # the exact value and the rounded unit cost agree to within half a ten-thousandth per piece
        assert all(abs(qty * cost - amount) <= qty * Decimal("0.00005") + Decimal("0.005")
                   for _, qty, cost, amount in exact)


def test_documents_show_the_messy_parts_of_real_life(demo) -> None:
    engine, _ = demo
    with engine.connect() as conn:
        so_states = dict(conn.execute(select(SalesOrder.status, func.count()).group_by(SalesOrder.status)).all())
        po_states = dict(conn.execute(select(PurchaseOrder.status, func.count()).group_by(PurchaseOrder.status)).all())
        receipts_per_po = conn.execute(
            select(func.count()).select_from(GoodsReceipt).group_by(GoodsReceipt.purchase_order_id)).scalars().all()
        late = conn.execute(
            select(func.count()).select_from(GoodsReceipt).join(PurchaseOrder)
            .where(GoodsReceipt.receipt_date > PurchaseOrder.expected_date)).scalar_one()
        negative = conn.execute(select(func.count()).select_from(StockBalance).join(Product)
                                .where(Product.allow_negative.is_(True))).scalar_one()
    assert so_states.get("cancelled", 0) >= 1
    assert so_states["completed"] > 0.8 * sum(so_states.values())
    assert sum(so_states.get(s, 0) for s in ("draft", "confirmed", "partial")) >= 1  # still open at the end
    assert sum(po_states.get(s, 0) for s in ("confirmed", "partial", "draft")) >= 1
    assert max(receipts_per_po) >= 2  # a short delivery followed by the rest
    assert late >= 5
    assert negative >= 1  # the bulk goods are stocked somewhere


def test_receiving_inspects_accepts_a_little_more_and_charges_freight(demo) -> None:
    engine, _ = demo
    with engine.connect() as conn:
        lines = conn.execute(
            select(GoodsReceiptLine.quantity, GoodsReceiptLine.rejected_qty, GoodsReceiptLine.reject_reason,
                   GoodsReceiptLine.landed_cost, GoodsReceiptLine.unit_cost, PurchaseOrderLine.unit_price,
                   PurchaseOrderLine.discount_rate, PurchaseOrderLine.tax_rate, PurchaseOrderLine.price_includes_tax)
            .join(PurchaseOrderLine, PurchaseOrderLine.id == GoodsReceiptLine.po_line_id)).all()
        over = conn.execute(
            select(PurchaseOrderLine.quantity, PurchaseOrderLine.received_qty, Supplier.over_receipt_tolerance)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
            .where(PurchaseOrderLine.received_qty > PurchaseOrderLine.quantity)).all()
        tolerances = conn.execute(select(Supplier.over_receipt_tolerance)).scalars().all()
        receipts = conn.execute(select(GoodsReceipt.freight_amount, GoodsReceipt.allocation_basis)).all()
    rejected = [ln for ln in lines if ln.rejected_qty > 0]
    assert 0.01 * len(lines) <= len(rejected) <= 0.06 * len(lines), (len(rejected), len(lines))
    assert {ln.reject_reason for ln in rejected} <= set(REJECT_REASONS)
    # 2–10 % of what arrived is rejected; the rest is accepted into stock
    assert all(ln.quantity > 0 and ln.rejected_qty <= Decimal("0.1") * (ln.quantity + ln.rejected_qty)
               for ln in rejected)
    assert all(ln.reject_reason is None for ln in lines if ln.rejected_qty == 0)
    # a few suppliers may deliver 3–5 % more, and now and then do; nobody else ever does
    assert 1 <= sum(t > 0 for t in tolerances) <= len(tolerances) // 2
    assert all(Decimal("0.03") <= t <= Decimal("0.05") for t in tolerances if t)
    assert over and all(received <= qty * (1 + t) for qty, received, t in over)
    # freight on some receipts, spread by value or by quantity into the goods' unit cost
    freight = [r for r in receipts if r.freight_amount > 0]
    assert 0.05 * len(receipts) <= len(freight) <= 0.2 * len(receipts), (len(freight), len(receipts))
    assert {r.allocation_basis for r in freight} == {"value", "quantity"}
    carried = [ln for ln in lines if ln.landed_cost > 0]

    def net(ln) -> Decimal:  # noqa: ANN001 - the order price net of discount and of VAT (the cost before freight)
        return tax.net_unit_price(ln.unit_price, ln.discount_rate, ln.tax_rate,
                                  includes_tax=bool(ln.price_includes_tax)).quantize(Decimal("0.0001"))
    assert carried and all(ln.unit_cost >= net(ln) for ln in carried)
    assert any(ln.unit_cost > net(ln) for ln in carried)


def test_a_few_purchase_orders_are_closed_with_the_backorder_cancelled(demo) -> None:
    """Closing goes through the line cancellations: the backorder is recorded per line with a reason,
    received + cancelled = ordered, and the order is completed."""
    engine, _ = demo
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(PurchaseOrder)).scalar_one()
        closed = conn.execute(
            select(PurchaseOrder.id, PurchaseOrder.status, func.sum(PurchaseOrderLine.received_qty),
                   func.sum(PurchaseOrderLine.cancelled_qty), func.sum(PurchaseOrderLine.quantity))
            .join(PurchaseOrderLine).group_by(PurchaseOrder.id, PurchaseOrder.status)
            .having(func.sum(PurchaseOrderLine.cancelled_qty) > 0)).all()
        reasons = conn.execute(select(OrderLineCancellation.reason).distinct()).scalars().all()
    assert 1 <= len(closed) <= 0.05 * total
    assert all(status == "completed" and 0 < received < ordered and received + cancelled >= ordered
               for _, status, received, cancelled, ordered in closed)
    assert reasons == ["供应商无法交付余量，欠货取消"]


def test_supplier_price_lists_have_a_history_and_orders_follow_them(demo) -> None:
    engine, s = demo
    with engine.connect() as conn:
        prices = conn.execute(select(SupplierPrice.supplier_id, SupplierPrice.product_id, SupplierPrice.valid_from,
                                     SupplierPrice.price, SupplierPrice.is_preferred)
                              .order_by(SupplierPrice.valid_from)).all()
        ordered = conn.execute(select(PurchaseOrder.supplier_id, PurchaseOrderLine.product_id, PurchaseOrder.order_date,
                                      PurchaseOrderLine.unit_price).join(PurchaseOrderLine)).all()
    history: dict[tuple[int, int], list[tuple[date, Decimal]]] = {}
    for sid, pid, valid_from, price, _ in prices:
        history.setdefault((sid, pid), []).append((valid_from, price))
    # one row per supplier × product from day one, a new one whenever the supplier's price moves
    assert {pid for _, pid, valid_from, _, _ in prices if valid_from == s.first_day} == {pid for _, pid, *_ in prices}
    assert sum(len(rows) >= 4 for rows in history.values()) >= 0.8 * len(history)
    assert all(a[1] != b[1] for rows in history.values() for a, b in zip(rows, rows[1:], strict=False))
    # each product has one preferred supplier (the one it is bought from first; after a supplier
    # was put on hold, its other source)
    latest = {(sid, pid): preferred for sid, pid, _, _, preferred in prices}  # rows are in date order
    assert all(sum(p for (_, q), p in latest.items() if q == pid) == 1 for _, pid in latest)
    # every purchase order line is at the price list in force on its order date
    for sid, pid, on, price in ordered:
        assert max((r for r in history[(sid, pid)] if r[0] <= on), default=None)[1] == price


def test_one_supplier_goes_on_hold_and_another_is_blocked_late_in_the_period(demo) -> None:
    engine, s = demo
    with engine.connect() as conn:
        suppliers = dict(conn.execute(select(Supplier.status, Supplier.id).where(Supplier.status != "active")).all())
        orders = conn.execute(select(PurchaseOrder.supplier_id, PurchaseOrder.order_date, PurchaseOrder.status)).all()
    assert set(suppliers) == {"on_hold", "blocked"}
    held_on = s.first_day + timedelta(days=int(400 * HOLD_AT))
    blocked_on = s.first_day + timedelta(days=int(400 * BLOCK_AT))
    assert not [o for o in orders if o.supplier_id == suppliers["on_hold"] and o.order_date >= held_on]
    assert not [o for o in orders if o.supplier_id == suppliers["blocked"] and o.order_date >= blocked_on]
    # the blocked supplier's orders were all finished, closed or cancelled: none waits for goods
    assert all(o.status in ("completed", "closed", "cancelled") for o in orders if o.supplier_id == suppliers["blocked"])


def test_goods_come_back_from_customers_and_go_back_to_suppliers(demo) -> None:
    engine, _ = demo
    with engine.connect() as conn:
        receipts = conn.execute(select(func.count()).select_from(GoodsReceipt)).scalar_one()
        to_suppliers = conn.execute(
            select(PurchaseReturn.return_date, GoodsReceipt.receipt_date, PurchaseReturnLine.quantity,
                   GoodsReceiptLine.quantity, PurchaseReturn.reason)
            .select_from(PurchaseReturn).join(PurchaseReturnLine, PurchaseReturnLine.return_id == PurchaseReturn.id)
            .join(GoodsReceiptLine, GoodsReceiptLine.id == PurchaseReturnLine.receipt_line_id)
            .join(GoodsReceipt, GoodsReceipt.id == PurchaseReturn.receipt_id)).all()
        shipment_lines = conn.execute(select(func.count()).select_from(ShipmentLine)).scalar_one()
        from_customers = conn.execute(
            select(SalesReturn.return_date, Shipment.ship_date, SalesReturnLine.quantity, ShipmentLine.quantity,
                   SalesReturn.disposition, SalesReturn.reason, Warehouse.name, Warehouse.kind)
            .select_from(SalesReturn).join(SalesReturnLine, SalesReturnLine.return_id == SalesReturn.id)
            .join(ShipmentLine, ShipmentLine.id == SalesReturnLine.shipment_line_id)
            .join(Shipment, Shipment.id == SalesReturn.shipment_id)
            .join(Warehouse, Warehouse.id == SalesReturn.warehouse_id)).all()
        quarantined = conn.execute(select(func.sum(StockBalance.quantity)).join(Warehouse)
                                   .where(Warehouse.kind == "quarantine", Warehouse.name == "待检仓")).scalar_one()
        sourceless = conn.execute(select(func.count()).select_from(StockLedger).where(
            StockLedger.movement_type.in_(("purchase_return", "sales_return")),
            StockLedger.source_ledger_id.is_(None))).scalar_one()
    # to suppliers: a small share of receipts, days later, part of a line
    assert 1 <= len(to_suppliers) <= 0.05 * receipts
    assert all(ret_on >= got_on + timedelta(days=3) and 0 < qty < received for ret_on, got_on, qty, received, _
               in to_suppliers)
    # from customers: 1–2 % of shipment lines, part of what was shipped, restocked or quarantined
    assert 0.005 * shipment_lines <= len(from_customers) <= 0.03 * shipment_lines, (len(from_customers), shipment_lines)
    assert all(ret_on >= shipped_on + timedelta(days=2) and 0 < qty <= shipped for ret_on, shipped_on, qty, shipped, *_
               in from_customers)
    assert {r.disposition for r in from_customers} == {"restock", "quarantine"}
    assert all((r.kind == "quarantine") == (r.disposition == "quarantine") for r in from_customers)
    assert all(r.reason in (QUARANTINE_REASONS if r.disposition == "quarantine" else RESTOCK_REASONS)
               for r in from_customers)
    assert quarantined > 0  # returned goods wait in 待检仓
    assert sourceless == 0  # every return row points at the ledger row it returns


def test_transfers_move_stock_between_the_selling_warehouses(demo) -> None:
    engine, _ = demo
    with engine.connect() as conn:
        normal = set(conn.execute(select(Warehouse.id).where(Warehouse.kind == "normal")).scalars())
        transfers = conn.execute(select(StockTransfer.from_warehouse_id, StockTransfer.to_warehouse_id,
                                        StockTransfer.ship_date, StockTransfer.receive_date,
                                        StockTransfer.status)).all()
        losses = conn.execute(select(StockLedger.quantity).where(StockLedger.movement_type == "transit_loss")).scalars().all()
        on_road = conn.execute(select(func.sum(StockTransferLine.quantity)).join(StockTransfer)
                               .where(StockTransfer.status == "in_transit")).scalar_one() or Decimal(0)
        in_transit_wh = conn.execute(select(func.coalesce(func.sum(StockBalance.quantity), 0)).join(Warehouse)
                                     .where(Warehouse.kind == "transit")).scalar_one()
    assert 20 <= len(transfers) <= 120, len(transfers)  # now and then, when one warehouse runs short
    assert all(t.from_warehouse_id in normal and t.to_warehouse_id in normal
               and t.from_warehouse_id != t.to_warehouse_id for t in transfers)
    received = [t for t in transfers if t.status == "received"]
    assert received and all(1 <= (t.receive_date - t.ship_date).days <= 3 for t in received)
    # occasionally a unit or two go missing on the road
    assert 1 <= len(losses) <= 0.2 * len(received)
    assert all(Decimal(-2) <= q < 0 for q in losses)
    assert Decimal(in_transit_wh) == on_road


def test_month_end_stocktakes_find_small_differences(demo) -> None:
    engine, s = demo
    with engine.connect() as conn:
        normal = set(conn.execute(select(Warehouse.id).where(Warehouse.kind == "normal")).scalars())
        sheets = conn.execute(select(Stocktake.warehouse_id, Stocktake.count_date, Stocktake.status,
                                     Stocktake.posted_date)).all()
        lines = conn.execute(select(StocktakeLine.book_qty, StocktakeLine.counted_qty).join(Stocktake)
                             .where(Stocktake.status == "posted")).all()
    month_ends = {s.first_day + timedelta(days=n) for n in range(400)
                  if (s.first_day + timedelta(days=n + 1)).day == 1}
    assert sorted((w, on) for w, on, *_ in sheets) == sorted((w, on) for w in normal for on in month_ends)
    assert all(st.posted_date == st.count_date for st in sheets if st.status == "posted")
    assert sum(st.status == "counting" for st in sheets) <= len(normal)  # only the last month's may still be open
    counted = [ln for ln in lines if ln.counted_qty is not None]
    assert len(counted) >= 0.95 * len(lines)  # everything is counted (goods sold ahead of delivery are not)
    differences = [ln.counted_qty - ln.book_qty for ln in counted if ln.counted_qty != ln.book_qty]
    assert 0.01 * len(counted) <= len(differences) <= 0.06 * len(counted), (len(differences), len(counted))
    assert all(1 <= abs(d) <= 2 for d in differences)
    assert sum(d < 0 for d in differences) > sum(d > 0 for d in differences) > 0  # losses more often than gains


def test_some_entries_are_back_dated(demo) -> None:
    """A receipt booked days after the goods arrived, a stocktake posted days after the count:
    their ledger rows are dated before rows posted earlier (smaller ids)."""
    engine, _ = demo
    earlier_max = func.max(StockLedger.movement_date).over(order_by=StockLedger.id, rows=(None, -1))
    ranked = select(StockLedger.id, StockLedger.movement_type, StockLedger.movement_date,
                    earlier_max.label("latest_before")).subquery()
    later = StockLedger.__table__.alias("later")
    with engine.connect() as conn:
        back_dated = conn.execute(select(ranked.c.movement_type, func.count()).where(
            ranked.c.movement_date < ranked.c.latest_before).group_by(ranked.c.movement_type)).all()
        same_product = conn.execute(select(func.count()).select_from(StockLedger).join(later, and_(
            later.c.product_id == StockLedger.product_id, later.c.warehouse_id == StockLedger.warehouse_id,
            later.c.id < StockLedger.id, later.c.movement_date > StockLedger.movement_date))).scalar_one()
    kinds = dict(back_dated)
    assert kinds.get("receipt", 0) >= 1
    assert kinds.get("stocktake_gain", 0) + kinds.get("stocktake_loss", 0) >= 1
    assert same_product >= 1  # … also after other movements of the very same product and warehouse


def test_seasonality_is_visible(tmp_path: Path) -> None:
    """A denser store over Double 11 and the 2026 Spring Festival (bulk path for speed): at
    scale 0.02 a week holds only a couple of orders, too few to compare weeks."""
    engine = _fresh_engine(tmp_path)
    end = date(2026, 3, 10)
    generate(engine, scale=0.1, seed=42, end_date=end, days=(end - date(2025, 10, 15)).days + 1, bulk=True)

    def lines_between(first: date, last: date) -> int:
        with engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(SalesOrderLine).join(SalesOrder)
                .where(SalesOrder.order_date.between(first, last), SalesOrder.status != "cancelled")
            ).scalar_one()

    double_11 = lines_between(date(2025, 11, 5), date(2025, 11, 11))  # Wednesday to Tuesday
    ordinary = lines_between(date(2025, 11, 19), date(2025, 11, 25))
    assert double_11 > 1.3 * ordinary > 0
    festival = SPRING_FESTIVAL[2026]
    holiday = lines_between(festival, festival + timedelta(days=6))
    march = lines_between(date(2026, 3, 4), date(2026, 3, 10))
    assert holiday < 0.5 * march
    assert event_factor(date(2025, 11, 11)) > event_factor(date(2025, 6, 10)) > 1 > event_factor(festival)


def test_same_seed_same_company(tmp_path: Path) -> None:
    first, second = _fresh_engine(tmp_path / "a"), _fresh_engine(tmp_path / "b")
    for engine in (first, second):
        generate(engine, scale=SCALE, seed=11, end_date=END, days=60, bulk=True)
    assert _fingerprint(first) == _fingerprint(second)
    assert _fingerprint(first)["so"]


def test_bulk_path_writes_the_same_company(demo, tmp_path: Path) -> None:
    """Same seed, second run, other writer: the very same documents, amounts and stock."""
    engine, summary = demo
    bulk = _fresh_engine(tmp_path)
    bulk_summary = generate(bulk, scale=SCALE, seed=42, end_date=END, bulk=True)
    assert check_invariants(bulk) == []
    assert bulk_summary == summary
    assert _fingerprint(bulk) == _fingerprint(engine)


def test_other_seed_other_company(demo, tmp_path: Path) -> None:
    engine, _ = demo
    other = _fresh_engine(tmp_path)
    generate(other, scale=SCALE, seed=7, end_date=END, days=60, bulk=True)
    assert check_invariants(other) == []
    assert _fingerprint(other)["names"] != _fingerprint(engine)["names"]


def test_simulate_days_continues_after_the_last_day(tmp_path: Path) -> None:
    engine = _fresh_engine(tmp_path)
    before = generate(engine, scale=SCALE, seed=42, end_date=END, days=90, bulk=True)
    with unit_of_work(engine) as session:
        last_active = last_activity_date(session)  # END, or a day before if END was quiet
    assert last_active is not None and END - timedelta(days=3) <= last_active <= END
    calls: list[tuple[int, int]] = []
    after = simulate_days(engine, days=5, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (5 + len(PASSES), 5 + len(PASSES))  # the days, then each back-office pass
    assert after.last_day == last_active + timedelta(days=5)
    assert after.first_day == before.first_day
    assert after.sales_orders > before.sales_orders and after.ledger_rows > before.ledger_rows
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(SalesOrder.order_date))).scalar_one()
        added = conn.execute(select(func.count()).select_from(SalesOrder)
                             .where(SalesOrder.order_date > last_active)).scalar_one()
    assert newest > last_active and added >= 1
    assert check_invariants(engine) == []


def test_simulate_days_finishes_what_the_first_run_left_under_way(tmp_path: Path) -> None:
    """END is a month end: its count sheets may be posted days later, and transfers are on the
    road; a continued run reads them back from the store and finishes them."""
    engine = _fresh_engine(tmp_path)
    generate(engine, scale=SCALE, seed=42, end_date=END, days=90, bulk=True)

    def open_documents() -> tuple[int, int]:
        with engine.connect() as conn:
            return (conn.execute(select(func.count()).select_from(Stocktake).where(Stocktake.status == "counting")).scalar_one(),
                    conn.execute(select(func.count()).select_from(StockTransfer)
                                 .where(StockTransfer.status == "in_transit", StockTransfer.ship_date <= END)).scalar_one())

    assert sum(open_documents()) >= 1
    simulate_days(engine, days=5)
    assert open_documents() == (0, 0)
    assert check_invariants(engine) == []


def test_generate_refuses_a_store_with_data(demo) -> None:
    engine, _ = demo
    with pytest.raises(RuntimeError):
        generate(engine, scale=SCALE, end_date=END)


def test_check_invariants_finds_a_broken_balance(tmp_path: Path) -> None:
    engine = _fresh_engine(tmp_path)
    generate(engine, scale=SCALE, seed=3, end_date=END, days=30, bulk=True)
    with unit_of_work(engine) as session:
        row = session.execute(select(StockBalance).order_by(StockBalance.id)).scalars().first()
        row.quantity += Decimal(1)
        line = session.execute(select(SalesOrderLine).where(SalesOrderLine.shipped_qty > 0)).scalars().first()
        line.shipped_qty += Decimal(1)
    problems = check_invariants(engine)
    assert any("balance differs from ledger" in p for p in problems)
    assert any("line quantity differs from its documents" in p for p in problems)


def test_check_invariants_finds_broken_stock_documents(tmp_path: Path) -> None:
    engine = _fresh_engine(tmp_path)
    generate(engine, scale=SCALE, seed=42, end_date=END, bulk=True)
    assert check_invariants(engine) == []
    with unit_of_work(engine) as session:
        returned = session.execute(select(ShipmentLine).where(ShipmentLine.returned_qty > 0)).scalars().first()
        returned.returned_qty += Decimal(1)
        arrived = session.execute(select(StockTransferLine).where(StockTransferLine.received_qty > 0)).scalars().first()
        arrived.received_qty -= Decimal(1)
        counted = session.execute(select(StocktakeLine).join(Stocktake).where(Stocktake.status == "posted")).scalars().first()
        counted.counted_qty += Decimal(1)
        session.execute(select(StockLedger).where(StockLedger.movement_type == "purchase_return")).scalars().first() \
            .source_ledger_id = None
        rejected = session.execute(select(GoodsReceiptLine).where(GoodsReceiptLine.rejected_qty > 0)).scalars().first()
        rejected.reject_reason = None
        completed = session.execute(select(PurchaseOrder).where(PurchaseOrder.status == "completed")).scalars().first()
        completed.status = "closed"
    problems = check_invariants(engine)
    for expected in ("sales return: returned quantity wrong", "transfer: legs do not balance",
                     "stocktake: ledger differs from counted − book", "purchase return: 1 ledger rows without a source",
                     "receipt: rejection without a reason", "purchase: status disagrees with quantities"):
        assert any(p.startswith(expected) for p in problems), (expected, problems)


@pytest.mark.postgres
def test_bulk_then_services_on_postgresql(pg_engine: Engine) -> None:
    """Bulk rows carry explicit ids: the serial sequences must move past them, or the services'
    next insert (simulate_days) would collide."""
    before = generate(pg_engine, scale=SCALE, seed=5, end_date=END, days=45, bulk=True)
    after = simulate_days(pg_engine, days=3)
    assert after.ledger_rows > before.ledger_rows
    assert check_invariants(pg_engine) == []


def test_simulate_days_survives_clerks_taking_the_stock(tmp_path: Path) -> None:
    """Between two simulated days a clerk writes off everything in stock: the simulator's idea
    of on-hand is stale, the store refuses its shipments, and it carries on without an error."""
    engine = _fresh_engine(tmp_path)
    generate(engine, scale=0.05, seed=42, end_date=END, days=60, bulk=True)

    def write_off_everything(done: int, total: int) -> None:
        with unit_of_work(engine) as session:
            balances = session.execute(select(StockBalance).where(StockBalance.quantity > 0)).scalars().all()
            inventory.post_movements(session, [
                inventory.Movement(product_id=b.product_id, warehouse_id=b.warehouse_id, quantity=-b.quantity,
                                   movement_type="stocktake_loss", movement_date=END + timedelta(days=done),
                                   doc_type="stocktake", doc_id=0, doc_no=f"ST-TEST-{done}")
                for b in balances])

    simulate_days(engine, days=3, progress=write_off_everything)
    with engine.connect() as conn:
        shipped_after = conn.execute(select(func.count()).select_from(Shipment)
                                     .where(Shipment.ship_date > END + timedelta(days=1))).scalar_one()
    assert shipped_after == 0  # nothing left to ship from after the first write-off
    assert check_invariants(engine) == []


def test_customers_are_quoted_with_vat_at_two_rates(demo) -> None:
    """Tax-inclusive customer prices (含税价) at 13 % and 9 % (grain and oil): every sales line's gross
    is quantity × price, its net the gross ÷ (1 + rate), both to the cent."""
    engine, _ = demo
    with engine.connect() as conn:
        assert set(conn.execute(select(Customer.prices_include_tax)).scalars()) == {True}
        lines = conn.execute(select(SalesOrderLine.quantity, SalesOrderLine.unit_price, SalesOrderLine.discount_rate,
                                    SalesOrderLine.tax_rate, SalesOrderLine.price_includes_tax, SalesOrderLine.amount,
                                    SalesOrderLine.tax_amount, SalesOrderLine.gross_amount)).all()
    assert {ln.tax_rate for ln in lines} == {Decimal("0.13"), Decimal("0.09")}
    assert all(ln.price_includes_tax for ln in lines)
    for ln in lines:
        split = tax.split_line(ln.quantity, ln.unit_price, ln.tax_rate, includes_tax=True,
                               discount_rate=ln.discount_rate)
        assert (ln.amount, ln.tax_amount, ln.gross_amount) == (split.net, split.tax, split.gross)
