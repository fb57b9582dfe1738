"""Product units page (商品单位) against a real store: add a case with its barcode, set it as the
purchase unit, refuse a bad factor under its field, and enter a purchase order by scanning the case."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import Product, ProductUnit, PurchaseOrderLine

CASE_CODE = "16901234567899"


def test_add_a_case_set_it_as_purchase_unit_and_scan_it_on_an_order(app_for, company):
    at = app_for("warehouse", page="views/product_units.py")
    assert not at.exception
    assert at.title[0].value == "商品单位"
    at.text_input(key="uom.code").set_value("6901234567892").run()  # the piece barcode finds the product
    assert at.selectbox(key="uom.product").value == company.water
    # a factor of 0 is refused under its field, nothing is written
    at.text_input(key="uom.unit").set_value("箱")
    at.text_input(key="uom.unit_factor").set_value("0").run()
    at.button(key="uom.save").click().run()
    assert not at.exception
    assert any("P001" in e.value and "换算系数" in e.value for e in at.error), [e.value for e in at.error]
    with unit_of_work(company.engine) as s:
        assert s.execute(select(ProductUnit)).first() is None
    at.text_input(key="uom.unit_factor").set_value("24")
    at.text_input(key="uom.barcode").set_value(CASE_CODE).run()
    at.button(key="uom.save").click().run()
    assert [s.value for s in at.success] == ["已保存单位 箱"]
    at.selectbox(key=f"uom.purchase_unit.{company.water}").set_value("箱").run()
    at.button(key="uom.save_defaults").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        unit = s.execute(select(ProductUnit)).scalar_one()
        assert (unit.unit, unit.factor, unit.barcode) == ("箱", Decimal(24), CASE_CODE)
        assert s.get(Product, company.water).purchase_unit == "箱"

    # the buyer scans the case: one case at the case price (standard cost 1.20 × 24 = 28.80)
    po = app_for("purchasing", page="views/purchase_order.py")
    po.selectbox(key="po.partner").set_value(company.supplier)
    po.text_input(key="po.line1.code").set_value(CASE_CODE).run()
    assert (po.selectbox(key="po.line1.unit").value, po.text_input(key="po.line1.quantity").value,
            po.text_input(key="po.line1.unit_price").value) == ("箱", "1", "28.8")
    po.button(key="po.save_draft").click().run()
    assert not po.exception, [e.value for e in po.error]
    with unit_of_work(company.engine) as s:
        line = s.execute(select(PurchaseOrderLine)).scalar_one()
        assert (line.unit, line.qty_in_unit, line.quantity, line.price_in_unit, line.unit_price, line.amount) == (
            "箱", Decimal(1), Decimal(24), Decimal("28.8"), Decimal("1.2000"), Decimal("28.80"))
