"""Sensors: run the incremental pipeline when the store changes; record how every run ended.

The change sensor polls ``monitoring.change_fingerprint`` (cheap: a few MAX() queries). The
cursor is the last fingerprint seen and the run key the new one, so one change gives one run
even if the daemon re-evaluates a tick.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

import dagster as dg
from dagster import RunFailureSensorContext, RunStatusSensorContext, SensorEvaluationContext
from sqlalchemy.exc import SQLAlchemyError

from operational.settings import get_settings
from orchestration.jobs import PIPELINE_JOBS, incremental_pipeline
from orchestration.resources import StoreResource
from orchestration.run_record import record_run


@dg.sensor(job=incremental_pipeline, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Requests an incremental run when a document is posted or changes state.")
def store_change_sensor(context: SensorEvaluationContext,
                        store: dg.ResourceParam[StoreResource]) -> dg.RunRequest | dg.SkipReason:
    try:
        fingerprint = store.fingerprint()
    except SQLAlchemyError as exc:
        return dg.SkipReason(f"store not readable: {type(exc).__name__}")
    if fingerprint == context.cursor:
        return dg.SkipReason("store unchanged")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"jxc/store_fingerprint": fingerprint})


def _record(context: RunStatusSensorContext) -> None:
    record_run(get_settings().state_path, context.instance, context.dagster_run.run_id)


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=PIPELINE_JOBS,
                      default_status=dg.DefaultSensorStatus.RUNNING, name="record_successful_run")
def record_successful_run(context: RunStatusSensorContext) -> None:
    _record(context)


@dg.run_failure_sensor(monitored_jobs=PIPELINE_JOBS, default_status=dg.DefaultSensorStatus.RUNNING,
                       name="record_failed_run")
def record_failed_run(context: RunFailureSensorContext) -> None:
    # Failed runs are recorded too: `jxc status` shows them while dashboards keep the last good data.
    _record(context)
