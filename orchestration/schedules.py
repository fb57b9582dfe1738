"""Hourly incremental run, so the dashboards are at most an hour old even if the sensor is off."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import incremental_pipeline

hourly_incremental = dg.ScheduleDefinition(
    name="hourly_incremental",
    job=incremental_pipeline,
    cron_schedule="0 * * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
