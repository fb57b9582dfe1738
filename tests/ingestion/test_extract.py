"""Store → raw: exact values and types, incremental runs, merges, deletes, rebuilds, atomicity."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from sqlalchemy import delete, text

from ingestion.extract import extract_to_raw, raw_tables
from operational.db import unit_of_work
from operational.models import Base, SalesOrder, SalesOrderLine
from operational.services import sales
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L


def test_raw_tables_lists_every_store_table():
    names = raw_tables()
    assert "stock_ledger" in names and "sales_order_line" in names and "doc_sequence" in names
    assert "alembic_version" not in names
    assert len(names) == len(set(names))
    # Every table but the store's bookkeeping (sessions, login audit, form-submission tokens, print log,
    # audit log).
    assert set(names) == {t.name for t in Base.metadata.sorted_tables} - {"login_event", "login_session",
                                                                          "store_setting", "form_submission",
                                                                          "document_print", "import_batch", "api_token",
                                                                          "audit_log"}


def test_first_extract_copies_every_row_exactly(seeded, warehouse, check):
    written = extract_to_raw(seeded.url, warehouse)
    assert set(written) == set(raw_tables())
    assert written["stock_ledger"] == 2 and written["purchase_order_line"] == 1
    check.equals_store(seeded.engine)
    # Credentials stay in the store: the users are extracted (who entered what), their password hashes are not.
    cols = {r[0] for r in check.sql("SELECT column_name FROM information_schema.columns "
                                     "WHERE table_schema = 'raw' AND table_name = 'app_user'")}
    assert "username" in cols and "password_hash" not in cols
    # Decimals arrive exact and typed (SQLite stores them as scaled integers).
    assert check.sql("SELECT list_price, standard_cost FROM raw.product") == [(Decimal("12.3456"), Decimal("0.0001"))]
    assert check.sql("SELECT quantity, unit_price, discount_rate, amount, received_qty FROM raw.purchase_order_line") == [
        (Decimal("100.1234"), Decimal("12.3456"), Decimal("0.1250"), Decimal("1081.57"), Decimal("40.0000"))
    ]
    assert check.sql("SELECT credit_limit FROM raw.customer") == [(Decimal("99999999.99"),)]
    types = dict(check.sql(
        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw'"
    ))
    assert types["product.list_price"] == "DECIMAL(18,4)"
    assert types["sales_order.total_amount"] == "DECIMAL(18,2)"
    assert types["stock_ledger.movement_date"] == "DATE"
    assert types["stock_ledger.posted_at"] == "TIMESTAMP"
    assert types["product.allow_negative"] == "BOOLEAN"
    assert types["product.sku"] == "VARCHAR"
    marks = dict((t, (c, v)) for t, c, v in check.sql("SELECT table_name, column_name, value FROM raw._watermarks"))
    assert marks["stock_ledger"] == ("id", "2")
    assert marks["sales_order"][0] == "updated_at"
    assert marks["doc_sequence"] == (None, None)


def test_second_run_writes_nothing_and_changes_nothing(seeded, warehouse, check):
    extract_to_raw(seeded.url, warehouse)
    before = check.snapshot()
    assert extract_to_raw(seeded.url, warehouse) == {t: 0 for t in raw_tables()}
    assert check.snapshot() == before


def test_changed_document_is_merged_not_duplicated(seeded, warehouse, check):
    extract_to_raw(seeded.url, warehouse)
    with unit_of_work(seeded.engine) as s:
        sales.confirm_sales_order(s, seeded.sales_order)
        line_id = s.get(SalesOrder, seeded.sales_order).lines[0].id
        sales.ship_goods(s, seeded.sales_order, date(2026, 3, 5), [F(line_id, "2.5")])
    written = extract_to_raw(seeded.url, warehouse)
    # The order changed state, its line got shipped_qty, one shipment with one line, one ledger row.
    assert written["sales_order"] == 1 and written["sales_order_line"] == 1
    assert written["shipment"] == 1 and written["shipment_line"] == 1 and written["stock_ledger"] == 1
    assert written["stock_balance"] == 1 and written["product"] == 0 and written["purchase_order"] == 0
    assert check.sql("SELECT status FROM raw.sales_order") == [("partial",)]
    assert check.sql("SELECT count(*), sum(shipped_qty) FROM raw.sales_order_line") == [(1, Decimal("2.5000"))]
    assert check.sql("SELECT quantity FROM raw.stock_balance") == [(Decimal("48.0000"),)]  # 10.5 + 40 − 2.5
    check.equals_store(seeded.engine)


def test_late_commit_inside_overlap_is_caught(seeded, warehouse, check):
    """A row committed after the extract but stamped before its watermark (long transaction)."""
    extract_to_raw(seeded.url, warehouse)
    (mark,) = check.sql("SELECT value FROM raw._watermarks WHERE table_name = 'customer'")[0]
    stamp = datetime.fromisoformat(mark) - timedelta(minutes=2)
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE customer SET region = '华东', updated_at = :t"), {"t": stamp.isoformat(sep=" ")})
    assert extract_to_raw(seeded.url, warehouse, tables=["customer"]) == {"customer": 1}
    assert check.sql("SELECT region FROM raw.customer") == [("华东",)]


def test_deleted_rows_are_deleted_from_raw(seeded, warehouse, check):
    extract_to_raw(seeded.url, warehouse)
    with unit_of_work(seeded.engine) as s:
        s.execute(delete(SalesOrderLine))
        s.execute(delete(SalesOrder))
    extract_to_raw(seeded.url, warehouse)
    assert check.sql("SELECT count(*) FROM raw.sales_order") == [(0,)]
    assert check.sql("SELECT count(*) FROM raw.sales_order_line") == [(0,)]
    check.equals_store(seeded.engine)


def test_full_rebuild(seeded, warehouse, check):
    extract_to_raw(seeded.url, warehouse)
    with duckdb.connect(str(warehouse)) as con:  # damage raw: a full run must not care
        con.execute("DELETE FROM raw.stock_ledger")
        con.execute("UPDATE raw.product SET list_price = 0")
    written = extract_to_raw(seeded.url, warehouse, full=True)
    assert written["stock_ledger"] == 2 and written["product"] == 1 and written["doc_sequence"] == 3
    check.equals_store(seeded.engine)


def test_error_midway_writes_nothing(seeded, warehouse, check):
    extract_to_raw(seeded.url, warehouse)
    before = check.snapshot()
    marks = check.sql("SELECT * FROM raw._watermarks ORDER BY 1")
    with unit_of_work(seeded.engine) as s:  # new rows for the early tables...
        sales.create_sales_order(s, seeded.customer, seeded.warehouse, "2026-03-06", [L(seeded.product, 1, 5)])
    with seeded.engine.begin() as conn:  # ...and a table that can no longer be read, last in the run
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        conn.execute(text("DROP TABLE shipment_line"))
    with pytest.raises(Exception, match="shipment_line"):
        extract_to_raw(seeded.url, warehouse)
    assert check.snapshot() == before
    assert check.sql("SELECT * FROM raw._watermarks ORDER BY 1") == marks


def test_schema_change_rebuilds_the_table(seeded, warehouse, check):
    extract_to_raw(seeded.url, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("ALTER TABLE raw.product DROP COLUMN barcode")
    assert extract_to_raw(seeded.url, warehouse)["product"] == 1
    check.equals_store(seeded.engine)


def test_unknown_table_is_refused(seeded, warehouse):
    with pytest.raises(ValueError, match="alembic_version"):
        extract_to_raw(seeded.url, warehouse, tables=["alembic_version"])


def test_missing_store_is_an_error(tmp_path, warehouse):
    with pytest.raises(FileNotFoundError):
        extract_to_raw(f"sqlite:///{tmp_path / 'nope.sqlite'}", warehouse)
    assert not warehouse.exists()


@pytest.mark.postgres
def test_postgresql_store(pg_seeded, check, warehouse):
    seeded, pg_engine = pg_seeded, pg_seeded.engine
    written = extract_to_raw(seeded.url, warehouse)
    assert written["stock_ledger"] == 2
    check.equals_store(pg_engine)
    assert check.sql("SELECT quantity, unit_price, discount_rate, amount FROM raw.purchase_order_line") == [
        (Decimal("100.1234"), Decimal("12.3456"), Decimal("0.1250"), Decimal("1081.57"))
    ]
    assert extract_to_raw(seeded.url, warehouse) == {t: 0 for t in raw_tables()}
    with unit_of_work(pg_engine) as s:
        sales.confirm_sales_order(s, seeded.sales_order)
    assert extract_to_raw(seeded.url, warehouse)["sales_order"] == 1
    check.equals_store(pg_engine)
