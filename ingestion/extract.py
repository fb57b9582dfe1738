"""Incremental extract of the operational store into ``warehouse.duckdb`` schema ``raw``.

Per table (see ``ingestion.schema.Strategy``):

- tables with ``updated_at`` re-read rows with ``updated_at >= watermark − 5 minutes`` (a transaction
  that committed late with an earlier timestamp is still caught) and merge them by primary key;
- ``stock_ledger`` (append-only) re-reads ``id > watermark − 1000`` (PostgreSQL may commit ids out
  of order) and adds what is missing;
- tables without either (``doc_sequence``) are re-read completely.

The merge only writes rows that are new or differ from the raw copy, so a second run right after
the first writes nothing and returns 0 for every table. Keys deleted in the store are deleted from
raw. A raw table whose columns no longer match the models is rebuilt.

The whole run reads one snapshot of the store and is one DuckDB transaction: on any error nothing
is written. DuckDB allows one writer process: the file is opened for the run and closed after.
"""

from __future__ import annotations

import logging
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ingestion.load import RawWarehouse
from ingestion.schema import raw_table_specs
from ingestion.source import Plan, Snapshot, backend, open_snapshot, require_store, since_predicate
from ingestion.spec import RawTable, Strategy
from operational.settings import ensure_private_dir

log = logging.getLogger(__name__)

OVERLAP_SECONDS = 5 * 60
OVERLAP_IDS = 1000


def raw_tables() -> list[str]:
    """Names of every operational table (from ``operational.models.Base.metadata``), in dependency order."""
    return list(raw_table_specs())


def extract_to_raw(store_url: str, warehouse_path: Path, *, full: bool = False,
                   tables: list[str] | None = None) -> dict[str, int]:
    """Incremental extract of every operational table (or ``tables``) into schema raw of
    ``warehouse_path``; returns rows written (inserted or replaced) per table.

    ``full=True`` drops the raw tables (all, or those in ``tables``) and rebuilds them from the store.
    """
    specs = raw_table_specs()
    unknown = sorted(set(tables or []) - set(specs))
    if unknown:
        raise ValueError(f"not operational tables: {', '.join(unknown)}")
    selected = [specs[name] for name in (tables or specs)]
    dialect = backend(store_url)
    if dialect == "sqlite":
        require_store(store_url)
    warehouse_path = Path(warehouse_path)
    ensure_private_dir(warehouse_path.parent)  # warehouse.duckdb: owner only
    started = time.perf_counter()
    with closing(duckdb.connect(str(warehouse_path))) as con:
        con.begin()
        try:
            raw = RawWarehouse(con, dialect)
            raw.ensure_schema()
            rebuild = {spec.name for spec in selected if full or not raw.matches(spec)}
            plan: Plan = [
                (spec, None if spec.name in rebuild else since_predicate(
                    spec, raw.watermark(spec.name), overlap_seconds=OVERLAP_SECONDS, overlap_ids=OVERLAP_IDS))
                for spec in selected
            ]
            now = datetime.now()
            with open_snapshot(store_url, plan) as snapshot:
                written = {spec.name: _load_table(snapshot, raw, spec, spec.name in rebuild, now)
                           for spec in selected}
            con.commit()
        except BaseException:
            con.rollback()
            raise
    log.info("extract_to_raw: %d rows written in %d tables in %.2fs", sum(written.values()), len(written),
             time.perf_counter() - started)
    return written


def _load_table(snapshot: Snapshot, raw: RawWarehouse, spec: RawTable, rebuild: bool, now: datetime) -> int:
    started = time.perf_counter()
    deleted = 0
    if rebuild:
        raw.recreate(spec)
        written = raw.load_all(spec, snapshot.rows(spec.name))
        loaded = raw.target(spec)
    else:
        raw.stage(spec, snapshot.rows(spec.name))
        written = raw.merge(spec)
        loaded = "_in"
        keys = snapshot.keys(spec.name)
        if keys.num_rows != raw.count(spec):  # raw holds every store key, so equal counts: no deletions
            deleted = raw.prune(spec, keys)
    value = raw.max_of(loaded, spec.watermark_column) if spec.watermark_column else None
    raw.set_watermark(spec, _later(raw.watermark(spec.name), value, spec), now)
    log.info("raw.%s: %d written, %d deleted in %.2fs", spec.name, written, deleted, time.perf_counter() - started)
    return written


def _later(old: str | None, new: Any, spec: RawTable) -> Any:
    """The watermark never moves backwards (an empty re-read keeps the old one)."""
    if old is None or spec.watermark_column is None:
        return new
    if new is None:
        return old
    previous = int(old) if spec.strategy is Strategy.ID else datetime.fromisoformat(old)
    return max(previous, new)
