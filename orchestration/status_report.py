"""``jxc status``: the store, the warehouse, the last publish and the last run, in one screen.

``gather_status`` collects plain data (tested); ``render_status`` prints it with rich. Before
reading pipeline_state.json it marks runs whose process died as failed (orchestration.dead_runs),
so a killed run shows as killed, not as still running nor hidden behind the previous success.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from operational.db import session_factory
from operational.demo.summary import summarize
from operational.migrate import current_revision
from operational.services import monitoring
from operational.settings import Settings
from orchestration.state import read_state
from orchestration.store_info import display_url, existing_store, store_size

# Counts shown for the store (fields of operational.demo.summary.DemoSummary).
KEY_COUNTS = ("products", "warehouses", "suppliers", "customers", "purchase_orders", "goods_receipts",
              "sales_orders", "sales_order_lines", "shipments", "ledger_rows")


@dataclass
class Status:
    store_url: str
    store_bytes: int | None
    revision: str
    row_counts: dict[str, int]
    warehouse_bytes: int | None
    serving_bytes: int | None
    last_publish: dict[str, Any] | None
    last_run: dict[str, Any] | None
    store_changed_since_publish: bool | None
    checks: list[dict[str, Any]] = field(default_factory=list)
    # Runs in progress now (their process alive): (run id, job, started at ISO).
    running: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def publish_age_seconds(self) -> float | None:
        if not self.last_publish:
            return None
        published = datetime.fromisoformat(self.last_publish["published_at"]).replace(tzinfo=UTC)
        return (datetime.now(UTC) - published).total_seconds()


def _size(path: Path) -> int | None:
    return path.stat().st_size if path.exists() else None


def check_runs(settings: Settings) -> list[tuple[str, str, str | None]]:
    """Mark dead runs failed (recording them as the last run); the runs still in progress."""
    if not (settings.dagster_home / "dagster.yaml").exists():
        return []  # no pipeline has run here: nothing to check, and nothing to create
    import dagster as dg  # a second to import: only when there are runs to look at

    from orchestration.dead_runs import ACTIVE_STATUSES, fail_dead_runs
    from orchestration.home import ensure_dagster_home

    ensure_dagster_home(settings.dagster_home)
    with dg.DagsterInstance.get() as instance:
        fail_dead_runs(instance, settings.state_path)
        records = instance.get_run_records(filters=dg.RunsFilter(statuses=ACTIVE_STATUSES))
        return [(r.dagster_run.run_id, r.dagster_run.job_name,
                 datetime.fromtimestamp(r.start_time, tz=UTC).isoformat() if r.start_time else None)
                for r in records]


def gather_status(settings: Settings) -> Status:
    engine = existing_store(settings)
    running = check_runs(settings)
    summary = summarize(engine)
    with session_factory(engine)() as session:
        fingerprint = monitoring.change_fingerprint(session)
        session.rollback()
    state = read_state(settings.state_path)
    last_publish = state.get("last_publish")
    last_run = state.get("last_run")
    return Status(
        store_url=display_url(settings.database_url),
        store_bytes=store_size(settings.database_url),
        revision=current_revision(engine),
        row_counts={name: getattr(summary, name) for name in KEY_COUNTS},
        warehouse_bytes=_size(settings.warehouse_path),
        serving_bytes=_size(settings.serving_path),
        last_publish=last_publish,
        last_run=last_run,
        store_changed_since_publish=(fingerprint != last_publish.get("store_watermark")) if last_publish else None,
        checks=(last_run or {}).get("checks", []),
        running=running,
    )


def human_bytes(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def human_age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    hours = minutes // 60
    return f"{hours} h ago" if hours < 48 else f"{hours // 24} days ago"


def short_time(iso: str | None) -> str:
    """'2026-03-06T10:00:00.123+00:00' → '2026-03-06 10:00:00' (all pipeline times are UTC)."""
    return iso[:19].replace("T", " ") if iso else "—"


def describe_run(run: dict[str, Any]) -> str:
    """'SUCCESS incremental_pipeline run 1a2b3c4d, <start> → <end> UTC'; a killed run says so and
    when its death was noticed (its end time)."""
    times = f"{short_time(run.get('started_at'))} → {short_time(run.get('finished_at'))} UTC"
    if run.get("killed"):
        return (f"[red]KILLED[/] {run['job']} run {run['run_id'][:8]}, started {short_time(run.get('started_at'))}, "
                f"found dead {short_time(run.get('finished_at'))} UTC: its process ended without finishing "
                "(killed or crashed); nothing was published")
    colour = "green" if run["status"] == "SUCCESS" else "red"
    return f"[{colour}]{run['status']}[/] {run['job']} run {run['run_id'][:8]}, {times}"


def _freshness(status: Status) -> str:
    if not status.last_publish:
        return "[yellow]nothing published yet — run `jxc pipeline run --full`[/]"
    age = human_age(status.publish_age_seconds)
    if status.store_changed_since_publish:
        return f"published {age}; [yellow]the store has changes not yet published[/]"
    return f"published {age}; [green]up to date with the store[/]"


def render_status(status: Status, console: Console) -> None:
    overview = Table(show_header=False, box=None, padding=(0, 2))
    overview.add_row("store", f"{status.store_url} ({human_bytes(status.store_bytes)}, revision {status.revision})")
    overview.add_row("warehouse", human_bytes(status.warehouse_bytes))
    overview.add_row("serving", human_bytes(status.serving_bytes))
    if status.last_publish:
        overview.add_row("last publish", f"{short_time(status.last_publish['published_at'])} UTC "
                                         f"(run {status.last_publish['run_id'][:8]}, {status.last_publish['job']})")
    overview.add_row("freshness", _freshness(status))
    run = status.last_run
    if run:
        overview.add_row("last run", describe_run(run))
    for run_id, job, started in status.running:
        overview.add_row("running", f"{job} run {run_id[:8]} since {short_time(started)} UTC")
    if status.checks:
        failed = [c for c in status.checks if not c["passed"]]
        summary = f"{len(status.checks) - len(failed)}/{len(status.checks)} passed"
        overview.add_row("checks", f"[red]{len(failed)} failed[/], {summary}" if failed else f"[green]{summary}[/]")
    console.print(overview)

    counts = Table(title="store rows", show_header=True)
    counts.add_column("table")
    counts.add_column("rows", justify="right")
    for name, value in status.row_counts.items():
        counts.add_row(name, f"{value:,}")
    console.print(counts)

    failed = [c for c in status.checks if not c["passed"]]
    if failed:
        checks = Table(title="failed checks of the last run", show_header=True)
        for column in ("check", "asset", "severity", "description"):
            checks.add_column(column)
        for check in failed:
            checks.add_row(check["check_name"], check["asset_key"], check["severity"], check.get("description") or "")
        console.print(checks)
