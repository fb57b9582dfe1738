"""The persistent Dagster instance directory (DAGSTER_HOME = $JXC_DATA_DIR/dagster_home).

It is runtime state, so it is created on demand instead of being committed: the CLI, ``jxc serve``
and the tests all call ``ensure_dagster_home()`` before touching a ``DagsterInstance``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    home = (home or get_settings().dagster_home).resolve()
    ensure_private_dir(home)  # owner only; the runs Dagster starts inherit the umask
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    quiet_telemetry()
    return home
