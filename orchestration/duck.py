"""Opening DuckDB files politely.

DuckDB never waits for a lock: if another process has the file open read-write, ``connect`` fails
at once. Steps of a run are sequential, but a dashboard refresh or a ``jxc status`` can overlap a
run, so readers and writers retry for a short while before giving up with a clear message.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb


class WarehouseLockedError(RuntimeError):
    """Another process holds the DuckDB file; the message says which file."""


def connect(path: Path, *, read_only: bool, timeout: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A connection to ``path``, retrying while another process holds the lock."""
    deadline = time.monotonic() + timeout
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseLockedError(
                    f"{path} is locked by another process (a pipeline run or another tool); try again later"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether ``schema.name`` exists in the open database (a table or a view)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                            "AND table_name = ?", [schema, name]).fetchone()[0])
