"""Cash and bank accounts: opening them, posting money in and out, transfers between accounts.

Every movement of money is one ``cash_ledger`` row and changes ``cash_account.balance`` in the
same transaction; the balance is the sum of the account's ledger, always (a blocking pipeline
check says so). A payment out of an account that may not be overdrawn is one conditional UPDATE
(``balance >= amount``), so two clerks paying from the last money in an account cannot both
succeed, the same guard as stock. A back-dated payment must also leave the account at zero or
more at the end of its own day and of every later day already recorded (``available`` says how
much that is), so no day's balance in the ledger is ever below zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, event, func, insert, select, update
from sqlalchemy.orm import Session

from operational.models import AppUser
from operational.models.base import utcnow
from operational.models.cash import ACCOUNT_KINDS, CASH_ENTRY_KINDS, CashAccount, CashLedger
from operational.services import auth, numbering
from operational.services.errors import NotFoundError, StateError, ValidationError
from operational.services.validation import (
    check_column_limits,
    choice,
    document_date,
    non_negative,
    positive,
    required_text,
)

CENT = Decimal("0.01")
TRANSFER_ROLES = ("finance",)

_ACC = CashAccount.__table__
_ADD = (
    update(_ACC)
    .where(_ACC.c.id == bindparam("a"))
    .values(balance=_ACC.c.balance + bindparam("d", type_=_ACC.c.balance.type), updated_at=bindparam("now"))
)
_TAKE = _ADD.where(_ACC.c.balance >= bindparam("need", type_=_ACC.c.balance.type))


# Day totals per account, for a batch process that asks ``available`` thousands of times (the
# demo's back office): read once per transaction, kept up to date by ``post`` / ``post_many_in``
# (the only writers of the ledger) and dropped when the transaction ends or a savepoint rolls back
# (a payment posts inside a savepoint: released, its rows stay and so do the totals). Opt-in
# (``day_totals_cached``): a clerk's single payment reads the ledger afresh, as before.
_CACHED: ContextVar[bool] = ContextVar("jxc_cash_day_totals", default=False)
_DAY_TOTALS = "jxc_cash_day_totals"


@contextmanager
def day_totals_cached() -> Iterator[None]:
    """Within the block, ``available`` works from each account's day totals, read once per
    transaction instead of summing the account's ledger on every call (same result)."""
    token = _CACHED.set(True)
    try:
        yield
    finally:
        _CACHED.reset(token)


@event.listens_for(Session, "after_transaction_end")
def _drop_day_totals(session: Session, transaction: Any) -> None:
    if not transaction.nested:  # the transaction ended: others may write from now on
        session.info.pop(_DAY_TOTALS, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_day_totals_on_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_DAY_TOTALS, None)  # a savepoint rolled back: what it posted is gone again


def _day_totals(session: Session, account_id: int) -> dict[date, Decimal] | None:
    if not _CACHED.get():
        return None
    accounts = session.info.setdefault(_DAY_TOTALS, {})
    if account_id not in accounts:
        accounts[account_id] = {d: Decimal(a) for d, a in session.execute(
            select(CashLedger.entry_date, func.sum(CashLedger.amount)).where(CashLedger.account_id == account_id)
            .group_by(CashLedger.entry_date))}
    return accounts[account_id]


def _count_in_day_totals(session: Session, account_id: int, on: date, amount: Decimal) -> None:
    totals = session.info.get(_DAY_TOTALS, {}).get(account_id)
    if totals is not None:
        totals[on] = totals.get(on, Decimal(0)) + amount


def create_account(session: Session, code: str, name: str, *, kind: str = "bank", bank_name: str | None = None,
                   account_no: str | None = None, currency: str = "CNY", allow_overdraft: bool = False,
                   opening_balance: Any = 0, opened_on: date | None = None,
                   user: AppUser | None = None) -> CashAccount:
    """A new account; a non-zero opening balance is posted as its first ledger row."""
    code = required_text(code, "code")
    record = code
    if session.execute(select(CashAccount.id).where(CashAccount.code == code)).first():
        raise ValidationError("duplicate", field="code", record=record, entity="entity.cash_account", key=code)
    account = CashAccount(code=code, name=required_text(name, "name", record=record),
                          kind=choice(kind, ACCOUNT_KINDS, "account_kind", record=record), bank_name=bank_name,
                          account_no=account_no, currency=currency, allow_overdraft=allow_overdraft,
                          balance=Decimal(0))
    session.add(account)
    session.flush()
    opening = non_negative(opening_balance, "opening_balance", record=record).quantize(CENT)
    if opening:
        # The opening balance dates the company's start, so it is only checked against the calendar.
        on = document_date(opened_on, "opening_date", session=None, record=record) if opened_on else date.today()
        post(session, account.id, on, opening, "opening", user=user, memo=None)
    return account


