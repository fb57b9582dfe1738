"""Cancelling (作废) a posted goods receipt from its page: confirmation, reason, the refusal when
its stock has left, and the document view showing who cancelled it, when and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard_support import texts

from operational.db import unit_of_work
from operational.models import GoodsReceipt, PurchaseOrder
from operational.services import purchasing, sales
from operational.services.inventory import on_hand
from operational.services.orders import OrderLineInput

YEAR = date.today().year


def _received(company, qty: str) -> int:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date.today(),
                                              [OrderLineInput(company.water, qty, "1.20")])
        purchasing.confirm_purchase_order(s, po.id)
        return purchasing.receive_all(s, po.id, date.today()).id


def test_cancel_a_receipt_from_its_page(app_for, company):
    gr_id = _received(company, "100")
    gr_no = f"GR-{YEAR}-000001"
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.cancel.doc").set_value(gr_id).run()
    at.text_input(key="gr.cancel.reason").set_value("重复录入 *不是* [链接](http://x)").run()
    at.button(key="gr.cancel.save").click().run()  # not confirmed yet
    assert [e.value for e in at.error] == ["请先勾选确认作废"]
    with unit_of_work(company.engine) as s:
        assert s.get(GoodsReceipt, gr_id).status == "posted"
    at.checkbox(key="gr.cancel.confirm").check().run()
    at.button(key="gr.cancel.save").click().run()
    assert not at.exception and not at.error
    assert [m.value for m in at.success] == [f"{gr_no} 已作废"]
    with unit_of_work(company.engine) as s:
        gr = s.get(GoodsReceipt, gr_id)
        assert (gr.status, gr.cancel_reason) == ("cancelled", "重复录入 *不是* [链接](http://x)")
        assert gr.cancelled_by is not None
        assert on_hand(s, company.water, company.wh1) == Decimal(0)
        assert s.get(PurchaseOrder, gr.purchase_order_id).status == "confirmed"
    # The view of the cancelled receipt: status, who, why (the reason shown as typed, as text).
    at.selectbox(key="gr.cancel.doc").set_value(gr_id).run()
    page = texts(at)
    assert "状态" in page and "已取消" in page
    (warning,) = at.warning
    assert "原因" in warning.value and r"\*不是\*" in warning.value and r"\[链接\]" in warning.value
    assert not [b for b in at.button if b.key == "gr.cancel.save"]  # nothing more to cancel


def test_cancel_refused_when_the_stock_has_left(app_for, company):
    gr_id = _received(company, "10")
    with unit_of_work(company.engine) as s:
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(),
                                      [OrderLineInput(company.water, "4", "2.50")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, date.today())
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.cancel.doc").set_value(gr_id).run()
    at.text_input(key="gr.cancel.reason").set_value("录错")
    at.checkbox(key="gr.cancel.confirm").check().run()
    at.button(key="gr.cancel.save").click().run()
    assert [e.value for e in at.error] == [
        f"GR-{YEAR}-000001第1行：不能作废：商品 P001 在 上海主仓 的入库已被后续单据发出，作废后 {date.today()} "
        "的结存将为 -4，该商品不允许负库存"]
    with unit_of_work(company.engine) as s:
        assert s.get(GoodsReceipt, gr_id).status == "posted"
        assert on_hand(s, company.water, company.wh1) == Decimal(6)
