"""What the API does beyond the role table: errors (JSON naming the field, in the caller's
language, the right status), idempotent POSTs, live stock, marts with filters and paging, and
tokens (hashed, shown once, revocable)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

from api_support import ApiWorld
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import PREFIX, create_app
from api.spec import SPEC_PATH, render
from operational.db import unit_of_work
from operational.models import ApiToken, AppUser, PurchaseOrder, utcnow
from operational.services import api_tokens

V = PREFIX


def _po_body(w: ApiWorld, quantity: object = "10", **extra: object) -> dict:
    return {"supplier_id": w.company.supplier, "warehouse_id": w.company.wh1, "order_date": "2026-03-10",
            "lines": [{"product_id": w.company.water, "quantity": quantity, "unit_price": "1.50"}], **extra}


# ------------------------------------------------------------------------------------------ errors

def test_service_field_error_in_both_languages(world: ApiWorld):
    w = world
    zh = w.client.post(f"{V}/purchase-orders", json=_po_body(w, "0"), headers=w.headers("purchasing"))
    assert zh.status_code == 422
    error = zh.json()["error"]
    assert (error["code"], error["field"]) == ("must_be_positive", "lines.1.quantity")
    assert error["message"] == "第1行：数量必须大于0"
    assert error["fields"] == [{"field": "lines.1.quantity", "code": "must_be_positive", "message": error["message"]}]
    en = w.client.post(f"{V}/purchase-orders", json=_po_body(w, "0"),
                       headers=w.headers("purchasing", "en-US,en;q=0.9,zh;q=0.5"))
    assert en.json()["error"]["message"] == "line 1: quantity must be greater than 0"
    unknown = w.client.post(f"{V}/purchase-orders", json=_po_body(w, supplier_id=999_999),
                            headers=w.headers("purchasing", "en"))
    assert unknown.status_code == 422
    assert (unknown.json()["error"]["code"], unknown.json()["error"]["field"]) == ("not_found", "supplier_id")
    with unit_of_work(w.company.engine) as s:  # nothing half-written
        assert s.execute(select(PurchaseOrder)).first() is None


def test_schema_errors_name_every_field(world: ApiWorld):
    w = world
    body = _po_body(w)
    body["lines"][0]["quantity"] = "-1"
    body["colour"] = "red"
    del body["order_date"]
    response = w.client.post(f"{V}/purchase-orders", json=body, headers=w.headers("purchasing", "en"))
    assert response.status_code == 422
    fields = {f["field"]: f for f in response.json()["error"]["fields"]}
    assert set(fields) == {"order_date", "lines.1.quantity", "colour"}
    assert fields["order_date"]["code"] == "missing"
    assert fields["lines.1.quantity"]["message"] == "quantity: must be at least 0"
    assert fields["colour"]["code"] == "extra"
    bad_json = w.client.post(f"{V}/purchase-orders", content=b"{not json",
                             headers=w.headers("purchasing") | {"Content-Type": "application/json"})
    assert bad_json.status_code == 422 and bad_json.json()["error"]["code"] == "api_invalid_json"
    nul = w.client.post(f"{V}/products", json={"sku": "A\x00B", "name": "x"}, headers=w.headers("purchasing"))
    assert nul.status_code == 422 and nul.json()["error"]["field"] == "sku"
    too_many = w.client.get(f"{V}/products?limit=1001", headers=w.headers("purchasing", "en"))
    assert too_many.status_code == 422 and too_many.json()["error"]["field"] == "limit"
    assert "1000" in too_many.json()["error"]["message"]
    nowhere = w.client.get(f"{V}/nothing-here", headers=w.headers("purchasing"))
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "api_route_not_found"


def test_state_and_stock_errors_are_409(world: ApiWorld):
    w = world
    headers = w.headers("sales", "en")
    order = w.client.post(f"{V}/sales-orders", headers=headers, json={
        "customer_id": w.company.customer, "warehouse_id": w.company.wh1, "order_date": "2026-03-10",
        "lines": [{"product_id": w.company.water, "quantity": "5", "unit_price": "2.50"}]}).json()
    assert order["status"] == "draft" and order["total_amount"] == "12.50"
    assert w.client.post(f"{V}/sales-orders/{order['id']}/confirm", headers=headers).json()["status"] == "confirmed"
    again = w.client.post(f"{V}/sales-orders/{order['id']}/confirm", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "bad_state"
    short = w.client.post(f"{V}/sales-orders/{order['id']}/shipments", headers=headers, json={"ship_date": "2026-03-11"})
    assert short.status_code == 409 and short.json()["error"]["code"] == "insufficient_stock"
    assert "P001" in short.json()["error"]["message"]
    missing = w.client.post(f"{V}/sales-orders/999999/confirm", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "api_not_found"


def test_unexpected_failure_is_a_json_500_without_traceback(world: ApiWorld, monkeypatch):
    from operational.services import masterdata

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(masterdata, "list_records", broken)
    with TestClient(create_app(world.company.engine), raise_server_exceptions=False) as client:
        response = client.get(f"{V}/products", headers=world.headers("purchasing"))
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "api_internal"
    assert "secret internals" not in response.text and "Traceback" not in response.text


# ------------------------------------------------------------------------------------- idempotency

def test_double_submit_posts_once(world: ApiWorld):
    w = world
    first = w.client.post(f"{V}/purchase-orders", json=_po_body(w, "100"),
                          headers=w.headers("purchasing", **{"Idempotency-Key": "po-2026-03-10-a"}))
    second = w.client.post(f"{V}/purchase-orders", json=_po_body(w, "100"),
                           headers=w.headers("purchasing", **{"Idempotency-Key": "po-2026-03-10-a"}))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["Idempotent-Replayed"] == "true" and second.json() == first.json()
    order_id = first.json()["id"]
    # the same key of another user (or on another endpoint) is another submission
    other = w.client.post(f"{V}/purchase-orders", json=_po_body(w, "100"),
                          headers=w.headers("admin", **{"Idempotency-Key": "po-2026-03-10-a"}))
    assert other.status_code == 201 and other.json()["id"] != order_id
    w.client.post(f"{V}/purchase-orders/{order_id}/confirm", headers=w.headers("purchasing"))
    receipt = {"receipt_date": "2026-03-11"}
    posts = [w.client.post(f"{V}/purchase-orders/{order_id}/receipts", json=receipt,
                           headers=w.headers("warehouse", **{"Idempotency-Key": "gr-1"})) for _ in range(3)]
    assert [p.status_code for p in posts] == [201, 200, 200]
    assert len({p.json()["id"] for p in posts}) == 1
    stock = w.client.get(f"{V}/stock?search=P001", headers=w.headers("warehouse")).json()
    assert [(row["sku"], Decimal(row["on_hand_quantity"])) for row in stock["items"]] == [("P001", Decimal(100))]
    order = w.client.get(f"{V}/purchase-orders/{order_id}", headers=w.headers("purchasing")).json()
    assert order["status"] == "completed" and order["lines"][0]["done_quantity"] == "100.0000"
    bad_key = w.client.post(f"{V}/purchase-orders", json=_po_body(w),
                            headers=w.headers("purchasing", **{"Idempotency-Key": "no spaces allowed"}))
    assert bad_key.status_code == 422 and bad_key.json()["error"]["field"] == "Idempotency-Key"


# ------------------------------------------------------------------------------------ stock, marts

def test_stock_is_live_and_paged(published_world: ApiWorld):
    w = published_world
    headers = w.headers("warehouse")
    page = w.client.get(f"{V}/stock", headers=headers).json()
    assert [(r["sku"], r["on_hand_quantity"]) for r in page["items"]] == [("P001", "70.0000"), ("P002", "5.0000")]
    second = w.client.get(f"{V}/stock?limit=1&offset=1", headers=headers).json()
    assert (second["count"], second["items"][0]["sku"]) == (1, "P002")
    order = w.client.post(f"{V}/sales-orders", headers=w.headers("sales"), json={
        "customer_id": w.company.customer, "warehouse_id": w.company.wh1, "order_date": "2026-03-10",
        "lines": [{"product_id": w.company.water, "quantity": "20", "unit_price": "2.50"}]}).json()
    w.client.post(f"{V}/sales-orders/{order['id']}/confirm", headers=w.headers("sales"))
    w.client.post(f"{V}/sales-orders/{order['id']}/shipments", headers=headers, json={"ship_date": "2026-03-11"})
    now = w.client.get(f"{V}/stock?search=6901234567892", headers=headers).json()["items"]
    assert [(r["sku"], r["on_hand_quantity"]) for r in now] == [("P001", "50.0000")]  # no pipeline run between


def test_marts_filters_paging_and_the_allowed_list(published_world: ApiWorld):
    w = published_world
    readable = {m["name"] for m in w.client.get(f"{V}/marts", headers=w.headers("sales")).json()}
    assert "mart_sales_daily" in readable and "mart_stock_current" not in readable
    daily = w.client.get(f"{V}/marts/mart_inventory_daily", headers=w.headers("analyst"),
                         params={"product_id": w.company.water, "warehouse_id": w.company.wh1,
                                 "date_from": "2026-03-03", "date_to": "2026-03-06", "limit": 2, "offset": 1}).json()
    assert daily["columns"][:3] == ["date_day", "product_id", "warehouse_id"]
    # water: +100 on 3 March, −30 on 6 March; page 2 of size 2 from 3 March is 4 and 5 March
    assert [(r["date_day"], r["closing_quantity"]) for r in daily["rows"]] == [
        ("2026-03-04", "100.0000"), ("2026-03-05", "100.0000")]
    assert daily["published_at"] is not None
    unknown = w.client.get(f"{V}/marts/app_user", headers=w.headers("admin"))
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "api_mart_unknown"
    injected = w.client.get(f"{V}/marts/dim_product;drop", headers=w.headers("admin"))
    assert injected.status_code == 422 and injected.json()["error"]["field"] == "mart"
    assert w.client.get(f"{V}/marts/mart_stock_current", headers=w.headers("sales")).status_code == 403
    wrong_filter = w.client.get(f"{V}/marts/dim_warehouse?supplier_id=1", headers=w.headers("admin"))
    assert wrong_filter.status_code == 422 and wrong_filter.json()["error"]["field"] == "supplier_id"


def test_marts_before_any_publish(world: ApiWorld):
    response = world.client.get(f"{V}/marts/dim_product", headers=world.headers("analyst", "en"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "api_mart_not_published"


def test_every_mart_is_in_the_marts_contract():
    """Each listed mart and its filter, date and order columns exist in the dbt models' .yml."""
    import yaml

    from api.marts import MARTS
    from operational.settings import PROJECT_ROOT

    columns = {}
    for path in (PROJECT_ROOT / "transforms" / "models" / "marts").glob("*/*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            columns[model["name"]] = {c["name"] for c in model.get("columns", [])}
    for spec in MARTS.values():
        wanted = set(spec.filters) | set(spec.order_by) | ({spec.date_column} if spec.date_column else set())
        assert wanted <= columns[spec.name], (spec.name, wanted - columns[spec.name])


# ----------------------------------------------------------------------------------------- tokens

def test_tokens_are_hashed_shown_once_and_revocable(world: ApiWorld):
    w = world
    admin = w.headers("admin")
    staff_id = w.company.users["staff"].id
    issued = w.client.post(f"{V}/tokens", headers=admin, json={"user_id": staff_id, "name": "考勤机"})
    assert issued.status_code == 201
    token = issued.json()["token"]
    assert token.startswith("jxc_") and issued.json()["token_prefix"] == token[:12]
    with unit_of_work(w.company.engine) as s:
        row = s.get(ApiToken, issued.json()["id"])
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        stored = json.dumps([str(v) for v in s.execute(select(ApiToken.__table__)).all()])
        assert token not in stored
    listed = w.client.get(f"{V}/tokens?user_id={staff_id}", headers=admin).json()
    assert "token" not in listed[0] and {t["name"] for t in listed} >= {"考勤机"}
    me = w.client.get(f"{V}/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert (me["username"], me["role"]) == ("staff", "staff")
    assert w.client.delete(f"{V}/tokens/{issued.json()['id']}", headers=admin).json()["revoked_at"]
    revoked = w.client.get(f"{V}/me", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "api_token_invalid"
    # a key replayed cannot show the secret again
    first = w.client.post(f"{V}/tokens", headers=admin | {"Idempotency-Key": "t1"}, json={"user_id": staff_id, "name": "a"})
    replay = w.client.post(f"{V}/tokens", headers=admin | {"Idempotency-Key": "t1"}, json={"user_id": staff_id, "name": "a"})
    assert first.status_code == 201 and replay.status_code == 409


def test_expired_token_and_inactive_user(world: ApiWorld):
    w = world
    with unit_of_work(w.company.engine) as s:
        admin = s.execute(select(AppUser).where(AppUser.username == "admin")).scalar_one()
        old = api_tokens.issue_token(s, admin, w.company.users["sales"].id, "old", expires_in_days=1,
                                     now=utcnow() - timedelta(days=2)).token
        sales_token = api_tokens.issue_token(s, admin, w.company.users["sales"].id, "current").token
    assert w.client.get(f"{V}/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    assert w.client.get(f"{V}/me", headers={"Authorization": f"Bearer {sales_token}"}).status_code == 200
    with unit_of_work(w.company.engine) as s:
        s.get(AppUser, w.company.users["sales"].id).is_active = False
    assert w.client.get(f"{V}/me", headers={"Authorization": f"Bearer {sales_token}"}).status_code == 401
    bad_expiry = w.client.post(f"{V}/tokens", headers=w.headers("admin", "en"),
                               json={"user_id": w.company.users["hr"].id, "name": "x", "expires_in_days": 0})
    assert bad_expiry.status_code == 422 and bad_expiry.json()["error"]["field"] == "expires_in_days"


# ------------------------------------------------------------------------------------------- spec

def test_committed_spec_is_the_served_one(world: ApiWorld):
    served = world.client.get("/openapi.json").json()
    assert render(served) == SPEC_PATH.read_text(encoding="utf-8"), "run: .venv/bin/python -m api.spec"


def test_masters_update(world: ApiWorld):
    w = world
    headers = w.headers("purchasing", "en")
    changed = w.client.patch(f"{V}/products/{w.company.water}", headers=headers,
                             json={"name": "矿泉水 550ml", "list_price": "2.80", "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["list_price"], changed.json()["is_active"]) == \
        ("矿泉水 550ml", "2.8000", False)
    taken = w.client.patch(f"{V}/products/{w.company.water}", headers=headers, json={"barcode": "6909876543210"})
    assert taken.status_code == 422 and taken.json()["error"]["code"] == "duplicate"
    assert taken.json()["error"]["field"] == "barcode"
    sku = w.client.patch(f"{V}/products/{w.company.water}", headers=headers, json={"sku": "NEW"})
    assert sku.status_code == 422 and sku.json()["error"]["field"] == "sku"
    on_hold = w.client.patch(f"{V}/suppliers/{w.company.supplier}", headers=headers, json={"status": "on_hold"})
    assert on_hold.json()["status"] == "on_hold"
    refused = w.client.post(f"{V}/purchase-orders", headers=headers, json=_po_body(w))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "partner_not_active"


def test_accept_language():
    from api.errors import request_language

    assert request_language(None) == "zh_CN"
    assert request_language("fr-FR,fr;q=0.9") == "zh_CN"  # none we have: the default
    assert request_language("en") == "en"
    assert request_language("fr;q=1, en;q=0.8, zh-CN;q=0.9") == "zh_CN"
    assert request_language("de, en-GB;q=0.7") == "en"
    assert request_language("en;q=bogus, zh") == "zh_CN"


def test_a_change_over_the_api_is_audited_as_the_tokens_user(world: ApiWorld):
    from sqlalchemy import select

    from operational.db import read_only
    from operational.models.audit import AuditLog

    w = world
    changed = w.client.patch(f"{V}/products/{w.company.water}", headers=w.headers("purchasing", "en"),
                             json={"name": "矿泉水 审计"})
    assert changed.status_code == 200
    with read_only(w.company.engine) as s:
        rows = s.execute(select(AuditLog.channel, AuditLog.username, AuditLog.new_values)
                         .where(AuditLog.table_name == "product", AuditLog.record_id == str(w.company.water),
                                AuditLog.action == "update")).all()
    assert [(r.channel, r.username) for r in rows] == [("api", "purchasing")]
    assert "矿泉水 审计" in rows[0].new_values
