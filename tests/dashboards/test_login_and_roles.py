"""Login against the store's users, role-based page visibility and the language switch."""

from __future__ import annotations

import pytest
from dashboard_support import PASSWORD, texts

from dashboards.navigation import PAGES, visible_pages


def test_login_failure_shows_chinese_message(app_for):
    at = app_for()
    at.text_input(key="login_username").set_value("purchasing")
    at.text_input(key="login_password").set_value("wrong-password")
    at.button[0].click().run()
    assert "用户名或密码错误" in [e.value for e in at.error]
    assert "user" not in at.session_state


def test_login_success_keeps_user_and_opens_the_app(app_for):
    at = app_for()
    at.text_input(key="login_username").set_value("purchasing")
    at.text_input(key="login_password").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    user = at.session_state["user"]
    assert (user.username, user.role, user.display_name) == ("purchasing", "purchasing", "purchasing-用户")
    assert "当前用户：purchasing-用户（采购）" in texts(at)
    at.button(key="logout").click().run()
    assert "user" not in at.session_state
    assert at.text_input(key="login_username")


def test_each_role_sees_only_its_pages(app_for):
    expected = {
        "purchasing": {"overview", "inventory", "stock_analysis", "supplier_scorecard", "planning", "purchase_order",
                       "goods_receipt", "purchase_return", "purchase_documents", "supplier_maintenance"},
        "warehouse": {"overview", "inventory", "stock_analysis", "goods_receipt", "purchase_return",
                      "purchase_documents", "shipment", "sales_return", "sales_documents", "stock_transfer",
                      "stocktake", "opening_balance", "bin_maintenance", "stock_lookup",
                      "data_import"},
        "sales": {"overview", "sales_margin", "sales_order", "shipment", "sales_return", "sales_documents",
                  "crm_customers", "crm_activity"},
        "analyst": {"overview", "inventory", "stock_analysis", "sales_margin", "supplier_scorecard", "planning",
                    "purchase_documents", "sales_documents", "pipeline", "crm_customers", "crm_activity"},
        "manager": {"overview", "inventory", "stock_analysis", "sales_margin", "supplier_scorecard", "planning",
                    "purchase_documents", "sales_documents", "pipeline", "supplier_maintenance", "crm_customers",
                    "crm_activity"},
        "finance": {"overview", "stock_analysis", "sales_margin", "supplier_scorecard", "purchase_documents",
                    "sales_documents"},
        "admin": {spec.key for spec in PAGES},
    }
    # HR: every login has the self-service page; managers and analysts read HR analysis, managers
    # also administer HR (tests/dashboards/test_hr_pages.py covers the hr and staff roles).
    for keys in expected.values():
        keys.add("hr_self_service")
    expected["manager"] |= {"hr_admin", "hr_analysis"}
    expected["analyst"].add("hr_analysis")
    # Expenses and cash: every login files its own expense claims; finance and managers see cash;
    # finance, managers and analysts read the finance analysis (tests/dashboards/test_expense_pages.py).
    for keys in expected.values():
        keys.add("expenses")
        keys.add("change_password")  # every login changes its own password; admins also see user_admin
    expected["finance"] |= {"cash", "finance_analysis"}
    # The phone stock lookup: the roles that read live stock on the inventory page (docs/phone.md).
    for role in ("purchasing", "manager", "analyst"):
        expected[role].add("stock_lookup")
    expected["manager"] |= {"cash", "finance_analysis"}
    expected["analyst"].add("finance_analysis")
    # Payables (tests/dashboards/test_payables_pages.py): finance does all; purchasing reads,
    # enters bills and proposes payments; managers read and approve held bills; analysts read.
    expected["finance"] |= {"payables", "supplier_bill", "supplier_payment", "debit_note"}
    expected["purchasing"] |= {"payables", "supplier_bill", "supplier_payment", "debit_note"}
    expected["manager"] |= {"payables", "supplier_bill"}
    expected["analyst"].add("payables")
    # Receivables (tests/dashboards/test_receivables_pages.py): finance does all; managers read and
    # approve write-offs; analysts read; sales see the collection worklist and statements.
    expected["finance"] |= {"receivables", "ar_entry", "collection"}
    expected["manager"] |= {"receivables", "ar_entry", "collection"}
    expected["analyst"].add("receivables")
    expected["sales"].add("collection")
    # Landed costs entered after the receipt (tests/dashboards/test_landed_cost_page.py).
    expected["purchasing"].add("landed_cost")
    expected["finance"].add("landed_cost")
    # Managers' reports (tests/reports/test_reports_page.py): the readers generate and download them.
    for role in ("manager", "analyst", "finance"):
        expected[role].add("reports")
        # Their subscriptions to the scheduled reports by e-mail (tests/reports/test_report_delivery.py).
        expected[role].add("report_subscriptions")
    # Sales forecast (tests/dashboards/test_forecast_page.py): buyers plan with it, managers and analysts read it.
    for role in ("purchasing", "manager", "analyst"):
        expected[role].add("forecast")
    # VAT settings (tests/dashboards/test_tax_pages.py): finance keeps them, managers read; the
    # customer price list: sales and managers keep it, finance reads it.
    expected["finance"] |= {"tax_settings", "customer_prices"}
    expected["manager"] |= {"tax_settings", "customer_prices"}
    expected["sales"].add("customer_prices")
    # Product units of measure (tests/dashboards/test_product_units_page.py).
    for role in ("purchasing", "warehouse", "manager"):
        expected[role].add("product_units")
    for role, keys in expected.items():
        assert {spec.key for spec in visible_pages(role)} == keys, role
    # And the router registers exactly those: a sales clerk cannot open the purchase order form.
    at = app_for("sales")
    with pytest.raises(ValueError):
        at.switch_page("views/purchase_order.py")
    at.switch_page("views/sales_order.py").run()
    assert not at.exception
    assert at.title[0].value == "新建销售订单"
    # The stock operations (transfer, stocktake) are the warehouse's; sales only takes returns.
    for page in ("views/stock_transfer.py", "views/stocktake.py", "views/purchase_return.py",
                 "views/opening_balance.py", "views/supplier_maintenance.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)
    at.switch_page("views/sales_return.py").run()
    assert at.title[0].value == "销售退货"
    at = app_for("warehouse")
    at.switch_page("views/stocktake.py").run()
    assert not at.exception
    assert at.title[0].value == "库存盘点"
    # Opening balances are the warehouse's; supplier maintenance is purchasing's and the manager's.
    at.switch_page("views/opening_balance.py").run()
    assert at.title[0].value == "期初库存"
    with pytest.raises(ValueError):
        at.switch_page("views/supplier_maintenance.py")
    for role in ("purchasing", "manager"):
        at = app_for(role)
        at.switch_page("views/supplier_maintenance.py").run()
        assert not at.exception, role
        assert at.title[0].value == "供应商维护", role
        with pytest.raises(ValueError):
            at.switch_page("views/opening_balance.py")


def test_english_switch_changes_labels(app_for, published):
    at = app_for("manager", page="views/overview.py")
    assert at.metric[0].label == "销售额（下单口径）"
    at.selectbox(key="language_select").set_value("en").run()
    assert at.title[0].value == "Overview"
    assert at.metric[0].label == "Sales (ordered)"
    assert at.button(key="logout").label == "Log out"
