"""Keeping disk use bounded: only the last ``JXC_KEEP_RUNS`` pipeline runs leave files behind.

Every run leaves: its Dagster run record and event log (DAGSTER_HOME/history, one SQLite file per run), its
captured compute logs (DAGSTER_HOME/storage/<run id>), the CLI's run log (DAGSTER_HOME/logs/<run id>.log)
and dagster-dbt's per-invocation target folder (transforms/target/jxc_dbt-<run id[:7]>-<random>,
about 24 MB for the demo company: manifest, compiled and run SQL, run_results.json, dbt.log).
Nothing removed them, so the disk filled run by run.

``prune`` keeps the newest ``keep`` finished runs (and every run still in progress, and the run of
the last publish, which the status and the checks refer to) and deletes the rest with their files;
of the kept ones, those older than ``JXC_KEEP_RUN_DAYS`` (90) days go too, so a quiet store does
not keep a year-old history. With the store on PostgreSQL the run records are in PostgreSQL
(orchestration.home) and ``instance.delete_run`` deletes them there.
It runs at the end of every pipeline run (CLI and daemon) and as ``jxc prune``. Rendered reports
(data/reports/<kind>/, an HTML and a PDF per report) are kept to the newest ``JXC_KEEP_REPORTS`` per
kind by ``prune_reports``, after every scheduled report and in ``prune``.
Schedule and sensor ticks are purged by the Dagster daemon itself (``retention`` in dagster.yaml).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from operational.settings import Settings
from orchestration.dead_runs import ACTIVE_STATUSES, process_alive
from orchestration.state import read_state

logger = logging.getLogger(__name__)
# dagster-dbt names a folder "<op name>-<run id[:7]>-<7 random hex>" (or just the random part
# without a run context). Other entries of target/ (manifest.json of the parse, partial_parse)
# belong to the project and stay.
_INVOCATION_DIR = re.compile(r"^(?:(?P<op>.+)-(?P<run>[0-9a-f]{7})-)?[0-9a-f]{7}$")
# A folder written to this recently may belong to a run of another DAGSTER_HOME sharing the project.
_IN_USE_SECONDS = 600
_SERVING_TEMP = re.compile(r"\.tmp-(?P<pid>\d+)(?:\.wal)?$")


@dataclass
class PruneReport:
    deleted_runs: list[str] = field(default_factory=list)
    deleted_paths: list[Path] = field(default_factory=list)
    freed_bytes: int = 0


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _remove(path: Path, report: PruneReport) -> None:
    try:
        size = _size(path)
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        return
    report.deleted_paths.append(path)
    report.freed_bytes += size


def dbt_target_dir() -> Path:
    """Where dagster-dbt puts its invocation folders: DBT_TARGET_PATH if set (as dagster-dbt reads
    it), else the project's target path."""
    from orchestration.dbt_project import dbt_project  # imports dagster-dbt: only when pruning

    target = Path(os.environ.get("DBT_TARGET_PATH") or dbt_project.target_path)
    return target if target.is_absolute() else dbt_project.project_dir / target


def _last_written(folder: Path) -> float:
    log = folder / "dbt.log"  # dbt appends to it node by node while it builds
    return max(folder.stat().st_mtime, log.stat().st_mtime if log.exists() else 0.0)


def prune_runs(instance: dg.DagsterInstance, keep: int, protect: set[str], report: PruneReport, *,
               max_age_days: int = 0, now: float | None = None) -> None:
    """Delete all but the newest ``keep`` finished runs (event logs and compute logs included), and
    among those also every run created more than ``max_age_days`` days ago (0: no age limit)."""
    records = [r for r in instance.get_run_records()  # newest first
               if r.dagster_run.status not in ACTIVE_STATUSES
               and r.dagster_run.status not in (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED)]
    oldest = (now or time.time()) - max_age_days * 86400
    expired = [r.dagster_run.run_id for r in records[:keep]
               if max_age_days and r.create_timestamp.timestamp() < oldest]
    for run_id in [r.dagster_run.run_id for r in records[keep:]] + expired:
        if run_id in protect:
            continue
        instance.delete_run(run_id)  # the run record and its events
        if instance.compute_log_manager is not None:
            instance.compute_log_manager.delete_logs(prefix=[run_id])  # DAGSTER_HOME/storage/<run id>
        # The SQLite event log keeps one file per run (history/runs/<run id>.db): emptied, not removed.
        shard = getattr(instance.event_log_storage, "path_for_shard", None)
        if shard is not None:
            for suffix in ("", "-wal", "-shm"):
                path = Path(shard(run_id) + suffix)
                if path.exists():
                    _remove(path, report)
        report.deleted_runs.append(run_id)


