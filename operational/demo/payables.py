"""The demo company's payables pass (应付): suppliers bill the goods they delivered, finance
checks the bills against order and receipt, takes debit notes for goods sent back, and pays by
due date out of the basic bank account B01 — all through ``operational.services.payables``.

Per day, in this order:

- **Bills**: suppliers bill per 旬 (ten-day period: the 1st–10th, 11th–20th, 21st–end of a
  month), as many Chinese suppliers do: on the first day of the next period each supplier with
  receipts in the last one sends one bill for what is still billable on them, at the order's net
  price — so a receipt is billed 1–11 days after it arrived. About ``VARIANCE_SHARE`` of the bills
  carry a price (+3–6 %) or quantity (+5–10 %) variance on one line beyond tolerance and are held.
- **Held bills** are decided 2–5 days later by the finance user: most approved; ``REJECT_SHARE``
  rejected, and the supplier re-bills the correct figures the same day (a new invoice number).
- **Debit notes** for the day's purchase returns of goods already billed (returned before
  billing, the supplier bills net and no note is due).
- **Payments**: every Friday is the payment run (付款日). Each open instalment has a planned
  payment date, its due date plus a delay drawn per instalment (80 % none, 15 % 1–15 days, 5 %
  16–45 days); the run pays, one payment per supplier naming its instalments, everything planned
  up to the next run (so on-time instalments are paid up to six days before they fall due) — as
  long as B01 keeps ``RESERVE`` after it, on that day and every later one already in the ledger
  (the expenses pass has paid rent and claims by then: ``funds.spendable``). When B01 cannot, finance
  first moves what B02 can give to B01 (资金调拨); a supplier that still cannot be paid waits for a
  later run (paid late when the company is short of money).

Every draw comes from ``random.Random(f"{seed}|payables|<what>|<document>")`` and the work of a
day is decided only from the store, so running days 1–10 then 11–20 gives the same store as days
1–20 (a receipt near the end of one range is billed on its bill day in the next).

B01 and the other accounts are opened by the receivables pass; when it has not run (a store
without receivables), this pass opens B01 itself with the same figures. On its first call about a
quarter of the suppliers get the instalment term 30/60 (``TERM_CODE``).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from operational.db import unit_of_work
from operational.demo import funds
from operational.demo.receivables import ACCOUNTS
from operational.models import (
    AppUser,
    CashAccount,
    GoodsReceipt,
    GoodsReceiptLine,
    PaymentTerm,
    PurchaseOrderLine,
    PurchaseReturn,
    Supplier,
)
from operational.models.payables import HELD, POSTED, ApInstalment, DebitNote, SupplierBill
from operational.services import cash, payables, receivables
from operational.services.errors import DomainError
from operational.services.payables import BillLineInput

VARIANCE_SHARE = 0.05
REJECT_SHARE = 0.2
BANK_CODE = "B01"
SAVINGS_CODE = "B02"  # the general account customers also pay into: swept to B01 for a payment run
TERM_CODE = "T3060"
TERM_SHARE = 0.25
RESERVE = Decimal("200000.00")  # B01 is not drawn below this for supplier payments
PRICE_Q = Decimal("0.0001")


def run(engine: Engine, days: Sequence[date], seed: int) -> None:
    """The payables pass over ``days`` (ascending), one transaction per month."""
    if not days:
        return
    months: dict[tuple[int, int], list[date]] = {}
    for day in days:
        months.setdefault((day.year, day.month), []).append(day)
    for month_days in months.values():
        with unit_of_work(engine) as session:
            _Month(session, seed).run(month_days)


class _Month:
    def __init__(self, session: Session, seed: int) -> None:
        self.s = session
        self.seed = seed
        users = {u.username: u for u in session.execute(select(AppUser)).scalars()}
        self.user: AppUser = users.get("finance") or users["admin"]

    def rng(self, *key: object) -> random.Random:
        return random.Random("|".join([str(self.seed), "payables", *map(str, key)]))

    def run(self, days: list[date]) -> None:
        self.bank = self._bank(days[0])
        self.savings = self.s.execute(select(CashAccount.id).where(CashAccount.code == SAVINGS_CODE)).scalar()
        self._terms()
        for day in days:
            self._bills(day)
            self._decisions(day)
            self._debit_notes(day)
            self._payments(day)

    # --- bills ---------------------------------------------------------------------------------

    def _bank(self, first_day: date) -> int:
        """B01, opened by the receivables pass (or here, with its figures, when that pass has not run)."""
        account = self.s.execute(select(CashAccount).where(CashAccount.code == BANK_CODE)).scalar_one_or_none()
        if account is None:
            code, name, kind, bank_name, opening = next(a for a in ACCOUNTS if a[0] == BANK_CODE)
            account = cash.create_account(self.s, code, name, kind=kind, bank_name=bank_name,
                                          opening_balance=opening, opened_on=first_day, user=self.user)
        return account.id

    def _terms(self) -> None:
        """Once: about a quarter of the suppliers bill on instalment terms (the receivables pass's
        30/60 term, else a new one), the others on their single ``payment_terms_days``."""
        if self.s.execute(select(Supplier.id).where(Supplier.payment_term_id.is_not(None)).limit(1)).first():
            return
        term = self.s.execute(select(PaymentTerm).where(PaymentTerm.code == TERM_CODE)).scalar_one_or_none()
        if term is None:
            term = receivables.create_payment_term(self.s, TERM_CODE, "30天50%，60天50%", [("50", 30), ("50", 60)])
        for supplier in self.s.execute(select(Supplier).order_by(Supplier.id)).scalars():
            if self.rng("term", supplier.code).random() < TERM_SHARE:
                supplier.payment_term_id = term.id

    def _bills(self, day: date) -> None:
        """On the first day of a 旬, every supplier bills its receipts of the previous 旬."""
        if day.day not in (1, 11, 21):
            return
        end = day - timedelta(days=1)
        start = end.replace(day=21) if end.day > 20 else end.replace(day=11) if end.day > 10 else end.replace(day=1)
        receipts = self.s.execute(
            select(GoodsReceipt).where(GoodsReceipt.receipt_date.between(start, end))
            .options(selectinload(GoodsReceipt.lines)).order_by(GoodsReceipt.supplier_id, GoodsReceipt.id)
        ).scalars().all()
        by_supplier: dict[int, list[GoodsReceipt]] = defaultdict(list)
        for receipt in receipts:
            by_supplier[receipt.supplier_id].append(receipt)
        for supplier_id, batch in by_supplier.items():
            lines = self._billable([line for receipt in batch for line in receipt.lines])
            if not lines:
                continue
            key = f"{supplier_id}|{start.isoformat()}"
            rng = self.rng("variance", key)
            if rng.random() < VARIANCE_SHARE:
                n = rng.randrange(len(lines))
                line = lines[n]
                if rng.random() < 0.5:
                    price = (line.unit_price * Decimal(str(1 + rng.uniform(0.03, 0.06)))).quantize(PRICE_Q)
                    lines[n] = BillLineInput(line.receipt_line_id, line.quantity, price, price_includes_tax=False)
                else:
                    qty = (Decimal(line.quantity) * Decimal(str(1 + rng.uniform(0.05, 0.10)))).quantize(
                        Decimal(1), ROUND_HALF_UP)
                    lines[n] = BillLineInput(line.receipt_line_id, max(qty, Decimal(line.quantity) + 1),
                                             line.unit_price, price_includes_tax=False)
            self._enter(supplier_id, self._invoice_no(supplier_id, start), day, lines)

    def _billable(self, receipt_lines: list[GoodsReceiptLine]) -> list[BillLineInput]:
        """Each receipt line with what is still billable on it, at the order's net price."""
        counters = payables.billing_counters(self.s, [line.id for line in receipt_lines])
        prices = {row.id: payables.net_price(row) for row in self.s.execute(
            select(PurchaseOrderLine.id, PurchaseOrderLine.unit_price, PurchaseOrderLine.discount_rate,
                   PurchaseOrderLine.tax_rate, PurchaseOrderLine.price_includes_tax).where(
                PurchaseOrderLine.id.in_({line.po_line_id for line in receipt_lines})))}
        result = []
        for line in receipt_lines:
            billable = payables.billable_quantity(line, *counters.get(line.id, (Decimal(0), Decimal(0))))
            if billable > 0:
                # the order's net price is net of VAT: stated without tax
                result.append(BillLineInput(line.id, billable, prices[line.po_line_id], price_includes_tax=False))
        return result

    def _invoice_no(self, supplier_id: int, period_start: date, attempt: int = 0) -> str:
        # A 20-digit fully-digital VAT invoice number (数电发票), unique per supplier, period, attempt.
        return f"{period_start:%y%m%d}{supplier_id:06d}{attempt}{self.seed % 10**7:07d}"

    def _enter(self, supplier_id: int, invoice_no: str, day: date, lines: list[BillLineInput]) -> None:
        try:
            with self.s.begin_nested():
                payables.create_bill(self.s, supplier_id, invoice_no, day, lines, user=self.user)
        except DomainError:
            pass  # e.g. already billed in an earlier run over the same days: nothing to do

    def _decisions(self, day: date) -> None:
        held = self.s.execute(select(SupplierBill).where(SupplierBill.status == HELD,
                                                         SupplierBill.bill_date >= day - timedelta(days=5))
                              .order_by(SupplierBill.id)).scalars().all()
        for bill in held:
            rng = self.rng("decide", bill.doc_no)
            if bill.bill_date + timedelta(days=rng.randint(2, 5)) != day:
                continue
            # A bill the supplier has already credited (a debit note points at it) is settled, not sent back.
            if rng.random() >= REJECT_SHARE or payables.has_debit_note(self.s, bill.id):
                payables.approve_bill(self.s, bill.id, user=self.user, on=day, note="差异已与供应商确认")
                continue
            receipt_lines = list(self.s.execute(select(GoodsReceiptLine).where(
                GoodsReceiptLine.id.in_([line.receipt_line_id for line in bill.lines]))).scalars())
            payables.reject_bill(self.s, bill.id, user=self.user, note="与订单/入库不符，请供应商重开")
            lines = self._billable(receipt_lines)
            if lines:
                period = bill.bill_date - timedelta(days=1)
                start = period.replace(day=21 if period.day > 20 else 11 if period.day > 10 else 1)
                self._enter(bill.supplier_id, self._invoice_no(bill.supplier_id, start, 1), day, lines)

    # --- debit notes ---------------------------------------------------------------------------

    def _debit_notes(self, day: date) -> None:
        noted = select(DebitNote.purchase_return_id)
        returns = self.s.execute(select(PurchaseReturn.id).where(PurchaseReturn.return_date == day,
                                                                 PurchaseReturn.id.not_in(noted))
                                 .order_by(PurchaseReturn.id)).scalars().all()
        for return_id in returns:
            if payables.debitable_lines(self.s, return_id):
                payables.create_debit_note(self.s, return_id, user=self.user, on=day)

    # --- payments ------------------------------------------------------------------------------

    def _planned(self, bill_no: str, seq: int, due: date) -> date:
        rng = self.rng("pay", bill_no, seq)
        roll = rng.random()
        delay = 0 if roll < 0.8 else rng.randint(1, 15) if roll < 0.95 else rng.randint(16, 45)
        return due + timedelta(days=delay)

    def _payments(self, day: date) -> None:
        """Friday payment run: everything planned before the next run, supplier by supplier."""
        if day.isoweekday() != 5:
            return
        horizon = day + timedelta(days=6)
        rows = self.s.execute(
            select(ApInstalment.id, ApInstalment.seq, ApInstalment.due_date, ApInstalment.amount,
                   ApInstalment.settled_amount, SupplierBill.doc_no, SupplierBill.supplier_id)
            .join(SupplierBill, SupplierBill.id == ApInstalment.bill_id)
            .where(SupplierBill.status == POSTED, ApInstalment.due_date <= horizon,
                   ApInstalment.settled_amount < ApInstalment.amount)
            .order_by(ApInstalment.due_date, ApInstalment.id)).all()
        by_supplier: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
        for inst_id, seq, due, amount, settled, bill_no, supplier_id in rows:
            if self._planned(bill_no, seq, due) <= horizon:
                by_supplier[supplier_id].append((inst_id, amount - settled))
        if not by_supplier:
            return
        # What B01 can give today without going short on a later day (expenses are already paid).
        balance = funds.spendable(self.s, self.bank, day)
        totals = {sid: sum((a for _, a in targets), Decimal(0)) for sid, targets in by_supplier.items()}
        due = sum(totals.values(), Decimal(0))
        if balance - due < RESERVE and self.savings is not None:
            # Sweep B02 into B01, but only when that lets at least one supplier be paid.
            extra = funds.spendable(self.s, self.savings, day)
            if balance + extra - min(totals.values()) >= RESERVE:
                want = (due + RESERVE - balance + funds.STEP - 1) // funds.STEP * funds.STEP
                balance += funds.move(self.s, self.user, self.savings, self.bank, want, day, "资金调拨：付款日备付")
        for supplier_id in sorted(by_supplier):
            targets, total = by_supplier[supplier_id], totals[supplier_id]
            if balance - total < RESERVE:
                continue  # not enough in the bank today: this supplier waits
            payables.pay(self.s, supplier_id, total, day, self.bank, user=self.user, targets=targets,
                         memo="付款日按到期日付款")
            balance -= total
