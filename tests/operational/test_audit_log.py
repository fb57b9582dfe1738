"""The audit log: a service change leaves its old and new values in the same transaction (and a
rolled-back one leaves nothing), Core statements are covered, logins are logged, the demo
generator says it ran without auditing, and only admins read the log."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from operational import audit
from operational.db import read_only, unit_of_work
from operational.models import AuditLog, CashAccount, CustomerContact, Supplier
from operational.services import audit_log as audit_service
from operational.services import auth, cash, crm
from operational.services.errors import AuthError, ValidationError


def _rows(engine, **where) -> list[AuditLog]:  # noqa: ANN001, ANN003
    with read_only(engine) as s:
        query = select(AuditLog).order_by(AuditLog.id)
        for column, value in where.items():
            query = query.where(getattr(AuditLog, column) == value)
        rows = list(s.execute(query).scalars())
        s.expunge_all()  # kept loaded after the read-only session ends
        return rows


def _admin(engine, name: str = "boss"):  # noqa: ANN001, ANN202
    with unit_of_work(engine) as s:
        return auth.create_user(s, name, "a-long-password", "admin", iterations=1000)


def test_a_service_change_writes_old_and_new_values_in_its_transaction(tiny):
    """On SQLite and PostgreSQL: the update's row names the user, the record and both values."""
    with audit.acting_as(7, "li.lei", "web"), unit_of_work(tiny.engine) as s:
        from operational.services import masterdata as md
        md.set_over_receipt_tolerance(s, tiny.supplier, "0.05")
    rows = _rows(tiny.engine, table_name="supplier", action="update")
    assert len(rows) == 1
    row = rows[0]
    assert (row.user_id, row.username, row.channel, row.source, row.record_id) == (7, "li.lei", "web", "orm",
                                                                                 str(tiny.supplier))
    old, new = json.loads(row.old_values), json.loads(row.new_values)
    assert Decimal(old["over_receipt_tolerance"]) == 0
    assert Decimal(new["over_receipt_tolerance"]) == Decimal("0.05")
    # The inserts of the set-up are there as well, with their new ids and values.
    supplier_insert = _rows(tiny.engine, table_name="supplier", action="insert")
    assert [r.record_id for r in supplier_insert] == [str(tiny.supplier)]
    assert json.loads(supplier_insert[0].new_values)["code"] == "S001"
    assert supplier_insert[0].username is None and supplier_insert[0].channel == "system"


def test_a_rolled_back_change_leaves_no_audit_row(tiny_sqlite):
    before = len(_rows(tiny_sqlite.engine))
    with pytest.raises(ValidationError), audit.acting_as(7, "li.lei", "web"), unit_of_work(tiny_sqlite.engine) as s:
        from operational.services import masterdata as md
        md.set_supplier_status(s, tiny_sqlite.supplier, "on_hold")  # flushed: its audit row is written...
        md.set_over_receipt_tolerance(s, tiny_sqlite.supplier, "7")  # ...then this fails: all rolled back
    assert len(_rows(tiny_sqlite.engine)) == before
    with read_only(tiny_sqlite.engine) as s:
        assert s.get(Supplier, tiny_sqlite.supplier).status == "active"


def test_core_statements_are_audited_with_their_parameters(tiny_sqlite):
    """A counter UPDATE through session.connection() (cash balance) and an UPDATE through
    session.execute (the primary contact flag) leave one row each, naming the record by key."""
    engine = tiny_sqlite.engine
    with audit.acting_as(3, "cashier", "web"), unit_of_work(engine) as s:
        account = cash.create_account(s, "BANK1", "工行基本户", opening_balance="1000.00",
                                      opened_on=date.today() - timedelta(days=3))
        account_id = account.id
    core = _rows(engine, table_name="cash_account", source="core")
    assert len(core) == 1
    assert (core[0].action, core[0].record_id, core[0].username) == ("update", str(account_id), "cashier")
    assert Decimal(json.loads(core[0].new_values)["d"]) == Decimal("1000.00")
    assert core[0].old_values is None  # a Core statement did not read what it changed
    ledger = _rows(engine, table_name="cash_ledger", action="insert")
    assert len(ledger) == 1 and Decimal(json.loads(ledger[0].new_values)["amount"]) == Decimal("1000.00")
    with read_only(engine) as s:
        assert s.get(CashAccount, account_id).balance == Decimal("1000.00")

    with audit.acting_as(4, "sales", "web"), unit_of_work(engine) as s:
        crm.add_contact(s, tiny_sqlite.customer, "王经理")
        crm.add_contact(s, tiny_sqlite.customer, "李会计", is_primary=True)
    flag = _rows(engine, table_name="customer_contact", source="core")
    assert len(flag) == 1 and json.loads(flag[0].new_values)["is_primary"] is False
    assert json.loads(flag[0].new_values)["customer_id_1"] == tiny_sqlite.customer  # which rows: the WHERE
    assert flag[0].detail == "customer_contact.customer_id = :customer_id_1"
    assert [r.action for r in _rows(engine, table_name="customer_contact", source="orm")] == ["insert", "insert"]
    # No statement of a flush is counted twice (once by the flush hook, once by the Core hook).
    with read_only(engine) as s:
        contacts = s.execute(select(CustomerContact.id)).scalars().all()
    assert sorted(r.record_id for r in _rows(engine, table_name="customer_contact", source="orm")) == \
        sorted(str(c) for c in contacts)


