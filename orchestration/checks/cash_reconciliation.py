"""Cash reconciliation: per cash or bank account, the warehouse's closing balance on the last day
of ``mart_cash_position_daily`` equals the store's.

The store side is the sum of the store's cash ledger up to the last ledger id the run extracted
(``operational.services.cash.ledger_totals``), so money posted during a run does not fail it. In
the same read, every account's ``cash_account.balance`` must equal the sum of its whole ledger, so
a store whose balances drifted from its ledger fails too. Blocking: a failure stops the publish.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import dagster as dg

from operational.services import cash
from orchestration.resources import StoreResource, WarehouseResource

MAX_REPORTED = 50


@dataclass(frozen=True)
class CashMismatch:
    account_id: int
    expected: Decimal
    found: Decimal

    def as_dict(self, expected: str, found: str) -> dict[str, str | int]:
        return {"account_id": self.account_id, expected: f"{self.expected:f}", found: f"{self.found:f}",
                "difference": f"{self.found - self.expected:f}"}


def compare_accounts(expected: Mapping[int, Decimal], found: Mapping[int, Decimal]) -> list[CashMismatch]:
    """Every account whose amounts differ, exactly; an account missing on one side counts as 0
    there (an account without any ledger row has no row in the mart and a zero balance)."""
    zero = Decimal(0)
    return [CashMismatch(key, Decimal(expected.get(key, zero)), Decimal(found.get(key, zero)))
            for key in sorted(set(expected) | set(found))
            if Decimal(expected.get(key, zero)) != Decimal(found.get(key, zero))]


def warehouse_closings(warehouse: WarehouseResource, relation: str) -> tuple[dict[int, Decimal], int | None]:
    """Closing balance per account on the mart's last day, and the last cash-ledger id extracted."""
    with warehouse.connect() as con:
        closings = con.execute(
            f"SELECT account_id, closing_balance FROM {relation} "
            f"WHERE date_day = (SELECT max(date_day) FROM {relation})").fetchall()
        upto = con.execute("SELECT max(id) FROM raw.cash_ledger").fetchone()[0]
    return {int(a): Decimal(v) for a, v in closings}, upto


def store_sides(store: StoreResource, upto_id: int | None) -> tuple[dict[int, Decimal], dict[int, Decimal],
                                                                     dict[int, Decimal]]:
    """(ledger as of the extract, whole ledger now, cash_account.balance now) per account."""
    with store.session() as session:
        as_of = cash.ledger_totals(session, upto_id) if upto_id is not None else {}
        now = cash.ledger_totals(session)
        balances = {a.id: a.balance for a in cash.accounts(session, active_only=False)}
    return as_of, now, balances


def build_cash_reconciliation_check(asset_key: dg.AssetKey, relation: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=asset_key, name="cash_reconciles_with_store", blocking=True,
                    description="Closing balance per cash / bank account on the last day equals the store's "
                                "cash ledger (as extracted), and the store's account balances equal its ledger.")
    def _check(store: dg.ResourceParam[StoreResource],
               warehouse: dg.ResourceParam[WarehouseResource]) -> dg.AssetCheckResult:
        closings, upto = warehouse_closings(warehouse, relation)
        as_of, now, balances = store_sides(store, upto)
        mismatches = compare_accounts(as_of, closings)
        drift = compare_accounts(now, balances)
        if not mismatches and not drift:
            description = f"{len(set(as_of) | set(closings))} account closing balances equal the store's"
        elif mismatches:
            description = f"{len(mismatches)} account closing balances differ from the store's cash ledger"
        else:
            description = f"the store's cash_account.balance differs from its own ledger for {len(drift)} accounts"
        return dg.AssetCheckResult(
            passed=not mismatches and not drift,
            severity=dg.AssetCheckSeverity.ERROR,
            description=description,
            metadata={
                "accounts_compared": dg.MetadataValue.int(len(set(as_of) | set(closings))),
                "extracted_cash_ledger_id": dg.MetadataValue.int(int(upto or 0)),
                "mismatch_count": dg.MetadataValue.int(len(mismatches)),
                "mismatches": dg.MetadataValue.json(
                    [m.as_dict("store", "warehouse") for m in mismatches[:MAX_REPORTED]]),
                "store_balance_vs_ledger_drift": dg.MetadataValue.json(
                    [m.as_dict("ledger", "cash_account_balance") for m in drift[:MAX_REPORTED]]),
            },
        )

    return _check
