"""Page safety against a real store: text users typed is shown as text (never as a link, an image
or HTML); an unexpected error shows a short message with an error id (the details are in the
log, never on the page); a form saves one document per drawn form, however often it is sent,
and is cleared after a successful save."""

from __future__ import annotations

import logging
import re
from datetime import date
from decimal import Decimal

from dashboard_support import flat
from sqlalchemy import func, select, text
from streamlit.testing.v1 import AppTest

from dashboards.components.safe_text import text as shown_as_text
from operational.db import unit_of_work
from operational.models import AppUser, CustomerReceipt, PurchaseOrder
from operational.services import cash, purchasing, receivables, sales
from operational.services import masterdata as md
from operational.services.orders import OrderLineInput

LINK = "[点我](http://evil.example)"
IMAGE = "![](http://evil.example/x.png)"
HTML = "<b>x</b>"
WATER_BARCODE = "6901234567892"

# Elements whose text Streamlit renders as Markdown, and the attribute holding it.
_MARKDOWN_KINDS = {"markdown": "value", "caption": "value", "success": "value", "error": "value", "info": "value",
                   "warning": "value", "title": "value", "header": "value", "subheader": "value", "metric": "label",
                   "expander": "label", "tab": "label"}


def rendered(at: AppTest) -> list[str]:
    """Every Markdown source the page and the sidebar hand to the browser (metric values too)."""
    out = []
    for node in [*flat(at.main), *flat(at.sidebar)]:
        kind = getattr(node, "type", None)
        if kind in _MARKDOWN_KINDS:
            out.append(str(getattr(node, _MARKDOWN_KINDS[kind])))
            if kind == "metric":
                out.append(str(node.value))
    return out


def assert_shown_as_text(at: AppTest, *typed: str) -> None:
    """Each ``typed`` string is on the page, escaped, and nothing on the page is a link, an image
    or an HTML tag made from it."""
    page = "\n".join(rendered(at))
    for value in typed:
        assert shown_as_text(value) in page, value
    # What Markdown would still see once the escaped characters are taken out: no link, image,
    # tag or bare URL.
    unescaped = re.sub(r"\\.", "", page)
    for syntax in ("](", "![", "<b>", "http://", "[点我]"):
        assert syntax not in unescaped, syntax


def _count(engine, model) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


# ------------------------------------------------------------------------------------------ text as text

def test_employee_page_shows_a_hostile_department_and_name_as_text(app_for, company):
    with unit_of_work(company.engine) as s:
        me = md.create_employee(s, "E001", IMAGE + HTML, department=LINK, hire_date=date(2020, 1, 1))
        user = s.get(AppUser, company.users["staff"].id)
        user.employee_id, user.display_name = me.id, HTML
    company.users["staff"] = company.users["staff"].__class__(user.id, user.username, HTML, user.role)
    at = app_for("staff", page="views/hr_self_service.py")
    assert not at.exception
    assert_shown_as_text(at, LINK, IMAGE + HTML)
    # The sidebar's "signed in as" names the user's display name, escaped as well.
    assert f"当前用户：{shown_as_text(HTML)}" in "\n".join(rendered(at))


def test_entry_form_messages_show_hostile_names_as_text(app_for, company):
    # A cash account named like a link: the success message names it as text.
    at = app_for("finance", page="views/cash.py")
    at.text_input(key="cash.acc.code").set_value("B02")
    at.text_input(key="cash.acc.name").set_value(LINK)
    at.button(key="cash.acc.save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"已开立资金账户 B02 {shown_as_text(LINK)}"]
    assert_shown_as_text(at, LINK)

    # A scanned "barcode" that is an image: the error that quotes it shows it as text.
    at = app_for("purchasing", page="views/purchase_order.py")
    at.selectbox(key="po.partner").set_value(company.supplier)
    at.text_input(key="po.line1.code").set_value(IMAGE).run()
    at.text_input(key="po.line1.quantity").set_value("3").run()
    at.button(key="po.save_draft").click().run()
    assert [e.value for e in at.error] == [f"第1行：商品不存在：{shown_as_text(IMAGE)}"]
    assert_shown_as_text(at, IMAGE)


def test_goods_receipt_form_shows_a_hostile_product_name_as_text(app_for, company):
    with unit_of_work(company.engine) as s:
        product = md.create_product(s, "P666", LINK + HTML, list_price="1", standard_cost="1")
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date.today(),
                                              [OrderLineInput(product.id, "5", "1.00")])
        purchasing.confirm_purchase_order(s, po.id)
    at = app_for("warehouse", page="views/goods_receipt.py")
    at.selectbox(key="gr.order").set_value(po.id).run()
    assert not at.exception
    assert_shown_as_text(at, f"P666 {LINK}{HTML}")


