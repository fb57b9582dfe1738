"""Every route × every role: a valid request answers 2xx for the roles in the table below and 403
for every other role; without a token (or with a revoked one) 401. The table is written out here
on purpose (not read from api/permissions.py), so a change of who may do what shows in this test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from api_support import ApiWorld

from api.app import PREFIX, create_app
from operational.db import unit_of_work
from operational.models import ROLES, GoodsReceipt, Shipment
from operational.services import api_tokens, purchasing, sales
from operational.services.orders import OrderLineInput

BUSINESS = {"admin", "purchasing", "sales", "warehouse", "finance", "manager", "analyst"}
PURCHASE_READERS = {"admin", "purchasing", "warehouse", "finance", "manager", "analyst"}
SALES_READERS = {"admin", "sales", "warehouse", "finance", "manager", "analyst"}
INVENTORY = {"admin", "warehouse", "purchasing", "manager", "analyst"}
EVERYONE = set(ROLES)
DAY = date(2026, 3, 10)

Request = tuple[str, Any]  # (path after the prefix, JSON body or None)


def _po(w: ApiWorld, *, confirm: bool = False) -> int:
    with unit_of_work(w.company.engine) as s:
        po = purchasing.create_purchase_order(s, w.company.supplier, w.company.wh1, DAY,
                                              [OrderLineInput(w.company.water, "2", "1.50")])
        if confirm:
            purchasing.confirm_purchase_order(s, po.id)
        return po.id


def _so(w: ApiWorld, *, confirm: bool = False) -> int:
    with unit_of_work(w.company.engine) as s:
        so = sales.create_sales_order(s, w.company.customer, w.company.wh1, DAY,
                                      [OrderLineInput(w.company.water, "1", "2.50")])
        if confirm:
            sales.confirm_sales_order(s, so.id)
        return so.id


def _receipt(w: ApiWorld) -> tuple[int, int]:
    with unit_of_work(w.company.engine) as s:
        receipt = s.query(GoodsReceipt).order_by(GoodsReceipt.id).first()
        return receipt.id, receipt.lines[0].id


def _shipment(w: ApiWorld) -> tuple[int, int]:
    with unit_of_work(w.company.engine) as s:
        shipment = s.query(Shipment).order_by(Shipment.id).first()
        return shipment.id, shipment.lines[0].id


def _fresh_token(w: ApiWorld) -> int:
    with unit_of_work(w.company.engine) as s:
        return api_tokens.operator_issue_token(s, "staff", "to revoke").record.id


def _line(w: ApiWorld) -> dict[str, Any]:
    return {"product_id": w.company.water, "quantity": "3", "unit_price": "1.50"}


# (method, route as registered) -> (roles answered 2xx, a valid request made fresh for one role)
CASES: dict[tuple[str, str], tuple[set[str], Callable[[ApiWorld, str], Request]]] = {
    ("GET", "/products"): (BUSINESS, lambda w, r: ("/products?search=P00", None)),
    ("GET", "/products/{record_id}"): (BUSINESS, lambda w, r: (f"/products/{w.company.water}", None)),
    ("POST", "/products"): ({"admin", "purchasing"}, lambda w, r: ("/products", {"sku": f"NEW-{r}", "name": "新品"})),
    ("PATCH", "/products/{record_id}"): ({"admin", "purchasing"},
                                         lambda w, r: (f"/products/{w.company.water}", {"name": f"水 {r}"})),
    ("GET", "/customers"): (BUSINESS, lambda w, r: ("/customers", None)),
    ("GET", "/customers/{record_id}"): (BUSINESS, lambda w, r: (f"/customers/{w.company.customer}", None)),
    ("POST", "/customers"): ({"admin", "sales"}, lambda w, r: ("/customers", {"code": f"C-{r}", "name": "新客户"})),
    ("PATCH", "/customers/{record_id}"): ({"admin", "sales"},
                                          lambda w, r: (f"/customers/{w.company.customer}", {"region": "华东"})),
    ("GET", "/suppliers"): (BUSINESS, lambda w, r: ("/suppliers", None)),
    ("GET", "/suppliers/{record_id}"): (BUSINESS, lambda w, r: (f"/suppliers/{w.company.supplier}", None)),
    ("POST", "/suppliers"): ({"admin", "purchasing", "manager"},
                             lambda w, r: ("/suppliers", {"code": f"S-{r}", "name": "新供应商"})),
    ("PATCH", "/suppliers/{record_id}"): ({"admin", "purchasing", "manager"},
                                          lambda w, r: (f"/suppliers/{w.company.supplier}", {"lead_time_days": 5})),
    ("GET", "/warehouses"): (BUSINESS, lambda w, r: ("/warehouses", None)),
    ("GET", "/warehouses/{record_id}"): (BUSINESS, lambda w, r: (f"/warehouses/{w.company.wh1}", None)),
    ("POST", "/warehouses"): ({"admin", "warehouse"},
                              lambda w, r: ("/warehouses", {"code": f"W-{r}", "name": "新仓"})),
    ("PATCH", "/warehouses/{record_id}"): ({"admin", "warehouse"},
                                           lambda w, r: (f"/warehouses/{w.company.wh2}", {"address": "广州"})),
    ("GET", "/purchase-orders"): (PURCHASE_READERS, lambda w, r: ("/purchase-orders?status=completed", None)),
    ("GET", "/purchase-orders/{order_id}"): (PURCHASE_READERS, lambda w, r: (f"/purchase-orders/{_po(w)}", None)),
    ("POST", "/purchase-orders"): ({"admin", "purchasing"}, lambda w, r: ("/purchase-orders", {
        "supplier_id": w.company.supplier, "warehouse_id": w.company.wh1, "order_date": str(DAY),
        "lines": [_line(w)]})),
    ("POST", "/purchase-orders/{order_id}/confirm"): ({"admin", "purchasing"},
                                                      lambda w, r: (f"/purchase-orders/{_po(w)}/confirm", None)),
    ("POST", "/purchase-orders/{order_id}/cancel"): ({"admin", "purchasing"},
                                                     lambda w, r: (f"/purchase-orders/{_po(w)}/cancel", None)),
    ("POST", "/purchase-orders/{order_id}/receipts"): ({"admin", "purchasing", "warehouse"}, lambda w, r: (
        f"/purchase-orders/{_po(w, confirm=True)}/receipts", {"receipt_date": str(DAY)})),
    ("GET", "/goods-receipts/{receipt_id}"): (PURCHASE_READERS,
                                              lambda w, r: (f"/goods-receipts/{_receipt(w)[0]}", None)),
    ("POST", "/goods-receipts/{receipt_id}/returns"): ({"admin", "purchasing", "warehouse"}, lambda w, r: (
        f"/goods-receipts/{_receipt(w)[0]}/returns", {"return_date": str(DAY), "reason": "破损",
                                                      "lines": [{"source_line_id": _receipt(w)[1], "quantity": 1}]})),
    ("GET", "/sales-orders"): (SALES_READERS, lambda w, r: ("/sales-orders", None)),
    ("GET", "/sales-orders/{order_id}"): (SALES_READERS, lambda w, r: (f"/sales-orders/{_so(w)}", None)),
    ("POST", "/sales-orders"): ({"admin", "sales"}, lambda w, r: ("/sales-orders", {
        "customer_id": w.company.customer, "warehouse_id": w.company.wh1, "order_date": str(DAY),
        "lines": [_line(w)]})),
    ("POST", "/sales-orders/{order_id}/confirm"): ({"admin", "sales"},
                                                   lambda w, r: (f"/sales-orders/{_so(w)}/confirm", None)),
    ("POST", "/sales-orders/{order_id}/cancel"): ({"admin", "sales"},
                                                  lambda w, r: (f"/sales-orders/{_so(w)}/cancel", None)),
    ("POST", "/sales-orders/{order_id}/shipments"): ({"admin", "sales", "warehouse"}, lambda w, r: (
        f"/sales-orders/{_so(w, confirm=True)}/shipments", {"ship_date": str(DAY)})),
    ("GET", "/shipments/{shipment_id}"): (SALES_READERS, lambda w, r: (f"/shipments/{_shipment(w)[0]}", None)),
    ("POST", "/shipments/{shipment_id}/returns"): ({"admin", "sales", "warehouse"}, lambda w, r: (
        f"/shipments/{_shipment(w)[0]}/returns", {"return_date": str(DAY), "reason": "客户退货",
                                                  "lines": [{"source_line_id": _shipment(w)[1], "quantity": 1}]})),
    ("GET", "/stock"): (INVENTORY, lambda w, r: (f"/stock?warehouse_id={w.company.wh1}", None)),
    ("GET", "/me"): (EVERYONE, lambda w, r: ("/me", None)),
    ("GET", "/marts"): (EVERYONE, lambda w, r: ("/marts", None)),
    ("GET", "/marts/{mart}"): (INVENTORY, lambda w, r: ("/marts/mart_stock_current?limit=10", None)),
    ("GET", "/tokens"): ({"admin"}, lambda w, r: ("/tokens", None)),
    ("POST", "/tokens"): ({"admin"}, lambda w, r: ("/tokens", {"user_id": w.company.users["staff"].id,
                                                               "name": f"for {r}"})),
    ("DELETE", "/tokens/{token_id}"): ({"admin"}, lambda w, r: (f"/tokens/{_fresh_token(w)}", None)),
}


def _routes() -> set[tuple[str, str]]:
    """Every operation the app serves, as its OpenAPI document lists them."""
    paths = create_app().openapi()["paths"]
    return {(method.upper(), path[len(PREFIX):]) for path, ops in paths.items() for method in ops}


def test_every_route_has_a_case():
    assert _routes() == set(CASES)


def test_table_matches_the_permissions_module():
    """The API's own table (api/permissions.py, api/marts.py) says the same as this one."""
    from api import marts
    from api.permissions import allowed

    assert {r for r in ROLES if allowed("products.write", r)} == {"admin", "purchasing"}
    assert {r for r in ROLES if allowed("stock.read", r)} == INVENTORY
    assert set(marts.MARTS["mart_stock_current"].roles) | {"admin"} == INVENTORY


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda c: f"{c[0]} {c[1]}")
def test_route_for_every_role(shared_world: ApiWorld, case: tuple[str, str]):
    w = shared_world
    method, _ = case
    roles, make = CASES[case]
    outcomes = {}
    for role in ROLES:
        path, body = make(w, role)
        response = w.client.request(method, PREFIX + path, json=body, headers=w.headers(role))
        outcomes[role] = response.status_code
        expected_ok = role in roles
        assert (200 <= response.status_code < 300) if expected_ok else response.status_code == 403, \
            (role, response.status_code, response.text)
        if not expected_ok:
            assert response.json()["error"]["code"] == "forbidden"
    path, body = make(w, "admin")
    no_token = w.client.request(method, PREFIX + path, json=body)
    assert no_token.status_code == 401, no_token.text
    assert no_token.headers["www-authenticate"].startswith("Bearer")
    bad = w.client.request(method, PREFIX + path, json=body, headers={"Authorization": "Bearer jxc_not-a-token"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "api_token_invalid"
