"""Storage bins through the app: the maintenance page (create bins, turn bins on, move between
bins), the bin selector of the stock forms (only for warehouses that use bins), and the per-bin
tab of the inventory page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard_support import post_history
from marts_builder import build_serving
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import StockBinBalance, StockLedger, StorageBin, Warehouse
from operational.services import bins, purchasing, sales, transfers
from operational.services.inventory import on_hand, post_opening_balance
from operational.services.orders import OrderLineInput
from operational.services.transfers import TransferLineInput

YEAR = date.today().year


def _bin_qty(engine, warehouse_id) -> dict[str, Decimal]:  # noqa: ANN001
    with unit_of_work(engine) as s:
        rows = s.execute(select(StorageBin.code, StockBinBalance.quantity)
                         .join(StockBinBalance, StockBinBalance.bin_id == StorageBin.id)
                         .where(StockBinBalance.warehouse_id == warehouse_id)).all()
        return {code: qty for code, qty in rows if qty}


def _bin_ids(engine, warehouse_id) -> dict[str, int]:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return {b.code: b.id for b in s.scalars(select(StorageBin).where(StorageBin.warehouse_id == warehouse_id))}


def _with_bins(company) -> dict[str, int]:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        a1 = bins.create_bin(s, company.wh1, "A-01", "饮料区1").id
        a2 = bins.create_bin(s, company.wh1, "A-02", "饮料区2").id
        bins.configure_bins(s, company.wh1, uses_bins=True, default_bin_id=a1)
    return {"A-01": a1, "A-02": a2}


def test_maintenance_creates_bins_turns_them_on_and_moves_stock(app_for, company):
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, company.water, company.wh1, Decimal(50), Decimal("1.00"), date(2026, 1, 1))
    at = app_for("warehouse", page="views/bin_maintenance.py")
    assert not at.exception
    at.selectbox(key="binw.warehouse").set_value(company.wh1).run()
    for code in ("A-01", "A-02"):
        at.text_input(key="binc.code").set_value(code)
        at.text_input(key="binc.name").set_value(f"饮料区{code[-1]}")
        at.button(key="binc.create").click().run()
        assert f"已在 上海主仓 创建库位 {code}" in [m.value for m in at.success]
    at.text_input(key="binc.code").set_value("A-01")
    at.button(key="binc.create").click().run()
    assert [e.value for e in at.error] == ["库位已存在：A-01"]
    ids = _bin_ids(company.engine, company.wh1)

    # turning bins on without a default bin is refused at the field; with one, the 50 go into it
    at.checkbox(key=f"bins.uses.{company.wh1}").check()
    at.button(key="bins.save").click().run()
    assert "默认库位不能为空" in [e.value for e in at.error]
    at.selectbox(key=f"bins.default.{company.wh1}").set_value(ids["A-01"])
    at.button(key="bins.save").click().run()
    assert not at.exception
    assert "上海主仓 已启用库位，默认库位 A-01 饮料区1" in [m.value for m in at.success]
    assert _bin_qty(company.engine, company.wh1) == {"A-01": Decimal(50)}

    at.selectbox(key="binm.product").set_value(company.water)
    at.selectbox(key="binm.from").set_value(ids["A-01"])
    at.selectbox(key="binm.to").set_value(ids["A-02"])
    at.text_input(key="binm.quantity").set_value("60")
    at.button(key="binm.move").click().run()
    assert f"BM-{YEAR}-000001：商品P001在仓库上海主仓库存不足：现有50，需要60" in [e.value for e in at.error]
    at.text_input(key="binm.quantity").set_value("20")
    at.button(key="binm.move").click().run()
    assert f"BM-{YEAR}-000001：P001 矿泉水550ml 20 已从 A-01 移至 A-02" in [m.value for m in at.success]
    assert _bin_qty(company.engine, company.wh1) == {"A-01": Decimal(30), "A-02": Decimal(20)}
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh1) == Decimal(50)
        assert [(r.movement_type, r.quantity) for r in s.scalars(
            select(StockLedger).where(StockLedger.doc_type == "bin_move").order_by(StockLedger.id))] == [
            ("bin_move_out", Decimal(-20)), ("bin_move_in", Decimal(20))]
    # the stock-per-bin table of the page shows the two bins
    frame = next(d.value for d in at.dataframe if "库位" in d.value.columns and "数量" in d.value.columns)
    assert sorted(zip(frame["库位"], frame["数量"], strict=True)) == [("A-01", 30.0), ("A-02", 20.0)]


def test_the_receipt_form_shows_a_bin_selector_only_for_bin_warehouses(app_for, company):
    ids = _with_bins(company)
    with unit_of_work(company.engine) as s:
        orders = {}
        for wh in (company.wh1, company.wh2):
            po = purchasing.create_purchase_order(s, company.supplier, wh, date.today(),
                                                  [OrderLineInput(company.water, "40", "1.20")])
            purchasing.confirm_purchase_order(s, po.id)
            orders[wh] = po.id
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.order").set_value(orders[company.wh2]).run()
    assert not [w for w in at.selectbox if w.key.startswith("gr.bin.")]
    at.selectbox(key="gr.order").set_value(orders[company.wh1]).run()
    selector = at.selectbox(key=f"gr.bin.{company.wh1}")
    assert selector.options == ["默认库位（A-01 饮料区1）", "A-01 饮料区1", "A-02 饮料区2"]
    selector.set_value(ids["A-02"])
    at.button(key="gr.post").click().run()
    assert not at.exception
    assert _bin_qty(company.engine, company.wh1) == {"A-02": Decimal(40)}
    # the warehouse without bins received nothing into any bin
    with unit_of_work(company.engine) as s:
        assert not s.get(Warehouse, company.wh2).uses_bins


def test_the_opening_form_goes_into_the_default_bin(app_for, company):
    _with_bins(company)
    at = app_for("warehouse", page="views/opening_balance.py")
    at.selectbox(key="ob.warehouse").set_value(company.wh1).run()
    assert at.selectbox(key=f"ob.bin.{company.wh1}").value is None  # the default bin
    at.selectbox(key="ob.product").set_value(company.water).run()
    at.text_input(key="ob.quantity").set_value("12")
    at.text_input(key="ob.unit_cost").set_value("1.10")
    at.button(key="ob.post").click().run()
    assert not at.exception
    assert _bin_qty(company.engine, company.wh1) == {"A-01": Decimal(12)}


def test_the_inventory_page_shows_stock_per_bin(app_for, company, data_dir):
    """post_history into WH1 with bins: 100 water received and 5 chips opened into A-01, 30 water
    shipped from it; then 25 water moved to A-02 → A-01 45 water + 5 chips, A-02 25 water."""
    ids = _with_bins(company)
    post_history(company)
    with unit_of_work(company.engine) as s:
        bins.move_between_bins(s, company.wh1, company.water, ids["A-01"], ids["A-02"], 25, date(2026, 3, 6))
    build_serving(company.engine, data_dir / "serving.duckdb")
    at = app_for("warehouse", page="views/inventory.py")
    assert not at.exception
    assert [tab.label for tab in at.tabs][-1] == "分库位库存"
    frame = next(d.value for d in at.dataframe if "库位" in d.value.columns)
    assert list(frame.columns[:3]) == ["仓库", "库位", "库位名称"]
    # water at 1.50, chips at 3.00 (the serving file's unit costs)
    assert list(zip(frame["库位"], frame["商品编码"], frame["现有数量"], frame["库存金额"], strict=True)) == [
        ("A-01", "P001", 45.0, 67.5), ("A-01", "P002", 5.0, 15.0), ("A-02", "P001", 25.0, 37.5)]
    assert {b.key for b in at.get("download_button")} >= {"inventory.bin_export.csv", "inventory.bin_export.xlsx"}


def test_the_shipment_form_suggests_bins_and_ships_largest_bin_first(app_for, company):
    ids = _with_bins(company)
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, company.water, company.wh1, Decimal(30), Decimal("1.00"), date(2026, 1, 1))
        post_opening_balance(s, company.water, company.wh1, Decimal(20), Decimal("1.00"), date(2026, 1, 1),
                             bin_id=ids["A-02"])
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(),
                                      [OrderLineInput(company.water, "40", "2.50")])
        sales.confirm_sales_order(s, so.id)
        so_id = so.id
    at = app_for("warehouse", page="views/shipment.py")
    at.selectbox(key="sh.order").set_value(so_id).run()
    assert at.selectbox(key=f"sh.bin.{company.wh1}").value is None  # largest bin first
    assert "拣货建议（存量最大的库位优先）：库位 A-01 30，库位 A-02 10" in [c.value for c in at.caption]
    at.button(key="sh.post").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        rows = s.execute(select(StockLedger.quantity, StockLedger.bin_id).where(StockLedger.doc_type == "shipment")
                         .order_by(StockLedger.id)).all()
    assert rows == [(Decimal(-30), ids["A-01"]), (Decimal(-10), ids["A-02"])]
    assert _bin_qty(company.engine, company.wh1) == {"A-02": Decimal(10)}


def test_the_transfer_form_ships_from_a_bin_and_receives_into_a_bin(app_for, company):
    ids = _with_bins(company)
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, company.water, company.wh1, Decimal(30), Decimal("1.00"), date(2026, 1, 1))
        post_opening_balance(s, company.water, company.wh1, Decimal(20), Decimal("1.00"), date(2026, 1, 1),
                             bin_id=ids["A-02"])
    at = app_for("warehouse", page="views/stock_transfer.py")
    at.selectbox(key="trs.from").set_value(company.wh2).run()
    assert not [w for w in at.selectbox if w.key.startswith("trs.bin.")]  # WH2 has no bins
    at.selectbox(key="trs.from").set_value(company.wh1).run()
    at.selectbox(key=f"trs.bin.{company.wh1}").set_value(ids["A-02"])  # instead of largest first
    at.selectbox(key="trs.to").set_value(company.wh2)
    at.selectbox(key="trs.line1.product").set_value(company.water)
    at.text_input(key="trs.line1.quantity").set_value("15").run()
    at.button(key="trs.post").click().run()
    assert not at.exception
    assert _bin_qty(company.engine, company.wh1) == {"A-01": Decimal(30), "A-02": Decimal(5)}

    # back from WH2 into bin A-02 of WH1
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, company.water, company.wh2, Decimal(6), Decimal("1.00"), date(2026, 1, 1))
        back = transfers.ship_transfer(s, company.wh2, company.wh1, date.today(), [TransferLineInput(company.water, 6)])
        back_id = back.id
    at.run()  # the new transfer shows up in the receiving form
    at.selectbox(key="trr.transfer").set_value(back_id).run()
    selector = at.selectbox(key=f"trr.bin.{company.wh1}")
    assert selector.value is None  # the default bin unless chosen
    selector.set_value(ids["A-02"])
    at.button(key="trr.post").click().run()
    assert not at.exception
    assert _bin_qty(company.engine, company.wh1) == {"A-01": Decimal(30), "A-02": Decimal(11)}
