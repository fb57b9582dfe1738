"""What the last passing reconciliation covered, kept in the warehouse it vouched for.

An incremental run compares the (expensive) store-side valuation only for the products that
changed since the last *passing* reconciliation: the products with ledger rows above the ledger id
it covered, plus the products the warehouse revalued since (``int_movement_valuation`` rows with a
newer ``valued_at``: new or back-dated rows, landed costs, cancellations, a changed method).

Why the warehouse (table ``meta.reconciliation_coverage``) and not the Dagster instance: the
remembered fact is "this warehouse file's values were equal to the store's up to ledger id N". It
must travel with that file: a deleted, rebuilt or restored warehouse.duckdb starts without the row,
so its first reconciliation compares everything; Dagster's run history survives such a swap (and
is pruned by retention), so it could vouch for data it never saw. Only a passing check writes the
row; a failing one leaves the previous coverage, so the next run compares its products again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb

from orchestration.duck import table_exists
from orchestration.run_plan import CHECKS_TAG

COVERAGE_TABLE = "meta.reconciliation_coverage"
PIPELINE_TAG = "jxc/pipeline"  # set by orchestration.jobs: "full" or "incremental"


@dataclass(frozen=True)
class Coverage:
    """A passing reconciliation: the last ledger id it compared and the newest valuation batch."""

    ledger_id: int
    valued_at: datetime | None


def is_incremental(tags: Mapping[str, str]) -> bool:
    """Only a run tagged incremental is scoped; a full run, the day's first run (planned to rebuild
    everything, tagged ``jxc/checks: complete``) or an untagged one (a direct materialization, a
    test) compares everything."""
    return tags.get(PIPELINE_TAG) == "incremental" and tags.get(CHECKS_TAG) != "complete"


def last_coverage(con: duckdb.DuckDBPyConnection, check_key: str) -> Coverage | None:
    if not table_exists(con, "meta", "reconciliation_coverage"):
        return None
    row = con.execute(f"SELECT ledger_id, valued_at FROM {COVERAGE_TABLE} WHERE check_key = ?",
                      [check_key]).fetchone()
    return Coverage(int(row[0]), row[1]) if row else None


def record_coverage(con: duckdb.DuckDBPyConnection, check_key: str, coverage: Coverage, *, run_id: str,
                    scope: str) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {COVERAGE_TABLE} (
        check_key VARCHAR PRIMARY KEY, ledger_id BIGINT NOT NULL, valued_at TIMESTAMP,
        run_id VARCHAR, scope VARCHAR, recorded_at TIMESTAMP)""")
    con.execute(f"INSERT OR REPLACE INTO {COVERAGE_TABLE} VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
                [check_key, coverage.ledger_id, coverage.valued_at, run_id, scope])


def newest_valuation(con: duckdb.DuckDBPyConnection, relation: str | None) -> datetime | None:
    if relation is None:
        return None
    return con.execute(f"SELECT max(valued_at) FROM {relation}").fetchone()[0]


def revalued_since(con: duckdb.DuckDBPyConnection, relation: str | None, since: datetime | None) -> set[int]:
    """Products with a valuation batch newer than ``since`` (every valued product when None)."""
    if relation is None:
        return set()
    where = "" if since is None else "WHERE valued_at > ?"
    return {int(p) for (p,) in con.execute(f"SELECT DISTINCT product_id FROM {relation} {where}",
                                           [] if since is None else [since]).fetchall()}
