"""The API on PostgreSQL: the input SQLite forgives and PostgreSQL refuses (a NUL character, an id
beyond INTEGER, a number beyond NUMERIC's capacity) is a 422 naming the field, never a 500; and a
resent receipt posts once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_support import ApiWorld, issue_tokens
from dashboard_support import build_company
from fastapi.testclient import TestClient

from api.app import PREFIX, create_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(pg_engine, data_dir) -> ApiWorld:  # noqa: ANN001 - fixtures of tests/conftest.py
    company = build_company(pg_engine)
    with TestClient(create_app(pg_engine), raise_server_exceptions=False) as client:
        yield ApiWorld(company, issue_tokens(pg_engine), client)


def test_hostile_input_is_422_on_postgres(pg_world: ApiWorld):
    w = pg_world
    headers = w.headers("admin", "en")
    cases = [
        ("POST", "/products", {"sku": "NUL\x00", "name": "x"}, "sku"),
        ("POST", "/customers", {"code": "C9", "name": "\ud800"}, "name"),
        ("GET", "/products/2147483648", None, "record_id"),
        ("GET", "/stock?warehouse_id=99999999999", None, "warehouse_id"),
        ("POST", "/purchase-orders", {"supplier_id": 2**40, "warehouse_id": w.company.wh1, "order_date": "2026-03-10",
                                      "lines": [{"product_id": w.company.water, "quantity": 1, "unit_price": 1}]},
         "supplier_id"),
        ("POST", "/purchase-orders", {"supplier_id": w.company.supplier, "warehouse_id": w.company.wh1,
                                      "order_date": "2026-03-10",
                                      "lines": [{"product_id": w.company.water, "quantity": "1e30", "unit_price": 1}]},
         "lines.1.quantity"),
        ("POST", "/purchase-orders", {"supplier_id": w.company.supplier, "warehouse_id": w.company.wh1,
                                      "order_date": "2026-03-10",
                                      "lines": [{"product_id": w.company.water, "quantity": "999999999",
                                                 "unit_price": "9999999999"}]}, "lines.1.amount"),
    ]
    for method, path, body, field in cases:
        if body is not None and path == "/customers":
            response = w.client.request(method, PREFIX + path, content=b'{"code": "C9", "name": "\\ud800"}',
                                        headers=headers | {"Content-Type": "application/json"})
        else:
            response = w.client.request(method, PREFIX + path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.status_code, response.text)
        assert response.json()["error"]["field"] == field, (path, response.text)


def test_resent_receipt_posts_once_on_postgres(pg_world: ApiWorld):
    w = pg_world
    po = w.client.post(f"{PREFIX}/purchase-orders", headers=w.headers("purchasing"), json={
        "supplier_id": w.company.supplier, "warehouse_id": w.company.wh1, "order_date": "2026-03-10",
        "lines": [{"product_id": w.company.chips, "quantity": "12", "unit_price": "3"}]}).json()
    w.client.post(f"{PREFIX}/purchase-orders/{po['id']}/confirm", headers=w.headers("purchasing"))
    key = w.headers("warehouse", **{"Idempotency-Key": "scanner-gr-77"})
    answers = [w.client.post(f"{PREFIX}/purchase-orders/{po['id']}/receipts", headers=key,
                             json={"receipt_date": "2026-03-11"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 200] and answers[0].json() == answers[1].json()
    stock = w.client.get(f"{PREFIX}/stock?search=P002", headers=w.headers("warehouse")).json()["items"]
    assert [(r["sku"], Decimal(r["on_hand_quantity"])) for r in stock] == [("P002", Decimal(12))]


def test_concurrent_double_submit_posts_once_on_postgres(pg_world: ApiWorld):
    """Two requests with the same key at the same moment (a client that retried before the first
    answer came back): one receipt, both answers name it."""
    import threading

    w = pg_world
    po = w.client.post(f"{PREFIX}/purchase-orders", headers=w.headers("purchasing"), json={
        "supplier_id": w.company.supplier, "warehouse_id": w.company.wh1, "order_date": "2026-03-10",
        "lines": [{"product_id": w.company.water, "quantity": "40", "unit_price": "1.50"}]}).json()
    w.client.post(f"{PREFIX}/purchase-orders/{po['id']}/confirm", headers=w.headers("purchasing"))
    start = threading.Barrier(2)
    answers: list = []

    def post() -> None:
        with TestClient(create_app(w.company.engine)) as client:
            start.wait()
            answers.append(client.post(f"{PREFIX}/purchase-orders/{po['id']}/receipts",
                                       json={"receipt_date": "2026-03-11"},
                                       headers=w.headers("warehouse", **{"Idempotency-Key": "race-1"})))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    stock = w.client.get(f"{PREFIX}/stock?search=P001", headers=w.headers("warehouse")).json()["items"]
    assert [(r["sku"], Decimal(r["on_hand_quantity"])) for r in stock] == [("P001", Decimal(40))]
