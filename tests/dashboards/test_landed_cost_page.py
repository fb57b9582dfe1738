"""The landed-cost page (到岸费用) against a real store: enter a landed cost over two receipts with
its preview, a refused amount shown under its field, the receipt's correction history on the
purchase documents page, and cancelling the document with a reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from dashboard_support import table, texts
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import LandedCost
from operational.services import monitoring, purchasing
from operational.services.orders import OrderLineInput

YEAR = date.today().year
PAGE = "views/landed_cost.py"


def _received(company, product: int, qty: str, price: str) -> int:  # noqa: ANN001
    """A PO received in full today; the goods receipt id."""
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date.today(),
                                              [OrderLineInput(product, qty, price)])
        purchasing.confirm_purchase_order(s, po.id)
        return purchasing.receive_all(s, po.id, date.today()).id


def _count(engine) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(LandedCost)).scalar_one()


def _fill(at, company, receipts, amount: str, basis: str = "value") -> None:  # noqa: ANN001
    at.selectbox(key="lc.new.supplier").set_value(company.supplier)
    at.selectbox(key="lc.new.type").set_value("duty")
    at.multiselect(key="lc.new.receipts").set_value(receipts)
    at.radio(key="lc.new.basis").set_value(basis)
    at.text_input(key="lc.new.amount").set_value(amount).run()


def test_enter_preview_post_view_and_cancel_a_landed_cost(app_for, company):
    water = _received(company, company.water, "100", "1.20")  # goods value 120.00
    chips = _received(company, company.chips, "20", "3.00")  # goods value 60.00
    at = app_for("purchasing", page=PAGE)
    assert not at.exception

    # By quantity 100 : 20 → 30.00 × 100/120 = 25.00 and 5.00 (preview only)
    _fill(at, company, [water, chips], "30", basis="quantity")
    assert [float(v) for v in table(at, "分摊金额")["分摊金额"]] == [25.0, 5.0]
    # By value 120.00 : 60.00 → 20.00 and 10.00
    at.radio(key="lc.new.basis").set_value("value").run()
    assert [float(v) for v in table(at, "分摊金额")["分摊金额"]] == [20.0, 10.0]

    # An amount with more than two decimal places is refused under the amount, nothing written.
    at.text_input(key="lc.new.amount").set_value("30.005").run()
    at.button(key="lc.new.post").click().run()
    assert [e.value for e in at.error] == ["金额最多两位小数（输入的是 30.005）"]
    assert _count(company.engine) == 0

    at.text_input(key="lc.new.amount").set_value("30.00").run()
    at.button(key="lc.new.post").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [f"已过账到岸费用单 LC-{YEAR}-000001：30.00，分摊到 2 个收货单行"]
    assert at.multiselect(key="lc.new.receipts").value == []  # the form is cleared
    with unit_of_work(company.engine) as s:
        doc = s.execute(select(LandedCost)).scalar_one()
        assert (doc.cost_type, doc.allocation_basis, doc.amount, doc.created_by) == (
            "duty", "value", Decimal("30.00"), company.users["purchasing"].id)
        assert [(a.receipt_id, a.amount) for a in doc.allocations] == [(water, Decimal("20.00")),
                                                                         (chips, Decimal("10.00"))]
        values = monitoring.stock_values(s)
        # water 120.00 + 20.00; chips 60.00 + 10.00
        assert (values[(company.water, company.wh1)], values[(company.chips, company.wh1)]) == (
            Decimal("140.00"), Decimal("70.00"))
    listed = table(at, "费用类型")
    assert list(listed["单号"]) == [f"LC-{YEAR}-000001"] and list(listed["费用类型"]) == ["关税"]

    # The receipt's correction history on the purchase documents page.
    docs = app_for("warehouse", page="views/purchase_documents.py")
    docs.selectbox(key="grl.lc.receipt").set_value(water).run()
    history = table(docs, "分摊到本单")
    assert list(history["单号"]) == [f"LC-{YEAR}-000001"]
    assert [float(v) for v in history["分摊到本单"]] == [20.0]
    assert list(history["状态"]) == ["已过账"]

    # Cancel it with a reason: the receipts are back at their own cost.
    at.selectbox(key="lc.cancel.doc").set_value(doc.id)
    at.text_input(key="lc.cancel.reason").set_value("关税单录错").run()
    at.button(key="lc.cancel.save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success][-1:] == [f"已取消到岸费用单 LC-{YEAR}-000001"]
    with unit_of_work(company.engine) as s:
        assert monitoring.stock_values(s)[(company.water, company.wh1)] == Decimal("120.00")
    docs.selectbox(key="grl.lc.receipt").set_value(water).run()
    history = table(docs, "分摊到本单")
    assert list(history["状态"]) == ["已取消"] and list(history["取消原因"]) == ["关税单录错"]
    assert "关税单录错" not in texts(docs)  # typed text only inside the table, never as markdown


def test_the_page_is_for_purchasing_and_finance_only(app_for):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app_for("warehouse", page=PAGE)  # not registered for the warehouse clerk
    at = app_for("finance", page=PAGE)
    assert not at.exception and [t.value for t in at.title] == ["到岸费用"]
