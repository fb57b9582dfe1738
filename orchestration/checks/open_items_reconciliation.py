"""Open-items reconciliation (AR and AP): the outstanding amount per partner in the warehouse
equals the store's, to the cent. Blocking: a failure stops the publish.

Built once for any side of ``operational.services.open_items`` (receivables: customers and
``fct_receivable_instalments``; payables: suppliers and ``fct_payable_instalments``). The store
side is computed from the append-only allocation journal up to the last allocation id the run
extracted, over documents up to the last document id extracted (so clerks posting during a run do
not fail it). In the same read each instalment's ``settled_amount`` in the store must equal the
sum of its allocations, so a store whose settled amounts drifted from the journal fails too.
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


def warehouse_side(warehouse: WarehouseResource, spec: OpenItemsReconciliationSpec
                   ) -> tuple[dict[int, Decimal], int | None, int | None]:
    """Outstanding per partner in the warehouse, and the last allocation / document ids extracted."""
    with warehouse.connect() as con:
        rows = con.execute(f"SELECT {spec.partner_column}, sum({spec.amount_column}) FROM {spec.relation} "
                           f"GROUP BY {spec.partner_column}").fetchall()
        upto_alloc = con.execute(f"SELECT max(id) FROM raw.{spec.allocation_table}").fetchone()[0]
        upto_doc = con.execute(f"SELECT max(id) FROM raw.{spec.document_table}").fetchone()[0]
    found = {int(p): Decimal(a) for p, a in rows if a is not None and Decimal(a) != 0}
    return found, upto_alloc, upto_doc


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
               upto_doc: int | None) -> dict[int, Decimal]:
    if upto_doc is None:  # nothing extracted yet: the warehouse holds no documents
        return {}
    return open_items.outstanding_by_partner(session, spec.side, upto_allocation_id=upto_alloc or 0,
                                             upto_document_id=upto_doc)


def build_open_items_reconciliation_check(spec: OpenItemsReconciliationSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=spec.asset_key, name=spec.name, description=spec.description, blocking=True)
    def _check(store: dg.ResourceParam[StoreResource],
               warehouse: dg.ResourceParam[WarehouseResource]) -> dg.AssetCheckResult:
        found, upto_alloc, upto_doc = warehouse_side(warehouse, spec)
        with store.session() as session:
            expected = store_side(session, spec, upto_alloc, upto_doc)
            drift = journal_drift(session, spec.side)
        mismatches = compare_partners(expected, found)
        partners = len(set(expected) | set(found))
        if not mismatches and not drift:
            description = f"outstanding of {partners} partners equals the store's"
        elif mismatches:
            description = f"outstanding of {len(mismatches)} partners differs from the store's"
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
                "extracted_allocation_id": dg.MetadataValue.int(int(upto_alloc or 0)),
                "extracted_document_id": dg.MetadataValue.int(int(upto_doc or 0)),
                "mismatch_count": dg.MetadataValue.int(len(mismatches)),
                "mismatches": dg.MetadataValue.json([m.as_dict() for m in mismatches[:MAX_REPORTED]]),
                "settled_vs_allocations_drift": dg.MetadataValue.json(drift),
            },
        )

    return _check
