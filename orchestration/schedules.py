"""Hourly incremental run, so the dashboards are at most an hour old even if the sensor is off.

It plans like the change sensor (``orchestration.run_plan``): a tick with nothing new in the store
is skipped, one after a change runs only what is downstream of it, the first of a new day runs all.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

import dagster as dg
from dagster import ScheduleEvaluationContext

from orchestration.jobs import incremental_pipeline
from orchestration.resources import StoreResource
from orchestration.run_plan import PIPELINE_TIMEZONE
from orchestration.sensors import planned_request


@dg.schedule(name="hourly_incremental", job=incremental_pipeline, cron_schedule="0 * * * *",
             execution_timezone=PIPELINE_TIMEZONE, default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Every hour: an incremental run of what changed in the store since the last publish.")
def hourly_incremental(context: ScheduleEvaluationContext,
                       store: dg.ResourceParam[StoreResource]) -> dg.RunRequest | dg.SkipReason:
    # The key names the hour too: a failed run is retried at the next tick even if nothing changed.
    hour = context.scheduled_execution_time.isoformat() if context.scheduled_execution_time else ""
    return planned_request(store, key_suffix=f"@{hour}")[0]
