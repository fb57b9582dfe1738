"""Users and passwords; `jxc init` upgrades an existing store without losing data."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from operational.db import unit_of_work
from operational.migrate import current_revision, upgrade
from operational.models import AppUser, Warehouse
from operational.services import auth
from operational.services.errors import AuthError, ValidationError


def test_password_hash_roundtrip_and_login(store_engine):
    with unit_of_work(store_engine) as s:
        user = auth.create_user(s, "caigou", "secret-1", "purchasing", "王采购", iterations=1000)
        assert user.password_hash.startswith("pbkdf2_sha256$1000$")
        assert "secret-1" not in user.password_hash
    with unit_of_work(store_engine) as s:
        assert auth.authenticate(s, "caigou", "secret-1").role == "purchasing"
        with pytest.raises(AuthError) as err:
            auth.authenticate(s, "caigou", "wrong")
        assert err.value.message() == "用户名或密码错误"
        with pytest.raises(AuthError):
            auth.authenticate(s, "nobody", "secret-1")


def test_user_validation(store_engine):
    with pytest.raises(ValidationError) as err, unit_of_work(store_engine) as s:
        auth.create_user(s, "x", "123", "sales")
    assert err.value.message() == "x：密码至少需要8个字符"
    with pytest.raises(ValidationError) as err, unit_of_work(store_engine) as s:
        auth.create_user(s, "x", "123456", "boss")
    assert err.value.field == "role"


def test_roles():
    sales_user = AppUser(role="sales")
    auth.require_role(sales_user, "sales", "manager")
    auth.require_role(AppUser(role="admin"), "sales")
    with pytest.raises(AuthError):
        auth.require_role(sales_user, "finance")


def test_upgrade_keeps_data(store_engine):
    head = current_revision(store_engine)
    assert head
    with unit_of_work(store_engine) as s:
        s.add(Warehouse(code="WH1", name="主仓"))
    assert upgrade(store_engine) == head  # running init again is harmless
    with unit_of_work(store_engine) as s:
        assert [w.code for w in s.query(Warehouse)] == ["WH1"]
    assert "stock_ledger" in inspect(store_engine).get_table_names()


def test_read_only_session_does_not_block_on_a_writer(store_engine):
    from operational.db import read_only

    with unit_of_work(store_engine) as writer:
        writer.add(Warehouse(code="WH9", name="九号仓"))
        writer.flush()  # the writer holds SQLite's write lock until it commits
        with read_only(store_engine) as reader:
            assert reader.query(Warehouse).count() == 0  # sees the last committed state, no wait
    with read_only(store_engine) as reader:
        assert reader.query(Warehouse).count() == 1


def test_reset_empties_the_store_and_keeps_it_migrated(store_engine):
    from operational.migrate import reset

    with unit_of_work(store_engine) as s:
        s.add(Warehouse(code="WH1", name="主仓"))
    assert reset(store_engine) == current_revision(store_engine) != ""
    with unit_of_work(store_engine) as s:
        assert s.query(Warehouse).count() == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_store_of_the_first_release_upgrades_with_its_data(backend, request, tmp_path):
    """A store created at revision 0001 (the spine) with stock in it gains the issue-3 tables and
    columns, and what it held keeps its meaning (defaults: normal warehouses, no batches, no tolerance)."""
    from alembic import command
    from sqlalchemy import text

    from operational.migrate import alembic_config

    engine = request.getfixturevalue("pg_engine" if backend == "postgresql" else "store_engine")
    with engine.begin() as conn:  # the fixtures migrate to head; start again from 0001
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
        conn.execute(text("INSERT INTO warehouse (id, code, name, is_active, created_at, updated_at) "
                          "VALUES (1, 'WH1', '主仓', true, '2026-01-01', '2026-01-01')"))
        conn.execute(text("INSERT INTO supplier (id, code, name, lead_time_days, payment_terms_days, status, "
                          "created_at, updated_at) VALUES (1, 'S1', '供应商', 7, 30, 'active', '2026-01-01', '2026-01-01')"))
    assert upgrade(engine) == "0022"
    with unit_of_work(engine) as s:
        from operational.models import Supplier

        assert s.get(Warehouse, 1).kind == "normal"
        assert s.get(Supplier, 1).over_receipt_tolerance == 0
    assert {"stock_batch", "purchase_return", "stocktake", "credit_approval"} <= set(inspect(engine).get_table_names())


def test_the_migrations_create_exactly_the_models(store_engine):
    """A model changed without a migration (or the other way round) shows up here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from operational.models import Base

    with store_engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
