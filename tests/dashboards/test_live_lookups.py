"""Operational look-ups read the store live (issue 12): a document posted through the services shows
on the page at once — stock on hand in the inventory page and in the entry forms, a customer's open
instalments — with no pipeline run and no new publish in between; analyses stay as of the publish
and say so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard_support import post_history, publish_receivables, table, texts

from operational.db import read_only, unit_of_work
from operational.services import purchasing, receivables, sales, stock_queries
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput

LIVE = "实时：直接读取业务库，单据过账后立即反映"


def _receive(company, quantity: int, on: date = date(2026, 3, 7)) -> None:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, on,
                                              [OrderLineInput(company.water, str(quantity), "1.50")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_all(s, po.id, on)


def _water_now(at) -> float:  # noqa: ANN001
    stock = table(at, "最近出入库日期")
    return float(stock.loc[stock["商品编码"] == "P001", "现有数量"].iloc[0])


def test_inventory_now_view_shows_a_receipt_at_once_while_the_value_stays_as_published(app_for, published, company):
    at = app_for("warehouse", page="views/inventory.py")
    assert not at.exception
    assert _water_now(at) == 70  # 100 received − 30 shipped
    assert LIVE in texts(at) and "分析数据：截至" in texts(at)
    _receive(company, 25)  # no pipeline run, no publish
    at.run()
    assert _water_now(at) == 95
    stock = table(at, "最近出入库日期")
    assert str(stock.loc[stock["商品编码"] == "P001", "最近出入库日期"].iloc[0])[:10] == "2026-03-07"
    # the stock value is the valuation's, as of the publish: still 70 × 1.50
    valued = table(at, "库存金额")
    assert valued.loc[valued["商品编码"] == "P001", "库存金额"].tolist() == [105.0]
    # the alerts are live too: water 95 > max 50 stays an alert; chips 5 → 15 leaves "below min"
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, company.chips, company.wh1, Decimal(10), Decimal("3.00"), date(2026, 3, 7))
    at.run()
    alerts = table(at, "预警类型")
    assert alerts["商品编码"].tolist() == ["P001"]


def test_inventory_shows_live_stock_before_any_publish(app_for, company):
    post_history(company)
    at = app_for("warehouse", page="views/inventory.py")
    assert not at.exception
    assert _water_now(at) == 70
    assert "尚未发布数据" in texts(at)  # the value tab: nothing published yet
    alerts = {row["商品编码"]: row for _, row in table(at, "预警类型").iterrows()}
    assert alerts["P002"]["建议采购数量"] == 45 and alerts["P001"]["预警类型"] == "高于最高库存"


def test_the_same_alerts_and_quantities_as_the_published_marts(company, published):
    """The live rule and the mart's agree on the same data (one rule, two readers)."""
    import duckdb
    with duckdb.connect(str(published), read_only=True) as con:
        mart = con.execute("SELECT product_id, warehouse_id, alert_type, suggested_quantity FROM mart_stock_alerts "
                           "ORDER BY 1, 2").fetchall()
        current = con.execute("SELECT product_id, warehouse_id, on_hand_quantity FROM mart_stock_current "
                              "ORDER BY 1, 2").fetchall()
    with read_only(company.engine) as s:
        live = sorted((a.product_id, a.warehouse_id, a.alert_type, a.suggested_quantity)
                      for a in stock_queries.stock_alerts(s))
        now = sorted((r.product_id, r.warehouse_id, r.on_hand_quantity) for r in stock_queries.current_stock(s))
    assert [(p, w, a, Decimal(q)) for p, w, a, q in mart] == live
    assert [(p, w, Decimal(q)) for p, w, q in current] == now


def test_sales_order_and_transfer_forms_show_on_hand_now(app_for, company):
    post_history(company)  # 70 water in WH1
    at = app_for("sales", page="views/sales_order.py")
    at.selectbox(key="so.warehouse").set_value(company.wh1)
    at.selectbox(key="so.line1.product").set_value(company.water).run()
    assert "现有 70" in [c.value for c in at.caption]
    _receive(company, 5)
    at.run()
    assert "现有 75" in [c.value for c in at.caption]
    at.selectbox(key="so.warehouse").set_value(company.wh2).run()
    assert "现有 0" in [c.value for c in at.caption]

    at = app_for("warehouse", page="views/stock_transfer.py")
    at.selectbox(key="trs.from").set_value(company.wh1)
    at.selectbox(key="trs.line1.product").set_value(company.water).run()
    assert not at.exception
    assert "现有 75" in [c.value for c in at.caption]


def test_the_shipment_form_shows_on_hand_now_per_line(app_for, company):
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, company.water, company.wh1, Decimal(12), Decimal("1.00"), date(2026, 1, 1))
        so = sales.create_sales_order(s, company.customer, company.wh1, date(2026, 1, 2),
                                      [OrderLineInput(company.water, "20", "2.50")])
        sales.confirm_sales_order(s, so.id)
        so_id = so.id
    at = app_for("warehouse", page="views/shipment.py")
    at.selectbox(key="sh.order").set_value(so_id).run()
    assert "现有 12" in [c.value for c in at.caption]
    _receive(company, 8)
    at.run()
    assert "现有 20" in [c.value for c in at.caption]


def test_a_customers_open_instalments_show_a_new_invoice_at_once(app_for, company, data_dir, tmp_path):
    """The aging is published once (a real dbt build); an invoice posted after it shows in the
    customer's open instalments on the next rerun, while the aging total stays as published."""


    def invoice(quantity: int, on: date) -> None:
        with unit_of_work(company.engine) as s:
            post_opening_balance(s, company.water, company.wh1, Decimal(quantity), Decimal("1.00"), on)
            so = sales.create_sales_order(s, company.customer, company.wh1, on,
                                          [OrderLineInput(company.water, quantity, "2.50", 0)])
            sales.confirm_sales_order(s, so.id)
            receivables.invoice_shipments(s, [sales.ship_all(s, so.id, on).id], on)

    invoice(40, date(2026, 1, 5))  # 100.00
    publish_receivables(company.engine, tmp_path, data_dir, date(2026, 1, 20))
    at = app_for("finance", page="views/receivables.py")
    at.selectbox(key="ar.aging.drill").set_value(company.customer).run()
    assert not at.exception
    assert table(at, "发票号")["未收金额"].tolist() == [100.0]
    invoice(80, date(2026, 1, 6))  # 200.00, posted after the publish
    at.run()
    assert table(at, "发票号")["未收金额"].tolist() == [100.0, 200.0]  # oldest due date first
    assert "应收余额 ¥100.00" in texts(at)  # the aging: as published
    assert LIVE in texts(at) and "分析数据：" in texts(at)
