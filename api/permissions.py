"""Who may call what: one permission per kind of action, each a set of roles (admins may do
everything, as in ``operational.services.auth.require_role``).

The sets are the app's own: each permission names the page whose role list it takes
(``dashboards.navigation.PAGES``), so a role that may open the purchase-order form may create
purchase orders through the API, and no other. Master data has no page of its own in the app
(the forms create records through the services); the API gives each master to the role that
works with it, and reading masters to every business role. tests/api/test_api_roles.py calls
every route as every role and checks 2xx or 403 against this table.
"""

from __future__ import annotations

from dashboards.navigation import ALL_ROLES, page_spec


def _page(*keys: str) -> frozenset[str]:
    roles: frozenset[str] = frozenset()
    for key in keys:
        roles |= page_spec(key).roles
    return roles


# Every role with a business page (not hr and staff, whose pages are HR and self-service).
BUSINESS_ROLES = frozenset({"purchasing", "sales", "warehouse", "finance", "manager", "analyst"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "masters.read": BUSINESS_ROLES,
    "products.write": frozenset({"purchasing"}),
    "suppliers.write": _page("supplier_maintenance"),
    "customers.write": frozenset({"sales"}),
    "warehouses.write": frozenset({"warehouse"}),
    "purchase_orders.read": _page("purchase_documents"),
    "purchase_orders.write": _page("purchase_order"),
    "goods_receipts.write": _page("goods_receipt"),
    "purchase_returns.write": _page("purchase_return"),
    "sales_orders.read": _page("sales_documents"),
    "sales_orders.write": _page("sales_order"),
    "shipments.write": _page("shipment"),
    "sales_returns.write": _page("sales_return"),
    "stock.read": _page("inventory"),
    "tokens.admin": frozenset(),  # admins only
    "me": ALL_ROLES,
}


def allowed(permission: str, role: str | None) -> bool:
    return role == "admin" or (role is not None and role in PERMISSIONS[permission])
