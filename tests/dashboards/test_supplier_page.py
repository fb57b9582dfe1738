"""Supplier maintenance page (供应商维护) against a real store: status, over-receipt tolerance and
the price list."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from dashboard_support import index_of, table, texts
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import PurchaseOrder, Supplier, SupplierPrice
from operational.services import purchasing

WATER_BARCODE = "6901234567892"
STATUS_NOTE = "正常：可下单、可收货；暂停：不能下新订单，已确认的订单仍可收货；冻结：既不能下单也不能收货。"


def _count(engine, model) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _supplier(engine, supplier_id: int) -> Supplier:  # noqa: ANN001
    with unit_of_work(engine) as s:
        supplier = s.get(Supplier, supplier_id)
        s.expunge(supplier)
        return supplier


def _at(at, key: str) -> int:  # noqa: ANN001
    return index_of(at, lambda n: getattr(n, "key", None) == key)


def _error_at(at) -> int:  # noqa: ANN001
    return index_of(at, lambda n: getattr(n, "type", "") == "error")


def _open(app_for, company, role: str = "purchasing"):  # noqa: ANN001, ANN202
    at = app_for(role, page="views/supplier_maintenance.py")
    assert not at.exception
    at.selectbox(key="sm.supplier").set_value(company.supplier).run()
    assert not at.exception
    return at


def test_blocking_a_supplier_lands_in_the_store_and_stops_a_new_purchase_order(app_for, company):
    # A clerk is entering a purchase order for the supplier ...
    po = app_for("purchasing", page="views/purchase_order.py")
    po.selectbox(key="po.partner").set_value(company.supplier)
    po.text_input(key="po.line1.code").set_value(WATER_BARCODE).run()
    po.text_input(key="po.line1.quantity").set_value("10").run()

    # ... while the manager blocks it.
    at = _open(app_for, company, "manager")
    assert at.radio(key=f"sm.status.{company.supplier}").value == "active"
    assert STATUS_NOTE in texts(at)
    at.radio(key=f"sm.status.{company.supplier}").set_value("blocked").run()
    at.button(key="sm.save_status").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["供应商 S001 的状态已改为“冻结”"]
    assert _supplier(company.engine, company.supplier).status == "blocked"
    assert at.selectbox(key="sm.supplier").options == ["S001 杭州清泉饮品有限公司（冻结）"]

    po.button(key="po.save_draft").click().run()
    assert not po.exception
    assert [e.value for e in po.error] == ["供应商S001状态为“冻结”，不能下新订单"]
    assert _at(po, "po.partner") < _error_at(po) < _at(po, "po.warehouse")  # under the supplier box
    assert _count(company.engine, PurchaseOrder) == 0

    # On hold works the same for new orders; back to active, the order goes through.
    at.radio(key=f"sm.status.{company.supplier}").set_value("on_hold").run()
    at.button(key="sm.save_status").click().run()
    assert _supplier(company.engine, company.supplier).status == "on_hold"
    at.radio(key=f"sm.status.{company.supplier}").set_value("active").run()
    at.button(key="sm.save_status").click().run()
    assert _supplier(company.engine, company.supplier).status == "active"


def test_over_receipt_tolerance_is_saved_and_a_bad_rate_is_refused_at_the_field(app_for, company):
    at = _open(app_for, company)
    key = f"sm.tolerance.{company.supplier}"
    assert at.text_input(key=key).value == "0"
    at.text_input(key=key).set_value("1.5").run()
    at.button(key="sm.save_tolerance").click().run()
    assert [e.value for e in at.error] == ["S001：超收容差必须在0到1之间"]
    assert _at(at, key) < _error_at(at) < _at(at, "sm.save_tolerance")
    assert at.text_input(key=key).value == "1.5"  # kept
    assert _supplier(company.engine, company.supplier).over_receipt_tolerance == Decimal(0)

    at.text_input(key=key).set_value("0.05").run()
    at.button(key="sm.save_tolerance").click().run()
    assert not at.error
    assert [s.value for s in at.success] == ["供应商 S001 的超收容差已设为 5%"]
    assert _supplier(company.engine, company.supplier).over_receipt_tolerance == Decimal("0.05")


def test_a_price_added_shows_as_current_with_its_history(app_for, company):
    today = date.today()
    with unit_of_work(company.engine) as s:
        purchasing.set_supplier_price(s, company.supplier, company.water, "1.20", today - timedelta(days=60),
                                      min_order_qty=50)
    at = _open(app_for, company)
    current = table(at, "最小起订量")
    assert list(current["单价"]) == [1.2]

    at.text_input(key="sp.code").set_value(WATER_BARCODE).run()  # scanned: selects the product
    assert at.selectbox(key="sp.product").value == company.water
    at.text_input(key="sp.price").set_value("1.25")
    at.text_input(key="sp.min_order_qty").set_value("100")
    at.text_input(key="sp.order_multiple").set_value("12")
    at.number_input(key="sp.lead_time").set_value(5)
    at.checkbox(key="sp.preferred").check().run()
    at.button(key="sp.save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已保存 P001 矿泉水550ml 的价格 1.25（{today} 起生效）"]
    assert at.text_input(key="sp.price").value == ""  # the form is cleared

    # A future price for chips, picked in the select box.
    at.selectbox(key="sp.product").set_value(company.chips)
    at.text_input(key="sp.price").set_value("3.10")
    at.date_input(key="sp.valid_from").set_value(today + timedelta(days=10)).run()
    at.button(key="sp.save").click().run()
    assert not at.error

    current = table(at, "最小起订量")
    assert "价格状态" not in current.columns
    row = current.iloc[0]
    assert len(current) == 1  # chips' price is not in force yet
    assert (row["商品编码"], row["单价"], row["生效日期"], row["最小起订量"], row["订货倍数"], row["交货周期（天）"],
            row["首选"]) == ("P001", 1.25, today, 100, 12, 5, "首选")
    history = table(at, "价格状态")
    assert [(r["商品编码"], r["单价"], r["价格状态"]) for _, r in history.iterrows()] == [
        ("P001", 1.25, "当前"), ("P001", 1.2, "已失效"), ("P002", 3.1, "待生效")]
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("下载 CSV") == labels.count("下载 Excel") == 2
    with unit_of_work(company.engine) as s:
        price = purchasing.supplier_price(s, company.supplier, company.water, today)
        assert (price.price, price.min_order_qty, price.order_multiple, price.lead_time_days, price.is_preferred) == (
            Decimal("1.25"), Decimal(100), Decimal(12), 5, True)


def test_a_bad_price_is_shown_at_the_price_field_and_writes_nothing(app_for, company):
    at = _open(app_for, company)
    at.selectbox(key="sp.product").set_value(company.water)
    at.text_input(key="sp.price").set_value("-1").run()
    at.button(key="sp.save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["单价不能为负数"]
    assert _at(at, "sp.price") < _error_at(at) < _at(at, "sp.valid_from")
    assert at.text_input(key="sp.price").value == "-1"  # kept
    assert at.selectbox(key="sp.product").value == company.water
    at.text_input(key="sp.price").set_value("abc").run()
    at.button(key="sp.save").click().run()
    assert [e.value for e in at.error] == ["单价不是有效的数字：abc"]
    at.text_input(key="sp.price").set_value("1.00")
    at.selectbox(key="sp.product").set_value(None).run()
    at.button(key="sp.save").click().run()
    assert [e.value for e in at.error] == ["商品不能为空"]
    assert _count(company.engine, SupplierPrice) == 0
    assert "该供应商还没有价格" in texts(at)
