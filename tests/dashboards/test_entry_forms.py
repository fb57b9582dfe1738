"""Purchase order, goods receipt, sales order and shipment forms against a real store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard_support import index_of, table, texts
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import PurchaseOrder, SalesOrder, StockLedger
from operational.services import purchasing, sales
from operational.services.inventory import on_hand, post_opening_balance
from operational.services.orders import OrderLineInput

YEAR = date.today().year
WATER_BARCODE = "6901234567892"


def _count(engine, model) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _fill_po(at, company, quantity: str) -> None:  # noqa: ANN001
    at.selectbox(key="po.partner").set_value(company.supplier)
    at.text_input(key="po.line1.code").set_value(WATER_BARCODE).run()  # scanned: selects the product
    assert at.selectbox(key="po.line1.product").value == company.water
    assert at.text_input(key="po.line1.unit_price").value == "1.2"  # the standard cost, prefilled
    at.text_input(key="po.line1.quantity").set_value(quantity).run()


def test_po_bad_quantity_shows_error_at_the_line_and_writes_nothing(app_for, company):
    at = app_for("purchasing", page="views/purchase_order.py")
    _fill_po(at, company, "-5")
    at.button(key="po.save_confirm").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["第1行：数量必须大于0"]
    # Under the line editor: after line 1's quantity box, before the "add line" button.
    error_at = index_of(at, lambda n: getattr(n, "type", "") == "error")
    assert index_of(at, lambda n: getattr(n, "key", None) == "po.line1.quantity") < error_at
    assert error_at < index_of(at, lambda n: getattr(n, "key", None) == "po.add_line")
    # The input is kept, nothing is written.
    assert at.text_input(key="po.line1.quantity").value == "-5"
    assert at.selectbox(key="po.partner").value == company.supplier
    assert _count(company.engine, PurchaseOrder) == 0


def test_po_missing_supplier_is_shown_under_the_supplier_box(app_for, company):
    at = app_for("purchasing", page="views/purchase_order.py")
    at.text_input(key="po.line1.code").set_value("P001").run()  # SKU works like a barcode
    at.text_input(key="po.line1.quantity").set_value("10").run()
    at.button(key="po.save_draft").click().run()
    assert [e.value for e in at.error] == ["供应商不能为空"]
    error_at = index_of(at, lambda n: getattr(n, "type", "") == "error")
    assert index_of(at, lambda n: getattr(n, "key", None) == "po.partner") < error_at
    assert error_at < index_of(at, lambda n: getattr(n, "key", None) == "po.warehouse")
    assert _count(company.engine, PurchaseOrder) == 0


def test_po_unknown_barcode_is_reported_at_its_line(app_for, company):
    at = app_for("purchasing", page="views/purchase_order.py")
    at.selectbox(key="po.partner").set_value(company.supplier)
    at.text_input(key="po.line1.code").set_value("0000000000000").run()
    at.text_input(key="po.line1.quantity").set_value("3").run()
    at.button(key="po.save_draft").click().run()
    assert [e.value for e in at.error] == ["第1行：商品不存在：0000000000000"]


def test_po_valid_input_creates_and_confirms_the_first_po(app_for, company):
    at = app_for("purchasing", page="views/purchase_order.py")
    _fill_po(at, company, "120")
    at.button(key="po.add_line").click().run()
    at.selectbox(key="po.line2.product").set_value(company.chips).run()
    at.text_input(key="po.line2.quantity").set_value("10").run()
    at.text_input(key="po.line2.discount_rate").set_value("0.1").run()
    assert "合计：**¥171.00**" in texts(at)  # 120 × 1.20 + 10 × 3.00 × 0.9
    at.button(key="po.save_confirm").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已保存采购订单 PO-{YEAR}-000001（已确认）"]
    assert at.text_input(key="po.line1.quantity").value == ""  # the form is cleared for the next order
    with unit_of_work(company.engine) as s:
        po = s.execute(select(PurchaseOrder)).scalar_one()
        assert (po.doc_no, po.status, po.total_amount) == (f"PO-{YEAR}-000001", "confirmed", Decimal("171.00"))
        assert [(line.quantity, line.unit_price, line.discount_rate) for line in po.lines] == [
            (Decimal("120"), Decimal("1.2"), Decimal("0")), (Decimal("10"), Decimal("3"), Decimal("0.1"))]

    # The clerk sees it in the purchase order list.
    at.switch_page("views/purchase_documents.py").run()
    orders = table(at, "单号")
    assert list(orders["单号"]) == [f"PO-{YEAR}-000001"]
    assert list(orders["状态"]) == ["已确认"]


def test_draft_po_is_confirmed_from_the_list(app_for, company):
    at = app_for("purchasing", page="views/purchase_order.py")
    _fill_po(at, company, "5")
    at.button(key="po.save_draft").click().run()
    assert [s.value for s in at.success] == [f"已保存采购订单 PO-{YEAR}-000001（草稿）"]
    at.switch_page("views/purchase_documents.py").run()
    assert list(table(at, "单号")["状态"]) == ["草稿"]
    with unit_of_work(company.engine) as s:
        po_id = s.execute(select(PurchaseOrder.id)).scalar_one()
    at.selectbox(key="pol.act.order").set_value(po_id)
    at.button(key="pol.act.confirm").click().run()
    assert [s.value for s in at.success] == [f"订单 PO-{YEAR}-000001 的状态已变为：已确认"]
    assert list(table(at, "单号")["状态"]) == ["已确认"]


def _confirmed_po(company, qty: str = "100") -> int:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date.today(),
                                              [OrderLineInput(company.water, qty, "1.20")])
        purchasing.confirm_purchase_order(s, po.id)
        return po.id


def test_receipt_form_prefills_open_quantity_and_moves_stock(app_for, company):
    po_id = _confirmed_po(company)
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.order").set_value(po_id).run()
    qty_key = next(w.key for w in at.text_input if w.key.startswith("gr.qty."))
    assert at.text_input(key=qty_key).value == "100"  # the open quantity
    at.text_input(key=qty_key).set_value("40").run()
    at.button(key="gr.post").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        f"已过账收货单 GR-{YEAR}-000001，订单 PO-{YEAR}-000001 状态：部分完成"]
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh1) == Decimal("40")

    # The rest: the prefill is now the remaining 60.
    at.selectbox(key="gr.order").set_value(po_id).run()
    assert at.text_input(key=qty_key).value == "60"


def test_receipt_over_the_open_quantity_is_refused_at_the_line(app_for, company):
    po_id = _confirmed_po(company)
    at = app_for("purchasing", page="views/goods_receipt.py")
    at.selectbox(key="gr.order").set_value(po_id).run()
    qty_key = next(w.key for w in at.text_input if w.key.startswith("gr.qty."))
    at.text_input(key=qty_key).set_value("200").run()
    at.button(key="gr.post").click().run()
    assert [e.value for e in at.error] == [f"PO-{YEAR}-000001第1行：收货数量200超过未收数量100"]
    error_at = index_of(at, lambda n: getattr(n, "type", "") == "error")
    assert index_of(at, lambda n: getattr(n, "key", None) == qty_key) < error_at
    assert at.text_input(key=qty_key).value == "200"
    assert _count(company.engine, StockLedger) == 0


def test_sales_order_form_and_shipment_move_stock_out(app_for, company):
    with unit_of_work(company.engine) as s:
        post_opening_balance(s, company.water, company.wh1, Decimal(50), Decimal("1.20"), date(2026, 1, 1))
    at = app_for("sales", page="views/sales_order.py")
    at.selectbox(key="so.partner").set_value(company.customer)
    at.text_input(key="so.line1.code").set_value(WATER_BARCODE).run()
    assert at.text_input(key="so.line1.unit_price").value == "2.5"  # list price for sales
    at.text_input(key="so.line1.quantity").set_value("30").run()
    at.button(key="so.save_confirm").click().run()
    assert [s.value for s in at.success] == [f"已保存销售订单 SO-{YEAR}-000001（已确认）"]

    at.switch_page("views/shipment.py").run()
    with unit_of_work(company.engine) as s:
        so_id = s.execute(select(SalesOrder.id)).scalar_one()
    at.selectbox(key="sh.order").set_value(so_id).run()
    at.button(key="sh.post").click().run()
    assert [s.value for s in at.success] == [
        f"已过账发货单 SH-{YEAR}-000001，订单 SO-{YEAR}-000001 状态：已完成"]
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh1) == Decimal("20")


def test_shipment_beyond_stock_is_refused_at_the_line(app_for, company):
    with unit_of_work(company.engine) as s:
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(),
                                      [OrderLineInput(company.chips, "8", "6.00")])
        sales.confirm_sales_order(s, so.id)
        so_id = so.id
    at = app_for("warehouse", page="views/shipment.py")
    at.selectbox(key="sh.order").set_value(so_id).run()
    at.button(key="sh.post").click().run()
    assert [e.value for e in at.error] == [f"SO-{YEAR}-000001第1行：商品P002在仓库上海主仓库存不足：现有0，需要8"]
    assert _count(company.engine, StockLedger) == 0


def test_draft_sales_order_is_cancelled_from_the_list(app_for, company):
    with unit_of_work(company.engine) as s:
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(),
                                      [OrderLineInput(company.water, "2", "2.50")])
        so_id = so.id
    at = app_for("sales", page="views/sales_documents.py")
    assert list(table(at, "单号")["状态"]) == ["草稿"]
    at.selectbox(key="sol.act.order").set_value(so_id)
    at.button(key="sol.act.cancel").click().run()
    assert [s.value for s in at.success] == [f"订单 SO-{YEAR}-000001 的状态已变为：已取消"]
    assert list(table(at, "单号")["状态"]) == ["已取消"]
    # A cancelled order cannot be shipped: it is not offered on the shipment form.
    at.switch_page("views/shipment.py").run()
    assert "没有待处理的已确认销售订单" in texts(at)


def test_receipt_with_inspection_and_landed_costs(app_for, company):
    from operational.models import GoodsReceipt

    po_id = _confirmed_po(company)
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.order").set_value(po_id).run()
    qty_key = next(w.key for w in at.text_input if w.key.startswith("gr.qty."))
    rejected_key = qty_key.replace("gr.qty.", "gr.rejected.")
    reason_key = qty_key.replace("gr.qty.", "gr.reason.")
    at.text_input(key=qty_key).set_value("90")
    at.text_input(key=rejected_key).set_value("10").run()
    # Rejecting without a reason: the error sits at the line, nothing is written.
    at.button(key="gr.post").click().run()
    assert [e.value for e in at.error] == [f"PO-{YEAR}-000001第1行：拒收原因不能为空"]
    error_at = index_of(at, lambda n: getattr(n, "type", "") == "error")
    assert index_of(at, lambda n: getattr(n, "key", None) == reason_key) < error_at
    assert error_at < index_of(at, lambda n: getattr(n, "key", None) == "gr.freight")
    assert _count(company.engine, StockLedger) == 0

    at.text_input(key=reason_key).set_value("包装破损")
    at.text_input(key="gr.freight").set_value("-1").run()
    at.button(key="gr.post").click().run()
    assert len(at.error) == 1 and "运费" in at.error[0].value
    assert index_of(at, lambda n: getattr(n, "key", None) == "gr.freight") < index_of(
        at, lambda n: getattr(n, "type", "") == "error")

    at.text_input(key="gr.freight").set_value("9.00")
    at.text_input(key="gr.duty").set_value("4.50")
    at.radio(key="gr.basis").set_value("quantity").run()
    at.button(key="gr.post").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        f"已过账收货单 GR-{YEAR}-000001，订单 PO-{YEAR}-000001 状态：部分完成"]
    with unit_of_work(company.engine) as s:
        receipt = s.execute(select(GoodsReceipt)).scalar_one()
        assert (receipt.freight_amount, receipt.duty_amount, receipt.allocation_basis) == (
            Decimal("9.00"), Decimal("4.50"), "quantity")
        (line,) = receipt.lines
        assert (line.quantity, line.rejected_qty, line.reject_reason, line.landed_cost) == (
            Decimal("90"), Decimal("10"), "包装破损", Decimal("13.50"))
        assert on_hand(s, company.water, company.wh1) == Decimal("90")
        # 1.20 + 13.50 / 90 = 1.35 a unit enters stock.
        assert s.execute(select(StockLedger.unit_cost)).scalar_one() == Decimal("1.35")


def test_batch_receipt_and_first_expiry_first_out_picking(app_for, company):
    from operational.models import Product, StockBatch

    with unit_of_work(company.engine) as s:
        s.get(Product, company.water).tracks_batches = True
    po_id = _confirmed_po(company, "30")
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.order").set_value(po_id).run()
    qty_key = next(w.key for w in at.text_input if w.key.startswith("gr.qty."))
    batch_key, expiry_key = qty_key.replace("gr.qty.", "gr.batch."), qty_key.replace("gr.qty.", "gr.expiry.")
    at.button(key="gr.post").click().run()  # no expiry and no shelf life: refused at the line
    assert [e.value for e in at.error] == [f"PO-{YEAR}-000001第1行：有效期至不能为空"]
    assert _count(company.engine, StockLedger) == 0
    at.text_input(key=batch_key).set_value("B-0601")
    at.date_input(key=expiry_key).set_value(date(2027, 6, 1)).run()
    at.button(key="gr.post").click().run()
    assert not at.exception and len(at.success) == 1
    with unit_of_work(company.engine) as s:
        batch = s.execute(select(StockBatch)).scalar_one()
        assert (batch.batch_no, batch.expiry_date) == ("B-0601", date(2027, 6, 1))
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(), [OrderLineInput(company.water, 12, "2.50")])
        sales.confirm_sales_order(s, so.id)
        so_id = so.id
    at.switch_page("views/shipment.py").run()
    at.selectbox(key="sh.order").set_value(so_id).run()
    assert "拣货建议（先到期先出）：B-0601（到期 2027-06-01）12" in texts(at)


def test_order_beyond_credit_is_refused_then_approved_by_a_manager(app_for, company):
    from operational.models import CreditApproval

    with unit_of_work(company.engine) as s:  # limit 50,000: 20,001 × 2.50 = 50,002.50 is over it
        so = sales.create_sales_order(s, company.customer, company.wh1, date.today(),
                                      [OrderLineInput(company.water, 20001, "2.50")])
        so_id = so.id
    at = app_for("sales", page="views/sales_documents.py")
    at.selectbox(key="sol.act.order").set_value(so_id).run()
    at.button(key="sol.act.confirm").click().run()
    assert [e.value for e in at.error] == [
        f"SO-{YEAR}-000001：客户C001信用额度不足：占用50002.5超过额度50000，需经理审批"]
    assert "信用审批" not in texts(at)  # the sales clerk does not see the approvals
    at = app_for("manager", page="views/sales_documents.py")
    at.selectbox(key="credit.order").set_value(so_id)
    at.text_input(key="credit.note").set_value("预付30%").run()
    at.button(key="credit.approve").click().run()
    assert [s.value for s in at.success] == [f"已审批并确认订单 SO-{YEAR}-000001"]
    with unit_of_work(company.engine) as s:
        assert s.get(SalesOrder, so_id).status == "confirmed"
        approval = s.execute(select(CreditApproval)).scalar_one()
        assert (approval.approved_by, approval.exposure, approval.note) == (
            company.users["manager"].id, Decimal("50002.50"), "预付30%")


def test_open_quantity_is_cancelled_per_line_then_for_the_whole_order(app_for, company):
    """100 ordered, 30 received: 20 cancelled on the line (50 stay open, partial), then the rest of
    the order (50) → 30 received + 70 cancelled, completed; the history shows both with reason and user."""
    from dashboard_support import table

    po_id = _confirmed_po(company, "100")
    with unit_of_work(company.engine) as s:
        order = s.get(PurchaseOrder, po_id)
        line_id = order.lines[0].id
        purchasing.receive_goods(s, po_id, date.today(), [purchasing.FulfilLineInput(line_id, 30)])
    at = app_for("purchasing", page="views/purchase_documents.py")
    at.selectbox(key="pol.act.cl.order").set_value(po_id).run()
    # nothing entered and no reason: refused, nothing written
    at.button(key="pol.act.cl.lines").click().run()
    assert [e.value for e in at.error] == ["请至少为一行填写取消数量"]
    at.text_input(key=f"pol.act.cl.qty.{po_id}.{line_id}").set_value("20")
    at.text_input(key="pol.act.cl.reason").set_value("供应商缺货").run()
    at.button(key="pol.act.cl.lines").click().run()
    assert [s.value for s in at.success] == [f"订单 PO-{YEAR}-000001 已取消 20 未交数量，状态：部分完成"]
    # more than the 50 still open is refused, naming the order and line
    at.text_input(key=f"pol.act.cl.qty.{po_id}.{line_id}").set_value("51")
    at.text_input(key="pol.act.cl.reason").set_value("再减").run()
    at.button(key="pol.act.cl.lines").click().run()
    assert [e.value for e in at.error] == [f"PO-{YEAR}-000001第1行：取消数量51超过未交数量50"]
    at.text_input(key="pol.act.cl.reason").set_value("余量不再交货").run()
    at.button(key="pol.act.cl.whole").click().run()
    assert [s.value for s in at.success] == [f"订单 PO-{YEAR}-000001 已取消 50 未交数量，状态：已完成"]
    with unit_of_work(company.engine) as s:
        order = s.get(PurchaseOrder, po_id)
        assert (order.status, order.lines[0].received_qty, order.lines[0].cancelled_qty) == (
            "completed", Decimal("30"), Decimal("70"))
    history = table(at, "取消原因")
    assert list(history["取消原因"]) == ["供应商缺货", "余量不再交货"]
    assert list(history["已取消数量"]) == [20.0, 50.0]
    assert set(history["操作人"]) == {"purchasing"}


def test_document_lists_export_to_csv_and_excel(app_for, company):
    _confirmed_po(company)
    at = app_for("purchasing", page="views/purchase_documents.py")
    keys = {b.key for b in at.get("download_button")}
    assert {"pol.export.csv", "pol.export.xlsx"} <= keys


def test_a_typed_far_off_order_date_reaches_the_service_and_is_refused(app_for, company):
    """Streamlit's date box keeps only dates within ten years of its start; the forms widen it so a
    typed 1900/01/01 or 2036/12/31 is refused by the service with the field named, never saved as today."""
    at = app_for("purchasing", page="views/purchase_order.py")
    box = at.date_input(key="po.order_date")
    assert box.min <= date(1900, 1, 1) and box.max >= date(2036, 12, 31)
    _fill_po(at, company, "5")
    for typed, words in ((date(1900, 1, 1), "2000-01-01"), (date(2036, 12, 31), "31")):
        at.date_input(key="po.order_date").set_value(typed).run()
        at.button(key="po.save_confirm").click().run()
        assert not at.exception
        assert at.date_input(key="po.order_date").value == typed
        assert any("订单日期" in e.value and words in e.value for e in at.error), [e.value for e in at.error]
        assert _count(company.engine, PurchaseOrder) == 0
