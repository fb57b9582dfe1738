"""The open-items machine shared by receivables (AR) and payables (AP): payment-term schedules,
allocation of money to instalments (oldest first or chosen by the user), reversal, and aging.

API (stable; payables calls the same functions with its own tables)
-------------------------------------------------------------------
Describe a side once with ``OpenItemSide`` (see ``receivables.AR`` for the AR instance). The
tables it names must have these columns:

* document (``document_model``): ``id``, ``doc_no``, ``status`` (``"posted"`` counts, anything else
  is ignored), the partner column ``partner_field`` and the date column ``date_field``;
* instalment (``instalment_model``): ``id``, the document column ``document_field``, ``seq``,
  ``due_date``, ``amount`` (Money), ``settled_amount`` (Money), ``updated_at``;
* allocation (``allocation_model``, append-only): ``id``, ``instalment_id``, ``source_type``,
  ``source_id``, ``amount`` (Money, negative = reversal), ``allocated_on`` (Date), ``created_by``.

Functions:

* ``term_lines(session, term_id, fallback_days)`` → ``[(percent, days)]`` of a ``payment_term``
  (or one 100 % line after ``fallback_days`` when there is no term).
* ``schedule(total, document_date, lines)`` → ``[(due_date, amount)]``, amounts to the cent, the
  last instalment takes the rounding; ``add_instalments(session, side, document, lines, total)``
  writes them (``instalment_rows(...)`` gives the rows for a bulk INSERT).
* ``allocate_oldest_first(session, side, partner_id, amount, source=..., on=...)`` → ``(rows,
  leftover)``: settles the partner's open instalments by due date, document date, document id,
  seq; ``document_ids`` limits it to some documents. Never over-settles, even when two
  transactions race (conditional UPDATE ``settled_amount + x <= amount``); on PostgreSQL the
  documents read are share-locked (``FOR SHARE``), so cancelling a document first updates its row
  conditionally on ``status = 'posted'`` and then cannot race an allocation.
* ``allocate_chosen(session, side, partner_id, [(instalment_id, amount)], source=..., on=...)``:
  the user's allocation; refuses (StateError ``over_allocation``) an amount beyond what is open.
* ``reverse(session, side, allocation_rows, on=..., user_id=...)``: negative rows, settled back.
* ``take_unallocated(session, model, row_id, amount, record=...)``: race-safe decrement of a
  source document's ``unallocated_amount`` (an advance or unapplied credit being applied).
* ``bucket(report_date, due_date, bounds)`` → ``Bucket(order, label)``; ``bucket_labels(bounds)``;
  default bounds ``DEFAULT_BUCKETS = (30, 60, 90, 120)`` → not_due, 1-30, 31-60, 61-90, 91-120,
  120+ (same labels as the dbt macro ``aging_bucket``).
* ``balances(session, side, as_of=None, ...)`` → ``[InstalmentBalance]`` (outstanding per
  instalment, as of a date from allocations dated ≤ it); ``outstanding_by_partner`` (open
  instalments, gross) builds on it.
* ``unapplied(session, side, as_of=None, ...)`` → per partner, the money not yet applied (未核销:
  advances, unallocated receipt or payment amounts, credit / debit notes not yet applied) as of a
  date; the ONE rule for it, on both sides (``OpenItemSide.money_sources`` names the tables).
* ``net_by_partner`` = open instalments − unapplied: a partner's balance everywhere (aging,
  statements, credit exposure, collection, reconciliation); ``aging`` (partner × bucket) puts the
  unapplied money in its own bucket ``UNAPPLIED`` (order −1) as a negative amount, so a partner's
  buckets add up to its net balance. These are the store-side truth the marts must equal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from operational.models.base import utcnow
from operational.services import cash, validation
from operational.services.errors import StateError, ValidationError
from operational.services.validation import required_text

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
DEFAULT_BUCKETS: tuple[int, ...] = (30, 60, 90, 120)
NOT_DUE = "not_due"
# The aging's own column for money not yet applied (未核销), shown as a negative amount; not an
# age bucket, so it sorts before them (order -1) and no bucket bound changes it.
UNAPPLIED = "unapplied"
UNAPPLIED_ORDER = -1
POSTED = "posted"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class MoneySource:
    """A document whose money settles instalments and, until applied, stands to the partner's
    credit: customer receipts and credit notes (AR), supplier payments and debit notes (AP).

    The table has ``id``, the partner column, the date column and ``amount``; allocations name it
    by ``source_type``. ``statuses``: the states in which its money counts (None: every row — a
    ``cancelled`` row never counts, should the table have a status). A document in
    ``reversed_status`` (冲销) counted from its date and leaves again on its ``reversed_on``."""

    source_type: str  # "receipt" | "credit_note" | "payment" | "debit_note"
    model: type
    partner_field: str
    date_field: str
    statuses: tuple[str, ...] | None = None
    reversed_status: str | None = None


@dataclass(frozen=True)
class OpenItemSide:
    """Which tables and columns one side (receivables or payables) uses."""

    name: str  # "receivable" | "payable"
    document_model: type  # SalesInvoice
    document_entity: str  # "sales_invoice" (catalog entity key without the "entity." prefix)
    partner_field: str  # "customer_id"
    date_field: str  # "invoice_date"
    document_field: str  # "invoice_id" on the instalment table
    instalment_model: type  # ArInstalment
    allocation_model: type  # ArAllocation
    money_sources: tuple[MoneySource, ...] = ()  # what may stand unapplied (see ``unapplied``)


@dataclass(frozen=True)
class Source:
    """What settles an instalment: a receipt, payment, credit/debit note or write-off."""

    type: str
    id: int
    record: str | None = None  # its document number, for messages
    user_id: int | None = None


class Bucket(NamedTuple):
    order: int
    label: str


@dataclass(frozen=True)
class InstalmentBalance:
    instalment_id: int
    document_id: int
    doc_no: str
    partner_id: int
    document_date: date
    seq: int
    due_date: date
    amount: Decimal
    settled: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.settled


# --- payment terms -------------------------------------------------------------------------------

def term_lines(session: Session, term_id: int | None, fallback_days: int | None) -> list[tuple[Decimal, int]]:
    """(percent, days) of a payment term in sequence; no term: everything after ``fallback_days``."""
    if term_id is not None:
        from operational.models.receivables import PaymentTermLine

        rows = session.execute(select(PaymentTermLine.percent, PaymentTermLine.days)
                               .where(PaymentTermLine.term_id == term_id).order_by(PaymentTermLine.seq)).all()
        if rows:
            return [(Decimal(p), int(d)) for p, d in rows]
    return [(HUNDRED, int(fallback_days or 0))]


def check_term_lines(lines: Sequence[tuple[Any, Any]]) -> list[tuple[Decimal, int]]:
    """Validate term lines typed by a user: positive percents adding up to 100, days ≥ 0."""
    if not lines:
        raise ValidationError("no_lines", field="lines")
    parsed = []
    for n, (percent, days) in enumerate(lines, start=1):
        p = Decimal(str(percent))
        if p <= 0:
            raise ValidationError("must_be_positive", field=f"lines.{n}.percent", line_no=n,
                                  field_label="field.percent")
        try:
            d = int(days)
        except (TypeError, ValueError):
            raise ValidationError("invalid_number", field=f"lines.{n}.days", line_no=n,
                                  field_label="field.days", value=days) from None
        if d < 0:
            raise ValidationError("must_not_be_negative", field=f"lines.{n}.days", line_no=n,
                                  field_label="field.days")
        parsed.append((p, d))
    if sum(p for p, _ in parsed) != HUNDRED:
        raise ValidationError("term_percent_total", field="lines", total=sum(p for p, _ in parsed))
    return parsed


def schedule(total: Decimal, document_date: date, lines: Sequence[tuple[Decimal, int]]) -> list[tuple[date, Decimal]]:
    """Split ``total`` into instalments: each line's percent of it, rounded half-up to the cent,
    due ``days`` after the document date; the last instalment takes what rounding left over, so
    the instalments always add up to the total exactly."""
    total = Decimal(total).quantize(CENT)
    if not lines:
        lines = [(HUNDRED, 0)]
    result = []
    running = Decimal(0)
    for n, (percent, days) in enumerate(lines):
        if n == len(lines) - 1:
            amount = total - running
        else:
            amount = (total * Decimal(percent) / HUNDRED).quantize(CENT, ROUND_HALF_UP)
        running += amount
        result.append((document_date + timedelta(days=int(days)), amount))
    return result


def instalment_rows(side: OpenItemSide, document_id: int, document_date: date, lines: Sequence[tuple[Decimal, int]],
                    total: Decimal) -> list[dict[str, Any]]:
    """The instalment rows of a document (for a bulk INSERT); zero-amount instalments skipped."""
    rows = []
    for due, amount in schedule(total, document_date, lines):
        if amount == 0:
            continue
        rows.append({side.document_field: document_id, "seq": len(rows) + 1, "due_date": due, "amount": amount,
                     "settled_amount": Decimal(0)})
    return rows


def add_instalments(session: Session, side: OpenItemSide, document: Any,
                    lines: Sequence[tuple[Decimal, int]], total: Decimal) -> list[Any]:
    """Write the document's instalments from its term lines (zero-amount instalments skipped)."""
    rows = [side.instalment_model(**values) for values in
            instalment_rows(side, document.id, getattr(document, side.date_field), lines, total)]
    session.add_all(rows)
    session.flush()
    return rows


