"""The valuation continues from saved states (docs/valuation.md "Incremental valuation"): after each
change an incremental dbt run equals a full rebuild, and it rewrites only the rows it must.

Timeline (2026, WH1): P moving average, F FIFO, N moving average allowing negative stock.
- 01-05 receipt R1: P 100 @ 1.00, F 10 @ 2.00
- 01-20 shipment S1: P 40, F 4
- 02-03 receipt R2: P 60 @ 1.50, F 10 @ 3.00, N 2 @ 10.00
- 02-20 shipment S2: P 50, F 10
- 03-05 shipment S3: P 30, N 5 (N: 3 short, provisional at 10.00)
- 03-10 receipt R3: F 5 @ 4.00
- 03-25 shipment S4: P 10
Saved states: each product's last row of January, February, March. Then, one run each: an
appended day, a second day in the same month, a back-dated receipt, a late landed cost, the
cancellation of S3 and a method change.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D

import duckdb
import pytest
from sqlalchemy import select

from ingestion.extract import extract_to_raw
from operational.db import unit_of_work
from operational.models import GoodsReceiptLine, Product
from operational.services import auth, landed_costs, monitoring
from operational.services import masterdata as md
from operational.services.stock_cancellation import cancel_stock_document
from tests.transforms.conftest import Warehouse, dbt, migrated_store, receive, ship, trading_partners

pytestmark = pytest.mark.slow

# Staging models are views: after the first build only the tables of the valuation chain need a run.
FIRST = ("run", "-s", "+mart_inventory_daily")
CHAIN = ("run", "-s", "int_posting_dates", "dim_date", "int_landed_cost_added", "int_movement_valuation",
         "int_valuation_closings", "mart_inventory_daily")
FULL = ("run", "-s", "int_movement_valuation", "int_valuation_closings", "mart_inventory_daily", "--full-refresh")
TABLES = ["intermediate.int_movement_valuation", "intermediate.int_valuation_closings", "marts.mart_inventory_daily"]
BOOKKEEPING = {"valued_at", "revalued_from"}


def _receipt(s, ids, lines, on):
    return receive(s, ids["s1"], ids["wh1"], [(ids[p], q, c) for p, q, c in lines], on)


def _shipment(s, ids, lines, on):
    return ship(s, ids["c1"], ids["wh1"], [(ids[p], q) for p, q in lines], on)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("incremental_valuation")
    engine, url = migrated_store(work)
    with unit_of_work(engine) as s:
        ids = trading_partners(s)
        ids["P"] = md.create_product(s, "P", "矿泉水").id
        ids["F"] = md.create_product(s, "F", "绿茶", valuation_method="fifo").id
        ids["N"] = md.create_product(s, "N", "冰块", allow_negative=True, standard_cost="3.00").id
        _receipt(s, ids, [("P", 100, "1.00"), ("F", 10, "2.00")], "2026-01-05")
        _shipment(s, ids, [("P", 40), ("F", 4)], "2026-01-20")
        ids["r2"] = _receipt(s, ids, [("P", 60, "1.50"), ("F", 10, "3.00"), ("N", 2, "10.00")], "2026-02-03")
        _shipment(s, ids, [("P", 50), ("F", 10)], "2026-02-20")
        ids["s3"] = _shipment(s, ids, [("P", 30), ("N", 5)], "2026-03-05")
        _receipt(s, ids, [("F", 5, "4.00")], "2026-03-10")
        _shipment(s, ids, [("P", 10)], "2026-03-25")
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(url, warehouse)
    dbt(warehouse, work, *FIRST)
    return engine, url, ids, Warehouse(warehouse), work


def _table(path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        cols = [r[0] for r in con.execute(f"describe {table}").fetchall() if r[0] not in BOOKKEEPING]
        return sorted(con.execute(f"select {', '.join(cols)} from {table}").fetchall(), key=repr)


def _run(company) -> tuple[set[tuple], dict[str, date]]:
    """Extract, run the chain incrementally, check it equals a full rebuild of the same warehouse;
    return the rows the run rewrote as (product, date, type, quantity) and revalued_from per product."""
    engine, url, ids, wh, work = company
    extract_to_raw(url, wh.path)
    dbt(wh.path, work, *CHAIN)
    full = work / "full.duckdb"
    shutil.copy(wh.path, full)
    dbt(full, work, *FULL)
    for table in TABLES:
        assert _table(wh.path, table) == _table(full, table), table
    names = {ids[p]: p for p in "PFN"}
    latest = wh.rows("""select product_id, movement_date, movement_type, quantity, revalued_from
                        from intermediate.int_movement_valuation
                        where valued_at = (select max(valued_at) from intermediate.int_movement_valuation)""")
    rewritten = {(names[p], str(d), kind, int(q)) for p, d, kind, q, _ in latest}
    assert len(rewritten) == len(latest)
    return rewritten, {names[p]: r for p, _, _, _, r in latest}


def _values(wh, product_id) -> list[tuple]:
    return wh.rows(f"""select movement_date, movement_type, movement_value, provisional
                       from intermediate.int_movement_valuation where product_id = {product_id}
                       order by movement_date, stock_ledger_id""")


def _checkpoints(wh, product_id) -> list[str]:
    return [str(d) for (d,) in wh.rows(f"""select movement_date from intermediate.int_movement_valuation
                                           where product_id = {product_id} and book_state is not null
                                           order by movement_date, stock_ledger_id""")]


@pytest.mark.timeout(1800)  # 13 dbt runs, one after the other
def test_incremental_valuation_equals_full_and_rewrites_only_what_changed(company):
    engine, url, ids, wh, work = company
    p, f, n = ids["P"], ids["F"], ids["N"]
    assert _checkpoints(wh, p) == ["2026-01-20", "2026-02-20", "2026-03-25"]
    assert _checkpoints(wh, f) == ["2026-01-20", "2026-02-20", "2026-03-10"]
    # N: 2 @ 10.00 on hand, ships 5: 20.00 + 3 short × 10.00 = 50.00, provisional
    assert _values(wh, n)[-1] == (date(2026, 3, 5), "shipment", D("-50.00"), True)

    # 1. An appended day (04-01): receipt R4 P 10 @ 2.00, N 10 @ 12.00; shipment S5 F 3.
    with unit_of_work(engine) as s:
        _receipt(s, ids, [("P", 10, "2.00"), ("N", 10, "12.00")], "2026-04-01")
        _shipment(s, ids, [("F", 3)], "2026-04-01")
    rewritten, revalued_from = _run(company)
    # The 3 new rows; plus the rows before the state whose figures moved: P's open layer (R2: 30
    # left, at the new average), F's open layers (R2: 6 → 3 left, R3: 5), and N's shipment short at
    # the March state, which R4 settles. 7 of 16 rows.
    assert rewritten == {
        ("P", "2026-04-01", "receipt", 10), ("N", "2026-04-01", "receipt", 10), ("F", "2026-04-01", "shipment", -3),
        ("P", "2026-02-03", "receipt", 60), ("F", "2026-02-03", "receipt", 10), ("F", "2026-03-10", "receipt", 5),
        ("N", "2026-03-05", "shipment", -5)}
    assert revalued_from == {"P": date(2026, 4, 1), "F": date(2026, 4, 1), "N": date(2026, 3, 5)}
    # N: the shipment is settled at R4's cost: 20.00 + 3 × 12.00 = 56.00; 7 left worth 84.00
    assert _values(wh, n)[1:] == [(date(2026, 3, 5), "shipment", D("-56.00"), False),
                                  (date(2026, 4, 1), "receipt", D("120.00"), False)]
    # P: 30 left worth 37.50 + 20.00 = 57.50 for 40: R2's layer at the average 1.4375
    assert wh.rows(f"select layer_remaining_qty, layer_unit_cost from intermediate.int_movement_valuation "
                   f"where product_id = {p} and movement_date = '2026-02-03'") == [(D(30), D("1.4375"))]

    # 2. A second day in the same month (04-02): shipment S6 P 5. P's 04-01 row is no longer
    # April's last: it loses its state.
    with unit_of_work(engine) as s:
        _shipment(s, ids, [("P", 5)], "2026-04-02")
    rewritten, revalued_from = _run(company)
    # new row; the 04-01 row (state dropped; its layer too: 10 left); R2's layer (30 → 25 left)
    assert rewritten == {("P", "2026-04-02", "shipment", -5), ("P", "2026-04-01", "receipt", 10),
                         ("P", "2026-02-03", "receipt", 60)}
    assert revalued_from == {"P": date(2026, 4, 2)}
    assert _checkpoints(wh, p) == ["2026-01-20", "2026-02-20", "2026-03-25", "2026-04-02"]

    # 3. A back-dated receipt R5 on 02-10: P 20 @ 2.00. P replays from its January state.
    with unit_of_work(engine) as s:
        _receipt(s, ids, [("P", 20, "2.00")], "2026-02-10")
    rewritten, revalued_from = _run(company)
    # R1's layer at the January state (60 left, now 10 → 0) and every P row after January
    assert rewritten == {("P", "2026-01-05", "receipt", 100), ("P", "2026-02-03", "receipt", 60),
                         ("P", "2026-02-10", "receipt", 20), ("P", "2026-02-20", "shipment", -50),
                         ("P", "2026-03-05", "shipment", -30), ("P", "2026-03-25", "shipment", -10),
                         ("P", "2026-04-01", "receipt", 10), ("P", "2026-04-02", "shipment", -5)}
    assert revalued_from == {"P": date(2026, 2, 10)}
    # 60 worth 60.00 + 90.00 + 40.00 = 140 worth 190.00: S2 = 50 × 190/140 = 67.857… → 67.86
    assert _values(wh, p)[4] == (date(2026, 2, 20), "shipment", D("-67.86"), False)

    # 4. A late landed cost: 6.00 freight on R2's F line (02-03): F replays from January.
    with unit_of_work(engine) as s:
        user = auth.create_user(s, "buyer", "secret-pass-1", "purchasing", iterations=1000)
        line = s.execute(select(GoodsReceiptLine.id).where(GoodsReceiptLine.receipt_id == ids["r2"],
                                                           GoodsReceiptLine.product_id == f)).scalar_one()
        landed_costs.post_landed_cost(s, supplier_id=ids["s1"], cost_type="freight", amount="6.00",
                                      cost_date="2026-04-02", basis="value", receipt_line_ids=[line], user=user)
    rewritten, revalued_from = _run(company)
    assert rewritten == {("F", "2026-01-05", "receipt", 10), ("F", "2026-02-03", "receipt", 10),
                         ("F", "2026-02-20", "shipment", -10), ("F", "2026-03-10", "receipt", 5),
                         ("F", "2026-04-01", "shipment", -3)}
    assert revalued_from == {"F": date(2026, 2, 3)}
    # R2 10 @ 3.60 = 36.00; S2 = 6 × 2.00 + 4 × 3.60 = 26.40; S5 = 3 × 3.60 = 10.80
    assert [v for _, _, v, _ in _values(wh, f)] == [D("20.00"), D("-8.00"), D("36.00"), D("-26.40"), D("20.00"),
                                                    D("-10.80")]

    # 5. S3 (03-05: P 30, N 5) cancelled: P replays from February, N from February (R2 its state).
    with unit_of_work(engine) as s:
        cancel_stock_document(s, "shipment", ids["s3"], "客户未下单")
    rewritten, revalued_from = _run(company)
    assert rewritten == {
        # P: the layers at the February state (R1 10, R2 60, R5 20), S3 and its reversal, the rows after
        ("P", "2026-01-05", "receipt", 100), ("P", "2026-02-03", "receipt", 60), ("P", "2026-02-10", "receipt", 20),
        ("P", "2026-03-05", "shipment", -30), ("P", "2026-03-05", "shipment", 30),
        ("P", "2026-03-25", "shipment", -10), ("P", "2026-04-01", "receipt", 10), ("P", "2026-04-02", "shipment", -5),
        # N: R2's layer, S3 and its reversal, R4
        ("N", "2026-02-03", "receipt", 2), ("N", "2026-03-05", "shipment", -5), ("N", "2026-03-05", "shipment", 5),
        ("N", "2026-04-01", "receipt", 10)}
    assert revalued_from == {"P": date(2026, 3, 5), "N": date(2026, 3, 5)}
    # N as if S3 had never been: 2 @ 10.00 + 10 @ 12.00 = 12 worth 140.00
    assert wh.rows(f"select sum(quantity) filter (where not void), sum(movement_value) "
                   f"from intermediate.int_movement_valuation where product_id = {n}") == [(D(12), D("140.00"))]

    # 6. F changes to moving average: valued from the start, every row.
    with unit_of_work(engine) as s:
        s.get(Product, f).valuation_method = "moving_average"
    rewritten, revalued_from = _run(company)
    assert {r for r in rewritten if r[0] == "F"} == {
        ("F", "2026-01-05", "receipt", 10), ("F", "2026-01-20", "shipment", -4), ("F", "2026-02-03", "receipt", 10),
        ("F", "2026-02-20", "shipment", -10), ("F", "2026-03-10", "receipt", 5), ("F", "2026-04-01", "shipment", -3)}
    assert revalued_from["F"] == date(2026, 2, 20)  # 6 @ 2.00 + 10 @ 3.60 = 16 worth 48.00: S2 30.00 (was 26.40)

    # The store-side reconciliation, on the same engine, agrees with the warehouse's closings.
    with unit_of_work(engine) as s:
        store = monitoring.stock_values(s)
    last = wh.rows("select product_id, warehouse_id, closing_value from intermediate.int_valuation_closings "
                   "qualify row_number() over (partition by product_id, warehouse_id order by closing_date desc) = 1")
    assert store == {(pid, w): v for pid, w, v in last}
