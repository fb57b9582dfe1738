"""The demo company's bins pass at small scale: on the last simulated day the main warehouse gets a
receiving bin and one zone bin per category, its stock is put away zone by zone, the bins add up
to the warehouse's stock, and the days simulated afterwards post into the bins."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from operational.db import make_engine, unit_of_work
from operational.demo import bins as bins_pass
from operational.demo import check_invariants, generate, simulate_days
from operational.demo.passes import PASSES
from operational.migrate import upgrade
from operational.models import (
    Product,
    ProductCategory,
    StockBalance,
    StockBinBalance,
    StockLedger,
    StorageBin,
    Warehouse,
)

END = date(2026, 3, 31)
DAYS = 60


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("bins_demo")
    engine = make_engine(f"sqlite:///{path / 'jxc.sqlite'}")
    upgrade(engine)
    generate(engine, scale=0.05, seed=42, end_date=END, days=DAYS, bulk=True)
    yield engine
    engine.dispose()


def _main(s) -> Warehouse:
    return s.scalar(select(Warehouse).where(Warehouse.code == "WH01"))


def _bins_vs_stock(s, warehouse_id):
    in_bins = dict(s.execute(select(StockBinBalance.product_id, func.sum(StockBinBalance.quantity))
                             .where(StockBinBalance.warehouse_id == warehouse_id)
                             .group_by(StockBinBalance.product_id)).all())
    stock = dict(s.execute(select(StockBalance.product_id, StockBalance.quantity)
                           .where(StockBalance.warehouse_id == warehouse_id)).all())
    return ({p: q for p, q in in_bins.items() if q}, {p: q for p, q in stock.items() if q})


def test_bins_pass_is_registered_last():
    assert PASSES[-1] == ("bins", bins_pass.run)


def test_main_warehouse_uses_bins_and_the_stock_is_put_away(demo):
    with unit_of_work(demo) as s:
        main = _main(s)
        assert main.uses_bins
        codes = list(s.scalars(select(StorageBin.code).where(StorageBin.warehouse_id == main.id)
                               .order_by(StorageBin.code)))
        n_categories = s.scalar(select(func.count()).select_from(ProductCategory))
        assert codes == [f"A-{n:02d}" for n in range(1, n_categories + 1)] + ["RCV"]
        assert s.get(StorageBin, main.default_bin_id).code == "RCV"
        # only the main warehouse uses bins
        assert list(s.scalars(select(Warehouse.code).where(Warehouse.uses_bins.is_(True)))) == ["WH01"]
        in_bins, stock = _bins_vs_stock(s, main.id)
        assert in_bins == stock and sum(stock.values()) > 0
        # put away: nothing positive is left in RCV, each product sits in the zone of its category
        zone_of = {cid: f"A-{n:02d}" for n, cid in enumerate(
            s.scalars(select(ProductCategory.id).order_by(ProductCategory.code)), start=1)}
        rows = s.execute(select(StorageBin.code, Product.category_id, StockBinBalance.quantity)
                         .join(StorageBin, StorageBin.id == StockBinBalance.bin_id)
                         .join(Product, Product.id == StockBinBalance.product_id)
                         .where(StockBinBalance.warehouse_id == main.id, StockBinBalance.quantity > 0)).all()
        assert rows and all(code == zone_of[cat] for code, cat, _ in rows)
        # each put-away is a value-neutral pair dated the last day
        moved = s.execute(select(StockLedger.movement_date, func.sum(StockLedger.quantity), func.count())
                          .where(StockLedger.doc_type == "bin_move").group_by(StockLedger.movement_date)).all()
        assert len(moved) == 1 and moved[0][1] == Decimal(0) and moved[0][2] >= 2 * len(stock)
        last_day = moved[0][0]
        assert s.scalar(select(func.max(StockLedger.movement_date))) == last_day
    assert check_invariants(demo) == []


def test_pass_runs_once_and_is_fast(demo):
    with unit_of_work(demo) as s:
        before = s.scalar(select(func.count()).select_from(StorageBin))
    started = time.perf_counter()
    bins_pass.run(demo, [END], 42)  # a warehouse already uses bins: nothing to do
    assert time.perf_counter() - started < 5
    with unit_of_work(demo) as s:
        assert s.scalar(select(func.count()).select_from(StorageBin)) == before


def test_later_days_post_into_the_bins(demo):
    with unit_of_work(demo) as s:
        main_id = _main(s).id
        last = s.scalar(select(func.max(StockLedger.movement_date)))
    simulate_days(demo, days=3)
    with unit_of_work(demo) as s:
        rows = s.execute(select(StockLedger.bin_id).where(StockLedger.warehouse_id == main_id,
                                                          StockLedger.movement_date > last)).all()
        assert rows and all(bin_id is not None for (bin_id,) in rows)
        in_bins, stock = _bins_vs_stock(s, main_id)
        assert in_bins == stock
    assert check_invariants(demo) == []
