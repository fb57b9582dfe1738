"""Asset checks that read a DataFrame out of DuckDB and run GX expectations on it.

Each check is data (``FrameCheckSpec``); ``build_frame_check`` turns one into a blocking
``@asset_check`` whose result carries every expectation's outcome in its metadata.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

from dataclasses import dataclass

import dagster as dg

from orchestration.checks.expectations import Expectation, ExpectationOutcome, validate_frame
from orchestration.resources import WarehouseResource


@dataclass(frozen=True)
class FrameCheckSpec:
    asset_key: dg.AssetKey
    name: str
    description: str
    sql: str  # selects exactly the columns the expectations look at
    expectations: tuple[Expectation, ...]
    blocking: bool = True


def check_result(spec: FrameCheckSpec, outcomes: list[ExpectationOutcome]) -> dg.AssetCheckResult:
    failed = [o for o in outcomes if not o.success]
    rows = outcomes[0].element_count if outcomes else 0
    summary = "all expectations met" if not failed else "failed: " + "; ".join(
        f"{o.expectation.label} ({o.error or f'{o.unexpected_count} rows'})" for o in failed
    )
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=summary,
        metadata={
            "rows_checked": dg.MetadataValue.int(rows),
            "failed_expectations": dg.MetadataValue.int(len(failed)),
            "expectations": dg.MetadataValue.json([o.as_json() for o in outcomes]),
        },
    )


def build_frame_check(spec: FrameCheckSpec) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=spec.asset_key, name=spec.name, description=spec.description,
                    blocking=spec.blocking)
    def _check(warehouse: dg.ResourceParam[WarehouseResource]) -> dg.AssetCheckResult:
        frame = warehouse.read_frame(spec.sql)
        return check_result(spec, validate_frame(frame, list(spec.expectations)))

    return _check
