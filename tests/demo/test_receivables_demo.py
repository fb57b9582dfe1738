"""The demo company's receivables pass on a small store: invoices for every shipment, customers who
pay promptly, late, very late or not at all (written off with a manager's approval), advances,
credit notes for returns, collection notes with kept and broken promises — and two runs over
disjoint day ranges give the same store as one run."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from operational.db import make_engine, unit_of_work
from operational.demo import receivables as ar_pass
from operational.demo.passes import PASSES
from operational.migrate import upgrade
from operational.models import (
    ArAllocation,
    ArInstalment,
    BadDebtWriteOff,
    CashAccount,
    CollectionNote,
    CreditNote,
    Customer,
    CustomerReceipt,
    InvoicedShipmentLine,
    SalesInvoice,
    Shipment,
    ShipmentLine,
)
from operational.services import auth, cash, collection, sales
from operational.services import masterdata as md
from operational.services import receivables as ar
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput
from operational.services.returns import ReturnLineInput, return_from_customer

DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(400)]
SEED = 11
# Customer numbers whose code gives each behaviour (operational.demo.receivables.behaviour).
CODES = [0, 1, 2, 3, 4, 7, 5, 6, 12, 17, 26, 29, 40, 51, 61]
D = Decimal


def _store(path) -> Engine:  # noqa: ANN001
    """15 customers (prompt, late, very late, bad), each shipped 10 × 2.50 every 14 days over the
    first 200 days; every fifth shipment has 2 returned three days later."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "WH1", "主仓").id
        product = md.create_product(s, "P1", "矿泉水").id
        post_opening_balance(s, product, wh, D(100000), D("1.00"), date(2024, 12, 31))
        for username, role in (("finance", "finance"), ("manager", "manager")):
            auth.create_user(s, username, "secret-pass", role, iterations=1000)
        customers = [md.create_customer(s, f"C{i:03d}", f"客户{i}", payment_terms_days=30).id for i in CODES]
    with unit_of_work(engine) as s:
        for n, day in enumerate(DAYS[:200:14]):
            for k, customer in enumerate(customers):
                so = sales.create_sales_order(s, customer, wh, day, [OrderLineInput(product, 10, "2.50", 0)])
                sales.confirm_sales_order(s, so.id)
                shipment = sales.ship_all(s, so.id, day)
                if (n + k) % 5 == 0:
                    return_from_customer(s, shipment.id, day + timedelta(days=3),
                                         [ReturnLineInput(shipment.lines[0].id, 2)], reason="破损")
    return engine


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with unit_of_work(engine) as s:
        return {
            "invoices": s.execute(select(SalesInvoice.doc_no, SalesInvoice.customer_id, SalesInvoice.invoice_date,
                                         SalesInvoice.total_amount).order_by(SalesInvoice.id)).all(),
            "receipts": s.execute(select(CustomerReceipt.doc_no, CustomerReceipt.customer_id,
                                         CustomerReceipt.receipt_date, CustomerReceipt.amount,
                                         CustomerReceipt.unallocated_amount).order_by(CustomerReceipt.id)).all(),
            "allocations": s.execute(select(ArAllocation.instalment_id, ArAllocation.source_type,
                                            ArAllocation.amount, ArAllocation.allocated_on)
                                     .order_by(ArAllocation.id)).all(),
            "credit_notes": s.execute(select(CreditNote.doc_no, CreditNote.amount, CreditNote.unallocated_amount)
                                      .order_by(CreditNote.id)).all(),
            "write_offs": s.execute(select(BadDebtWriteOff.doc_no, BadDebtWriteOff.amount, BadDebtWriteOff.status,
                                           BadDebtWriteOff.decided_on).order_by(BadDebtWriteOff.id)).all(),
            "notes": s.execute(select(CollectionNote.customer_id, CollectionNote.note_date,
                                      CollectionNote.promised_date, CollectionNote.promised_amount)
                               .order_by(CollectionNote.id)).all(),
        }


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = _store(tmp_path_factory.mktemp("ar_pass") / "jxc.sqlite")
    ar_pass.run(engine, DAYS, SEED)
    yield engine
    engine.dispose()


def test_the_pass_runs_after_crm_and_before_the_other_finance_passes():
    names = [name for name, _run in PASSES]
    assert "receivables" in names
    for before in ("hr", "crm"):
        if before in names:
            assert names.index(before) < names.index("receivables")
    for after in ("payables", "expenses"):
        if after in names:
            assert names.index("receivables") < names.index(after)


