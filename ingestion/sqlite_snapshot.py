"""Child process of the SQLite extract: read one snapshot with ADBC, write Arrow IPC files.

``python -m ingestion.sqlite_snapshot STORE FOLDER`` reads ``FOLDER/plan.json`` (a list of
``{"table": RawTable JSON, "since": condition}``) and writes ``<table>.rows.arrow`` and
``<table>.keys.arrow`` per table, all inside one WAL read transaction. It runs in its own process
because the ADBC driver links its own SQLite (see ``ingestion.source``): this process must never
open the store with Python's sqlite3. It imports neither SQLAlchemy nor pandas, to start fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import adbc_driver_sqlite
import pyarrow as pa

from ingestion.reader import Reader, transport_schema
from ingestion.spec import RawTable


def _write(path: Path, schema: pa.Schema, tables: Iterable[pa.Table]) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, schema) as out:
        for table in tables:
            out.write_table(table)


def write_snapshot(store: Path, folder: Path) -> None:
    plan = json.loads((folder / "plan.json").read_text())
    reader = Reader(adbc_driver_sqlite.connect(str(store)), "sqlite")
    try:
        reader.execute("BEGIN")  # the snapshot starts with the first read below
        for item in plan:
            spec = RawTable.from_json(item["table"])
            _write(folder / f"{spec.name}.rows.arrow", transport_schema(spec.columns, "sqlite"),
                   reader.rows(spec, item["since"]))
            keys = reader.keys(spec)
            _write(folder / f"{spec.name}.keys.arrow", keys.schema, [keys])
        reader.execute("ROLLBACK")
    finally:
        reader.close()


if __name__ == "__main__":
    write_snapshot(Path(sys.argv[1]), Path(sys.argv[2]))
