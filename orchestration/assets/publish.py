"""The ``serving`` asset: publish the marts to serving.duckdb, only after every check passed.

Blocking checks already stop this step from starting when they fail; the asset also reads the
check results of its own run and refuses if any ERROR-severity check failed (a dbt test, say,
that is not blocking), so a bad run can never replace the last good data.

A run that rebuilt only the marts downstream of what changed (``orchestration.run_plan``) replaces
only those marts in a copy of the current serving file; a run of every asset, or one that rebuilt
every mart or none, writes the whole file afresh. The publish records the store markers the
published data reflects, which the next run's plan compares with.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from datetime import UTC, datetime

import dagster as dg
from dagster import AssetExecutionContext

from forecasting.tables import PUBLISHED_TABLES as FORECAST_TABLES
from ingestion.extract import raw_tables
from operational.services.monitoring import fingerprint_of
from operational.settings import get_settings
from orchestration.assets.dbt import MANIFEST_PATH, mart_keys, model_key
from orchestration.assets.forecast import FORECAST_KEY
from orchestration.assets.planning import PLAN_TABLES, SUPPLY_PLAN_KEY
from orchestration.check_outcomes import CheckOutcome, blocking_failures, outcomes_for_run
from orchestration.dbt_project import load_manifest, mart_nodes, marts_schema
from orchestration.resources import WarehouseResource
from orchestration.run_plan import PUBLISHED_MARKERS_KEY, RAW_MARKER_KEY, updated_markers
from orchestration.serving_file import CheckRow, PublishInfo, build_serving_file, update_serving_file
from orchestration.state import read_state, record_publish

SERVING_KEY = dg.AssetKey("serving")


def _check_row(outcome: CheckOutcome) -> CheckRow:
    return CheckRow(
        check_name=outcome.check_name, asset_key=outcome.asset_key, passed=outcome.passed,
        severity=outcome.severity, description=outcome.description, metadata=outcome.metadata,
        checked_at=outcome.checked_at.astimezone(UTC).replace(tzinfo=None),
    )


def _materialized_in_run(instance: dg.DagsterInstance, run_id: str) -> dict[dg.AssetKey, dg.AssetMaterialization]:
    events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    return {e.dagster_event.asset_key: e.dagster_event.step_materialization_data.materialization
            for e in events if e.dagster_event is not None and e.dagster_event.asset_key is not None}


def _mart_tables() -> dict[dg.AssetKey, str]:
    """Mart asset key → its table in the marts schema (the model's alias)."""
    return {model_key(node["name"]): node.get("alias") or node["name"]
            for node in mart_nodes(load_manifest(MANIFEST_PATH))}


def _published_tables() -> dict[dg.AssetKey, tuple[str, ...]]:
    """Asset key → the tables of the marts schema it writes: one per dbt mart, several for the forecast
    and for the supply plan."""
    tables = {key: (table,) for key, table in _mart_tables().items()}
    tables[FORECAST_KEY] = FORECAST_TABLES
    tables[SUPPLY_PLAN_KEY] = PLAN_TABLES
    return tables


@dg.asset(key=SERVING_KEY, deps=[*mart_keys(), FORECAST_KEY, SUPPLY_PLAN_KEY], group_name="serving", kinds={"duckdb"},
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
    materialized = _materialized_in_run(context.instance, run_id)
    extracted = {key.path[-1]: str(m.metadata[RAW_MARKER_KEY].value) for key, m in materialized.items()
                 if key.path[0] == "raw" and RAW_MARKER_KEY in m.metadata}
    state_path = get_settings().state_path
    previous = (read_state(state_path).get("last_publish") or {}).get(PUBLISHED_MARKERS_KEY)
    markers = updated_markers(previous if isinstance(previous, dict) else None, extracted, raw_tables())
    marts = _published_tables()
    rebuilt = sorted(table for key, tables in marts.items() if key in materialized for table in tables)
    # A run of the whole job rewrites the file; so does one that rebuilt every mart or none (someone
    # asked for a publish alone, from the Dagster UI).
    whole = (context.run.asset_selection is None or not rebuilt
             or len(rebuilt) == sum(len(tables) for tables in marts.values()))
    now = datetime.now(UTC).replace(tzinfo=None)
    info = PublishInfo(published_at=now, run_id=run_id, job_name=job_name, store_watermark=fingerprint_of(markers))
    schema = marts_schema(load_manifest(MANIFEST_PATH))
    checks = [_check_row(o) for o in outcomes]
    if whole:
        counts = build_serving_file(warehouse.path, warehouse.serving, schema, info, checks)
    else:
        counts = update_serving_file(warehouse.path, warehouse.serving, schema, rebuilt, info, checks)
    published = sorted(counts) if whole else rebuilt
    context.log.info(f"published {len(published)} of {len(counts)} tables to {warehouse.serving}")
    record_publish(state_path, run_id=run_id, job_name=job_name, published_at=now, row_counts=counts,
                   store_watermark=info.store_watermark, store_markers=markers, published_tables=published)
    return dg.MaterializeResult(metadata={
        "published_tables": dg.MetadataValue.json(published),
        "whole_file": dg.MetadataValue.bool(whole),
        "path": dg.MetadataValue.path(str(warehouse.serving)),
        "tables": dg.MetadataValue.int(len(counts)),
        "table_row_counts": dg.MetadataValue.json(counts),
        "checks_recorded": dg.MetadataValue.int(len(outcomes)),
        "store_watermark": dg.MetadataValue.text(info.store_watermark),
    })