# --- allocation ----------------------------------------------------------------------------------

def _settle_stmt(side: OpenItemSide):  # type: ignore[no-untyped-def]
    table = side.instalment_model.__table__
    typ = table.c.amount.type
    add = bindparam("x", type_=typ)
    return (update(table)
            .where(table.c.id == bindparam("i"),
                   table.c.settled_amount + add <= table.c.amount,
                   table.c.settled_amount + add >= 0)
            .values(settled_amount=table.c.settled_amount + add, updated_at=bindparam("now")))


def _open_rows(session: Session, side: OpenItemSide, partner_id: int | None = None, *,
               instalment_ids: Iterable[int] | None = None,
               document_ids: Iterable[int] | None = None) -> list[Any]:
    """Open instalments of posted documents, oldest first, read fresh from the database."""
    inst = side.instalment_model.__table__
    doc = side.document_model.__table__
    doc_date = doc.c[side.date_field]
    query = (select(inst.c.id, inst.c[side.document_field].label("document_id"), inst.c.seq, inst.c.due_date,
                    inst.c.amount, inst.c.settled_amount, doc.c.doc_no, doc.c[side.partner_field].label("partner_id"),
                    doc_date.label("document_date"))
             .join(doc, doc.c.id == inst.c[side.document_field])
             .where(doc.c.status == POSTED, inst.c.settled_amount < inst.c.amount)
             .order_by(inst.c.due_date, doc_date, doc.c.id, inst.c.seq)
             # PostgreSQL: share-lock the documents, so a document being cancelled at this moment
             # is either seen cancelled (we wait for it) or cannot be cancelled until we commit.
             # SQLite ignores it (writers are serialized there anyway).
             .with_for_update(read=True, of=doc))
    if partner_id is not None:
        query = query.where(doc.c[side.partner_field] == partner_id)
    if instalment_ids is not None:
        query = query.where(inst.c.id.in_(list(instalment_ids)))
    if document_ids is not None:
        query = query.where(doc.c.id.in_(list(document_ids)))
    return list(session.execute(query))