# ------------------------------------------------------------------------------------------ no traceback

def _no_server_detail(at: AppTest) -> str:
    """The page's text, asserting that it carries no traceback, no exception and no server path."""
    assert not at.exception
    page = "\n".join(rendered(at))
    for leak in ("Traceback", "/work", ".py", "sqlite", "OperationalError", "doc_sequence", "supplier"):
        assert leak not in page, leak
    return page


def test_a_form_whose_save_fails_unexpectedly_shows_an_error_id_and_logs_the_details(app_for, company, caplog):
    at = app_for("purchasing", page="views/purchase_order.py")
    at.selectbox(key="po.partner").set_value(company.supplier)
    at.text_input(key="po.line1.code").set_value(WATER_BARCODE).run()
    at.text_input(key="po.line1.quantity").set_value("12").run()
    with company.engine.begin() as conn:  # the store breaks under the clerk's feet
        conn.execute(text("DROP TABLE doc_sequence"))
    with caplog.at_level(logging.ERROR, logger="jxc.dashboards"):
        at.button(key="po.save_confirm").click().run()
    page = _no_server_detail(at)
    [message] = [e.value for e in at.error]
    error_id = re.fullmatch(r"出现意外错误，操作未完成（错误编号 ([0-9a-f]{8})）。请把错误编号告诉管理员。", message).group(1)
    assert error_id in page
    # The log has the id with the whole story.
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "doc_sequence" in caplog.text and "Traceback" in caplog.text
    # The input is kept for a retry.
    assert at.text_input(key="po.line1.quantity").value == "12"


def test_a_page_that_crashes_shows_an_error_id_instead_of_a_traceback(app_for, company, caplog):
    at = app_for("purchasing", page="views/purchase_order.py")
    assert not at.exception
    with company.engine.begin() as conn:
        conn.execute(text("ALTER TABLE supplier RENAME TO supplier_gone"))
    with caplog.at_level(logging.ERROR, logger="jxc.dashboards"):
        at.run()
    page = _no_server_detail(at)
    error_id = re.search(r"页面出现意外错误（错误编号 ([0-9a-f]{8})）", page).group(1)
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert "supplier" in caplog.text
    # The sidebar (navigation, logout) is still there: only the page's body failed.
    assert any(b.key == "logout" for b in at.sidebar.button)


def test_streamlit_itself_shows_no_error_details():
    """Anything that still escapes (an error in the app shell itself) gets Streamlit's generic
    message, not the traceback: the setting the server runs with."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


# ------------------------------------------------------------------------------------------ save once

def _fill_po(at: AppTest, company) -> None:  # noqa: ANN001
    at.selectbox(key="po.partner").set_value(company.supplier)
    at.text_input(key="po.line1.code").set_value(WATER_BARCODE).run()
    at.text_input(key="po.line1.quantity").set_value("12").run()


def _send_again_from_the_stale_page(at: AppTest, prefix: str, token: str, fill) -> None:  # noqa: ANN001
    """What the browser does when the second click of a double click leaves before the page was
    redrawn: it sends the form as it was (same values) with the button drawn for the old form,
    whose callback carries the old form's token."""
    fill()
    at.session_state[f"{prefix}._token"] = token
    at.run()


def test_po_double_click_and_save_again_give_one_order_and_the_form_is_cleared(app_for, company):
    at = app_for("purchasing", page="views/purchase_order.py")
    _fill_po(at, company)
    token = at.session_state["po._token"]
    at.button(key="po.save_confirm").click().run()
    first = f"已保存采购订单 PO-{date.today().year}-000001（已确认）"
    assert [s.value for s in at.success] == [first]
    # Cleared: no supplier, no line, and a new token for the next order.
    assert at.selectbox(key="po.partner").value is None
    assert at.text_input(key="po.line1.code").value == "" and at.text_input(key="po.line1.quantity").value == ""
    assert at.session_state["po._token"] != token

    # "Save" pressed again on the cleared form: nothing to save, no second order.
    at.button(key="po.save_confirm").click().run()
    assert [e.value for e in at.error] == ["供应商不能为空"]
    assert _count(company.engine, PurchaseOrder) == 1

    # The second click of a double click, carrying the first form's token and values: the first order.
    _send_again_from_the_stale_page(at, "po", token, lambda: _fill_po(at, company))
    at.button(key="po.save_confirm").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [first]
    assert _count(company.engine, PurchaseOrder) == 1

    # A new order typed into the cleared form is a new order.
    _fill_po(at, company)
    at.button(key="po.save_draft").click().run()
    assert [s.value for s in at.success] == [f"已保存采购订单 PO-{date.today().year}-000002（草稿）"]
    assert _count(company.engine, PurchaseOrder) == 2