def test_accounts_are_opened_with_their_opening_balances(one_run):
    with unit_of_work(one_run) as s:
        accounts = {a.code: a for a in s.execute(select(CashAccount)).scalars()}
        assert {c: cash.balance(s, a.id, DAYS[0]) for c, a in accounts.items()} == {
            "B01": D("3000000.00"), "B02": D("500000.00"), "C01": D("20000.00")}
        received = s.execute(select(func.sum(CustomerReceipt.amount))).scalar_one()
        assert cash.balance(s, accounts["B01"].id) + cash.balance(s, accounts["B02"].id) == D("3500000.00") + received


def test_every_shipment_is_invoiced_in_full(one_run):
    with unit_of_work(one_run) as s:
        shipped = s.execute(select(func.sum(ShipmentLine.quantity))).scalar_one()
        invoiced = s.execute(select(func.sum(InvoicedShipmentLine.invoiced_qty))).scalar_one()
        assert invoiced == shipped
        # monthly customers are invoiced on month ends, the others on the ship date
        monthly = {c.id for c in s.execute(select(Customer)).scalars() if ar_pass.behaviour(c.code).monthly_invoice}
        assert monthly
        for customer_id, on in s.execute(select(SalesInvoice.customer_id, SalesInvoice.invoice_date)):
            if customer_id in monthly:
                assert (on + timedelta(days=1)).day == 1
        assert s.execute(select(func.count()).select_from(SalesInvoice)).scalar_one() < s.execute(
            select(func.count()).select_from(Shipment)).scalar_one()


def test_customers_pay_as_their_behaviour_says(one_run):
    last = DAYS[-1]
    with unit_of_work(one_run) as s:
        kinds = {c.id: ar_pass.behaviour(c.code).kind for c in s.execute(select(Customer)).scalars()}
        left = ar.outstanding(s)
        # everything was shipped in the first 200 days: by day 400 prompt and late payers owe nothing
        for customer_id, kind in kinds.items():
            if kind in (ar_pass.PROMPT, ar_pass.LATE):
                assert customer_id not in left, kind
        # bad debtors stopped paying: what they owe past 180 days was written off with approval
        write_offs = s.execute(select(BadDebtWriteOff)).scalars().all()
        assert write_offs and all(w.status == "approved" and w.decided_by is not None for w in write_offs)
        assert {kinds[w.customer_id] for w in write_offs} == {ar_pass.BAD}
        assert ar.aging(s, last)  # something is still open (very late payers, bad debt not yet 180 days)
        # some customers round up: the rest of the receipt is an advance, applied to a later invoice
        applied_later = (select(func.count()).select_from(ArAllocation)
                         .join(CustomerReceipt, CustomerReceipt.id == ArAllocation.source_id)
                         .where(ArAllocation.source_type == "receipt",
                                ArAllocation.allocated_on > CustomerReceipt.receipt_date))
        assert s.execute(applied_later).scalar_one() > 0
        unallocated = s.execute(select(func.sum(CustomerReceipt.unallocated_amount))).scalar_one()
        received = s.execute(select(func.sum(CustomerReceipt.amount))).scalar_one()
        from_receipts = s.execute(select(func.sum(ArAllocation.amount))
                                  .where(ArAllocation.source_type == "receipt")).scalar_one()
        assert received - from_receipts == unallocated


def test_credit_notes_for_every_return(one_run):
    with unit_of_work(one_run) as s:
        notes = s.execute(select(CreditNote)).scalars().all()
        assert notes and all(n.amount == D("5.00") for n in notes)  # 2 × 2.50


def test_collection_notes_with_kept_and_broken_promises(one_run):
    with unit_of_work(one_run) as s:
        assert s.execute(select(func.count()).select_from(CollectionNote)).scalar_one() > 0
        states = {p.state for day in DAYS[60::30] for p in collection.promises(s, day).values()}
        assert {"kept", "broken"} <= states


def test_settled_amounts_equal_the_allocation_journal_and_aging_sums(one_run):
    with unit_of_work(one_run) as s:
        assert s.execute(select(func.sum(ArInstalment.settled_amount))).scalar_one() == s.execute(
            select(func.sum(ArAllocation.amount))).scalar_one()
        for day in DAYS[::50]:
            buckets = ar.aging(s, day)  # the unapplied money is its own (negative) bucket: rows sum to the net
            net = ar.net_balance(s, as_of=day)
            for customer_id in {c for c, _o, _l in buckets} | set(net):
                assert sum(a for (c, _o, _l), a in buckets.items() if c == customer_id) == net.get(customer_id, 0)


def test_two_runs_over_disjoint_days_equal_one_run(one_run, tmp_path):
    split = _store(tmp_path / "jxc.sqlite")
    ar_pass.run(split, DAYS[:137], SEED)
    ar_pass.run(split, DAYS[137:], SEED)
    assert _snapshot(split) == _snapshot(one_run)
    split.dispose()