def _open_now(session: Session, side: OpenItemSide, instalment_id: int) -> Decimal:
    inst = side.instalment_model.__table__
    row = session.execute(select(inst.c.amount, inst.c.settled_amount).where(inst.c.id == instalment_id)).one()
    return Decimal(row.amount) - Decimal(row.settled_amount)


def _row(instalment_id: int, amount: Decimal, source: Source, on: date) -> dict[str, Any]:
    return {"instalment_id": instalment_id, "source_type": source.type, "source_id": source.id, "amount": amount,
            "allocated_on": on, "created_by": source.user_id}


def _write(session: Session, side: OpenItemSide, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert the allocation rows in one statement and return them as ORM objects."""
    if not rows:
        return []
    model = side.allocation_model
    written = list(session.scalars(insert(model).returning(model, sort_by_parameter_order=True), rows))
    for row in written:
        _expire_instalment(session, side, row.instalment_id)
    return written


def _try_settle(session: Session, side: OpenItemSide, instalment_id: int, amount: Decimal) -> bool:
    result = session.connection().execute(_settle_stmt(side), {"i": instalment_id, "x": amount, "now": utcnow()})
    return result.rowcount == 1


def allocate_oldest_first(session: Session, side: OpenItemSide, partner_id: int, amount: Any, *,
                          source: Source, on: date, document_ids: Iterable[int] | None = None) -> tuple[list[Any], Decimal]:
    """Settle up to ``amount`` of the partner's open instalments, earliest due date first (then
    document date, document id, instalment seq). Returns the allocation rows and what is left.

    Each step is a conditional UPDATE; when a concurrent transaction settled the same instalment
    first, the open amount is re-read and only that is taken, so nothing is over-settled."""
    remaining = Decimal(amount).quantize(CENT)
    rows: list[dict[str, Any]] = []
    if remaining < 0:
        raise ValidationError("must_be_positive", field="amount", record=source.record, field_label="field.amount")
    for inst in _open_rows(session, side, partner_id, document_ids=document_ids):
        if remaining <= 0:
            break
        open_amount = Decimal(inst.amount) - Decimal(inst.settled_amount)
        while open_amount > 0:
            take = min(open_amount, remaining)
            if _try_settle(session, side, inst.id, take):
                rows.append(_row(inst.id, take, source, max(on, inst.document_date)))
                remaining -= take
                break
            open_amount = _open_now(session, side, inst.id)  # someone else settled part of it
    return _write(session, side, rows), remaining


def allocate_chosen(session: Session, side: OpenItemSide, partner_id: int,
                    allocations: Sequence[tuple[int, Any]], *, source: Source, on: date) -> list[Any]:
    """The user's own allocation: ``(instalment_id, amount)`` pairs. Every instalment must be an
    open instalment of this partner's posted documents and no amount may exceed what is open
    (StateError ``over_allocation``, nothing written)."""
    parsed: list[tuple[int, int, Decimal]] = []
    for n, (instalment_id, value) in enumerate(allocations, start=1):
        amount = Decimal(str(value)).quantize(CENT)
        if amount < 0:
            raise ValidationError("must_be_positive", field=f"allocations.{n}.amount", record=source.record,
                                  line_no=n, field_label="field.amount")
        if amount == 0:
            continue
        parsed.append((n, int(instalment_id), amount))
    ids = [i for _, i, _ in parsed]
    if len(set(ids)) != len(ids):
        raise ValidationError("duplicate_instalment", field="allocations", record=source.record)
    found = {r.id: r for r in _open_rows(session, side, partner_id, instalment_ids=ids)} if ids else {}
    rows = []
    for n, instalment_id, amount in parsed:
        inst = found.get(instalment_id)
        if inst is None:
            raise ValidationError("instalment_not_open", field=f"allocations.{n}.instalment_id",
                                  record=source.record, line_no=n, key=instalment_id)
        if not _try_settle(session, side, instalment_id, amount):
            raise StateError("over_allocation", field=f"allocations.{n}.amount", record=source.record, line_no=n,
                             document=inst.doc_no, seq=inst.seq, open=_open_now(session, side, instalment_id),
                             amount=amount)
        rows.append(_row(instalment_id, amount, source, max(on, inst.document_date)))
    return _write(session, side, rows)


@dataclass(frozen=True)
class ChosenAllocation:
    """One source's own allocation in ``allocate_chosen_many``: ``(instalment_id, amount)`` pairs."""

    partner_id: int
    allocations: Sequence[tuple[int, Any]]
    source: Source
    on: date


