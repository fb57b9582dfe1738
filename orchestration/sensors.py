"""Sensors: run the incremental pipeline when the store changes; record how every run ended;
mark runs whose process died as failed.

The change sensor polls ``monitoring.change_fingerprint`` (cheap: a few MAX() queries) and compares
it with the fingerprint of the latest extraction (the metadata of the last ``raw/stock_ledger``
materialization, whoever ran it: the daemon or ``jxc pipeline run``). The cursor is the last
fingerprint a run was requested for, and the run key the new one, so one change gives one run
even if the daemon re-evaluates a tick or the requested run has not extracted yet.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

import dagster as dg
from dagster import RunFailureSensorContext, RunStatusSensorContext, SensorEvaluationContext
from sqlalchemy.exc import SQLAlchemyError

from operational.settings import get_settings
from orchestration.assets.raw import extraction_fingerprint
from orchestration.dead_runs import fail_dead_runs
from orchestration.jobs import PIPELINE_JOBS, incremental_pipeline
from orchestration.resources import StoreResource
from orchestration.retention import prune_quietly
from orchestration.run_record import record_run


@dg.sensor(job=incremental_pipeline, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Requests an incremental run when the store changed since the last extraction.")
def store_change_sensor(context: SensorEvaluationContext,
                        store: dg.ResourceParam[StoreResource]) -> dg.RunRequest | dg.SkipReason:
    try:
        fingerprint = store.fingerprint()
    except SQLAlchemyError as exc:
        return dg.SkipReason(f"store not readable: {type(exc).__name__}")
    if fingerprint == context.cursor:
        return dg.SkipReason("store unchanged since the last requested run")
    # The cursor alone is not enough: it is empty on the first tick after `jxc serve` starts and
    # knows nothing of runs made with `jxc pipeline run`, so a run extracting 0 rows would rebuild
    # every dbt model. The last extraction's fingerprint says what the warehouse already holds.
    if fingerprint == extraction_fingerprint(context.instance):
        context.update_cursor(fingerprint)
        return dg.SkipReason("store unchanged since the last extraction")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"jxc/store_fingerprint": fingerprint})


@dg.sensor(minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Marks runs whose process died (killed, crashed) as failed, so the next run can start.")
def dead_run_sensor(context: SensorEvaluationContext) -> dg.SkipReason:
    dead = fail_dead_runs(context.instance, get_settings().state_path)
    if dead:
        return dg.SkipReason("marked failed: " + ", ".join(f"{d.run_id[:8]} (pid {d.pid})" for d in dead))
    return dg.SkipReason("no dead runs")


def _record(context: RunStatusSensorContext) -> None:
    settings = get_settings()
    record_run(settings.state_path, context.instance, context.dagster_run.run_id)
    # Each finished run is the moment to drop the oldest run's history and files.
    prune_quietly(context.instance, settings)


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=PIPELINE_JOBS,
                      default_status=dg.DefaultSensorStatus.RUNNING, name="record_successful_run")
def record_successful_run(context: RunStatusSensorContext) -> None:
    _record(context)


@dg.run_failure_sensor(monitored_jobs=PIPELINE_JOBS, default_status=dg.DefaultSensorStatus.RUNNING,
                       name="record_failed_run")
def record_failed_run(context: RunFailureSensorContext) -> None:
    # Failed runs are recorded too: `jxc status` shows them while dashboards keep the last good data.
    _record(context)


SENSORS = [store_change_sensor, record_successful_run, record_failed_run, dead_run_sensor]
