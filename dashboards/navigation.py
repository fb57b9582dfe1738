"""Which pages exist, where they sit in the sidebar and which roles may open them.

Admins see every page. A page not listed for a role is not registered with ``st.navigation``
for that user, and every page also re-checks on its own (``session.require_page``).

Page scripts live in ``views/``, not ``pages/``: a ``pages/`` folder next to the entry point
switches Streamlit to its legacy folder-based routing, which runs a page script without app.py
(no login check, no sidebar) when its URL is requested.
"""

from __future__ import annotations

from dataclasses import dataclass

from operational.models import ROLES


@dataclass(frozen=True)
class PageSpec:
    key: str  # catalog key ui.page.<key> and url path
    section: str  # catalog key ui.section.<section>
    path: str  # relative to dashboards/app.py
    icon: str
    roles: frozenset[str]


ALL_ROLES = frozenset(ROLES)
_READERS = frozenset({"manager", "analyst", "finance"})

PAGES: tuple[PageSpec, ...] = (
    # staff (any employee without a business role) sees only the self-service pages.
    PageSpec("overview", "analysis", "views/overview.py", ":material/dashboard:", ALL_ROLES - {"staff"}),
    PageSpec("inventory", "analysis", "views/inventory.py", ":material/inventory_2:",
             frozenset({"warehouse", "purchasing", "manager", "analyst"})),
    PageSpec("stock_analysis", "analysis", "views/stock_analysis.py", ":material/query_stats:",
             frozenset({"warehouse", "purchasing"}) | _READERS),
    PageSpec("sales_margin", "analysis", "views/sales_margin.py", ":material/trending_up:",
             frozenset({"sales"}) | _READERS),
    PageSpec("supplier_scorecard", "analysis", "views/supplier_scorecard.py", ":material/star_rate:",
             frozenset({"purchasing"}) | _READERS),
    # Supply planning: buyers act on the plan (drafts, demand adjustments); managers and analysts read.
    PageSpec("planning", "purchasing", "views/planning.py", ":material/inventory:",
             frozenset({"purchasing", "manager", "analyst"})),
    # Managers' reports (daily, weekly, month-end): the readers generate and download them.
    PageSpec("reports", "analysis", "views/reports.py", ":material/summarize:", _READERS),
    # Scheduled reports by e-mail: each report reader manages their own subscriptions, admins everyone's.
    PageSpec("report_subscriptions", "analysis", "views/report_subscriptions.py", ":material/forward_to_inbox:",
             _READERS),
    # Sales forecast: buyers plan with it, managers and analysts read it (docs/planning.md).
    PageSpec("forecast", "analysis", "views/forecast.py", ":material/timeline:",
             frozenset({"purchasing", "manager", "analyst"})),
    PageSpec("purchase_order", "purchasing", "views/purchase_order.py", ":material/add_shopping_cart:",
             frozenset({"purchasing"})),
    PageSpec("goods_receipt", "purchasing", "views/goods_receipt.py", ":material/move_to_inbox:",
             frozenset({"purchasing", "warehouse"})),
    PageSpec("purchase_return", "purchasing", "views/purchase_return.py", ":material/assignment_return:",
             frozenset({"purchasing", "warehouse"})),
    # Landed costs billed after the goods arrived (freight, duty, insurance): buyers and finance.
    PageSpec("landed_cost", "purchasing", "views/landed_cost.py", ":material/price_change:",
             frozenset({"purchasing", "finance"})),
    PageSpec("purchase_documents", "purchasing", "views/purchase_documents.py", ":material/list_alt:",
             frozenset({"purchasing", "warehouse"}) | _READERS),
    PageSpec("supplier_maintenance", "purchasing", "views/supplier_maintenance.py", ":material/storefront:",
             frozenset({"purchasing", "manager"})),
    # Units of measure per product (多单位): buyers, the warehouse and managers keep them.
    PageSpec("product_units", "purchasing", "views/product_units.py", ":material/straighten:",
             frozenset({"purchasing", "warehouse", "manager"})),
    PageSpec("sales_order", "sales", "views/sales_order.py", ":material/point_of_sale:", frozenset({"sales"})),
    # Customer price list (客户价目表): sales and managers keep it, finance reads it.
    PageSpec("customer_prices", "sales", "views/customer_prices.py", ":material/sell:",
             frozenset({"sales", "manager", "finance"})),
    PageSpec("shipment", "sales", "views/shipment.py", ":material/local_shipping:",
             frozenset({"sales", "warehouse"})),
    PageSpec("sales_return", "sales", "views/sales_return.py", ":material/assignment_return:",
             frozenset({"sales", "warehouse"})),
    PageSpec("sales_documents", "sales", "views/sales_documents.py", ":material/receipt_long:",
             frozenset({"sales", "warehouse"}) | _READERS),
    PageSpec("stock_transfer", "inventory", "views/stock_transfer.py", ":material/swap_horiz:",
             frozenset({"warehouse"})),
    PageSpec("stocktake", "inventory", "views/stocktake.py", ":material/fact_check:", frozenset({"warehouse"})),
    # Phone-first stock lookup (扫码查库存): whoever reads live stock on the inventory page.
    PageSpec("stock_lookup", "inventory", "views/stock_lookup.py", ":material/barcode_reader:",
             frozenset({"warehouse", "purchasing", "manager", "analyst"})),
    PageSpec("opening_balance", "inventory", "views/opening_balance.py", ":material/playlist_add:",
             frozenset({"warehouse"})),
    PageSpec("bin_maintenance", "inventory", "views/bin_maintenance.py", ":material/shelves:",
             frozenset({"warehouse"})),
    PageSpec("crm_customers", "crm", "views/crm_customers.py", ":material/group:",
             frozenset({"sales", "manager", "analyst"})),
    PageSpec("crm_activity", "crm", "views/crm_activity.py", ":material/support_agent:",
             frozenset({"sales", "manager", "analyst"})),
    PageSpec("hr_self_service", "hr", "views/hr_self_service.py", ":material/badge:", ALL_ROLES),
    PageSpec("hr_admin", "hr", "views/hr_admin.py", ":material/manage_accounts:", frozenset({"hr", "manager"})),
    PageSpec("hr_analysis", "hr", "views/hr_analysis.py", ":material/groups:",
             frozenset({"hr", "manager", "analyst"})),
    PageSpec("expenses", "finance", "views/expenses.py", ":material/receipt:", ALL_ROLES),
    PageSpec("cash", "finance", "views/cash.py", ":material/account_balance:", frozenset({"finance", "manager"})),
    PageSpec("finance_analysis", "finance", "views/finance_analysis.py", ":material/monitoring:",
             frozenset({"finance", "manager", "analyst"})),
    PageSpec("receivables", "finance", "views/receivables.py", ":material/request_quote:",
             frozenset({"finance", "manager", "analyst"})),
    PageSpec("ar_entry", "finance", "views/ar_entry.py", ":material/receipt_long:", frozenset({"finance", "manager"})),
    PageSpec("collection", "finance", "views/collection.py", ":material/phone_in_talk:",
             frozenset({"finance", "sales", "manager"})),
    # Payables: purchasing reads and enters bills and proposes payments; managers approve held
    # bills; finance does all and alone pays (operational.services.payables *_ROLES).
    PageSpec("payables", "finance", "views/payables.py", ":material/request_quote:",
             frozenset({"finance", "purchasing", "manager", "analyst"})),
    PageSpec("supplier_bill", "finance", "views/supplier_bill.py", ":material/receipt_long:",
             frozenset({"finance", "purchasing", "manager"})),
    PageSpec("supplier_payment", "finance", "views/supplier_payment.py", ":material/payments:",
             frozenset({"finance", "purchasing"})),
    PageSpec("debit_note", "finance", "views/debit_note.py", ":material/assignment_return:",
             frozenset({"finance", "purchasing"})),
    # VAT settings (rates, default rates, price basis, taxpayer status): finance keeps them, managers read.
    PageSpec("tax_settings", "finance", "views/tax_settings.py", ":material/percent:",
             frozenset({"finance", "manager"})),
    # Import (docs/import.md): admins every template, the warehouse its opening stock.
    PageSpec("data_import", "system", "views/data_import.py", ":material/upload_file:",
             frozenset({"admin", "warehouse"})),
    PageSpec("pipeline", "system", "views/pipeline.py", ":material/monitor_heart:",
             frozenset({"admin", "analyst", "manager"})),
    # Login: admins reset passwords and read the login events; everyone changes their own password.
    PageSpec("user_admin", "system", "views/user_admin.py", ":material/admin_panel_settings:", frozenset({"admin"})),
    # The audit log: every change to the store and every login (operational.audit); admins only.
    PageSpec("audit_log", "system", "views/audit_log.py", ":material/history:", frozenset({"admin"})),
    PageSpec("change_password", "system", "views/change_password.py", ":material/password:", ALL_ROLES),
)

SECTIONS = ("analysis", "purchasing", "sales", "crm", "inventory", "hr", "finance", "system")


def is_allowed(spec: PageSpec, role: str | None) -> bool:
    return role == "admin" or (role is not None and role in spec.roles)


def visible_pages(role: str | None) -> list[PageSpec]:
    return [spec for spec in PAGES if is_allowed(spec, role)]


def page_spec(key: str) -> PageSpec:
    return next(spec for spec in PAGES if spec.key == key)
