"""Blocking checks on the sales forecast (``forecasting.checks`` says what each refuses)."""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from collections.abc import Callable

import dagster as dg
import duckdb

from forecasting import checks
from forecasting.config import DEFAULT
from orchestration.assets.dbt import MANIFEST_PATH
from orchestration.assets.forecast import FORECAST_KEY
from orchestration.dbt_project import load_manifest, marts_schema
from orchestration.resources import WarehouseResource

Finder = Callable[[duckdb.DuckDBPyConnection, str], checks.Finding]

SPECS: list[tuple[str, str, Finder]] = [
    ("forecast_values_valid", "No forecast or interval bound is missing, NaN or negative; horizons are 1–12.",
     lambda con, schema: checks.invalid_values(con, schema, DEFAULT.horizon)),
    ("intervals_contain_point", "Every row has lo95 ≤ lo80 ≤ forecast ≤ hi80 ≤ hi95.", checks.intervals_not_nested),
    ("totals_add_up", "Product, category and company totals are exactly the sums of the level below.",
     checks.totals_mismatch),
    ("accuracy_beside_every_forecast", "Every forecast series has its backtest accuracy row.",
     checks.accuracy_missing),
]


def check_result(finding: checks.Finding, description: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=finding.passed, severity=dg.AssetCheckSeverity.ERROR,
        description=description if finding.passed else f"{finding.count} rows fail: {description}",
        metadata={"failing_rows": dg.MetadataValue.int(finding.count),
                  "examples": dg.MetadataValue.json(finding.rows)},
    )


def _build(name: str, description: str, finder: Finder) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=FORECAST_KEY, name=name, description=description, blocking=True)
    def _check(warehouse: dg.ResourceParam[WarehouseResource]) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            finding = finder(con, marts_schema(load_manifest(MANIFEST_PATH)))
        return check_result(finding, description)

    return _check


def forecast_checks() -> list[dg.AssetChecksDefinition]:
    return [_build(name, description, finder) for name, description, finder in SPECS]
