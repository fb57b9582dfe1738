"""The ``serving`` asset: publish the marts to serving.duckdb, only after every check passed.

Blocking checks already stop this step from starting when they fail; the asset also reads the
check results of its own run and refuses if any ERROR-severity check failed (a dbt test, say,
that is not blocking), so a bad run can never replace the last good data.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from datetime import UTC, datetime

import dagster as dg
from dagster import AssetExecutionContext

from operational.settings import get_settings
from orchestration.assets.dbt import MANIFEST_PATH, mart_keys
from orchestration.assets.raw import extraction_fingerprint
from orchestration.check_outcomes import CheckOutcome, blocking_failures, outcomes_for_run
from orchestration.dbt_project import load_manifest, marts_schema
from orchestration.resources import WarehouseResource
from orchestration.serving_file import CheckRow, PublishInfo, build_serving_file
from orchestration.state import record_publish

SERVING_KEY = dg.AssetKey("serving")


def _check_row(outcome: CheckOutcome) -> CheckRow:
    return CheckRow(
        check_name=outcome.check_name, asset_key=outcome.asset_key, passed=outcome.passed,
        severity=outcome.severity, description=outcome.description, metadata=outcome.metadata,
        checked_at=outcome.checked_at.astimezone(UTC).replace(tzinfo=None),
    )


@dg.asset(key=SERVING_KEY, deps=mart_keys(), group_name="serving", kinds={"duckdb"},
          description="serving.duckdb: the marts plus meta_publish / meta_checks, swapped in atomically.")
def serving(context: AssetExecutionContext, warehouse: dg.ResourceParam[WarehouseResource]) -> dg.MaterializeResult:
    run_id, job_name = context.run.run_id, context.run.job_name
    outcomes = outcomes_for_run(context.instance, run_id)
    failed = blocking_failures(outcomes)
    if failed:
        raise dg.Failure(
            description="not publishing: checks failed: " + ", ".join(o.label for o in failed),
            metadata={"failed_checks": dg.MetadataValue.json([o.label for o in failed])},
        )
    now = datetime.now(UTC).replace(tzinfo=None)
    info = PublishInfo(published_at=now, run_id=run_id, job_name=job_name,
                       store_watermark=extraction_fingerprint(context.instance) or "")
    counts = build_serving_file(warehouse.path, warehouse.serving, marts_schema(load_manifest(MANIFEST_PATH)),
                                info, [_check_row(o) for o in outcomes])
    record_publish(get_settings().state_path, run_id=run_id, job_name=job_name,
                   published_at=now, row_counts=counts, store_watermark=info.store_watermark)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(warehouse.serving)),
        "tables": dg.MetadataValue.int(len(counts)),
        "table_row_counts": dg.MetadataValue.json(counts),
        "checks_recorded": dg.MetadataValue.int(len(outcomes)),
        "store_watermark": dg.MetadataValue.text(info.store_watermark),
    })
