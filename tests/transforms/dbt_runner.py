"""dbt for the tests, run inside the test process with one parse of ``transforms/`` per set of ``--vars``.

A ``dbt`` command as a new process costs ~3 CPU-seconds of imports and ~4 (partial) to ~8 (full)
CPU-seconds of parsing before the first model runs, and the tests run it about 40 times. Here dbt
is imported once per test process (per pytest-xdist worker), the project is parsed once per set of
``--vars``, and every later command gets that manifest (dbt's ``dbtRunner(manifest=...)``: it then
skips the parse). The commands are dbt's own (``build``, ``run``, ``test`` with their selectors),
against the real warehouse file; what changes is only that the parse is not repeated.

The manifest is the parse of the files on disk when it was made: tests never edit ``transforms/``,
and a new test process parses again.
"""

from __future__ import annotations

import gc
import hashlib
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSFORMS = PROJECT_ROOT / "transforms"

_LOCK = threading.Lock()
_MANIFESTS: dict[str, Any] = {}
_KEEP_MANIFESTS = 4


@dataclass
class DbtResult:
    """What a dbt command left: success and the lines dbt prints (as a ``dbt`` process would)."""

    returncode: int
    stdout: str


def _vars_given(args: tuple[str, ...]) -> str:
    return next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "--vars"), "")


def _common(target: Path, logs: Path) -> list[str]:
    return ["--quiet", "--no-use-colors", "--project-dir", str(TRANSFORMS), "--profiles-dir", str(TRANSFORMS),
            "--target-path", str(target), "--log-path", str(logs)]


def _close_duckdb() -> None:
    """Close dbt-duckdb's connection to the warehouse: the test opens the file next (read-only, or
    to move it), and DuckDB refuses a second open of a file with another configuration in one process."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()
    gc.collect()


def invoke(warehouse: Path, home: Path, logs: Path, *args: str) -> DbtResult:
    """Run ``dbt *args`` on ``warehouse`` in this process; ``home`` keeps the target folders.

    The parse names the DuckDB database after the file (``warehouse`` for ``warehouse.duckdb``) and
    every node of the manifest carries that name, so the file is moved to ``home/warehouse.duckdb``
    for the command and moved back afterwards.
    """
    fixed = home / "warehouse.duckdb"
    _move_warehouse(warehouse, fixed)
    try:
        return _invoke(fixed, home, logs, *args)
    finally:
        _move_warehouse(fixed, warehouse)


def _move_warehouse(source: Path, destination: Path) -> None:
    """Move a DuckDB file with its write-ahead log (left only by a crashed writer)."""
    for suffix in ("", ".wal"):
        src, dst = Path(f"{source}{suffix}"), Path(f"{destination}{suffix}")
        if src.exists():
            shutil.move(src, dst)
        elif dst.exists():
            dst.unlink()  # no stale file (or log) at the destination


def _invoke(warehouse: Path, home: Path, logs: Path, *args: str) -> DbtResult:
    from dbt.cli.main import dbtRunner
    from dbt_common.events.base_types import EventLevel, EventMsg

    vars_given = _vars_given(args)
    target = home / f"target-{hashlib.sha1(vars_given.encode()).hexdigest()[:8]}"
    lines: list[str] = []

    def collect(event: EventMsg) -> None:
        if event.info.level not in (EventLevel.DEBUG, "debug") and event.info.msg:
            lines.append(event.info.msg)

    with _LOCK:
        saved = {k: os.environ.get(k) for k in ("JXC_WAREHOUSE_PATH", "DBT_SEND_ANONYMOUS_USAGE_STATS")}
        os.environ["JXC_WAREHOUSE_PATH"] = str(warehouse)
        os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
        try:
            manifest = _MANIFESTS.get(vars_given)
            if manifest is None:
                parse_args = ["parse", *(["--vars", vars_given] if vars_given else []), *_common(target, logs)]
                parsed = dbtRunner().invoke(parse_args)
                if not parsed.success:
                    return DbtResult(2, f"dbt parse failed: {parsed.exception}")
                manifest = _MANIFESTS[vars_given] = parsed.result
                while len(_MANIFESTS) > _KEEP_MANIFESTS:  # a few tens of MB each
                    _MANIFESTS.pop(next(iter(_MANIFESTS)))
            done = dbtRunner(manifest=manifest, callbacks=[collect]).invoke([*args, *_common(target, logs)])
        finally:
            _close_duckdb()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    if done.exception is not None:
        lines.append(f"{type(done.exception).__name__}: {done.exception}")
    return DbtResult(0 if done.success else 1, "\n".join(lines))
