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


def test_a_case_order_is_received_in_cases_on_the_receipt_form(app_for, company):
    from datetime import date

    from operational.models import GoodsReceiptLine
    from operational.services import purchasing, units
    from operational.services.inventory import on_hand
    from operational.services.orders import OrderLineInput

    with unit_of_work(company.engine) as s:
        units.set_unit(s, company.water, "箱", 24)
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date.today(),
                                              [OrderLineInput(company.water, 3, "100.00", unit="箱")])
        purchasing.confirm_purchase_order(s, po.id)
        po_id = po.id
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.order").set_value(po_id).run()
    qty_key = next(w.key for w in at.text_input if w.key.startswith("gr.qty."))
    unit_key = qty_key.replace("gr.qty.", "gr.unit.")
    # ordered as 3 箱 = 72 个; the open quantity is prefilled in cases
    assert (at.text_input(key=qty_key).value, at.selectbox(key=unit_key).value) == ("3", "箱")
    assert "3 箱 = 72 个" in [m.value for m in at.markdown]
    at.text_input(key=qty_key).set_value("2").run()
    at.button(key="gr.post").click().run()
    assert not at.exception, [e.value for e in at.error]
    with unit_of_work(company.engine) as s:
        line = s.execute(select(GoodsReceiptLine)).scalar_one()
        assert (line.unit, line.qty_in_unit, line.quantity, line.amount, line.unit_cost) == (
            "箱", Decimal(2), Decimal(48), Decimal("200.00"), Decimal("4.1667"))
        assert on_hand(s, company.water, company.wh1) == Decimal(48)
    # the rest, 1 case, is prefilled next
    at.selectbox(key="gr.order").set_value(po_id).run()
    assert at.text_input(key=qty_key).value == "1"


def test_scanning_a_case_on_the_transfer_form_moves_one_case(app_for, company):
    from datetime import date

    from operational.models import StockTransferLine
    from operational.services import units
    from operational.services.inventory import on_hand, post_opening_balance

    with unit_of_work(company.engine) as s:
        units.set_unit(s, company.water, "箱", 24, barcode=CASE_CODE)
        post_opening_balance(s, company.water, company.wh1, Decimal(100), Decimal("1.20"), date(2026, 1, 1))
    at = app_for("warehouse", page="views/stock_transfer.py")
    assert not at.exception
    at.selectbox(key="trs.from").set_value(company.wh1)
    at.selectbox(key="trs.to").set_value(company.wh2)
    at.text_input(key="trs.line1.code").set_value(CASE_CODE).run()  # the case barcode: one case
    assert at.text_input(key="trs.line1.quantity").value == "1"
    at.button(key="trs.post").click().run()
    assert not at.exception, [e.value for e in at.error]
    with unit_of_work(company.engine) as s:
        line = s.execute(select(StockTransferLine)).scalar_one()
        assert (line.unit, line.qty_in_unit, line.quantity) == ("箱", Decimal(1), Decimal(24))
        assert on_hand(s, company.water, company.wh1) == Decimal(76)


def test_a_case_is_returned_to_the_supplier_in_cases(app_for, company):
    from datetime import date

    from operational.models import PurchaseReturnLine
    from operational.services import purchasing, units
    from operational.services.inventory import on_hand
    from operational.services.orders import FulfilLineInput, OrderLineInput

    with unit_of_work(company.engine) as s:
        units.set_unit(s, company.water, "箱", 24)
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date.today(),
                                              [OrderLineInput(company.water, 2, "100.00", unit="箱")])
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_goods(s, po.id, date.today(), [FulfilLineInput(po.lines[0].id, 2, unit="箱")])
        gr_id = gr.id
    at = app_for("warehouse", page="views/purchase_return.py")
    assert not at.exception
    source_key = next(w.key for w in at.selectbox if w.key.endswith(".source"))
    at.selectbox(key=source_key).set_value(gr_id).run()
    qty_key = next(w.key for w in at.text_input if ".qty." in w.key)
    assert at.selectbox(key=qty_key.replace(".qty.", ".unit.")).value == "箱"
    assert "2 箱 = 48 个" in [m.value for m in at.markdown]
    at.text_input(key=qty_key).set_value("1")
    reason_key = next(w.key for w in at.text_input if w.key.endswith(".reason"))
    at.text_input(key=reason_key).set_value("破损").run()
    post_key = next(b.key for b in at.button if b.key and b.key.endswith(".post"))
    at.button(key=post_key).click().run()
    assert not at.exception, [e.value for e in at.error]
    with unit_of_work(company.engine) as s:
        line = s.execute(select(PurchaseReturnLine)).scalar_one()
        assert (line.unit, line.qty_in_unit, line.quantity) == ("箱", Decimal(1), Decimal(24))
        assert on_hand(s, company.water, company.wh1) == Decimal(24)
