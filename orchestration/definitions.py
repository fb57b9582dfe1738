"""The JXC Dagster code location: ``dagster dev -m orchestration.definitions``."""

from __future__ import annotations

from orchestration.home import quiet_telemetry

quiet_telemetry()

import logging  # noqa: E402

# dagster-dbt logs through Python's "dagster.builtin" logger. Dagster captures that logger into the
# run's event log and passes warnings on to the run's console; propagating as well let the root
# handler that dbt's usage tracker installs (snowplow_tracker calls logging.basicConfig()) print
# every record a second time on the terminal, INFO included ("INFO:dagster.builtin:Running dbt ...").
logging.getLogger("dagster.builtin").propagate = False

import dagster as dg  # noqa: E402  (telemetry must be off before dagster/dbt load)

from orchestration.assets.reports import REPORT_ASSETS  # noqa: E402
from orchestration.checks.catalog import all_checks  # noqa: E402
from orchestration.jobs import PIPELINE_ASSETS, PIPELINE_JOBS  # noqa: E402
from orchestration.report_schedules import REPORT_JOBS, REPORT_SCHEDULES  # noqa: E402
from orchestration.resources import default_resources  # noqa: E402
from orchestration.schedules import hourly_incremental  # noqa: E402
from orchestration.sensors import SENSORS  # noqa: E402

defs = dg.Definitions(
    assets=[*PIPELINE_ASSETS, *REPORT_ASSETS],
    asset_checks=all_checks(),
    jobs=[*PIPELINE_JOBS, *REPORT_JOBS.values()],
    schedules=[hourly_incremental, *REPORT_SCHEDULES],
    sensors=SENSORS,
    resources=default_resources(),
    # Also for runs launched from the asset graph (``__ASSET_JOB``): one process, steps one after
    # another (DuckDB admits one writer), and no multiprocess options (``preload_modules``) in the
    # run configuration.
    executor=dg.in_process_executor,
)