def _usable_account(account: CashAccount | None, account_id: int, doc_no: str | None) -> CashAccount:
    """The account an entry names: it must exist and be active (``doc_no`` names the record)."""
    if account is None:
        raise NotFoundError("not_found", field="account_id", record=doc_no, entity="entity.cash_account",
                            key=account_id)
    if not account.is_active:
        raise StateError("inactive", field="account_id", record=doc_no, entity="entity.cash_account", key=account.name)
    return account


def post(session: Session, account_id: int, entry_date: date, amount: Decimal, kind: str, *,
         doc_type: str | None = None, doc_id: int | None = None, doc_no: str | None = None,
         counterparty: str | None = None, memo: str | None = None, user: AppUser | None = None,
         field: str = "amount") -> CashLedger:
    """Record ``amount`` (signed, + in / − out) on an account and move its balance.

    Money out of an account without an overdraft needs the balance to cover it, on the entry's
    date and on every later day already in the ledger (see ``available``); otherwise
    ``insufficient_funds`` names the account and what it can give, and nothing is written.
    """
    account = _usable_account(session.get(CashAccount, account_id), account_id, doc_no)
    choice(kind, CASH_ENTRY_KINDS, "cash_entry_kind", record=doc_no)
    amount = Decimal(amount).quantize(CENT)
    if amount == 0:
        raise ValidationError("must_be_positive", field=field, record=doc_no, field_label=f"field.{field}")
    params = {"a": account_id, "d": amount, "now": utcnow()}
    conn = session.connection()
    if amount < 0 and not account.allow_overdraft:
        # A back-dated payment also needs the money on its own date and every later day.
        short = _short_on_or_after(session, account_id, entry_date, -amount)
        if short is not None:
            raise StateError("insufficient_funds", field=field, record=doc_no, account=account.name,
                             balance=short, amount=-amount)
        if conn.execute(_TAKE, {**params, "need": -amount}).rowcount != 1:
            session.refresh(account, ["balance"])
            raise StateError("insufficient_funds", field=field, record=doc_no, account=account.name,
                             balance=account.balance, amount=-amount)
    else:
        conn.execute(_ADD, params)
    row = CashLedger(account_id=account_id, entry_date=entry_date, amount=amount, kind=kind, doc_type=doc_type,
                     doc_id=doc_id, doc_no=doc_no, counterparty=counterparty, memo=memo,
                     created_by=user.id if user else None)
    session.add(row)
    session.flush()
    _count_in_day_totals(session, account_id, entry_date, amount)
    session.expire(account, ["balance", "updated_at"])
    return row


@dataclass(frozen=True)
class MoneyIn:
    """One incoming entry of ``post_many_in``: ``amount`` (> 0) into ``account_id`` for a document."""

    account_id: int
    amount: Decimal
    doc_id: int | None = None
    doc_no: str | None = None
    counterparty: str | None = None
    memo: str | None = None


def post_many_in(session: Session, entry_date: date, kind: str, entries: Sequence[MoneyIn], *,
                 doc_type: str | None = None, user: AppUser | None = None) -> None:
    """Record many incoming amounts of one day at once (a day's customer receipts, say): the rows
    and balances ``post`` would write for each, with one UPDATE per account and one INSERT.

    Only money in: it never needs the balance (money out is checked row by row by ``post``).
    Every entry is checked before anything is written (account found and active, amount > 0)."""
    if not entries:
        return
    choice(kind, CASH_ENTRY_KINDS, "cash_entry_kind")
    ids = sorted({e.account_id for e in entries})
    accounts = {a.id: a for a in session.execute(select(CashAccount).where(CashAccount.id.in_(ids))).scalars()}
    rows, totals = [], defaultdict(Decimal)
    for e in entries:
        _usable_account(accounts.get(e.account_id), e.account_id, e.doc_no)
        amount = Decimal(e.amount).quantize(CENT)
        if amount <= 0:
            raise ValidationError("must_be_positive", field="amount", record=e.doc_no, field_label="field.amount")
        totals[e.account_id] += amount
        rows.append({"account_id": e.account_id, "entry_date": entry_date, "amount": amount, "kind": kind,
                     "doc_type": doc_type, "doc_id": e.doc_id, "doc_no": e.doc_no, "counterparty": e.counterparty,
                     "memo": e.memo, "created_by": user.id if user else None})
    for row in rows:  # the limits every flush checks (text lengths, number sizes)
        check_column_limits(CashLedger(**row))
    now = utcnow()
    session.connection().execute(_ADD, [{"a": a, "d": d, "now": now} for a, d in sorted(totals.items())])
    session.execute(insert(CashLedger), [{**row, "created_at": now} for row in rows])
    for row in rows:
        _count_in_day_totals(session, row["account_id"], entry_date, row["amount"])
    for account in accounts.values():
        session.expire(account, ["balance", "updated_at"])


