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
    assert err.value.message() == "x：密码至少需要6个字符"
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
