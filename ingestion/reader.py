"""Run the extract queries on an ADBC connection and hand back Arrow in transport types.

Uses ADBC's low-level API (``adbc_driver_manager.AdbcConnection``): its DB-API layer imports pandas,
which would cost the SQLite reader process seconds at every run.

Backends hand over different Arrow types for the same column (SQLite: scaled integers and ISO
strings; PostgreSQL: numeric as opaque text, native dates and timestamps). Every chunk is normalised
to one *transport* type per column and backend, so the loader's casts always apply.

The ADBC SQLite driver infers a column's type from the first batch and fails when a later batch
disagrees (a column NULL at first, text later), so each query is read as one batch and big tables
are read in keyset chunks (``id > last ORDER BY id LIMIT n``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import adbc_driver_manager as adbc
import pyarrow as pa

from ingestion.spec import RawColumn, RawTable

CHUNK_ROWS = 250_000

TRANSPORT = {
    "sqlite": {"decimal": pa.int64(), "date": pa.string(), "timestamp": pa.string(),
               "boolean": pa.int64(), "integer": pa.int64(), "text": pa.string()},
    "postgresql": {"decimal": pa.string(), "date": pa.date32(), "timestamp": pa.timestamp("us"),
                   "boolean": pa.bool_(), "integer": pa.int64(), "text": pa.string()},
}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def transport_schema(columns: list[RawColumn] | tuple[RawColumn, ...], dialect: str) -> pa.Schema:
    return pa.schema([(c.name, TRANSPORT[dialect][c.kind]) for c in columns])


def _normalise(table: pa.Table, schema: pa.Schema) -> pa.Table:
    arrays = []
    for field in schema:
        arr = table.column(field.name)
        if isinstance(arr.type, pa.ExtensionType):  # PostgreSQL numeric arrives as opaque text
            arr = pa.chunked_array([c.storage for c in arr.chunks], type=arr.type.storage_type)
        arrays.append(arr.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


class Reader:
    """Queries on one open low-level ADBC connection (autocommit; the caller begins the snapshot)."""

    def __init__(self, database: Any, dialect: str) -> None:
        self.dialect = dialect
        self._db = database
        self._conn = adbc.AdbcConnection(database)

    def close(self) -> None:
        self._conn.close()
        self._db.close()

    def execute(self, sql: str) -> None:
        with adbc.AdbcStatement(self._conn) as stmt:
            stmt.set_sql_query(sql)
            stmt.execute_update()

    def fetch(self, sql: str) -> pa.Table:
        with adbc.AdbcStatement(self._conn) as stmt:
            if self.dialect == "sqlite":  # one batch per query: see the module docstring
                stmt.set_options(**{"adbc.sqlite.query.batch_rows": str(CHUNK_ROWS + 1)})
            stmt.set_sql_query(sql)
            handle, _ = stmt.execute_query()
            return pa.RecordBatchReader._import_from_c(handle.address).read_all()

    def rows(self, spec: RawTable, since: str | None) -> Iterator[pa.Table]:
        """The rows matching ``since`` (all when None), in chunks of at most CHUNK_ROWS."""
        schema = transport_schema(spec.columns, self.dialect)
        base = f"SELECT {', '.join(quote(c) for c in spec.column_names)} FROM {quote(spec.name)}"
        if spec.primary_key != ("id",):  # small composite-key tables: one query
            yield _normalise(self.fetch(base + (f" WHERE {since}" if since else "")), schema)
            return
        last: int | None = None
        while True:
            conds = ([since] if since else []) + ([f'"id" > {last}'] if last is not None else [])
            where = f" WHERE {' AND '.join(conds)}" if conds else ""
            chunk = _normalise(self.fetch(f'{base}{where} ORDER BY "id" LIMIT {CHUNK_ROWS}'), schema)
            if chunk.num_rows:
                yield chunk
            if chunk.num_rows < CHUNK_ROWS:
                return
            last = chunk.column("id")[-1].as_py()

    def keys(self, spec: RawTable) -> pa.Table:
        """The primary key of every row (to notice rows deleted in the store)."""
        pk = [c for c in spec.columns if c.name in spec.primary_key]
        sql = f"SELECT {', '.join(quote(c.name) for c in pk)} FROM {quote(spec.name)}"
        return _normalise(self.fetch(sql), transport_schema(pk, self.dialect))
