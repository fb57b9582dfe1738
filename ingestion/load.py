"""Write Arrow chunks into ``warehouse.duckdb`` schema ``raw``: create, stage, merge, prune, watermark.

All methods run on the caller's connection inside the caller's transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.spec import RawColumn, RawTable

WATERMARKS = "raw._watermarks"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cast(col: RawColumn, dialect: str) -> str:
    """DuckDB expression turning a transport value into the raw column type, exactly."""
    if col.scale is not None and dialect == "sqlite":
        # SQLite keeps 12.3456 as 123456: multiply by the decimal 10^-scale (exact; a division
        # of decimals would go through DOUBLE).
        if col.scale == 0:
            return f"CAST({_q(col.name)} AS {col.duck_type})"
        step = "0." + "0" * (col.scale - 1) + "1"
        return (f"CAST(CAST({_q(col.name)} AS DECIMAL(18,0)) * CAST('{step}' AS {col.duck_type}) "
                f"AS {col.duck_type})")
    return f"CAST({_q(col.name)} AS {col.duck_type})"


def _key_match(spec: RawTable, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{_q(k)} = {right}.{_q(k)}" for k in spec.primary_key)


class RawWarehouse:
    """The raw schema of one open DuckDB connection, fed from a store of the given dialect."""

    def __init__(self, con: duckdb.DuckDBPyConnection, dialect: str) -> None:
        self.con = con
        self.dialect = dialect

    def ensure_schema(self) -> None:
        self.con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {WATERMARKS} (table_name VARCHAR PRIMARY KEY, "
                         "column_name VARCHAR, value VARCHAR, extracted_at TIMESTAMP)")

    @staticmethod
    def target(spec: RawTable) -> str:
        return f"raw.{_q(spec.name)}"

    def matches(self, spec: RawTable) -> bool:
        """True if raw.<table> exists with exactly the expected columns and types."""
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position", [spec.name]
        ).fetchall()
        return [(n, t.replace(" ", "")) for n, t in rows] == [(c.name, c.duck_type) for c in spec.columns]

    def recreate(self, spec: RawTable) -> None:
        cols = ", ".join(f"{_q(c.name)} {c.duck_type}" for c in spec.columns)
        self.con.execute(f"DROP TABLE IF EXISTS {self.target(spec)}")
        # No PRIMARY KEY constraint: DuckDB's ART index would slow bulk loads; the merge keeps keys unique.
        self.con.execute(f"CREATE TABLE {self.target(spec)} ({cols})")
        self.con.execute(f"DELETE FROM {WATERMARKS} WHERE table_name = ?", [spec.name])

    def _insert(self, spec: RawTable, into: str, chunks: Iterable[pa.Table]) -> int:
        select = ", ".join(_cast(c, self.dialect) for c in spec.columns)
        total = 0
        for chunk in chunks:
            self.con.register("_chunk", chunk)
            try:
                self.con.execute(f"INSERT INTO {into} SELECT {select} FROM _chunk")
            finally:
                self.con.unregister("_chunk")
            total += chunk.num_rows
        return total

    def load_all(self, spec: RawTable, chunks: Iterable[pa.Table]) -> int:
        """Fill a freshly created raw table."""
        return self._insert(spec, self.target(spec), chunks)

    def stage(self, spec: RawTable, chunks: Iterable[pa.Table]) -> int:
        """Put the re-read rows into temp table _in (typed like the raw table)."""
        cols = ", ".join(f"{_q(c.name)} {c.duck_type}" for c in spec.columns)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE _in ({cols})")
        return self._insert(spec, "_in", chunks)

    def merge(self, spec: RawTable) -> int:
        """Replace the raw rows whose staged version differs (or is new); returns how many."""
        target = self.target(spec)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _chg AS SELECT * FROM _in EXCEPT "
            f"SELECT r.* FROM {target} r WHERE EXISTS (SELECT 1 FROM _in i WHERE {_key_match(spec, 'i', 'r')})"
        )
        changed = self._count("_chg")
        if changed:
            self.con.execute(f"DELETE FROM {target} r USING _chg c WHERE {_key_match(spec, 'r', 'c')}")
            self.con.execute(f"INSERT INTO {target} SELECT * FROM _chg")
        self.con.execute("DROP TABLE _chg")
        return changed

    def prune(self, spec: RawTable, keys: pa.Table) -> int:
        """Delete raw rows whose key is no longer in the store."""
        target = self.target(spec)
        before = self.count(spec)
        self.con.register("_keys", keys)
        try:
            self.con.execute(f"DELETE FROM {target} r WHERE NOT EXISTS "
                             f"(SELECT 1 FROM _keys k WHERE {_key_match(spec, 'k', 'r')})")
        finally:
            self.con.unregister("_keys")
        return before - self.count(spec)

    def _count(self, relation: str) -> int:
        return int(self.con.execute(f"SELECT COUNT(*) FROM {relation}").fetchall()[0][0])

    def count(self, spec: RawTable) -> int:
        return self._count(self.target(spec))

    def max_of(self, relation: str, column: str) -> Any:
        return self.con.execute(f"SELECT MAX({_q(column)}) FROM {relation}").fetchall()[0][0]

    def watermark(self, table: str) -> str | None:
        row = self.con.execute(f"SELECT value FROM {WATERMARKS} WHERE table_name = ?", [table]).fetchall()
        return row[0][0] if row else None

    def set_watermark(self, spec: RawTable, value: Any, now: datetime) -> None:
        text = None if value is None else (value.isoformat(sep=" ") if isinstance(value, datetime) else str(value))
        self.con.execute(f"DELETE FROM {WATERMARKS} WHERE table_name = ?", [spec.name])
        self.con.execute(f"INSERT INTO {WATERMARKS} VALUES (?, ?, ?, ?)",
                         [spec.name, spec.watermark_column, text, now])
