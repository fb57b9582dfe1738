"""Open-items reconciliation (AR and AP): the NET balance per partner in the warehouse — open
instalments less the money not yet applied (未核销: advances, unallocated receipts or payments,
credit or debit notes) — equals the store's, to the cent. Blocking: a failure stops the publish.

Built once for any side of ``operational.services.open_items`` (receivables: customers,
``fct_receivable_instalments`` and ``fct_receivable_unapplied``; payables: suppliers,
``fct_payable_instalments`` and ``fct_payable_unapplied``). The store side is
``open_items.net_by_partner`` computed from the append-only allocation journal up to the last
allocation id the run extracted, over documents and money documents up to the last ids extracted
(so clerks posting during a run do not fail it; a receipt or payment reversed, or a proposed
payment paid, between the extract and the check is the exception: the next run passes). In the
same read each instalment's ``settled_amount`` in the store must equal the sum of its
allocations, so a store whose settled amounts drifted from the journal fails too.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import dagster as dg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.services import open_items
from operational.services.open_items import OpenItemSide
from orchestration.resources import StoreResource, WarehouseResource

MAX_REPORTED = 50


@dataclass(frozen=True)
class OpenItemsReconciliationSpec:
    asset_key: dg.AssetKey
    name: str  # check name, e.g. "ar_outstanding_reconciles_with_store"
    description: str
    side: OpenItemSide
    relation: str  # the warehouse relation holding one row per instalment
    partner_column: str  # "customer_id" / "supplier_id"
    amount_column: str = "outstanding_amount"
    # the relation with one row per money document and its unapplied_amount (None: gross only)
    unapplied_relation: str | None = None
    unapplied_asset_key: dg.AssetKey | None = None  # its asset: the check waits for it too

    @property
    def allocation_table(self) -> str:
        return self.side.allocation_model.__tablename__

    @property
    def document_table(self) -> str:
        return self.side.document_model.__tablename__


@dataclass(frozen=True)
class PartnerMismatch:
    partner_id: int
    store: Decimal
    warehouse: Decimal

    def as_dict(self) -> dict[str, str | int]:
        return {"partner_id": self.partner_id, "store": f"{self.store:f}", "warehouse": f"{self.warehouse:f}",
                "difference": f"{self.warehouse - self.store:f}"}


def compare_partners(store: Mapping[int, Decimal], warehouse: Mapping[int, Decimal]) -> list[PartnerMismatch]:
    """Every partner whose amounts differ, exactly; a partner missing on one side counts as 0 there."""
    zero = Decimal(0)
    return [PartnerMismatch(k, Decimal(store.get(k, zero)), Decimal(warehouse.get(k, zero)))
            for k in sorted(set(store) | set(warehouse))
            if Decimal(store.get(k, zero)) != Decimal(warehouse.get(k, zero))]


@dataclass(frozen=True)
class WarehouseSide:
    """What the warehouse holds: net balance per partner, its unapplied part, and the last ids
    the run extracted (allocations, documents, and per money source type)."""

    net: dict[int, Decimal]
    unapplied: dict[int, Decimal]
    upto_alloc: int | None
    upto_doc: int | None
    upto_sources: dict[str, int | None]

    def __iter__(self):  # type: ignore[no-untyped-def]
        # (net, upto_alloc, upto_doc): the shape callers unpacked before unapplied money counted
        return iter((self.net, self.upto_alloc, self.upto_doc))


def _sums(con, relation: str, partner: str, amount: str) -> dict[int, Decimal]:  # type: ignore[no-untyped-def]
    rows = con.execute(f"SELECT {partner}, sum({amount}) FROM {relation} GROUP BY {partner}").fetchall()
    return {int(p): Decimal(a) for p, a in rows if a is not None}


def warehouse_side(warehouse: WarehouseResource, spec: OpenItemsReconciliationSpec) -> WarehouseSide:
    """Net balance per partner in the warehouse (open instalments − unapplied), and the last
    allocation / document / money-document ids extracted."""
    with warehouse.connect() as con:
        gross = _sums(con, spec.relation, spec.partner_column, spec.amount_column)
        unapplied = (_sums(con, spec.unapplied_relation, spec.partner_column, "unapplied_amount")
                     if spec.unapplied_relation else {})
        upto_alloc = con.execute(f"SELECT max(id) FROM raw.{spec.allocation_table}").fetchone()[0]
        upto_doc = con.execute(f"SELECT max(id) FROM raw.{spec.document_table}").fetchone()[0]
        upto_sources = {src.source_type: con.execute(
            f"SELECT max(id) FROM raw.{src.model.__tablename__}").fetchone()[0]
            for src in spec.side.money_sources} if spec.unapplied_relation else {}
    net = {k: gross.get(k, Decimal(0)) - unapplied.get(k, Decimal(0)) for k in set(gross) | set(unapplied)}
    return WarehouseSide({k: v for k, v in net.items() if v != 0}, {k: v for k, v in unapplied.items() if v != 0},
                         upto_alloc, upto_doc, upto_sources)


def journal_drift(session: Session, side: OpenItemSide) -> list[dict[str, str | int]]:
    """Instalments whose ``settled_amount`` differs from the sum of their allocations (now)."""
    inst, alloc = side.instalment_model, side.allocation_model
    sums = (select(alloc.instalment_id, func.sum(alloc.amount).label("total")).group_by(alloc.instalment_id)
            .subquery())
    rows = session.execute(select(inst.id, inst.settled_amount, sums.c.total)
                           .outerjoin(sums, sums.c.instalment_id == inst.id)
                           .where(inst.settled_amount != func.coalesce(sums.c.total, 0)).limit(MAX_REPORTED))
    return [{"instalment_id": int(i), "settled_amount": f"{Decimal(s):f}", "allocations": f"{Decimal(t or 0):f}"}
            for i, s, t in rows]


def store_side(session: Session, spec: OpenItemsReconciliationSpec, upto_alloc: int | None,
               upto_doc: int | None, upto_sources: Mapping[str, int | None] | None = None) -> dict[int, Decimal]:
    """The store's net balance per partner as the run extracted it (``open_items.net_by_partner``
    with the extracted ids); with ``upto_sources`` None (a spec without unapplied relation) the
    open instalments only."""
    if spec.unapplied_relation is None or upto_sources is None:
        if upto_doc is None:  # nothing extracted yet: the warehouse holds no documents
            return {}
        return open_items.outstanding_by_partner(session, spec.side, upto_allocation_id=upto_alloc or 0,
                                                 upto_document_id=upto_doc)
    return open_items.net_by_partner(session, spec.side, upto_allocation_id=upto_alloc or 0,
                                     upto_document_id=upto_doc if upto_doc is not None else 0,
                                     upto_source_ids=upto_sources)


def build_open_items_reconciliation_check(spec: OpenItemsReconciliationSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=spec.asset_key, name=spec.name, description=spec.description, blocking=True,
                    additional_deps=[spec.unapplied_asset_key] if spec.unapplied_asset_key else None)
    def _check(store: dg.ResourceParam[StoreResource],
               warehouse: dg.ResourceParam[WarehouseResource]) -> dg.AssetCheckResult:
        seen = warehouse_side(warehouse, spec)
        found, upto_alloc, upto_doc = seen.net, seen.upto_alloc, seen.upto_doc
        with store.session() as session:
            expected = store_side(session, spec, upto_alloc, upto_doc, seen.upto_sources)
            store_unapplied = open_items.unapplied(
                session, spec.side, upto_allocation_id=upto_alloc or 0,
                upto_source_ids=seen.upto_sources) if spec.unapplied_relation else {}
            drift = journal_drift(session, spec.side)
        mismatches = compare_partners(expected, found)
        partners = len(set(expected) | set(found))
        if not mismatches and not drift:
            description = f"net balance of {partners} partners equals the store's"
        elif mismatches:
            description = f"net balance of {len(mismatches)} partners differs from the store's"
        else:
            description = f"{len(drift)} instalments' settled amount differs from their allocations in the store"
        return dg.AssetCheckResult(
            passed=not mismatches and not drift,
            severity=dg.AssetCheckSeverity.ERROR,
            description=description,
            metadata={
                "partners_compared": dg.MetadataValue.int(partners),
                "store_total": dg.MetadataValue.text(f"{sum(expected.values(), Decimal(0)):f}"),
                "warehouse_total": dg.MetadataValue.text(f"{sum(found.values(), Decimal(0)):f}"),
                "store_unapplied_total": dg.MetadataValue.text(f"{sum(store_unapplied.values(), Decimal(0)):f}"),
                "warehouse_unapplied_total": dg.MetadataValue.text(
                    f"{sum(seen.unapplied.values(), Decimal(0)):f}"),
                "extracted_allocation_id": dg.MetadataValue.int(int(upto_alloc or 0)),
                "extracted_document_id": dg.MetadataValue.int(int(upto_doc or 0)),
                "mismatch_count": dg.MetadataValue.int(len(mismatches)),
                "mismatches": dg.MetadataValue.json([m.as_dict() for m in mismatches[:MAX_REPORTED]]),
                "settled_vs_allocations_drift": dg.MetadataValue.json(drift),
            },
        )

    return _check