def test_customer_receipt_sent_twice_is_received_once(app_for, company):
    with unit_of_work(company.engine) as s:
        po = purchasing.create_purchase_order(s, company.supplier, company.wh1, date(2026, 1, 5),
                                              [OrderLineInput(company.water, 40, "1")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_all(s, po.id, date(2026, 1, 5))
        so = sales.create_sales_order(s, company.customer, company.wh1, date(2026, 1, 5),
                                      [OrderLineInput(company.water, 40, "2.50", 0)])
        sales.confirm_sales_order(s, so.id)
        receivables.invoice_shipments(s, [sales.ship_all(s, so.id, date(2026, 1, 5)).id], date(2026, 1, 5))
        account = cash.create_account(s, "B01", "工商银行基本户").id
    at = app_for("finance", page="views/ar_entry.py")

    def fill() -> None:
        at.selectbox(key="ar.rc.customer").set_value(company.customer).run()
        at.selectbox(key="ar.rc.account").set_value(account)
        at.text_input(key="ar.rc.amount").set_value("60").run()

    fill()
    token = at.session_state["ar.rc._token"]
    at.button(key="ar.rc.save").click().run()
    [done] = [s.value for s in at.success]
    assert done == f"已保存收款单RC-{date.today().year}-000001，金额¥60.00，预收¥0.00"
    assert at.text_input(key="ar.rc.amount").value == ""  # cleared
    _send_again_from_the_stale_page(at, "ar.rc", token, fill)
    at.button(key="ar.rc.save").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [done]
    assert _count(company.engine, CustomerReceipt) == 1
    with unit_of_work(company.engine) as s:
        assert receivables.outstanding(s) == {company.customer: Decimal("40.00")}  # 100 − 60, once


def test_exported_text_cells_never_run_as_formulas() -> None:
    """DESIGN.md: text a user typed is exported as text; a leading =, +, -, @ is neutralised."""
    import io as _io

    import openpyxl
    import pandas as pd

    from dashboards.components.export import to_csv, to_xlsx

    df = pd.DataFrame({"客户": ['=HYPERLINK("http://evil.example","点我")', "+1+1", "@SUM(A1)", "-2", "普通客户"],
                       "金额": [1.5, -184.64, 0.0, 2.0, 3.0]})
    csv = to_csv(df).decode("utf-8-sig").splitlines()  # text quoted, formula-like text prefixed by '
    assert csv[1].startswith("\"'=HYPERLINK(") and csv[2].startswith("\"'+1+1\",-184.64")
    assert csv[3].startswith("\"'@SUM(A1)\"") and csv[4].startswith("\"'-2\",") and csv[5] == "\"普通客户\",3.0"
    sheet = openpyxl.load_workbook(_io.BytesIO(to_xlsx(df))).active  # string cells shown as typed
    assert [sheet.cell(row=r, column=1).value for r in range(2, 7)] == [
        '=HYPERLINK("http://evil.example","点我")', "+1+1", "@SUM(A1)", "-2", "普通客户"]
    assert sheet.cell(row=3, column=2).value == -184.64  # numbers stay numbers
    assert {sheet.cell(row=r, column=1).data_type for r in range(2, 7)} == {"s"}  # never "f"


def test_a_typed_name_in_a_chart_is_text_not_a_link() -> None:
    import pandas as pd
    import plotly.express as px

    from dashboards.components.charts import text_as_text

    evil = '<a href="http://evil.example">点我</a>'
    df = pd.DataFrame({"customer": [evil, "A&B 贸易"], "amount": [1.0, 2.0]})
    fig = text_as_text(px.bar(df, x="customer", y="amount", color="customer"))
    shown = fig.to_json()
    assert "<a href" not in shown and "&lt;a href=" in shown
    assert list(fig.data[1].x) == ["A&amp;B 贸易"] and fig.data[0].name.startswith("&lt;a")
    # The hover box: Plotly Express wrote the raw name into each trace's template (to_json hides
    # it as \u003c, so the template itself is read); its own <br> markup stays.
    df["month"] = ["2026-11", "2026-11"]
    fig = text_as_text(px.bar(df, x="month", y="amount", color="customer"))
    assert fig.data[0].hovertemplate == ('customer=&lt;a href="http://evil.example"&gt;点我&lt;/a&gt;'
                                         '<br>month=%{x}<br>amount=%{y}<extra></extra>')
    assert fig.data[1].hovertemplate == "customer=A&amp;B 贸易<br>month=%{x}<br>amount=%{y}<extra></extra>"
