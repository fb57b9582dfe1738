"""Dagster resources: the operational store, the DuckDB warehouse and the dbt CLI.

Paths and URLs default to ``operational.settings`` read at run time (not at import), so a test
or the CLI that sets JXC_DATA_DIR / JXC_DATABASE_URL before a run gets its own files.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
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


class StoreResource(dg.ConfigurableResource):
    """The operational store, read only through ``operational.services.monitoring``."""

    database_url: str | None = None

    @property
    def url(self) -> str:
        return self.database_url or get_settings().database_url

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

    def stock_balances(self) -> dict[tuple[int, int], Decimal]:
        with self.session() as session:
            return monitoring.stock_balances(session)

    def stock_snapshot(self, up_to_ledger_id: int | None, *, with_values: bool = False) -> monitoring.StockSnapshot:
        with self.session() as session:
            return monitoring.stock_snapshot(session, up_to_ledger_id=up_to_ledger_id, with_values=with_values)


class WarehouseResource(dg.ConfigurableResource):
    """warehouse.duckdb (raw + dbt layers) and the serving file the pipeline publishes."""

    warehouse_path: str | None = None
    serving_path: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.warehouse_path) if self.warehouse_path else get_settings().warehouse_path

    @property
    def serving(self) -> Path:
        return Path(self.serving_path) if self.serving_path else get_settings().serving_path

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


def default_resources() -> dict[str, object]:
    return {
        "store": StoreResource(),
        "warehouse": WarehouseResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    }
