"""Building serving.duckdb: a fresh copy of the marts, swapped in atomically.

Dashboards hold short read-only connections to serving.duckdb and must never see a half-written
file, so the copy goes to ``serving.duckdb.tmp-<pid>`` next to it and is ``os.replace``d onto
the final name (atomic on one filesystem). If anything fails the temporary file is removed and
the previous serving file stays as it was.

A run that rebuilt only some marts (``orchestration.run_plan``) publishes with
``update_serving_file``: the temporary file starts as a copy of the current serving file and only
those marts are replaced in it, then it is swapped in the same way.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from operational.settings import ensure_private_dir
from orchestration import duck

META_PUBLISH_DDL = """
CREATE TABLE meta_publish (
    published_at TIMESTAMP, run_id VARCHAR, job_name VARCHAR, store_watermark VARCHAR,
    table_row_counts VARCHAR
)"""
META_CHECKS_DDL = """
CREATE TABLE meta_checks (
    check_name VARCHAR, asset_key VARCHAR, passed BOOLEAN, severity VARCHAR, description VARCHAR,
    metadata_json VARCHAR, checked_at TIMESTAMP
)"""


@dataclass(frozen=True)
class PublishInfo:
    published_at: datetime  # naive UTC, like every timestamp in the store
    run_id: str
    job_name: str
    store_watermark: str


@dataclass(frozen=True)
class CheckRow:
    check_name: str
    asset_key: str
    passed: bool
    severity: str
    description: str
    metadata: Mapping[str, Any]
    checked_at: datetime


def temp_path_for(target: Path) -> Path:
    return target.with_name(f"{target.name}.tmp-{os.getpid()}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def copy_schema(con: duckdb.DuckDBPyConnection, source_catalog: str, schema: str,
                names: Iterable[str] | None = None) -> dict[str, int]:
    """Copy every table and view of ``source_catalog.schema`` (or only ``names``) into ``main`` as
    tables, replacing a table of the same name; their row counts."""
    if names is None:
        names = [row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
            "ORDER BY table_name",
            [source_catalog, schema],
        ).fetchall()]
    counts = {}
    for name in names:
        con.execute(f"CREATE OR REPLACE TABLE main.{_quote(name)} AS "
                    f"SELECT * FROM {_quote(source_catalog)}.{_quote(schema)}.{_quote(name)}")
        counts[name] = con.execute(f"SELECT count(*) FROM main.{_quote(name)}").fetchone()[0]
    return counts


def _previous_publishes(previous: Path) -> list[tuple[Any, ...]]:
    """Earlier meta_publish rows, so the table keeps one row per publish across swaps."""
    if not previous.exists():
        return []
    try:
        con = duckdb.connect(str(previous), read_only=True)
    except duckdb.Error:
        return []  # unreadable old file: history is nice to have, the new data is what matters
    try:
        return _publish_rows(con)
    finally:
        con.close()


def _publish_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    try:
        return con.execute(
            "SELECT published_at, run_id, job_name, store_watermark, table_row_counts FROM meta_publish "
            "ORDER BY published_at"
        ).fetchall()
    except duckdb.Error:
        return []


def write_meta(con: duckdb.DuckDBPyConnection, info: PublishInfo, counts: Mapping[str, int],
               checks: Iterable[CheckRow], history: list[tuple[Any, ...]]) -> None:
    con.execute(META_PUBLISH_DDL)
    rows = [*history, (info.published_at, info.run_id, info.job_name, info.store_watermark,
                       json.dumps(dict(counts), sort_keys=True))]
    con.executemany("INSERT INTO meta_publish VALUES (?, ?, ?, ?, ?)", rows)
    con.execute(META_CHECKS_DDL)
    check_rows = [(c.check_name, c.asset_key, c.passed, c.severity, c.description,
                   json.dumps(dict(c.metadata), ensure_ascii=False, default=str), c.checked_at)
                  for c in checks]
    if check_rows:
        con.executemany("INSERT INTO meta_checks VALUES (?, ?, ?, ?, ?, ?, ?)", check_rows)


def build_serving_file(warehouse: Path, target: Path, schema: str, info: PublishInfo,
                       checks: Iterable[CheckRow]) -> dict[str, int]:
    """Copy ``schema`` of ``warehouse`` plus the meta tables into a new file and swap it onto
    ``target``; returns the row count of every copied table."""
    history = _previous_publishes(target)

    def fill(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        counts = copy_schema(con, "wh", schema)
        if not counts:
            raise ValueError(f"schema {schema!r} of {warehouse} has no tables to publish")
        con.execute("DETACH wh")
        write_meta(con, info, counts, checks, history)
        return counts

    return _swap_in(warehouse, target, fill)


def update_serving_file(warehouse: Path, target: Path, schema: str, tables: Iterable[str], info: PublishInfo,
                        checks: Iterable[CheckRow]) -> dict[str, int]:
    """Replace only ``tables`` (of ``schema`` of ``warehouse``) in a copy of the current ``target``,
    rewrite the meta tables, and swap the copy onto ``target``; returns the row count of every
    published table (replaced or kept). Without a current serving file this is ``build_serving_file``."""
    if not target.exists():
        return build_serving_file(warehouse, target, schema, info, checks)
    names = sorted(set(tables))

    def fill(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        history = _publish_rows(con)
        copy_schema(con, "wh", schema, names)
        con.execute("DETACH wh")
        con.execute("DROP TABLE IF EXISTS meta_publish")
        con.execute("DROP TABLE IF EXISTS meta_checks")
        counts = _row_counts(con)
        write_meta(con, info, counts, checks, history)
        return counts

    # The copy is read from the file readers use: it is only ever replaced whole, never written.
    return _swap_in(warehouse, target, fill, start_from=target)


def _row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = 'main' ORDER BY table_name").fetchall()]
    return {name: con.execute(f"SELECT count(*) FROM main.{_quote(name)}").fetchone()[0] for name in names}


def _swap_in(warehouse: Path, target: Path, fill: Callable[[duckdb.DuckDBPyConnection], dict[str, int]],
             start_from: Path | None = None) -> dict[str, int]:
    """Write a temporary file (empty, or a copy of ``start_from``) with ``warehouse`` attached as
    ``wh``, let ``fill`` complete it, and rename it onto ``target``; on any error the temporary file
    is removed and ``target`` is untouched."""
    if not warehouse.exists():
        raise FileNotFoundError(f"warehouse not found: {warehouse}")
    ensure_private_dir(target.parent)  # serving.duckdb: owner only
    temp = temp_path_for(target)
    temp.unlink(missing_ok=True)
    try:
        if start_from is not None:
            shutil.copyfile(start_from, temp)
        con = duckdb.connect(str(temp))
        try:
            # Fail early with a clear message if a run still holds the warehouse.
            duck.connect(warehouse, read_only=True).close()
            con.execute(f"ATTACH {_sql_string(str(warehouse))} AS wh (READ_ONLY)")
            counts = fill(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
        raise
    return counts


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
