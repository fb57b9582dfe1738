"""Expense claims: the approval thresholds in numbers, who may approve, reimbursement through the
cash ledger (and its refusal), the trail of steps, budgets with versions and budget vs actual."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from operational.db import unit_of_work
from operational.models import AppUser, CashAccount, CashLedger, ExpenseClaim
from operational.services import auth, budgets, cash, expenses
from operational.services import masterdata as md
from operational.services.errors import AuthError, StateError, ValidationError
from operational.services.expenses import ClaimLineInput as L

D = Decimal
DAY = date(2026, 3, 10)
AT = datetime(2026, 3, 10, 9, 30)


@dataclass
class Office:
    engine: Engine
    users: dict[str, int]  # staff (clerk), head (warehouse head), finance, manager (GM), admin
    employees: dict[str, int]
    cats: dict[str, int]
    box: int  # C01, 1,000.00
    bank: int  # B01, 100,000.00


def build_office(engine: Engine) -> Office:
    with unit_of_work(engine) as s:
        gm = md.create_employee(s, "E001", "王总", department="总经办")
        head = md.create_employee(s, "E002", "李仓", department="仓储部", manager_id=gm.id)
        clerk = md.create_employee(s, "E003", "张三", department="仓储部", manager_id=head.id)
        fin = md.create_employee(s, "E004", "赵会计", department="财务部", manager_id=gm.id)
        users = {}
        for name, role, emp in (("staff", "staff", clerk), ("head", "warehouse", head), ("finance", "finance", fin),
                                ("manager", "manager", gm), ("admin", "admin", None)):
            users[name] = auth.create_user(s, name, "secret-123", role, employee_id=emp.id if emp else None,
                                           iterations=1000).id
        cats = {code: c.id for code, c in expenses.ensure_categories(s).items()}
        box = cash.create_account(s, "C01", "库存现金", kind="cash", opening_balance="1000", opened_on=date(2026, 3, 1))
        bank = cash.create_account(s, "B01", "工行基本户", opening_balance="100000", opened_on=date(2026, 3, 1))
        return Office(engine, users, {"gm": gm.id, "head": head.id, "clerk": clerk.id, "fin": fin.id}, cats,
                      box.id, bank.id)


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest) -> Office:
    return build_office(request.getfixturevalue("store_engine" if request.param == "sqlite" else "pg_engine"))


@pytest.fixture
def office_sqlite(store_engine: Engine) -> Office:
    return build_office(store_engine)


def _user(s, o: Office, name: str) -> AppUser:  # noqa: ANN001
    return s.get(AppUser, o.users[name])


def _claim(o: Office, amounts: list[str], *, who: str = "staff", employee: str = "clerk", payee: str | None = None,
           category: str = "TRAVEL") -> int:
    with unit_of_work(o.engine) as s:
        lines = [L(o.cats[category], date(2026, 3, 5), a, f"行{i}") for i, a in enumerate(amounts, 1)]
        return expenses.create_claim(s, _user(s, o, who), o.employees[employee], DAY, lines, payee=payee,
                                     submit=True, at=AT).id


def test_the_approval_thresholds_in_numbers():
    assert [(lv.level, lv.above, lv.roles, lv.line_manager) for lv in expenses.APPROVAL_LEVELS] == [
        (1, D("0.00"), ("finance",), True), (2, D("5000.00"), ("manager",), False)]
    assert [lv.level for lv in expenses.required_levels(D("4999.99"))] == [1]
    assert [lv.level for lv in expenses.required_levels(D("5000.00"))] == [1]
    assert [lv.level for lv in expenses.required_levels(D("5000.01"))] == [1, 2]


def test_small_claim_approved_by_the_line_manager_and_reimbursed_from_cash(office):
    o = office
    claim_id = _claim(o, ["300.00", "120.50"])
    with unit_of_work(o.engine) as s:
        claim = s.get(ExpenseClaim, claim_id)
        assert (claim.doc_no, claim.status, claim.total_amount, claim.required_levels, claim.department) == (
            "EC-2026-000001", "submitted", D("420.50"), 1, "仓储部")
        assert [(line.line_no, line.amount) for line in claim.lines] == [(1, D("300.00")), (2, D("120.50"))]
    # The claimant may not approve; the general manager is not level 1 (not finance, not the line manager).
    for name, code in (("staff", "expense_self_approval"), ("manager", "expense_not_approver")):
        with pytest.raises(AuthError) as err, unit_of_work(o.engine) as s:
            expenses.approve_claim(s, _user(s, o, name), claim_id)
        assert err.value.code == code
    with unit_of_work(o.engine) as s:
        expenses.approve_claim(s, _user(s, o, "head"), claim_id, "同意", at=datetime(2026, 3, 11, 10, 0))
        assert s.get(ExpenseClaim, claim_id).status == "approved"
    with pytest.raises(AuthError), unit_of_work(o.engine) as s:  # only finance pays
        expenses.reimburse_claim(s, _user(s, o, "head"), claim_id, o.box, date(2026, 3, 12))
    with unit_of_work(o.engine) as s:
        expenses.reimburse_claim(s, _user(s, o, "finance"), claim_id, o.box, date(2026, 3, 12),
                                 at=datetime(2026, 3, 12, 15, 0))
    with unit_of_work(o.engine) as s:
        assert s.get(CashAccount, o.box).balance == D("579.50")
        row = s.execute(select(CashLedger).where(CashLedger.doc_type == "expense_claim")).scalar_one()
        assert (row.account_id, row.entry_date, row.amount, row.kind, row.doc_id, row.doc_no, row.counterparty) == (
            o.box, date(2026, 3, 12), D("-420.50"), "expense_reimbursement", claim_id, "EC-2026-000001", "张三")
        claim = s.get(ExpenseClaim, claim_id)
        assert (claim.status, claim.reimbursed_account_id, claim.reimbursed_on) == ("reimbursed", o.box,
                                                                                  date(2026, 3, 12))
        trail = [(st.step, st.level, st.user_id, st.at, st.note) for st in expenses.history(s, claim_id)]
        assert trail == [
            ("submit", None, o.users["staff"], AT, None),
            ("approve", 1, o.users["head"], datetime(2026, 3, 11, 10, 0), "同意"),
            ("reimburse", None, o.users["finance"], datetime(2026, 3, 12, 15, 0), "C01"),
        ]


def test_above_the_threshold_finance_then_the_general_manager(office_sqlite):
    o = office_sqlite
    claim_id = _claim(o, ["5000.00", "0.01"])
    with unit_of_work(o.engine) as s:
        assert s.get(ExpenseClaim, claim_id).required_levels == 2
        with pytest.raises(AuthError) as err:  # level 1 first: the manager role is level 2
            expenses.approve_claim(s, _user(s, o, "manager"), claim_id)
        assert err.value.code == "expense_not_approver"
        expenses.approve_claim(s, _user(s, o, "finance"), claim_id)
        claim = s.get(ExpenseClaim, claim_id)
        assert (claim.status, claim.approved_levels) == ("submitted", 1)
        assert expenses.next_level(claim).level == 2
        with pytest.raises(AuthError):  # finance may not give the second approval
            expenses.approve_claim(s, _user(s, o, "finance"), claim_id)
        with pytest.raises(AuthError):  # nor may the line manager
            expenses.approve_claim(s, _user(s, o, "head"), claim_id)
        expenses.approve_claim(s, _user(s, o, "manager"), claim_id)
        assert s.get(ExpenseClaim, claim_id).status == "approved"
        assert [(st.step, st.level) for st in expenses.history(s, claim_id)] == [
            ("submit", None), ("approve", 1), ("approve", 2)]
    # One person never gives both approvals, not even an admin.
    second = _claim(o, ["6000"])
    with unit_of_work(o.engine) as s:
        expenses.approve_claim(s, _user(s, o, "admin"), second)
        with pytest.raises(AuthError) as err:
            expenses.approve_claim(s, _user(s, o, "admin"), second)
        assert err.value.code == "expense_approved_already"


def test_reimbursement_the_account_cannot_cover_writes_nothing(office):
    o = office
    claim_id = _claim(o, ["1000.01"])
    with unit_of_work(o.engine) as s:
        expenses.approve_claim(s, _user(s, o, "finance"), claim_id)
    with pytest.raises(StateError) as err, unit_of_work(o.engine) as s:
        expenses.reimburse_claim(s, _user(s, o, "finance"), claim_id, o.box, DAY)
    assert err.value.code == "insufficient_funds" and err.value.record == "EC-2026-000001"
    with unit_of_work(o.engine) as s:
        assert s.get(ExpenseClaim, claim_id).status == "approved"
        assert s.get(CashAccount, o.box).balance == D("1000.00")
        assert [st.step for st in expenses.history(s, claim_id)] == ["submit", "approve"]
        assert s.execute(select(CashLedger.id).where(CashLedger.doc_type == "expense_claim")).first() is None
        expenses.reimburse_claim(s, _user(s, o, "finance"), claim_id, o.bank, DAY)
    with unit_of_work(o.engine) as s:
        assert s.get(CashAccount, o.bank).balance == D("98999.99")


def test_rejection_needs_a_reason_and_ends_the_claim(office_sqlite):
    o = office_sqlite
    claim_id = _claim(o, ["88.00"], category="ENTERTAIN")
    with pytest.raises(ValidationError) as err, unit_of_work(o.engine) as s:
        expenses.reject_claim(s, _user(s, o, "finance"), claim_id, "  ")
    assert (err.value.code, err.value.field) == ("expense_reject_reason", "reason")
    with unit_of_work(o.engine) as s:
        expenses.reject_claim(s, _user(s, o, "finance"), claim_id, "无发票", at=AT)
        assert s.get(ExpenseClaim, claim_id).status == "rejected"
        assert [(st.step, st.level, st.note) for st in expenses.history(s, claim_id)][-1] == ("reject", 1, "无发票")
        with pytest.raises(StateError):
            expenses.approve_claim(s, _user(s, o, "head"), claim_id)


def test_staff_file_and_see_only_their_own_claims(office_sqlite):
    o = office_sqlite
    with pytest.raises(AuthError) as err, unit_of_work(o.engine) as s:
        expenses.create_claim(s, _user(s, o, "staff"), o.employees["fin"], DAY, [L(o.cats["OFFICE"], DAY, "10")])
    assert err.value.code == "expense_not_own"
    own = _claim(o, ["10.00"])
    other = _claim(o, ["20.00"], who="finance", employee="fin")  # finance files its own
    with unit_of_work(o.engine) as s:
        staff, head = _user(s, o, "staff"), _user(s, o, "head")
        assert expenses.may_view(s, staff, s.get(ExpenseClaim, own))
        assert not expenses.may_view(s, staff, s.get(ExpenseClaim, other))
        assert expenses.may_view(s, head, s.get(ExpenseClaim, own))  # the line manager
        assert not expenses.may_view(s, head, s.get(ExpenseClaim, other))
        with pytest.raises(AuthError):  # finance may not approve (or pay) its own claim
            expenses.approve_claim(s, _user(s, o, "finance"), other)


def test_line_rules_name_the_line(office_sqlite):
    o = office_sqlite
    cases = [
        ([], "no_lines", "lines"),
        ([L(o.cats["TRAVEL"], DAY, "10"), L(o.cats["TRAVEL"], DAY, "-1")], "must_be_positive", "lines.2.amount"),
        ([L(o.cats["TRAVEL"], date(2026, 3, 11), "10")], "expense_after_claim", "lines.1.expense_date"),
        ([L(None, DAY, "10")], "required", "lines.1.category_id"),
        ([L(o.cats["TRAVEL"], DAY, "1.005")], "invalid_number", "lines.1.amount"),
    ]
    for lines, code, field in cases:
        with pytest.raises(ValidationError) as err, unit_of_work(o.engine) as s:
            expenses.create_claim(s, _user(s, o, "staff"), o.employees["clerk"], DAY, lines)
        assert (err.value.code, err.value.field) == (code, field)


def test_draft_edit_cancel_and_third_party_payee(office_sqlite):
    o = office_sqlite
    with unit_of_work(o.engine) as s:
        draft = expenses.create_claim(s, _user(s, o, "staff"), o.employees["clerk"], DAY,
                                      [L(o.cats["OFFICE"], DAY, "10")])
        assert (draft.status, draft.required_levels) == ("draft", 0)
        expenses.update_claim(s, _user(s, o, "staff"), draft.id, DAY,
                              [L(o.cats["OFFICE"], DAY, "12.30"), L(o.cats["TELECOM"], DAY, "50")])
        assert (draft.total_amount, len(draft.lines)) == (D("62.30"), 2)
        expenses.cancel_claim(s, _user(s, o, "staff"), draft.id)
        assert draft.status == "cancelled"
    rent = _claim(o, ["8000.00"], who="finance", employee="gm", payee="上海嘉定物业有限公司", category="RENT")
    with unit_of_work(o.engine) as s:
        expenses.approve_claim(s, _user(s, o, "finance"), rent)
        with pytest.raises(AuthError):  # the GM filed it (through finance): not their own to approve
            expenses.approve_claim(s, _user(s, o, "manager"), rent)
        expenses.approve_claim(s, _user(s, o, "admin"), rent)
        expenses.reimburse_claim(s, _user(s, o, "finance"), rent, o.bank, DAY)
        row = s.execute(select(CashLedger).where(CashLedger.doc_id == rent,
                                                 CashLedger.doc_type == "expense_claim")).scalar_one()
        assert (row.kind, row.amount, row.counterparty) == ("other_expense", D("-8000.00"), "上海嘉定物业有限公司")


def test_budget_versions_and_budget_vs_actual(office_sqlite):
    o = office_sqlite
    march, travel, office_cat = date(2026, 3, 1), o.cats["TRAVEL"], o.cats["OFFICE"]
    with unit_of_work(o.engine) as s:
        fin = _user(s, o, "finance")
        first = budgets.set_budget(s, fin, travel, date(2026, 3, 17), "1000")
        again = budgets.set_budget(s, fin, travel, march, "1200.00", note="出差增加")
        assert first.id == again.id and (again.month, again.amount, again.version) == (march, D("1200.00"), 2)
        assert [(r.version, r.amount, r.previous_amount) for r in budgets.revisions(s, again.id)] == [
            (1, D("1000.00"), None), (2, D("1200.00"), D("1000.00"))]
        budgets.set_budget(s, fin, travel, march, "500", department="仓储部")
        budgets.set_budget(s, fin, office_cat, march, "300")
        with pytest.raises(AuthError):
            budgets.set_budget(s, _user(s, o, "staff"), travel, march, "1")
    # Spending: 仓储部 travel 420.50 approved + 300 submitted (not counted); 财务部 travel 900 reimbursed.
    a = _claim(o, ["300.00", "120.50"])
    _claim(o, ["300.00"])
    b = _claim(o, ["900.00"], who="finance", employee="fin")
    with unit_of_work(o.engine) as s:
        expenses.approve_claim(s, _user(s, o, "head"), a)
        expenses.approve_claim(s, _user(s, o, "manager"), b)  # the GM is the finance clerk's manager
        expenses.reimburse_claim(s, _user(s, o, "admin"), b, o.bank, DAY)
        rows = {(r.category_id, r.department): (r.budget, r.actual, r.variance, r.variance_pct)
                for r in budgets.budget_vs_actual(s, march, date(2026, 3, 31))}
    assert rows == {
        (travel, None): (D("1200.00"), D("1320.50"), D("120.50"), D("10.04")),
        (travel, "仓储部"): (D("500.00"), D("420.50"), D("-79.50"), D("-15.90")),
        (travel, "财务部"): (None, D("900.00"), D("900.00"), None),
        (office_cat, None): (D("300.00"), D("0"), D("-300.00"), D("-100.00")),
    }


def test_two_clerks_paying_one_claim_at_once_pay_it_once(office):
    import threading

    o = office
    claim_id = _claim(o, ["100.00"])
    with unit_of_work(o.engine) as s:
        expenses.approve_claim(s, _user(s, o, "head"), claim_id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay() -> None:
        barrier.wait()
        try:
            with unit_of_work(o.engine) as s:
                expenses.reimburse_claim(s, _user(s, o, "finance"), claim_id, o.bank, DAY)
            outcomes.append("paid")
        except StateError as err:
            outcomes.append(err.code)

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(outcomes) == ["bad_state", "paid"]
    with unit_of_work(o.engine) as s:
        assert s.get(CashAccount, o.bank).balance == D("99900.00")
        assert len(s.execute(select(CashLedger.id).where(CashLedger.doc_type == "expense_claim")).all()) == 1