def test_caches_and_secrets_stay_out_of_the_log(tiny_sqlite):
    engine = tiny_sqlite.engine
    _admin(engine)
    auth.login("boss", "a-long-password")
    tables = {r.table_name for r in _rows(engine)}
    assert not tables & {"audit_log", "login_session", "login_event", "stock_balance", "doc_sequence"}
    user_row = _rows(engine, table_name="app_user", action="insert")[0]
    assert json.loads(user_row.new_values)["password_hash"] == audit.REDACTED


def test_every_login_attempt_writes_a_row(tiny_sqlite):
    engine = tiny_sqlite.engine
    admin = _admin(engine)
    with pytest.raises(AuthError):
        auth.login("boss", "wrong-password", "10.0.0.9")
    with pytest.raises(AuthError):
        auth.login("nobody", "x", "10.0.0.9")
    user = auth.login("boss", "a-long-password", "10.0.0.9")
    auth.logout(user.token)
    rows = [r for r in _rows(engine) if r.source == "login"]
    assert [(r.action, r.username, r.user_id, r.detail) for r in rows] == [
        ("login_failure", "boss", admin.id, "wrong_password"),
        ("login_failure", "nobody", None, "unknown_user"),
        ("login_success", "boss", admin.id, None),
        ("login_logout", "boss", admin.id, None),
    ]
    assert json.loads(rows[0].new_values) == {"client": "10.0.0.9", "outcome": "failure"}


def test_auditing_off_writes_nothing(tiny_sqlite):
    before = len(_rows(tiny_sqlite.engine))
    with audit.auditing_off(), unit_of_work(tiny_sqlite.engine) as s:
        from operational.services import masterdata as md
        md.set_supplier_status(s, tiny_sqlite.supplier, "on_hold")
        audit.note_auditing_off(s, "a bulk load")
    rows = _rows(tiny_sqlite.engine)
    assert len(rows) == before + 1
    assert (rows[-1].action, rows[-1].detail) == ("auditing_off", "a bulk load")


def test_only_admins_read_the_log_and_filters_work(tiny_sqlite):
    engine = tiny_sqlite.engine
    admin = _admin(engine)
    with unit_of_work(engine) as s:
        clerk = auth.create_user(s, "clerk", "a-long-password", "purchasing", iterations=1000)
    from operational.services import masterdata as md
    with audit.acting_as(clerk.id, "clerk", "web"), unit_of_work(engine) as s:
        md.set_supplier_status(s, tiny_sqlite.supplier, "on_hold")
    with read_only(engine) as s:
        with pytest.raises(AuthError):
            audit_service.search(s, clerk)
        page = audit_service.search(s, admin, audit_service.AuditFilter(username="clerk"))
        assert [(e.table_name, e.action, e.record_id) for e in page.entries] == \
            [("supplier", "update", str(tiny_sqlite.supplier))]
        flt = audit_service.AuditFilter(table_name="supplier", record_id=str(tiny_sqlite.supplier))
        assert [e.action for e in audit_service.search(s, admin, flt).entries] == ["update", "insert"]
        everything = audit_service.search(s, admin, page_size=2)
        assert everything.total > 5 and len(everything.entries) == 2 and everything.pages == -(-everything.total // 2)
        second = audit_service.search(s, admin, page=2, page_size=2)
        assert {e.id for e in second.entries}.isdisjoint({e.id for e in everything.entries})
        tomorrow = date.today() + timedelta(days=1)
        assert audit_service.search(s, admin, audit_service.AuditFilter(date_from=tomorrow)).total == 0
        with pytest.raises(ValidationError) as err:
            audit_service.search(s, admin, audit_service.AuditFilter(date_from=tomorrow, date_to=date.today()))
        assert err.value.message("zh_CN") == "结束日期不能早于开始日期"
        with pytest.raises(ValidationError):
            audit_service.search(s, admin, audit_service.AuditFilter(action="drop_table"))
        with pytest.raises(ValidationError):
            audit_service.search(s, admin, page_size=10_000)


def test_prune_keeps_recent_entries(tiny_sqlite):
    engine = tiny_sqlite.engine
    total = len(_rows(engine))
    with unit_of_work(engine) as s:
        assert audit_service.prune(s, 30) == 0
        assert audit_service.prune(s, 1, now=audit.utcnow() + timedelta(days=2)) == total
    assert _rows(engine) == []
