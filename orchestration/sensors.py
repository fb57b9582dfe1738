"""Sensors: run the incremental pipeline when the store changes; record how every run ended;
mark runs whose process died as failed.

The change sensor reads the store's per-table markers (``monitoring.table_markers``: a count and a
MAX() or two per table) and plans a run with ``orchestration.run_plan`` against the markers of the
last publish (whoever ran it: the daemon or ``jxc pipeline run``): nothing changed → skip; some
tables changed → a run of only those raw assets and what is downstream of them; a new day → all.
The cursor is the last request's key and the run key the new one (the markers' fingerprint, plus
the day for a run of everything), so one change gives one run even if the daemon re-evaluates a
tick or the requested run has not published yet. The hourly schedule plans the same way.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

import dagster as dg
from dagster import RunFailureSensorContext, RunStatusSensorContext, SensorEvaluationContext
from sqlalchemy.exc import SQLAlchemyError

from operational.services.monitoring import fingerprint_of
from operational.settings import get_settings
from orchestration.dead_runs import fail_dead_runs
from orchestration.jobs import PIPELINE_ASSETS, PIPELINE_JOBS, incremental_pipeline
from orchestration.resources import StoreResource
from orchestration.retention import prune_quietly
from orchestration.run_plan import RunPlan, pipeline_today, plan_from_state, plan_tags, selected_keys
from orchestration.run_record import record_run
from orchestration.state import read_state


def current_plan(store: StoreResource) -> tuple[RunPlan, str]:
    """The plan for a run now and its key (the markers' fingerprint; plus the day for everything)."""
    today = pipeline_today()
    markers = store.markers()
    plan = plan_from_state(markers, read_state(get_settings().state_path), today)
    key = fingerprint_of(markers) + (f"@{today.isoformat()}" if plan.everything else "")
    return plan, key


def plan_request(plan: RunPlan, key: str) -> dg.RunRequest:
    """A run of ``incremental_pipeline`` restricted to the plan's assets (and their checks)."""
    return dg.RunRequest(run_key=key, asset_selection=selected_keys(plan, PIPELINE_ASSETS),
                         tags={"jxc/store_fingerprint": key, "jxc/plan": plan.reason[:200], **plan_tags(plan)})


def planned_request(store: StoreResource, *, cursor: str | None = None,
                    key_suffix: str = "") -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    """What a tick (sensor or schedule) does now, and the plan's key to remember (None: store unreadable).

    The last publish (not a cursor) says what the serving file holds: the sensor's cursor is empty on
    the first tick after `jxc serve` starts and knows nothing of runs made with `jxc pipeline run`; it
    only stops a second request for a change already requested."""
    try:
        plan, key = current_plan(store)
    except SQLAlchemyError as exc:
        return dg.SkipReason(f"store not readable: {type(exc).__name__}"), None
    if plan.nothing_to_do:
        return dg.SkipReason(plan.reason), key
    if key == cursor:
        return dg.SkipReason("a run was already requested for this change"), key
    return plan_request(plan, key + key_suffix), key


@dg.sensor(job=incremental_pipeline, minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Requests an incremental run of what changed in the store since the last publish.")
def store_change_sensor(context: SensorEvaluationContext,
                        store: dg.ResourceParam[StoreResource]) -> dg.RunRequest | dg.SkipReason:
    result, key = planned_request(store, cursor=context.cursor)
    if key is not None:
        context.update_cursor(key)
    return result


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
