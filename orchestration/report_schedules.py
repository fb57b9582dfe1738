"""The report jobs and their schedules: daily at 07:00, weekly on Mondays at 07:30, monthly on the
first working day at 08:00 (Asia/Shanghai; orchestration.report_timing has the rules).

Each tick asks for one run of its report asset with the period's last day in the run config; the
run key names the kind and the day, so a tick evaluated twice asks once. A report run waits in the
queue behind a pipeline run (one run at a time, orchestration.home) and then reads the publish that
run made.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context.

from datetime import UTC, datetime

import dagster as dg
from dagster import ScheduleEvaluationContext

from orchestration import report_timing as timing
from orchestration.assets.reports import REPORT_ASSET_BY_KIND, REPORT_KINDS, ReportConfig
from orchestration.jobs import QUIET_CONSOLE
from orchestration.run_plan import PIPELINE_TIMEZONE, pipeline_today


def _job(kind: str) -> "dg.UnresolvedAssetJobDefinition":  # dagster does not export it at run time
    return dg.define_asset_job(
        f"{kind}_report", selection=dg.AssetSelection.assets(REPORT_ASSET_BY_KIND[kind]),
        executor_def=dg.in_process_executor, tags={"jxc/report": kind},
        description=f"Render the {kind} report from the current publish and e-mail it to its subscribers.",
    )


REPORT_JOBS = {kind: _job(kind) for kind in REPORT_KINDS}


def report_request(kind: str, when: datetime) -> dg.RunRequest | dg.SkipReason:
    """What the ``kind`` schedule does at ``when``: a run for the period that just ended, or a skip
    (the monthly cron's days that are not the first working day)."""
    today = pipeline_today(when)
    if not timing.is_delivery_day(kind, today):
        return dg.SkipReason(f"{today} is not the {kind} report's day")
    as_of = timing.period_end(kind, today)
    op_name = REPORT_ASSET_BY_KIND[kind].op.name
    return dg.RunRequest(
        run_key=f"{kind}@{today.isoformat()}",
        run_config=dg.RunConfig(ops={op_name: ReportConfig(as_of=as_of.isoformat())}, loggers=QUIET_CONSOLE),
        tags={"jxc/report": kind, "jxc/report_as_of": as_of.isoformat()},
    )


def _schedule(kind: str) -> dg.ScheduleDefinition:
    @dg.schedule(name=f"{kind}_report_schedule", job=REPORT_JOBS[kind], cron_schedule=timing.CRON[kind],
                 execution_timezone=PIPELINE_TIMEZONE, default_status=dg.DefaultScheduleStatus.RUNNING,
                 description=f"The {kind} report to its subscribers ({timing.CRON[kind]}, {PIPELINE_TIMEZONE}).")
    def report_schedule(context: ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        return report_request(kind, context.scheduled_execution_time or datetime.now(UTC))

    return report_schedule


REPORT_SCHEDULES = [_schedule(kind) for kind in REPORT_KINDS]