def allocate_chosen_many(session: Session, side: OpenItemSide, items: Sequence[ChosenAllocation]) -> list[Decimal]:
    """``allocate_chosen`` for many sources at once (a day's receipts, each naming what it pays):
    the same rules per source, with one read of the instalments, the conditional UPDATEs as one
    batch and one INSERT. Everything is checked before anything is written, including two
    sources of the batch taking the same instalment beyond what it has open. Returns the amount
    allocated per item."""
    parsed: list[list[tuple[int, int, Decimal]]] = []
    for item in items:
        mine: list[tuple[int, int, Decimal]] = []
        for n, (instalment_id, value) in enumerate(item.allocations, start=1):
            amount = Decimal(str(value)).quantize(CENT)
            if amount < 0:
                raise ValidationError("must_be_positive", field=f"allocations.{n}.amount", record=item.source.record,
                                      line_no=n, field_label="field.amount")
            if amount:
                mine.append((n, int(instalment_id), amount))
        ids = [i for _, i, _ in mine]
        if len(set(ids)) != len(ids):
            raise ValidationError("duplicate_instalment", field="allocations", record=item.source.record)
        parsed.append(mine)
    all_ids = sorted({i for mine in parsed for _, i, _ in mine})
    found = {r.id: r for r in _open_rows(session, side, instalment_ids=all_ids)} if all_ids else {}
    left = {i: Decimal(r.amount) - Decimal(r.settled_amount) for i, r in found.items()}
    rows, params, used = [], [], []
    now = utcnow()
    for item, mine in zip(items, parsed, strict=True):
        total = Decimal(0)
        for n, instalment_id, amount in mine:
            inst = found.get(instalment_id)
            if inst is None or inst.partner_id != item.partner_id:
                raise ValidationError("instalment_not_open", field=f"allocations.{n}.instalment_id",
                                      record=item.source.record, line_no=n, key=instalment_id)
            if amount > left[instalment_id]:
                raise StateError("over_allocation", field=f"allocations.{n}.amount", record=item.source.record,
                                 line_no=n, document=inst.doc_no, seq=inst.seq, open=left[instalment_id],
                                 amount=amount)
            left[instalment_id] -= amount
            params.append({"i": instalment_id, "x": amount, "now": now})
            rows.append(_row(instalment_id, amount, item.source, max(item.on, inst.document_date)))
            total += amount
        used.append(total)
    if not params:
        return used
    conn = session.connection()
    if len(params) > 1 and conn.dialect.supports_sane_multi_rowcount:
        settled = conn.execute(_settle_stmt(side), params).rowcount
    else:
        settled = sum(conn.execute(_settle_stmt(side), p).rowcount for p in params)
    if settled != len(params):  # another transaction settled one of them meanwhile: keep nothing
        first = params[0]["i"]
        raise StateError("over_allocation", field="allocations", record=items[0].source.record,
                         document=found[first].doc_no, seq=found[first].seq,
                         open=_open_now(session, side, first), amount=params[0]["x"])
    session.execute(insert(side.allocation_model), rows)
    for instalment_id in all_ids:
        _expire_instalment(session, side, instalment_id)
    return used


