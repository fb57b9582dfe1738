"""Two clerks ship the last unit at the same moment: exactly one shipment posts, on both backends."""

from __future__ import annotations

import threading
from decimal import Decimal

from operational.db import unit_of_work
from operational.services import monitoring, purchasing, sales
from operational.services.errors import InsufficientStockError
from operational.services.inventory import on_hand
from operational.services.orders import OrderLineInput as L

ROUNDS = 8


def _race(engine, orders: list[int]) -> list[str]:
    """Ship each order from its own thread, all released at the same instant."""
    barrier = threading.Barrier(len(orders))
    outcomes: list[str] = []
    lock = threading.Lock()

    def ship(order_id: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                sales.ship_all(s, order_id, "2026-04-02")
            result = "shipped"
        except InsufficientStockError:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=ship, args=(oid,)) for oid in orders]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return outcomes


def test_concurrent_shipments_of_last_unit(tiny):
    t = tiny
    for round_no in range(ROUNDS):
        with unit_of_work(t.engine) as s:
            po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-04-01", [L(t.water, 1, 1)])
            purchasing.confirm_purchase_order(s, po.id)
            purchasing.receive_all(s, po.id, "2026-04-01")
            orders = []
            for _ in range(2):
                so = sales.create_sales_order(s, t.customer, t.wh1, "2026-04-02", [L(t.water, 1, "2.5")])
                sales.confirm_sales_order(s, so.id)
                orders.append(so.id)

        outcomes = _race(t.engine, orders)
        assert sorted(outcomes) == ["refused", "shipped"], f"round {round_no}: {outcomes}"
        with unit_of_work(t.engine) as s:
            assert on_hand(s, t.water, t.wh1) == Decimal("0")
            assert monitoring.stock_balances(s) == monitoring.ledger_totals(s)


def test_concurrent_shipments_of_the_last_unit_of_a_batch(tiny):
    """Batch-tracked: the same race; the batch balances stay equal to the product's balance."""
    from sqlalchemy import func, select

    from operational.models import Product, StockBatchBalance

    t = tiny
    with unit_of_work(t.engine) as s:
        tea = s.get(Product, t.tea)
        tea.tracks_batches, tea.shelf_life_days = True, 90
    for round_no in range(ROUNDS // 2):
        with unit_of_work(t.engine) as s:
            po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-04-01", [L(t.tea, 1, 1)])
            purchasing.confirm_purchase_order(s, po.id)
            purchasing.receive_all(s, po.id, "2026-04-01")
            orders = []
            for _ in range(2):
                so = sales.create_sales_order(s, t.customer, t.wh1, "2026-04-02", [L(t.tea, 1, "4")])
                sales.confirm_sales_order(s, so.id)
                orders.append(so.id)
        outcomes = _race(t.engine, orders)
        assert sorted(outcomes) == ["refused", "shipped"], f"round {round_no}: {outcomes}"
        with unit_of_work(t.engine) as s:
            assert on_hand(s, t.tea, t.wh1) == Decimal("0")
            batches = s.execute(select(func.sum(StockBatchBalance.quantity))
                                .where(StockBatchBalance.product_id == t.tea)).scalar_one()
            assert batches == Decimal("0")
