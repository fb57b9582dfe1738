"""The demo company's expenses and cash pass at small scale: claims of every kind, decided by the
right people, paid through the cash ledger (which ties to the balances), rent every month,
budgets for every month, and a continuation over disjoint day ranges that gives the same store as
one run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from operational.db import make_engine, unit_of_work
from operational.demo import expenses as expenses_pass
from operational.demo import generate, passes
from operational.migrate import upgrade
from operational.models import (
    AppUser,
    Budget,
    CashAccount,
    CashLedger,
    ExpenseApprovalStep,
    ExpenseCategory,
    ExpenseClaim,
)
from operational.services import cash

END = date(2026, 3, 31)
DAYS = 120


def _engine(path: Path) -> Engine:
    path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path / 'jxc.sqlite'}")
    upgrade(engine)
    return engine


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _engine(tmp_path_factory.mktemp("expenses_demo"))
    generate(engine, scale=0.02, seed=42, end_date=END, days=DAYS, bulk=True)
    yield engine
    engine.dispose()


def test_claims_of_every_kind_are_filed_decided_and_paid(demo):
    with unit_of_work(demo) as s:
        states = dict(s.execute(select(ExpenseClaim.status, func.count()).group_by(ExpenseClaim.status)).all())
        assert states.get("reimbursed", 0) > 40 and states.get("rejected", 0) >= 1
        assert set(states) <= {"submitted", "approved", "reimbursed", "rejected"}
        levels = dict(s.execute(select(ExpenseClaim.required_levels, func.count())
                                .group_by(ExpenseClaim.required_levels)).all())
        assert levels.get(1, 0) > 40 and levels.get(2, 0) >= 4  # rent and long trips go to the GM
        big = s.execute(select(ExpenseClaim).where(ExpenseClaim.total_amount > Decimal("5000.00"))).scalars().all()
        assert big and all(c.required_levels == 2 for c in big)
        small = s.execute(select(func.max(ExpenseClaim.required_levels))
                          .where(ExpenseClaim.total_amount <= Decimal("5000.00"))).scalar_one()
        assert small == 1
        # Rent: one claim a month paid to the landlord from the bank.
        rent = s.execute(select(ExpenseClaim).join(ExpenseClaim.lines).join(ExpenseCategory)
                         .where(ExpenseCategory.code == "RENT")).unique().scalars().all()
        assert len(rent) == 4 and {c.payee for c in rent} == {expenses_pass.LANDLORD}
        assert {c.total_amount for c in rent} == {expenses_pass.RENT}


def test_nobody_approves_their_own_claim_and_every_step_is_recorded(demo):
    with unit_of_work(demo) as s:
        employee_of = dict(s.execute(select(AppUser.id, AppUser.employee_id)).all())
        rows = s.execute(select(ExpenseApprovalStep.step, ExpenseApprovalStep.user_id, ExpenseClaim.employee_id,
                                ExpenseClaim.status)
                         .join(ExpenseClaim, ExpenseClaim.id == ExpenseApprovalStep.claim_id)).all()
        assert all(employee_of[user] != employee for step, user, employee, _ in rows
                   if step in ("approve", "reject", "reimburse"))
        per_claim = dict(s.execute(select(ExpenseApprovalStep.claim_id, func.count())
                                   .where(ExpenseApprovalStep.step == "reimburse")
                                   .group_by(ExpenseApprovalStep.claim_id)).all())
        paid = s.execute(select(func.count()).select_from(ExpenseClaim)
                         .where(ExpenseClaim.status == "reimbursed")).scalar_one()
        assert len(per_claim) == paid and set(per_claim.values()) == {1}


def test_the_cash_ledger_ties_to_the_balances_and_the_box_is_topped_up(demo):
    with unit_of_work(demo) as s:
        totals = cash.ledger_totals(s)
        balances = {a.id: a.balance for a in s.execute(select(CashAccount)).scalars()}
        assert totals == {k: v for k, v in balances.items() if k in totals}
        paid = s.execute(select(func.sum(ExpenseClaim.total_amount))
                         .where(ExpenseClaim.status == "reimbursed")).scalar_one()
        out = s.execute(select(func.sum(CashLedger.amount)).where(CashLedger.doc_type == "expense_claim")).scalar_one()
        assert out == -paid
        assert all(b >= 0 for b in balances.values())


def test_every_month_has_its_budgets(demo):
    first = END - timedelta(days=DAYS - 1)
    with unit_of_work(demo) as s:
        months = s.execute(select(Budget.month, func.count()).group_by(Budget.month).order_by(Budget.month)).all()
    expected = sorted({date(d.year, d.month, 1) for d in (first + timedelta(days=i) for i in range(DAYS))})
    assert [m for m, _ in months] == expected
    assert {n for _, n in months} == {9}  # 8 company-wide categories + the sales department's travel


def test_disjoint_day_ranges_give_the_same_store_as_one_run(tmp_path, monkeypatch):
    monkeypatch.setattr(passes, "PASSES", [p for p in passes.PASSES if p[0] != "expenses"])
    stores = []
    for name in ("whole", "split"):
        engine = _engine(tmp_path / name)
        generate(engine, scale=0.02, seed=7, end_date=END, days=60, bulk=True)
        stores.append(engine)
    days = [END - timedelta(days=59 - i) for i in range(60)]
    expenses_pass.run(stores[0], days, 7)
    expenses_pass.run(stores[1], days[:25], 7)
    expenses_pass.run(stores[1], days[25:], 7)

    def snapshot(engine: Engine) -> tuple:
        with unit_of_work(engine) as s:
            claims = s.execute(select(ExpenseClaim.doc_no, ExpenseClaim.status, ExpenseClaim.total_amount,
                                      ExpenseClaim.reimbursed_on).order_by(ExpenseClaim.id)).all()
            steps = s.execute(select(ExpenseApprovalStep.step, ExpenseApprovalStep.user_id, ExpenseApprovalStep.at)
                              .order_by(ExpenseApprovalStep.id)).all()
            ledger = s.execute(select(CashLedger.account_id, CashLedger.entry_date, CashLedger.amount)
                               .order_by(CashLedger.id)).all()
            return claims, steps, ledger

    whole, split = snapshot(stores[0]), snapshot(stores[1])
    assert len(whole[0]) > 10
    assert whole == split
    for engine in stores:
        engine.dispose()