def reverse(session: Session, side: OpenItemSide, allocations: Iterable[Any], *, on: date,
            user_id: int | None = None) -> list[Any]:
    """Undo allocations with negative rows (the journal stays append-only) and un-settle."""
    rows = []
    for alloc in allocations:
        amount = Decimal(alloc.amount)
        if not _try_settle(session, side, alloc.instalment_id, -amount):
            raise StateError("reversal_not_possible", field="amount", key=alloc.id)
        rows.append(_row(alloc.instalment_id, -amount, Source(alloc.source_type, alloc.source_id, user_id=user_id),
                         max(on, alloc.allocated_on)))
    return _write(session, side, rows)


def reverse_source(session: Session, side: OpenItemSide, source: Source, *, on: date) -> Decimal:
    """Undo everything ``source`` (a receipt, a payment…) has allocated, net of earlier reversals:
    one negative row per instalment, dated ``on``; returns the amount taken back. Used when the
    source document itself is reversed (冲销)."""
    net = net_allocations(session, side, source.type, source.id)
    rows = []
    for instalment_id, amount in sorted(net.items()):
        if not _try_settle(session, side, instalment_id, -amount):
            raise StateError("reversal_not_possible", field="amount", record=source.record, key=instalment_id)
        rows.append(_row(instalment_id, -amount, source, on))
    _write(session, side, rows)
    return sum(net.values(), Decimal(0))


