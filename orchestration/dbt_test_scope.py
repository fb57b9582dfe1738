"""Which rows the dbt data tests of a run read: the run's rows on incremental runs, all on full runs.

Before ``dbt build`` the dbt step writes one row into ``meta.run_scope`` of the warehouse: the
last stock-ledger id and the start time of the last dbt build whose tests all passed
(``meta.tests_passed_through``). The project's ``get_where_subquery`` (transforms/macros/run_scope.sql)
turns that row into a filter for the models that opt in (``meta.run_scope`` in their yml). After
the build, if every test passed, ``meta.tests_passed_through`` moves to this build. A full run, the
first run, or a run after no passing build leaves ``meta.run_scope`` empty: every row is tested.
dbt's on-run-end hook empties it again, so a bare ``dbt build`` tests everything.

Why a table and not ``--vars``: the filter is the same SQL text on every run, so dbt's partial
parse stays valid (a change of ``--vars`` re-parses the whole project, ~12 s). Why in the warehouse:
"tests passed up to here" is a fact about that file; a rebuilt warehouse starts from a full test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration import duck
from orchestration.checks.coverage import is_incremental

_SCOPE_DDL = ("CREATE TABLE IF NOT EXISTS meta.run_scope (since_ledger_id BIGINT, since_time TIMESTAMP, "
              "run_id VARCHAR, written_at TIMESTAMP)")  # the same as macro jxc_run_scope_table
_PASSED_DDL = ("CREATE TABLE IF NOT EXISTS meta.tests_passed_through (ledger_id BIGINT, build_started_at TIMESTAMP, "
               "run_id VARCHAR, scoped BOOLEAN)")
# A test outcome other than these means the build's tests did not all pass.
_PASSING = {"pass", "success"}


@dataclass(frozen=True)
class DbtTestScope:
    run_id: str
    build_started_at: datetime
    since_ledger_id: int | None  # None: every row is tested
    since_time: datetime | None


def begin_test_scope(warehouse_path: Path, run_id: str, tags: Mapping[str, str]) -> DbtTestScope:
    """Write this run's scope row (or none, on a full run) before ``dbt build``."""
    started = datetime.now(UTC).replace(tzinfo=None)
    con = duck.connect(warehouse_path, read_only=False)
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS meta")
        con.execute(_SCOPE_DDL)
        con.execute(_PASSED_DDL)
        con.execute("DELETE FROM meta.run_scope")
        previous = con.execute("SELECT ledger_id, build_started_at FROM meta.tests_passed_through").fetchone()
        if not is_incremental(tags) or previous is None:
            return DbtTestScope(run_id, started, None, None)
        con.execute("INSERT INTO meta.run_scope VALUES (?, ?, ?, ?)", [previous[0], previous[1], run_id, started])
        return DbtTestScope(run_id, started, int(previous[0]), previous[1])
    finally:
        con.close()


def end_test_scope(warehouse_path: Path, scope: DbtTestScope, run_results: Mapping[str, Any] | None) -> bool:
    """After ``dbt build``: when every node succeeded and every test passed, the next incremental run
    tests only what comes after this build. Returns whether it moved."""
    results = (run_results or {}).get("results") or []
    if not results or any(str(r.get("status")) not in _PASSING for r in results):
        return False
    con = duck.connect(warehouse_path, read_only=False)
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS meta")
        con.execute(_PASSED_DDL)
        ledger_id = con.execute("SELECT coalesce(max(id), 0) FROM raw.stock_ledger").fetchone()[0]
        con.execute("DELETE FROM meta.tests_passed_through")
        con.execute("INSERT INTO meta.tests_passed_through VALUES (?, ?, ?, ?)",
                    [ledger_id, scope.build_started_at, scope.run_id, scope.since_ledger_id is not None])
        con.execute("DELETE FROM meta.run_scope")
        return True
    finally:
        con.close()
