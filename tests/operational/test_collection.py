"""Collection with stated numbers: the worklist order (overdue amount, then age), promises kept,
open and broken, and who sees which customers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from operational.db import unit_of_work
from operational.services import auth, collection
from operational.services import masterdata as md
from operational.services import receivables as ar
from operational.services.errors import AuthError, ValidationError
from tests.operational.ar_support import bank, ship, user

D = Decimal


@pytest.fixture
def two(tiny_sqlite):
    """C001: 100.00 invoiced 01-10 (due 02-09); C002 (rep E1): 300.00 invoiced 01-20 (due 02-19)."""
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        rep = md.create_employee(s, "E1", "销售一").id
        other = md.create_customer(s, "C002", "杭州超市", salesperson_id=rep).id
        ar.invoice_shipments(s, [ship(s, t, 40, "2.50", "2026-01-10").id], "2026-01-10")
        ar.invoice_shipments(s, [ship(s, t, 120, "2.50", "2026-01-20", customer=other).id], "2026-01-20")
        t.other, t.rep, t.account = other, rep, bank(s)
        t.clerk = user(s, "finance")
    return t


def test_worklist_orders_by_overdue_amount_then_age(two):
    t = two
    with unit_of_work(t.engine) as s:
        rows = collection.worklist(s, date(2026, 3, 1))
        assert [(r["code"], r["overdue_amount"], r["overdue_days"]) for r in rows] == [
            ("C002", D("300.00"), 10), ("C001", D("100.00"), 20)]
        rows = collection.worklist(s, date(2026, 2, 15))  # C002 not due yet
        assert [(r["code"], r["overdue_amount"], r["overdue_days"]) for r in rows] == [("C001", D("100.00"), 6)]


def test_promises_open_broken_and_kept(two):
    t = two
    with unit_of_work(t.engine) as s:
        collection.record_follow_up(s, t.other, "2026-03-01", "call", "财务说周四付款", contact="王姐",
                                    promised_date="2026-03-05", promised_amount="300", user=t.clerk)
        assert collection.promises(s, date(2026, 3, 5))[t.other].state == "open"  # the day itself: not yet broken
        ar.receive_payment(s, t.other, "200", t.account, "2026-03-04")
        broken = collection.broken_promises(s, date(2026, 3, 6))
        assert [(p.customer_id, p.promised_amount, p.received, p.state) for p in broken] == [
            (t.other, D("300.00"), D("200.00"), "broken")]
        # both now owe 100.00 overdue: C001 first, being older (25 days against C002's 15)
        rows = collection.worklist(s, date(2026, 3, 6))
        assert [(r["code"], r["overdue_amount"], r["overdue_days"], r["promise_state"]) for r in rows] == [
            ("C001", D("100.00"), 25, None), ("C002", D("100.00"), 15, "broken")]
        ar.receive_payment(s, t.other, "100", t.account, "2026-03-07")
        assert collection.promises(s, date(2026, 3, 8))[t.other].state == "kept"
        assert collection.broken_promises(s, date(2026, 3, 8)) == []


def test_a_promise_needs_date_and_amount_and_a_role(two):
    t = two
    with unit_of_work(t.engine) as s:
        with pytest.raises(ValidationError) as err:
            collection.record_follow_up(s, t.other, "2026-03-01", "call", "答应付款", promised_date="2026-03-05",
                                        user=t.clerk)
        assert err.value.field == "promised_amount"
        with pytest.raises(ValidationError):
            collection.record_follow_up(s, t.other, "2026-03-01", "call", "答应付款", promised_date="2026-02-28",
                                        promised_amount="1", user=t.clerk)
        with pytest.raises(AuthError):
            collection.record_follow_up(s, t.other, "2026-03-01", "call", "x", user=user(s, "warehouse"))


def test_sales_reps_see_their_own_customers(two):
    t = two
    with unit_of_work(t.engine) as s:
        rep_login = auth.create_user(s, "rep1", "secret-pass-1", "sales", employee_id=t.rep, iterations=1000)
        assert collection.visible_customers(s, rep_login) == {t.other}
        assert collection.visible_customers(s, t.clerk) is None
        rows = collection.worklist(s, date(2026, 3, 1), customer_ids={t.other})
        assert [r["code"] for r in rows] == ["C002"]
