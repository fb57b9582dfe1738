"""The demo-company simulator at scale 0.02 (≈ 1,000 sales lines over 400 days) on SQLite.

One store is generated through the services for the whole module; the bulk path and a second
services run are compared with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from operational.db import make_engine, unit_of_work
from operational.demo import DEMO_PASSWORD, DEMO_USERS, check_invariants, generate, simulate_days
from operational.demo.calendar import SPRING_FESTIVAL, event_factor
from operational.demo.world import last_activity_date
from operational.migrate import upgrade
from operational.models import (
    ROLES,
    Company,
    Customer,
    GoodsReceipt,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    StockBalance,
    StockLimit,
)
from operational.services import auth, inventory

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
        }


def test_counts_are_in_the_expected_ranges(demo) -> None:
    _, s = demo
    assert 60 <= s.products <= 80
    assert s.suppliers >= 12 and s.customers >= 40 and s.warehouses == 3
    assert 800 <= s.sales_order_lines <= 1300, s.sales_order_lines
    assert 80 <= s.sales_orders <= 250
    assert s.shipments >= 0.8 * s.sales_orders
    assert s.purchase_orders >= 30 and s.goods_receipts >= 0.6 * s.purchase_orders
    assert s.first_day == END - timedelta(days=399) and s.last_day == END


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
    assert [role for _, role, _ in DEMO_USERS] == list(ROLES)


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
    assert calls[-1] == (5, 5)
    assert after.last_day == last_active + timedelta(days=5)
    assert after.first_day == before.first_day
    assert after.sales_orders > before.sales_orders and after.ledger_rows > before.ledger_rows
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(SalesOrder.order_date))).scalar_one()
        added = conn.execute(select(func.count()).select_from(SalesOrder)
                             .where(SalesOrder.order_date > last_active)).scalar_one()
    assert newest > last_active and added >= 1
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
