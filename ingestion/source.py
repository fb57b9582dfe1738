"""Read one consistent snapshot of the operational store into Arrow through ADBC.

``open_snapshot(store_url, plan)`` reads, for every (table, condition) in the plan, the rows that
match the condition and the primary keys of all rows (to notice deletions), and serves them as
Arrow chunks (see ``ingestion.reader`` for the queries and types).

- PostgreSQL: read in this process, inside one ``REPEATABLE READ READ ONLY`` transaction.
- SQLite: read in a child process (``ingestion.sqlite_snapshot``) that writes Arrow IPC files. The
  ADBC SQLite driver carries its own copy of SQLite; two SQLite libraries on one file in one process
  break SQLite's POSIX locks (seen here as stale reads and "disk I/O error" in the store's own
  connection; https://www.sqlite.org/howtocorrupt.html §2.2.1), and the caller (Dagster, tests)
  has the store open through Python's ``sqlite3``. The child holds one WAL read transaction.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
from sqlalchemy.engine import make_url

from ingestion.reader import CHUNK_ROWS, TRANSPORT, Reader
from ingestion.spec import RawTable, Strategy

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Plan = list[tuple[RawTable, str | None]]  # (table, SQL condition for the rows to re-read; None = all)


def backend(store_url: str) -> str:
    name = make_url(store_url).get_backend_name()
    if name not in TRANSPORT:
        raise ValueError(f"unsupported store backend {name!r}")
    return name


def require_store(store_url: str) -> Path:
    """The SQLite store file (raises FileNotFoundError early, before anything is written)."""
    path = make_url(store_url).database or ""
    if not path or path == ":memory:" or not Path(path).exists():
        raise FileNotFoundError(f"operational store not found: {path or store_url}")
    return Path(path)


def since_predicate(spec: RawTable, watermark: str | None, *, overlap_seconds: int, overlap_ids: int) -> str | None:
    """The SQL condition selecting rows that may have changed since ``watermark`` (None: all rows)."""
    if watermark is None or spec.strategy is Strategy.FULL:
        return None
    if spec.strategy is Strategy.ID:
        return f'"id" > {max(int(watermark) - overlap_ids, 0)}'
    start = datetime.fromisoformat(watermark) - timedelta(seconds=overlap_seconds)
    # SQLAlchemy's SQLite text format (always with microseconds); PostgreSQL casts the same literal.
    return f"\"updated_at\" >= '{start:%Y-%m-%d %H:%M:%S.%f}'"


class Snapshot:
    """What a run reads: the re-read rows and all keys per table."""

    def rows(self, name: str) -> Iterator[pa.Table]:
        raise NotImplementedError

    def keys(self, name: str) -> pa.Table:
        raise NotImplementedError


class LiveSnapshot(Snapshot):
    """Reads lazily inside an open transaction (PostgreSQL)."""

    def __init__(self, reader: Reader, plan: Plan) -> None:
        self._reader = reader
        self._plan = {spec.name: (spec, since) for spec, since in plan}

    def rows(self, name: str) -> Iterator[pa.Table]:
        return self._reader.rows(*self._plan[name])

    def keys(self, name: str) -> pa.Table:
        return self._reader.keys(self._plan[name][0])


class FileSnapshot(Snapshot):
    """Reads the Arrow IPC files the SQLite child wrote (memory-mapped)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def _read(self, filename: str) -> pa.Table:
        with pa.memory_map(str(self._folder / filename)) as source:
            return pa.ipc.open_file(source).read_all()

    def rows(self, name: str) -> Iterator[pa.Table]:
        for batch in self._read(f"{name}.rows.arrow").to_batches(max_chunksize=CHUNK_ROWS):
            yield pa.Table.from_batches([batch])

    def keys(self, name: str) -> pa.Table:
        return self._read(f"{name}.keys.arrow")


@contextmanager
def open_snapshot(store_url: str, plan: Plan) -> Iterator[Snapshot]:
    """One consistent read of the store for ``plan``."""
    if backend(store_url) == "postgresql":
        import adbc_driver_postgresql

        url = make_url(store_url).set(drivername="postgresql").render_as_string(hide_password=False)
        reader = Reader(adbc_driver_postgresql.connect(url), "postgresql")
        try:
            reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield LiveSnapshot(reader, plan)
        finally:
            reader.close()  # ends the read-only transaction
        return
    store = require_store(store_url)
    with tempfile.TemporaryDirectory(prefix="jxc_extract_") as folder:
        _run_sqlite_child(store, plan, Path(folder))
        yield FileSnapshot(Path(folder))


def _run_sqlite_child(store: Path, plan: Plan, folder: Path) -> None:
    (folder / "plan.json").write_text(json.dumps([{"table": s.to_json(), "since": since} for s, since in plan]))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "ingestion.sqlite_snapshot", str(store), str(folder)],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"reading the SQLite store {store} failed:\n{done.stderr.strip()[-2000:]}")
