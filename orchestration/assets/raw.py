"""Raw layer: one asset per store table under ``["raw", <table>]``, extracted by the ingestion.

The keys equal dagster-dbt's default keys for ``source('raw', <table>)``, so every staging model
hangs off the asset that feeds it without a custom translator.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from collections.abc import Iterator

import dagster as dg
from dagster import AssetExecutionContext

from ingestion.extract import extract_to_raw, raw_tables
from operational.services.monitoring import fingerprint_of
from orchestration.resources import StoreResource, WarehouseResource
from orchestration.run_plan import RAW_MARKER_KEY

RAW_GROUP = "raw"
# Reconciliation compares against the fingerprint taken when this table was extracted.
FINGERPRINT_TABLE = "stock_ledger"
FINGERPRINT_KEY = "store_fingerprint"


def raw_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


class RawExtractConfig(dg.Config):
    full: bool = False  # True: reload every table from scratch instead of from the watermark


@dg.multi_asset(
    name="raw_extract",
    specs=[
        dg.AssetSpec(raw_asset_key(table), group_name=RAW_GROUP, kinds={"python", "duckdb"},
                     description=f"Store table {table} copied into warehouse.duckdb schema raw.")
        for table in raw_tables()
    ],
    can_subset=True,
)
def raw_extract(context: AssetExecutionContext, config: RawExtractConfig,
                store: dg.ResourceParam[StoreResource],
                warehouse: dg.ResourceParam[WarehouseResource]) -> Iterator[dg.MaterializeResult]:
    tables = [key.path[-1] for key in sorted(context.selected_asset_keys, key=lambda k: k.path)]
    # Taken before extracting: the extracted data is at least this fresh. The table's marker is
    # what the next run's plan compares with (through the publish, orchestration.run_plan).
    markers = store.markers()
    fingerprint = fingerprint_of(markers)
    warehouse.path.parent.mkdir(parents=True, exist_ok=True)
    written = extract_to_raw(store.url, warehouse.path, full=config.full, tables=tables)
    context.log.info(f"extracted {sum(written.values())} rows from {len(tables)} tables (full={config.full})")
    for table in tables:
        yield dg.MaterializeResult(
            asset_key=raw_asset_key(table),
            metadata={
                "rows_written": dg.MetadataValue.int(int(written.get(table, 0))),
                "full": dg.MetadataValue.bool(config.full),
                FINGERPRINT_KEY: dg.MetadataValue.text(fingerprint),
                RAW_MARKER_KEY: dg.MetadataValue.text(markers[table]),
            },
        )


def extraction_fingerprint(instance: dg.DagsterInstance) -> str | None:
    """The store fingerprint recorded by the latest extraction of the stock ledger."""
    event = instance.get_latest_materialization_event(raw_asset_key(FINGERPRINT_TABLE))
    materialization = event.asset_materialization if event else None
    value = materialization.metadata.get(FINGERPRINT_KEY) if materialization else None
    return str(value.value) if value is not None else None