def reverse_money_document(session: Session, side: OpenItemSide, document: Any, *, source_type: str,
                           document_date: date, active_status: str, on: Any, reason: Any, user: Any,
                           cash_amount: Decimal, cash_kind: str, counterparty: str | None) -> None:
    """Reverse (冲销) a customer receipt or a paid supplier payment, all or nothing: the date (not
    before ``document_date`` nor the document's last allocation) and the reason are required; the document is marked reversed with
    who, when and why — conditional on still being ``active_status``, so a second reversal, or its
    advance being applied at the same moment, finds the row changed and is refused —; everything it
    allocated is reversed (``reverse_source``); ``cash_amount`` (signed) goes to its cash account."""
    when = validation.document_date(on, "reversed_on", session=session, record=document.doc_no)
    why = required_text(reason, "reversal_reason", record=document.doc_no)[:300]
    # Not before the document, nor before its last allocation (an advance applied later): a reversal
    # dated earlier would leave the instalment more than fully open on the days in between.
    alloc = side.allocation_model
    last_applied = session.execute(select(func.max(alloc.allocated_on)).where(
        alloc.source_type == source_type, alloc.source_id == document.id)).scalar()
    earliest = max(document_date, last_applied) if last_applied else document_date
    if when < earliest:
        raise ValidationError("reversal_before_document", field="reversed_on", record=document.doc_no,
                              date=earliest)
    table = type(document).__table__
    user_id = user.id if user is not None else None
    with session.begin_nested():
        done = session.connection().execute(
            update(table).where(table.c.id == document.id, table.c.status == active_status)
            .values(status="reversed", unallocated_amount=0, reversed_on=when, reversed_by=user_id,
                    reversal_reason=why, updated_at=utcnow()))
        if done.rowcount != 1:
            session.refresh(document, ["status"])
            raise StateError("bad_state", record=document.doc_no, field="status", state=f"state.{document.status}",
                             action="action.reverse")
        reverse_source(session, side, Source(source_type, document.id, record=document.doc_no, user_id=user_id),
                       on=when)
        cash.post(session, document.cash_account_id, when, cash_amount, cash_kind, doc_type=table.name,
                  doc_id=document.id, doc_no=document.doc_no, counterparty=counterparty, memo=why, user=user)
    session.refresh(document)


def net_allocations(session: Session, side: OpenItemSide, source_type: str, source_id: int) -> dict[int, Decimal]:
    """Per instalment, what a source has allocated net of reversals."""
    alloc = side.allocation_model
    query = (select(alloc.instalment_id, func.sum(alloc.amount)).where(alloc.source_type == source_type,
                                                                     alloc.source_id == source_id)
             .group_by(alloc.instalment_id))
    return {int(i): Decimal(a) for i, a in session.execute(query) if Decimal(a) != 0}


def take_unallocated(session: Session, model: type, row_id: int, amount: Decimal, *,
                     record: str | None = None, field: str = "amount") -> None:
    """Take ``amount`` from a source document's ``unallocated_amount`` (an advance or an unapplied
    credit note being applied), refusing atomically when less is left (two clerks applying the
    same advance at once cannot both succeed)."""
    table = model.__table__
    typ = table.c.unallocated_amount.type
    x = bindparam("x", type_=typ)
    stmt = (update(table).where(table.c.id == bindparam("i"), table.c.unallocated_amount >= x,
                                table.c.unallocated_amount - x >= 0)
            .values(unallocated_amount=table.c.unallocated_amount - x, updated_at=bindparam("now")))
    if session.connection().execute(stmt, {"i": row_id, "x": amount, "now": utcnow()}).rowcount != 1:
        left = session.execute(select(table.c.unallocated_amount).where(table.c.id == row_id)).scalar_one()
        raise StateError("over_allocation_source", field=field, record=record, open=Decimal(left), amount=amount)
    obj = session.identity_map.get(session.identity_key(model, row_id))
    if obj is not None:
        session.expire(obj, ["unallocated_amount", "updated_at"])


def _expire_instalment(session: Session, side: OpenItemSide, instalment_id: int) -> None:
    # The UPDATE ran in SQL; an ORM copy of the instalment in this session must re-read it.
    key = session.identity_key(side.instalment_model, instalment_id)
    obj = session.identity_map.get(key)
    if obj is not None:
        session.expire(obj, ["settled_amount", "updated_at"])


# --- aging ---------------------------------------------------------------------------------------

def check_buckets(bounds: Iterable[Any] | None) -> tuple[int, ...]:
    """Upper bounds (days overdue) of the overdue buckets: positive, strictly increasing."""
    values = tuple(int(b) for b in (bounds if bounds is not None else DEFAULT_BUCKETS))
    if not values or values[0] <= 0 or any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValidationError("invalid_buckets", field="buckets", value=",".join(map(str, values)))
    return values


def bucket_labels(bounds: Sequence[int] = DEFAULT_BUCKETS) -> list[str]:
    """Labels in order: not_due, 1-30, 31-60, …, then "<last>+"."""
    labels = [NOT_DUE]
    low = 1
    for high in bounds:
        labels.append(f"{low}-{high}")
        low = high + 1
    labels.append(f"{bounds[-1]}+")
    return labels


def age_days(report_date: date, due_date: date) -> int:
    """Days overdue on the report date (≤ 0: not yet due)."""
    return (report_date - due_date).days