def _short_on_or_after(session: Session, account_id: int, on: date, need: Decimal) -> Decimal | None:
    """What the account can give on ``on`` when that is less than ``need`` and entries dated after
    ``on`` exist (a payment dated after every entry is left to the conditional UPDATE alone)."""
    totals = _day_totals(session, account_id)
    if totals is not None:
        later = any(d > on for d in totals) or None
    else:
        later = session.execute(select(CashLedger.id).where(CashLedger.account_id == account_id,
                                                            CashLedger.entry_date > on).limit(1)).first()
    if later is None:
        return None
    can = available(session, account_id, on)
    return can if can < need else None


def transfer(session: Session, from_account_id: int, to_account_id: int, amount: Any, on: date, *,
             user: AppUser | None, memo: str | None = None) -> tuple[CashLedger, CashLedger]:
    """Move money between two of the company's accounts (资金调拨): one row out, one row in,
    under one number (CT-YYYY-NNNNNN)."""
    auth.require_role(user, *TRANSFER_ROLES)
    on = document_date(on, "transfer_date", session=session)
    value = positive(amount, "amount").quantize(CENT)
    if from_account_id == to_account_id:
        raise ValidationError("same_account", field="to_account_id")
    target = session.get(CashAccount, to_account_id)
    if target is None:
        raise NotFoundError("not_found", field="to_account_id", entity="entity.cash_account", key=to_account_id)
    doc_no = numbering.next_doc_no(session, "cash_transfer", on)
    out = post(session, from_account_id, on, -value, "transfer_out", doc_type="cash_transfer", doc_no=doc_no,
               counterparty=target.name, memo=memo, user=user)
    source = session.get(CashAccount, from_account_id)
    inn = post(session, to_account_id, on, value, "transfer_in", doc_type="cash_transfer", doc_no=doc_no,
               counterparty=source.name if source else None, memo=memo, user=user)
    return out, inn


def balance(session: Session, account_id: int, as_of: date | None = None) -> Decimal:
    """The account's balance from its ledger (at the end of ``as_of`` when given)."""
    query = select(func.coalesce(func.sum(CashLedger.amount), 0)).where(CashLedger.account_id == account_id)
    if as_of is not None:
        query = query.where(CashLedger.entry_date <= as_of)
    return Decimal(session.execute(query).scalar_one()).quantize(CENT)


def available(session: Session, account_id: int, on: date) -> Decimal:
    """The most that can leave the account on ``on`` without its balance falling below zero at
    the end of that day or of any later day already in the ledger (back-dated entries exist, so
    the balance as of ``on`` alone is not enough: later payments may already count on it).

    It is never more than the account's current balance, so a payment of at most this much is
    never refused by ``post`` either. Negative when the ledger is already short on some day."""
    totals = _day_totals(session, account_id)
    if totals is not None:
        lowest = running = sum((a for d, a in totals.items() if d <= on), Decimal(0))
        for day in sorted(d for d in totals if d > on):
            running += totals[day]
            lowest = min(lowest, running)
        return lowest.quantize(CENT)
    lowest = running = balance(session, account_id, as_of=on)
    later = session.execute(
        select(func.sum(CashLedger.amount)).where(CashLedger.account_id == account_id, CashLedger.entry_date > on)
        .group_by(CashLedger.entry_date).order_by(CashLedger.entry_date)
    ).scalars()
    for amount in later:
        running += Decimal(amount)
        lowest = min(lowest, running)
    return lowest.quantize(CENT)


def ledger_totals(session: Session, upto_id: int | None = None) -> dict[int, Decimal]:
    """Sum of the ledger per account (rows up to ``upto_id`` when given): the store side of the
    cash reconciliation."""
    query = select(CashLedger.account_id, func.sum(CashLedger.amount)).group_by(CashLedger.account_id)
    if upto_id is not None:
        query = query.where(CashLedger.id <= upto_id)
    return {int(a): Decimal(s).quantize(CENT) for a, s in session.execute(query)}


def account_choices(session: Session, *, with_balance: bool = False) -> list[tuple[int, str]]:
    """(id, "code name") of the active accounts for a form's select box, optionally with the balance."""
    return [(a.id, f"{a.code} {a.name}（¥{a.balance:,.2f}）" if with_balance else f"{a.code} {a.name}")
            for a in accounts(session)]


def accounts(session: Session, *, active_only: bool = True) -> list[CashAccount]:
    query = select(CashAccount).order_by(CashAccount.code)
    if active_only:
        query = query.where(CashAccount.is_active.is_(True))
    return list(session.execute(query).scalars())
