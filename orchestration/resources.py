"""Dagster resources: the operational store, the DuckDB warehouse and the dbt CLI.

None of them can be configured from a run's configuration. A ``ConfigurableResource`` field
becomes run config that anyone who can launch a run (the Dagster UI, its GraphQL API) may set:
``resources.dbt.config.dbt_executable: /bin/bash`` ran a shell command as the server's user, and
``database_url`` / ``warehouse_path`` / ``serving_path`` pointed a run at another database or
serving file. So the resources here are plain objects, registered with an *empty* config schema
(``{}``, not ``None``: ``None`` accepts any config and silently ignores it, ``{}`` makes Dagster
refuse the run with a config error before any step starts).

Paths and URLs come from ``operational.settings`` read at run time (not at import), so a test or
the CLI that sets JXC_DATA_DIR / JXC_DATABASE_URL before a run gets its own files. Code (tests,
direct calls of a check) may still name a store or warehouse explicitly by constructing the
object; that is code, not run configuration.

Decorated functions take them as ``dg.ResourceParam[StoreResource]`` etc.: the classes are not
``ConfigurableResource``s, and the annotation is how Dagster knows the argument is a resource.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster_dbt import DbtCliResource
from sqlalchemy.orm import Session

from operational.db import engine_for, session_factory
from operational.services import monitoring
from operational.settings import get_settings
from orchestration import duck
from orchestration.dbt_project import dbt_project


class StoreResource:
    """The operational store, read only through ``operational.services.monitoring``."""

    def __init__(self, database_url: str | None = None) -> None:
        # None: the settings' store, looked up on every use (a test may change the environment).
        self._database_url = database_url

    @property
    def url(self) -> str:
        return self._database_url or get_settings().database_url

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = session_factory(engine_for(self.url))()
        try:
            yield session
        finally:
            # Nothing is written here; rolling back just ends the read transaction.
            session.rollback()
            session.close()

    def fingerprint(self) -> str:
        with self.session() as session:
            return monitoring.change_fingerprint(session)

    def markers(self, tables: list[str] | None = None) -> dict[str, str]:
        """Per-table change markers of the extracted tables (or ``tables``), read in one transaction."""
        with self.session() as session:
            return monitoring.table_markers(session, tables)

    def stock_balances(self) -> dict[tuple[int, int], Decimal]:
        with self.session() as session:
            return monitoring.stock_balances(session)

    def stock_snapshot(self, up_to_ledger_id: int | None, *, with_values: bool = False,
                       values_moved_after: int | None = None,
                       values_also: Collection[int] = ()) -> monitoring.StockSnapshot:
        with self.session() as session:
            return monitoring.stock_snapshot(session, up_to_ledger_id=up_to_ledger_id, with_values=with_values,
                                             values_moved_after=values_moved_after, values_also=values_also)


class WarehouseResource:
    """warehouse.duckdb (raw + dbt layers) and the serving file the pipeline publishes."""

    def __init__(self, warehouse_path: str | Path | None = None, serving_path: str | Path | None = None) -> None:
        # None: the settings' files, looked up on every use.
        self._warehouse_path = Path(warehouse_path) if warehouse_path else None
        self._serving_path = Path(serving_path) if serving_path else None

    @property
    def path(self) -> Path:
        return self._warehouse_path or get_settings().warehouse_path

    @property
    def serving(self) -> Path:
        return self._serving_path or get_settings().serving_path

    @contextmanager
    def connect(self, *, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duck.connect(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def read_frame(self, sql: str) -> pd.DataFrame:
        with self.connect() as con:
            return con.execute(sql).df()


def dbt_executable() -> str:
    """The venv's dbt next to this interpreter, so runs do not depend on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_cli() -> DbtCliResource:
    """dagster-dbt's CLI resource for ``transforms/``, with the executable fixed here in code."""
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())


def fixed_resource(make: Callable[[], object], description: str) -> dg.ResourceDefinition:
    """A resource built by ``make`` for each run, whose run configuration must be empty."""
    return dg.ResourceDefinition(resource_fn=lambda _context: make(), config_schema={}, description=description)


def default_resources() -> dict[str, dg.ResourceDefinition]:
    return {
        # Every asset writes its own DuckDB file and hands Dagster no value, so nothing needs the
        # default filesystem IO manager, whose `base_dir` would be a path settable by run config.
        "io_manager": dg.IOManagerDefinition(
            resource_fn=lambda _context: dg.InMemoryIOManager(), config_schema={},
            description="Keeps step outputs in memory; the pipeline's assets pass none.",
        ),
        "store": fixed_resource(StoreResource, "The operational store named by JXC_DATABASE_URL / JXC_DATA_DIR."),
        "warehouse": fixed_resource(WarehouseResource, "warehouse.duckdb and serving.duckdb under JXC_DATA_DIR."),
        "dbt": fixed_resource(dbt_cli, "dbt for transforms/, run by the virtualenv's own dbt executable."),
    }
