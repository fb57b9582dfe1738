"""The persistent Dagster instance directory (DAGSTER_HOME = $JXC_DATA_DIR/dagster_home).

It is runtime state, so it is created on demand instead of being committed: the CLI, ``jxc serve``
and the tests all call ``ensure_dagster_home()`` before touching a ``DagsterInstance``.

When the store is on PostgreSQL, Dagster's run, event-log and schedule storage is on PostgreSQL
too: the database ``<store database>_dagster`` on the store's server, as the store's user, created
on first use. Several machines whose ``JXC_DATABASE_URL`` names the same store then share one
Dagster instance (runs, history, the UI). The dagster.yaml names no server, user or password: it
reads the URL from ``JXC_DAGSTER_PG_URL``, which this module sets from the store URL for this
process and the ones it starts. Nothing in it comes from a run's configuration.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from operational.settings import ensure_private_dir, get_settings

# What the services of `jxc serve` print (orchestration.serve passes it to each child) and the level
# every run logs at, whichever job and however launched (see python_logs below).
SERVICE_LOG_LEVEL = "warning"

# One run at a time: every step of a run opens warehouse.duckdb, and DuckDB lets only one process
# hold the file, so a second concurrent run would fail on the lock instead of waiting.
DAGSTER_YAML = f"""\
# Written by orchestration.home.ensure_dagster_home(); edits are overwritten.
telemetry:
  enabled: false
# A run launched without logger configuration (the UI's "Materialize" of __ASSET_JOB, a sensor's or
# the schedule's run) gets Dagster's console logger at this level instead of DEBUG, which printed
# every event of every run to the `jxc serve` console. Dagster events (materializations, checks,
# failures) are stored whatever the level; log messages below it are not kept.
python_logs:
  python_log_level: {SERVICE_LOG_LEVEL.upper()}
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
# Launched runs go to the warm run worker of `jxc serve` (a forked child per run, everything already
# imported), or to a new process when it is not running (orchestration.warm_launcher). No config:
# the worker is found at DAGSTER_HOME/run_worker.sock and runs only this project's code location.
run_launcher:
  module: orchestration.warm_launcher
  class: WarmRunLauncher
# A run whose process died is marked failed by the dead_run_sensor within a minute (it checks the
# run's pid) and by run monitoring (the launcher reports the run worker's health). Run monitoring
# is also the backstop: a launch that never starts fails after start_timeout, and no run may take
# two hours.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  max_runtime_seconds: 7200
  poll_interval_seconds: 60
run_retries:
  enabled: false
# Sensor and schedule ticks (the change sensor ticks every 30 s) are purged by the daemon; runs are
# pruned to JXC_KEEP_RUNS by orchestration.retention.
retention:
  schedule:
    purge_after_days: 7
  sensor:
    purge_after_days:
      skipped: 1
      failure: 7
      success: 7
"""

# Appended to DAGSTER_YAML when the store is on PostgreSQL (see the module docstring).
DAGSTER_PG_ENV = "JXC_DAGSTER_PG_URL"
DAGSTER_DB_SUFFIX = "_dagster"
PG_STORAGE_YAML = f"""\
# The store is on PostgreSQL: runs, event logs and schedule state are kept in PostgreSQL too (the
# database <store database>{DAGSTER_DB_SUFFIX}), so every machine using this store shares them. The URL
# is read from {DAGSTER_PG_ENV}, set by orchestration.home from JXC_DATABASE_URL.
storage:
  postgres:
    postgres_url:
      env: {DAGSTER_PG_ENV}
"""


def dagster_storage_url(store_url: str) -> URL | None:
    """Where Dagster keeps its runs for this store: None for a SQLite store (files in DAGSTER_HOME),
    else the ``<database>_dagster`` database on the store's PostgreSQL server, same user."""
    url = make_url(store_url)
    if url.get_backend_name() != "postgresql":
        return None
    # psycopg2, named explicitly: dagster-postgres binds a parameter into NOTIFY, which only a driver
    # that interpolates on the client accepts (SQLAlchemy 2.1's default, psycopg 3, binds on the server).
    return url.set(drivername="postgresql+psycopg2", database=f"{url.database}{DAGSTER_DB_SUFFIX}")


@cache
def _ensure_database(store_url: str, database: str) -> None:
    """Create the Dagster database beside the store's when it does not exist yet (once per process)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(make_url(store_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}).first():
                return
            try:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
            except Exception as exc:
                if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}).first():
                    return  # another process created it meanwhile
                raise RuntimeError(
                    f"Dagster's storage needs the PostgreSQL database {database!r} beside the store: "
                    f"create it (owned by the store's user) or let that user create databases ({exc})") from exc
    finally:
        engine.dispose()


def dagster_yaml(store_url: str) -> str:
    """The dagster.yaml for a store: SQLite storage in DAGSTER_HOME, or PostgreSQL beside the store."""
    return DAGSTER_YAML + (PG_STORAGE_YAML if dagster_storage_url(store_url) is not None else "")


# Telemetry of every tool in the pipeline would hang on the closed network; dbt logs are kept small.
QUIET_ENV = {
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "False",
    # dbt's file log at debug level wrote ~14 MB per run (every SQL statement) into each run's
    # target folder; info keeps every node's result and error (set it to debug when diagnosing).
    "DBT_LOG_LEVEL_FILE": "info",
}


def quiet_telemetry() -> None:
    """Switch off the usage statistics of dbt, GX and Dagster for this process and its children."""
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)


def ensure_venv_on_path() -> None:
    """Put this interpreter's bin folder first on PATH.

    dagster-dbt's manifest preparer and ``jxc serve`` start ``dbt`` / ``dagster`` / ``streamlit``
    by name; without an activated virtualenv they would not be found.
    """
    bin_dir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[0] != bin_dir:
        os.environ["PATH"] = os.pathsep.join([bin_dir, *[p for p in parts if p != bin_dir]])


def ensure_dagster_home(home: Path | None = None) -> Path:
    """Create DAGSTER_HOME with our dagster.yaml (if missing or changed) and export it."""
    settings = get_settings()
    home = (home or settings.dagster_home).resolve()
    ensure_private_dir(home)  # owner only; the runs Dagster starts inherit the umask
    storage = dagster_storage_url(settings.database_url)
    if storage is not None:
        _ensure_database(settings.database_url, str(storage.database))
        os.environ[DAGSTER_PG_ENV] = storage.render_as_string(hide_password=False)
    text = dagster_yaml(settings.database_url)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    quiet_telemetry()
    return home