def bucket(report_date: date, due_date: date, bounds: Sequence[int] = DEFAULT_BUCKETS) -> Bucket:
    """The aging bucket of an instalment due on ``due_date`` seen on ``report_date``: order 0
    "not_due" when age ≤ 0, then 1-30 (order 1) … up to the last bound, then "<last>+"."""
    age = age_days(report_date, due_date)
    labels = bucket_labels(bounds)
    if age <= 0:
        return Bucket(0, labels[0])
    for n, high in enumerate(bounds, start=1):
        if age <= high:
            return Bucket(n, labels[n])
    return Bucket(len(bounds) + 1, labels[-1])


def balances(session: Session, side: OpenItemSide, as_of: date | None = None, *, partner_id: int | None = None,
             upto_allocation_id: int | None = None, upto_document_id: int | None = None,
             open_only: bool = True) -> list[InstalmentBalance]:
    """Outstanding per instalment of posted documents.

    Without ``as_of`` (and without ``upto_allocation_id``) it is the store's ``settled_amount``;
    with ``as_of`` only documents dated ≤ it and allocations dated ≤ it count, which is how the
    aging mart computes any report date. ``upto_*`` limits to what an extract had seen."""
    inst = side.instalment_model.__table__
    doc = side.document_model.__table__
    alloc = side.allocation_model.__table__
    doc_date = doc.c[side.date_field]
    if as_of is None and upto_allocation_id is None:
        settled = inst.c.settled_amount
        query = select(inst.c.id, inst.c[side.document_field], doc.c.doc_no, doc.c[side.partner_field], doc_date,
                       inst.c.seq, inst.c.due_date, inst.c.amount, settled)
        query = query.select_from(inst.join(doc, doc.c.id == inst.c[side.document_field]))
    else:
        cond = [alloc.c.instalment_id == inst.c.id]
        if as_of is not None:
            cond.append(alloc.c.allocated_on <= as_of)
        if upto_allocation_id is not None:
            cond.append(alloc.c.id <= upto_allocation_id)
        sums = (select(alloc.c.instalment_id, func.sum(alloc.c.amount).label("settled"))
                .select_from(alloc.join(inst, and_(*cond))).group_by(alloc.c.instalment_id).subquery())
        query = (select(inst.c.id, inst.c[side.document_field], doc.c.doc_no, doc.c[side.partner_field], doc_date,
                        inst.c.seq, inst.c.due_date, inst.c.amount, sums.c.settled)
                 .select_from(inst.join(doc, doc.c.id == inst.c[side.document_field])
                              .outerjoin(sums, sums.c.instalment_id == inst.c.id)))
    query = query.where(doc.c.status == POSTED)
    if as_of is not None:
        query = query.where(doc_date <= as_of)
    if partner_id is not None:
        query = query.where(doc.c[side.partner_field] == partner_id)
    if upto_document_id is not None:
        query = query.where(doc.c.id <= upto_document_id)
    query = query.order_by(doc.c[side.partner_field], inst.c.due_date, doc_date, doc.c.id, inst.c.seq)
    result = []
    for row in session.execute(query):
        # SUM keeps the column's type, so SQLite's scaled integers come back as Decimal too.
        item = InstalmentBalance(int(row[0]), int(row[1]), row[2], int(row[3]), row[4], int(row[5]), row[6],
                                 Decimal(row[7]), Decimal(row[8] or 0))
        if open_only and item.outstanding == 0:
            continue
        result.append(item)
    return result