def prune_newest(paths: list[Path], keep: int, report: PruneReport) -> None:
    """Delete all but the ``keep`` most recently modified of ``paths``."""
    for path in sorted(paths, key=lambda p: (p.stat().st_mtime, p.name), reverse=True)[keep:]:
        _remove(path, report)


def prune_dbt_targets(target: Path, keep: int, active_runs: set[str], report: PruneReport) -> None:
    """Per-invocation folders of dagster-dbt beyond the newest ``keep``; never one of a run in
    progress, nor one written to in the last minutes (a run of another DAGSTER_HOME sharing the
    project, e.g. a test, is not in this instance's list of active runs)."""
    if not target.is_dir():
        return
    folders = []
    recent = time.time() - _IN_USE_SECONDS
    for path in target.iterdir():
        match = _INVOCATION_DIR.match(path.name)
        if (path.is_dir() and match and _last_written(path) < recent
                and not any(run.startswith(match["run"] or "-") for run in active_runs)):
            folders.append(path)
    prune_newest(folders, keep, report)


def prune_serving_temps(data_dir: Path, report: PruneReport) -> None:
    """serving.duckdb.tmp-<pid> files left by a publish whose process was killed."""
    if not data_dir.is_dir():
        return
    for path in data_dir.glob("serving.duckdb.tmp-*"):
        match = _SERVING_TEMP.search(path.name)
        if match and not process_alive(int(match["pid"])):
            _remove(path, report)


def prune_reports(reports_dir: Path, keep: int, report: PruneReport | None = None) -> PruneReport:
    """Keep the newest ``keep`` reports of each kind folder under ``reports_dir``; a report is all
    files sharing a name stem (its .html and .pdf), dated by the newest of them. Temporary files of
    a render in progress (``.<name>.tmp-<pid>``) are left alone."""
    report = report or PruneReport()
    if not reports_dir.is_dir():
        return report
    for folder in (p for p in reports_dir.iterdir() if p.is_dir()):
        stems: dict[str, list[Path]] = {}
        for path in folder.iterdir():
            if path.is_file() and not path.name.startswith("."):
                stems.setdefault(path.stem, []).append(path)
        newest = sorted(stems.items(), key=lambda item: (max(p.stat().st_mtime for p in item[1]), item[0]),
                        reverse=True)
        for _, paths in newest[keep:]:
            for path in paths:
                _remove(path, report)
    return report


def prune_quietly(instance: dg.DagsterInstance, settings: Settings) -> PruneReport | None:
    """``prune`` at the end of a run: a file that cannot be removed is logged, never fails the run."""
    try:
        return prune(instance, settings)
    except (OSError, ValueError) as exc:
        logger.warning("pruning old runs failed: %s", exc)
        return None


def prune(instance: dg.DagsterInstance, settings: Settings, *, keep: int | None = None,
          target: Path | None = None) -> PruneReport:
    """Keep the last ``keep`` (default ``settings.keep_runs``) runs' history and files; delete the rest."""
    keep = settings.keep_runs if keep is None else keep
    report = PruneReport()
    active = {r.run_id for r in instance.get_runs(filters=dg.RunsFilter(statuses=ACTIVE_STATUSES))}
    state = read_state(settings.state_path)
    protect = active | {(state.get("last_publish") or {}).get("run_id"), (state.get("last_run") or {}).get("run_id")}
    prune_runs(instance, keep, {p for p in protect if p}, report, max_age_days=settings.keep_run_days)
    logs = settings.dagster_home / "logs"
    if logs.is_dir():
        prune_newest([p for p in logs.glob("*.log") if p.stem not in active], keep, report)
    prune_dbt_targets(target or dbt_target_dir(), keep, active, report)
    prune_serving_temps(settings.data_dir, report)
    prune_reports(settings.reports_dir, settings.keep_reports, report)
    return report
