"""May a report go out? The stale-data rule, decided from the pipeline's state file (pure, no I/O).

A report never goes out stale in silence. Its recipients get a short notice instead when

- nothing has ever been published (``no_publish``);
- the last pipeline run failed its blocking checks (``checks_failed``) or failed at all, a killed run
  included (``run_failed``), and nothing good has been published since it started;
- the last good publish is older than the schedule expects (``too_old``): every scheduled report
  covers a period that ended yesterday (Asia/Shanghai, the pipeline's day), so it needs a publish
  made today, after the period closed. The first run of each day rebuilds everything
  (orchestration.run_plan), so a publish from today holds every document of yesterday. A report
  of a chosen earlier period needs a publish made after that period's last day.

``pipeline_state.json`` (orchestration.state) holds ``last_publish`` (written by the publish) and
``last_run`` (how the last pipeline run ended, with its failed checks; orchestration.run_record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from orchestration.run_plan import pipeline_today, publish_day

REASONS = ("ok", "no_publish", "checks_failed", "run_failed", "too_old")


@dataclass(frozen=True)
class Freshness:
    """The verdict, and what the notice tells the recipients about the last good data."""

    reason: str  # one of REASONS
    required_day: date  # the pipeline day the last publish had to be made on (or after)
    published_at: datetime | None = None  # the last good publish (UTC, naive as the state keeps it)
    publish_id: str | None = None  # its run id
    last_run_id: str | None = None
    last_run_status: str | None = None
    last_run_started_at: datetime | None = None
    failed_checks: tuple[str, ...] = field(default_factory=tuple)

    @property
    def fresh(self) -> bool:
        return self.reason == "ok"


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _blocking_failures(run: Mapping[str, Any]) -> tuple[str, ...]:
    """The checks that failed and block a publish (severity ERROR); a failed warning does not make
    the data untrustworthy (the run published). Without per-check detail, every failed check."""
    checks = run.get("checks")
    if isinstance(checks, list) and checks:
        return tuple(f"{c.get('asset_key')}:{c.get('check_name')}" for c in checks
                     if isinstance(c, Mapping) and not c.get("passed") and c.get("severity", "ERROR") == "ERROR")
    return tuple(str(c) for c in run.get("failed_checks") or ())


def required_day(now: datetime, period_end: date | None = None) -> date:
    """The pipeline day a publish must be from: the day after ``period_end`` (today for a period
    still running, or when no period is named)."""
    today = pipeline_today(now)
    return today if period_end is None else min(today, period_end + timedelta(days=1))


def assess(state: Mapping[str, Any], *, now: datetime, period_end: date | None = None) -> Freshness:
    """Whether a report for a period ending ``period_end`` may be sent at ``now`` (tz-aware), given
    the pipeline state (``orchestration.state.read_state``)."""
    needed = required_day(now, period_end)
    publish = state.get("last_publish") if isinstance(state.get("last_publish"), Mapping) else None
    run = state.get("last_run") if isinstance(state.get("last_run"), Mapping) else {}
    published_at = _moment(publish.get("published_at")) if publish else None
    started = _moment(run.get("started_at"))
    checks = _blocking_failures(run)
    common: dict[str, Any] = {
        "required_day": needed, "published_at": published_at,
        "publish_id": str(publish.get("run_id") or "") or None if publish else None,
        "last_run_id": str(run.get("run_id") or "") or None, "last_run_status": run.get("status") or None,
        "last_run_started_at": started, "failed_checks": checks,
    }
    if published_at is None:
        return Freshness("no_publish", **common)
    # A failed run counts unless it is the run that published, or a good publish came after it started.
    since_publish = run.get("run_id") != publish.get("run_id") and (started is None or started >= published_at)
    if run and since_publish:
        if _blocking_failures(run):
            return Freshness("checks_failed", **common)
        if run.get("status") == "FAILURE":
            return Freshness("run_failed", **common)
    day = publish_day(published_at)
    if day is None or day < needed:
        return Freshness("too_old", **common)
    return Freshness("ok", **common)