def outstanding_by_partner(session: Session, side: OpenItemSide, as_of: date | None = None, **kwargs: Any) -> dict[int, Decimal]:
    """Open instalments per partner, gross of unapplied money (partners with nothing open are
    left out). A partner's balance is ``net_by_partner``."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for item in balances(session, side, as_of, **kwargs):
        totals[item.partner_id] += item.outstanding
    return {k: v for k, v in totals.items() if v != 0}


def _sum(value: Any) -> Decimal:
    # SUM keeps the column's type (Decimal on both backends, even SQLite's scaled integers).
    return Decimal(value) if value is not None else Decimal(0)


def unapplied(session: Session, side: OpenItemSide, as_of: date | None = None, *, partner_id: int | None = None,
              upto_allocation_id: int | None = None,
              upto_source_ids: Mapping[str, int | None] | None = None) -> dict[int, Decimal]:
    """Money not yet applied (未核销) per partner, a positive amount to subtract from what is open.

    The one rule, for customers and suppliers alike: for each money source of the side (receipts
    and credit notes; payments and debit notes), its amount dated ≤ ``as_of``, less its
    allocations dated ≤ ``as_of`` (a reversed allocation adds back), less the amount of those
    reversed (冲销) on or before ``as_of``. Without ``as_of`` everything counts (= the documents'
    ``unallocated_amount`` now). Applying an advance later therefore moves it out on the day of the
    application and never changes an earlier date. ``upto_*`` limit it to what an extract had seen
    (the last allocation id, the last id per source type). Partners at 0 are left out."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    alloc = side.allocation_model.__table__
    for src in side.money_sources:
        table = src.model.__table__
        partner, on = table.c[src.partner_field], table.c[src.date_field]
        counted = [table.c.status != CANCELLED] if "status" in table.c else []
        if src.statuses is not None:
            counted.append(table.c.status.in_(src.statuses + ((src.reversed_status,) if src.reversed_status else ())))
        if partner_id is not None:
            counted.append(partner == partner_id)
        if upto_source_ids is not None:  # an extract that saw none of them saw nothing of them
            counted.append(table.c.id <= (upto_source_ids.get(src.source_type) or 0))
        issued = select(partner, func.sum(table.c.amount)).where(*counted)
        if as_of is not None:
            issued = issued.where(on <= as_of)
        for pid, value in session.execute(issued.group_by(partner)):
            totals[int(pid)] += _sum(value)
        if src.reversed_status is not None:
            taken_back = select(partner, func.sum(table.c.amount)).where(*counted, table.c.status == src.reversed_status)
            if as_of is not None:
                taken_back = taken_back.where(table.c.reversed_on <= as_of)
            for pid, value in session.execute(taken_back.group_by(partner)):
                totals[int(pid)] -= _sum(value)
        applied = (select(partner, func.sum(alloc.c.amount))
                   .select_from(alloc.join(table, and_(alloc.c.source_type == src.source_type,
                                                       alloc.c.source_id == table.c.id)))
                   .where(*counted))
        if as_of is not None:
            applied = applied.where(alloc.c.allocated_on <= as_of)
        if upto_allocation_id is not None:
            applied = applied.where(alloc.c.id <= upto_allocation_id)
        for pid, value in session.execute(applied.group_by(partner)):
            totals[int(pid)] -= _sum(value)
    return {k: v for k, v in totals.items() if v != 0}


def net_by_partner(session: Session, side: OpenItemSide, as_of: date | None = None, *, partner_id: int | None = None,
                   upto_allocation_id: int | None = None, upto_document_id: int | None = None,
                   upto_source_ids: Mapping[str, int | None] | None = None) -> dict[int, Decimal]:
    """A partner's balance: open instalments − money not yet applied (``unapplied``), as of a date
    (None: now). Negative when the partner has more credit than open items. Zeros left out."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    extra: dict[str, Any] = {}
    if upto_allocation_id is not None:
        extra["upto_allocation_id"] = upto_allocation_id
    gross = outstanding_by_partner(session, side, as_of, partner_id=partner_id, upto_document_id=upto_document_id,
                                   **extra)
    for pid, value in gross.items():
        totals[pid] += value
    for pid, value in unapplied(session, side, as_of, partner_id=partner_id, upto_source_ids=upto_source_ids,
                                **extra).items():
        totals[pid] -= value
    return {k: v for k, v in totals.items() if v != 0}


def aging(session: Session, side: OpenItemSide, as_of: date, bounds: Sequence[int] = DEFAULT_BUCKETS, *,
          partner_id: int | None = None, with_unapplied: bool = True) -> dict[tuple[int, int, str], Decimal]:
    """Outstanding as of ``as_of`` per (partner, bucket order, bucket label); the money not yet
    applied is the partner's ``(UNAPPLIED_ORDER, UNAPPLIED)`` entry, negative. A partner's entries
    add up to its net balance exactly (each instalment falls in exactly one bucket)."""
    bounds = check_buckets(bounds)
    totals: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for item in balances(session, side, as_of, partner_id=partner_id):
        b = bucket(as_of, item.due_date, bounds)
        totals[(item.partner_id, b.order, b.label)] += item.outstanding
    if with_unapplied:
        for pid, value in unapplied(session, side, as_of, partner_id=partner_id).items():
            totals[(pid, UNAPPLIED_ORDER, UNAPPLIED)] -= value
    return dict(totals)
