"""The demo company's expenses and cash pass (费用与资金): employees file expense claims, the right
people approve or reject them a few days later, finance pays them out of the cash box or the bank,
rent and utilities are paid every month, the cash box is topped up from the bank, and each month
has its budgets — all through ``operational.services.expenses`` / ``budgets`` / ``cash``.

- Sales reps travel (差旅费, now and then above the 5,000.00 threshold), take taxis (交通费) and
  entertain customers (业务招待费); everybody buys office supplies (办公费) and claims the phone
  bill (通讯费); the sales department spends on promotion (市场推广费) around 618 and Double 11.
- Rent (租金, 30,000.00) and utilities (水电费) are claims of the finance department's cashier
  with the landlord / utility as payee, paid from the bank on the 5th of each month.
- Approvers are whoever the approval rule allows, in this order: the claimant's line manager's
  login, finance, the general manager, the admin (``expenses.may_decide`` says who may).
- A month's budgets are set on its first day by finance: per category, near the typical spend.
- The cash box C01 is topped up from B01 (or B02 when B01 cannot) when it falls below 5,000.00.
  The accounts are the receivables pass's (B01, B02, C01); when that pass has not run they are
  opened here the same way.
- Money only leaves an account that can give it on that day and every later one (``funds``): a
  claim is paid from the first account that can cover it, a top-up shrinks to what the banks hold,
  and a claim nothing can pay yet stays approved until the money is there.

Every decision comes from ``random.Random(f"{seed}|expenses|<day>")`` or from a claim's number, and
pending claims are read back from the store, so days 1–10 then 11–20 continue believably.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from operational.db import unit_of_work
from operational.demo import funds
from operational.models import AppUser, Budget, CashAccount, Employee, ExpenseApprovalStep, ExpenseClaim
from operational.services import budgets, cash, expenses
from operational.services.expenses import ClaimLineInput

CASHIER_DEPARTMENT = "财务部"
SALES_DEPARTMENT = "销售部"
LANDLORD = "上海嘉定工业园物业管理有限公司"
UTILITY = "国网上海市电力公司"
RENT = Decimal("30000.00")
REJECT_SHARE = 0.06
REJECT_REASONS = ("缺少发票", "超出差旅标准", "与业务无关", "金额与发票不符")
CASH_FLOOR, TOP_UP = Decimal("5000.00"), Decimal("20000.00")
SMALL_CLAIM = Decimal("2000.00")  # paid in cash when the box can; larger ones by bank transfer
# Fallback accounts (code, name, kind, opening) — the receivables pass normally opens them.
ACCOUNTS = (("B01", "工商银行基本户", "bank", Decimal("3000000.00")),
            ("B02", "招商银行一般户", "bank", Decimal("500000.00")),
            ("C01", "库存现金", "cash", Decimal("20000.00")))
# Per working day and employee: (category, chance, low, high) — sales reps / everybody.
REP_PLANS = (("TRAVEL", 0.025, 600, 4200), ("TRANSPORT", 0.04, 30, 260), ("ENTERTAIN", 0.015, 300, 2800))
STAFF_PLANS = (("OFFICE", 0.008, 40, 900), ("TRANSPORT", 0.006, 20, 150))
BIG_TRIP_SHARE = 0.12  # of travel claims: a long trip (5,000–9,000)
MONTHLY_BUDGET = {"TRAVEL": 1500, "TRANSPORT": 250, "ENTERTAIN": 900, "OFFICE": 180, "TELECOM": 150,
                  "MARKETING": 12000, "RENT": 30000, "UTILITIES": 4500}  # per head where it scales
PER_HEAD = ("TRAVEL", "TRANSPORT", "ENTERTAIN")  # per sales rep
PER_EMPLOYEE = ("OFFICE", "TELECOM")


def run(engine: Engine, days: Sequence[date], seed: int) -> None:
    """The expenses pass over ``days`` (ascending)."""
    if not days:
        return
    with unit_of_work(engine) as session:
        expenses.ensure_categories(session)
        _ensure_accounts(session, days[0])
    months: dict[tuple[int, int], list[date]] = {}
    for day in days:
        months.setdefault((day.year, day.month), []).append(day)
    for month_days in months.values():
        with unit_of_work(engine) as session:
            _Month(session, seed).run(month_days)


def _ensure_accounts(session: Session, first_day: date) -> None:
    have = set(session.execute(select(CashAccount.code)).scalars())
    for code, name, kind, opening in ACCOUNTS:
        if code not in have:
            cash.create_account(session, code, name, kind=kind, opening_balance=opening, opened_on=first_day)


def _at(day: date, rng: random.Random, start_hour: int = 9) -> datetime:
    return datetime.combine(day, time(start_hour)) + timedelta(minutes=rng.randint(0, 8 * 60))


def _working(day: date) -> bool:
    return day.weekday() < 5


class _Month:
    """One transaction's worth of days."""

    def __init__(self, session: Session, seed: int) -> None:
        self.session = session
        self.seed = seed
        users = list(session.execute(select(AppUser).where(AppUser.is_active.is_(True))
                                     .order_by(AppUser.id)).scalars())
        self.by_name = {u.username: u for u in users}
        self.by_employee: dict[int, AppUser] = {}
        for user in users:
            if user.employee_id is not None:
                self.by_employee.setdefault(user.employee_id, user)
        self.finance = self.by_name.get("finance") or self.by_name["admin"]
        self.admin = self.by_name["admin"]
        self.employees = list(session.execute(
            select(Employee).where(Employee.status == "active").order_by(Employee.id)).scalars())
        self.reps = [e for e in self.employees if e.department == SALES_DEPARTMENT]
        cashiers = [e for e in self.employees if e.department == CASHIER_DEPARTMENT]
        # The cashier files rent and utilities; not the finance login's own employee if avoidable.
        self.cashier = next((e for e in cashiers if e.id != self.finance.employee_id), cashiers[0] if cashiers else None)
        self.categories = expenses.ensure_categories(session)
        accounts = {a.code: a for a in cash.accounts(session)}
        self.box, self.bank, self.savings = accounts.get("C01"), accounts.get("B01"), accounts.get("B02")

    def run(self, days: list[date]) -> None:
        for day in days:
            rng = random.Random(f"{self.seed}|expenses|{day.isoformat()}")
            self._budgets(day)
            if not _working(day):
                continue
            self._decide(day)
            self._top_up(day, rng)
            self._pay(day)
            self._file(day, rng)
            self._monthly(day, rng)

    # ------------------------------------------------------------ budgets

    def _budgets(self, day: date) -> None:
        first = day.replace(day=1)
        if self.session.execute(select(Budget.id).where(Budget.month == first)).first():
            return
        rng = random.Random(f"{self.seed}|expenses|budget|{first.isoformat()}")
        peak = first.month in (6, 11)
        for code, base in MONTHLY_BUDGET.items():
            heads = len(self.reps) if code in PER_HEAD else len(self.employees) if code in PER_EMPLOYEE else 1
            amount = Decimal(base * max(heads, 1) * (2.5 if code == "MARKETING" and peak else 1))
            amount = (amount * Decimal(rng.choice((95, 100, 100, 105, 110))) / 100).quantize(Decimal("1E2"))
            budgets.set_budget(self.session, self.finance, self.categories[code].id, first, amount)
        # The sales department's travel has a budget of its own.
        travel = Decimal(MONTHLY_BUDGET["TRAVEL"] * max(len(self.reps), 1))
        budgets.set_budget(self.session, self.finance, self.categories["TRAVEL"].id, first, travel,
                           department=SALES_DEPARTMENT)

    # ------------------------------------------------------------ filing

    def _claim(self, employee: Employee, day: date, lines: list[ClaimLineInput], at: datetime, *,
               payee: str | None = None, note: str | None = None) -> None:
        filer = self.finance if payee else self.by_employee.get(employee.id, self.finance)
        expenses.create_claim(self.session, filer, employee.id, day, lines, payee=payee, note=note, submit=True,
                              at=at)

    def _line(self, code: str, day: date, amount: Decimal, rng: random.Random, text: str) -> ClaimLineInput:
        spent = day - timedelta(days=rng.randint(0, 6))
        return ClaimLineInput(self.categories[code].id, spent, amount, text,
                              f"{rng.randint(10000000, 99999999)}" if rng.random() < 0.8 else None)

    def _file(self, day: date, rng: random.Random) -> None:
        peak = (day.month == 6 and day.day <= 18) or (day.month == 11 and day.day <= 11)
        for employee in self.employees:
            plans = (*REP_PLANS, *STAFF_PLANS) if employee in self.reps else STAFF_PLANS
            lines: list[ClaimLineInput] = []
            for code, chance, low, high in plans:
                if rng.random() >= chance * (1.6 if peak and employee in self.reps else 1):
                    continue
                if code == "TRAVEL" and rng.random() < BIG_TRIP_SHARE:
                    low, high = 5000, 9000
                amount = Decimal(rng.randint(low * 100, high * 100)) / 100
                if code == "TRAVEL" and amount > 1500:  # a trip: the fare and the hotel
                    fare = (amount * Decimal(rng.choice((30, 40, 50))) / 100).quantize(Decimal("0.01"))
                    lines.append(self._line("TRAVEL", day, fare, rng, "往返车票/机票"))
                    lines.append(self._line("TRAVEL", day, amount - fare, rng, "住宿费"))
                else:
                    lines.append(self._line(code, day, amount, rng, _TEXTS[code]))
            if employee in self.reps and peak and rng.random() < 0.05:
                amount = Decimal(rng.randint(2000, 12000))
                lines.append(self._line("MARKETING", day, amount, rng, "促销活动物料"))
            if lines:
                self._claim(employee, day, lines, _at(day, rng))

    def _monthly(self, day: date, rng: random.Random) -> None:
        """Phone bills with the first working day of the month; rent and utilities by the 5th."""
        if self.cashier is None:
            return
        first_working = not any(_working(day.replace(day=d)) for d in range(1, day.day))
        if first_working:
            for employee in self.employees:
                if rng.random() < 0.7:
                    amount = Decimal(rng.randint(8000, 20000)) / 100
                    self._claim(employee, day, [ClaimLineInput(self.categories["TELECOM"].id, day, amount,
                                                               "手机话费")], _at(day, rng))
        fifth = day.day >= 5 and not any(_working(day.replace(day=d)) for d in range(5, day.day))
        if fifth:
            at = _at(day, rng)
            self._claim(self.cashier, day, [ClaimLineInput(self.categories["RENT"].id, day, RENT, "办公及仓库租金")],
                        at, payee=LANDLORD, note=f"{day.year}年{day.month}月租金")
            power = Decimal(rng.randint(300000, 650000)) / 100
            self._claim(self.cashier, day, [ClaimLineInput(self.categories["UTILITIES"].id, day, power, "水电费")],
                        at, payee=UTILITY)

    # ------------------------------------------------------------ approvals and payment

    def _decide(self, day: date) -> None:
        pending = self.session.execute(select(ExpenseClaim).where(ExpenseClaim.status == "submitted")
                                       .order_by(ExpenseClaim.id)).scalars().all()
        for claim in pending:
            last = self.session.execute(select(ExpenseApprovalStep.at).where(ExpenseApprovalStep.claim_id == claim.id)
                                        .order_by(ExpenseApprovalStep.id.desc()).limit(1)).scalar_one()
            rng = random.Random(f"{self.seed}|expenses|decide|{claim.doc_no}|{claim.approved_levels}")
            if last.date() + timedelta(days=rng.randint(1, 4)) > day:
                continue
            approver = self._approver(claim)
            if approver is None:
                continue
            at = _at(day, rng, 10)
            if claim.payee is None and rng.random() < REJECT_SHARE:
                expenses.reject_claim(self.session, approver, claim.id, rng.choice(REJECT_REASONS), at=at)
            else:
                expenses.approve_claim(self.session, approver, claim.id, at=at)

    def _approver(self, claim: ExpenseClaim) -> AppUser | None:
        employee = self.session.get(Employee, claim.employee_id)
        line_manager = self.by_employee.get(employee.manager_id) if employee.manager_id else None
        for user in (line_manager, self.finance, self.by_name.get("manager"), self.admin):
            if user is not None and expenses.may_decide(self.session, user, claim):
                return user
        return None

    def _top_up(self, day: date, rng: random.Random) -> None:
        if self.box is None or funds.spendable(self.session, self.box.id, day) >= CASH_FLOOR:
            return
        want = TOP_UP
        for bank in (self.bank, self.savings):  # as much as the banks can give, B01 first
            if bank is not None and want > 0:
                want -= funds.move(self.session, self.finance, bank.id, self.box.id, want, day, "备用金补充")

    def _pay(self, day: date) -> None:
        approved = self.session.execute(select(ExpenseClaim).where(ExpenseClaim.status == "approved")
                                        .order_by(ExpenseClaim.id)).scalars().all()
        for claim in approved:
            rng = random.Random(f"{self.seed}|expenses|pay|{claim.doc_no}")
            if claim.decided_at.date() + timedelta(days=rng.randint(1, 3)) > day:
                continue
            payer = self.admin if expenses.is_own(self.finance, claim) else self.finance
            banks = [self.bank, self.savings]
            accounts = banks if claim.payee or claim.total_amount > SMALL_CLAIM else [self.box, *banks]
            account_id = funds.account_for(self.session, [a.id if a else None for a in accounts],
                                           claim.total_amount, day)
            if account_id is None:
                continue  # no account can pay it today: it waits for the money
            expenses.reimburse_claim(self.session, payer, claim.id, account_id, day, at=_at(day, rng, 14))


_TEXTS = {"TRANSPORT": "出租车费", "ENTERTAIN": "客户招待餐费", "OFFICE": "办公用品", "TRAVEL": "差旅费"}
