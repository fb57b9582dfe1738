"""Reconciliation: stock on hand (and, where the spec asks, its value) per product × warehouse in
the warehouse equals the store's.

The store side is the sum of the store's ledger rows up to the last ledger id the run extracted
(``operational.services.monitoring.stock_snapshot``), so clerks posting during a run do not fail
it; in the same read the store's ``stock_balance`` table must equal its whole ledger, so a
store whose balances drifted from its ledger fails too. Values are the store's ledger valued by
the same engine the warehouse's dbt model runs. The warehouse side comes from a mart.

Valuing the store's whole ledger is the expensive part (tens of seconds on a million rows). On an
incremental run, after a passing reconciliation of this warehouse (``checks.coverage``), values
are compared for the changed products only: those with ledger rows above the ledger id that
reconciliation covered, and those the warehouse revalued since. Quantities (and the store's
balance-vs-ledger drift) are compared for every product on every run: their store side is one
sum over the ledger that the drift check needs anyway. A full run compares everything.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import dagster as dg
from dagster import AssetCheckExecutionContext

from orchestration.assets.raw import extraction_fingerprint
from orchestration.checks.coverage import (
    Coverage,
    is_incremental,
    last_coverage,
    newest_valuation,
    record_coverage,
    revalued_since,
)
from orchestration.reconcile import BalanceKey, compare_balances
from orchestration.resources import StoreResource, WarehouseResource

MAX_REPORTED = 50


@dataclass(frozen=True)
class ReconciliationSpec:
    asset_key: dg.AssetKey
    name: str
    description: str
    sql: str  # returns product_id, warehouse_id, quantity[, value]
    with_values: bool = False  # the fourth column is the value on hand, compared too
    # the relation with one row per valued movement and its valuation batch (``valued_at``): the
    # products it revalued since the last passing check are in an incremental run's value scope
    valued_relation: str | None = None

    @property
    def check_key(self) -> str:
        return f"{self.asset_key.to_user_string()}:{self.name}"


@dataclass(frozen=True)
class ValueScope:
    """Which products' values an evaluation compares: all (``previous`` None) or the changed ones."""

    previous: Coverage | None  # the last passing reconciliation this run builds on
    revalued: frozenset[int] = frozenset()  # products the warehouse revalued since
    newest_valued_at: datetime | None = None  # the newest valuation batch now (recorded if passing)


def value_scope(warehouse: WarehouseResource, spec: ReconciliationSpec, *, incremental: bool,
                upto: int | None) -> ValueScope:
    """The value scope of this evaluation; everything unless the run is incremental and a previous
    passing reconciliation of this warehouse is known (and not ahead of what is extracted now)."""
    if not spec.with_values or spec.valued_relation is None:
        return ValueScope(None)
    with warehouse.connect() as con:
        newest = newest_valuation(con, spec.valued_relation)
        previous = last_coverage(con, spec.check_key) if incremental else None
        if previous is None or upto is None or previous.ledger_id > upto:
            return ValueScope(None, newest_valued_at=newest)
        return ValueScope(previous, frozenset(revalued_since(con, spec.valued_relation, previous.valued_at)), newest)


def warehouse_balances(warehouse: WarehouseResource, sql: str,
                       column: int = 2) -> dict[BalanceKey, Decimal]:
    with warehouse.connect() as con:
        return {(int(row[0]), int(row[1])): Decimal(row[column]) if row[column] is not None else Decimal(0)
                for row in con.execute(sql).fetchall()}


def extracted_ledger_id(warehouse: WarehouseResource) -> int | None:
    """The last stock-ledger id this warehouse holds (None before the first extract)."""
    with warehouse.connect() as con:
        return con.execute("SELECT max(id) FROM raw.stock_ledger").fetchone()[0]


def build_reconciliation_check(spec: ReconciliationSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=spec.asset_key, name=spec.name, description=spec.description, blocking=True)
    def _check(context: AssetCheckExecutionContext, store: dg.ResourceParam[StoreResource],
               warehouse: dg.ResourceParam[WarehouseResource]) -> dg.AssetCheckResult:
        upto = extracted_ledger_id(warehouse)
        scope = value_scope(warehouse, spec, incremental=is_incremental(context.run.tags), upto=upto)
        snapshot = store.stock_snapshot(
            upto, with_values=spec.with_values,
            values_moved_after=scope.previous.ledger_id if scope.previous else None, values_also=scope.revalued)
        store_side = snapshot.ledger_as_of
        fingerprint_now = snapshot.fingerprint
        mismatches = compare_balances(store_side, warehouse_balances(warehouse, spec.sql))
        value_mismatches = []
        if spec.with_values:
            found = warehouse_balances(warehouse, spec.sql, 3)
            if snapshot.value_products is not None:  # scoped: the warehouse's values of the same products
                found = {key: v for key, v in found.items() if key[0] in snapshot.value_products}
            value_mismatches = compare_balances(snapshot.values_as_of or {}, found)
        drift = compare_balances(snapshot.ledger_now, snapshot.balances)
        passed = not mismatches and not value_mismatches and not drift
        if passed and spec.with_values and spec.valued_relation is not None:
            with warehouse.connect(read_only=False) as con:
                record_coverage(con, spec.check_key, Coverage(int(upto or 0), scope.newest_valued_at),
                                run_id=context.run.run_id,
                                scope="full" if snapshot.value_products is None else "changed products")
        extracted = extraction_fingerprint(context.instance)
        what = "balances and values" if spec.with_values else "balances"
        if passed:
            description = f"{len(store_side)} product × warehouse {what} equal the store's"
            if snapshot.value_products is not None:
                description += f" (values of the {len(snapshot.value_products)} changed products)"
        elif mismatches:
            description = f"{len(mismatches)} product × warehouse balances differ from the store"
        elif value_mismatches:
            description = f"{len(value_mismatches)} product × warehouse values differ from the store's valuation"
        else:
            description = f"the store's stock_balance differs from its own ledger for {len(drift)} product × warehouse"
        scope_metadata = {
            "value_scope": dg.MetadataValue.text("full" if snapshot.value_products is None else "changed products"),
            "value_products_compared": dg.MetadataValue.int(
                len({key[0] for key in snapshot.values_as_of or {}}) if snapshot.value_products is None
                else len(snapshot.value_products)),
            "ledger_id_covered": dg.MetadataValue.int(int(upto or 0)),
            "previous_ledger_id_covered": dg.MetadataValue.int(scope.previous.ledger_id if scope.previous else 0),
        } if spec.with_values else {}
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            description=description,
            metadata={
                "balances_compared": dg.MetadataValue.int(len(store_side)),
                "mismatch_count": dg.MetadataValue.int(len(mismatches)),
                "mismatches": dg.MetadataValue.json([m.as_dict() for m in mismatches[:MAX_REPORTED]]),
                "value_mismatch_count": dg.MetadataValue.int(len(value_mismatches)),
                "value_mismatches": dg.MetadataValue.json([m.as_dict() for m in value_mismatches[:MAX_REPORTED]]),
                "store_balance_vs_ledger_drift": dg.MetadataValue.json([
                    {"product_id": m.product_id, "warehouse_id": m.warehouse_id, "ledger": f"{m.store:f}",
                     "stock_balance": f"{m.warehouse:f}"} for m in drift[:MAX_REPORTED]]),
                "store_fingerprint_at_extract": dg.MetadataValue.text(extracted or ""),
                "store_fingerprint_now": dg.MetadataValue.text(fingerprint_now),
                **scope_metadata,
            },
        )

    return _check
