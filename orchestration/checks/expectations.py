"""Expectations described as plain data, run with Great Expectations 1.x on a DataFrame.

GX takes ~15 s to import, so the check definitions only hold these small descriptions and the
GX classes are imported when a check actually runs. One ephemeral context per process is enough.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

SAMPLE_SIZE = 10


@dataclass(frozen=True)
class Expectation:
    kind: str  # "not_null" | "in_set" | "not_in_set" | "greater_than"
    column: str
    values: tuple[Any, ...] = ()
    bound: float | None = None

    @property
    def label(self) -> str:
        detail = f" {list(self.values)}" if self.values else (f" > {self.bound}" if self.bound is not None else "")
        return f"{self.column} {self.kind}{detail}"


def not_null(column: str) -> Expectation:
    return Expectation("not_null", column)


def in_set(column: str, values: tuple[Any, ...]) -> Expectation:
    return Expectation("in_set", column, values=tuple(values))


def not_in_set(column: str, values: tuple[Any, ...]) -> Expectation:
    return Expectation("not_in_set", column, values=tuple(values))


def greater_than(column: str, bound: float) -> Expectation:
    return Expectation("greater_than", column, bound=bound)


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: Expectation
    success: bool
    element_count: int
    unexpected_count: int
    sample: list[Any] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "expectation": self.expectation.label, "success": self.success,
            "element_count": self.element_count, "unexpected_count": self.unexpected_count,
            "unexpected_sample": [_jsonable(v) for v in self.sample], "error": self.error,
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN is how pandas shows a NULL
    return str(value)


def _to_gx(expectation: Expectation) -> Any:
    import great_expectations.expectations as gxe

    column = expectation.column
    if expectation.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=column)
    if expectation.kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(expectation.values))
    if expectation.kind == "not_in_set":
        return gxe.ExpectColumnValuesToNotBeInSet(column=column, value_set=list(expectation.values))
    if expectation.kind == "greater_than":
        return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=expectation.bound, strict_min=True)
    raise ValueError(f"unknown expectation kind {expectation.kind!r}")


def _exception_message(info: dict[str, Any]) -> str | None:
    """GX reports errors either at the top level or per metric; find the first one."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


@cache
def _datasource() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX sets this logger to INFO on import; its "Created temporary directory ... for ephemeral
    # docs site" line reached the terminal of every `jxc pipeline run`.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)

    context = gx.get_context(mode="ephemeral")
    # The progress bars would flood the Dagster step logs.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context.data_sources.add_pandas("jxc_checks")


def warm_up() -> None:
    """Import GX and build the ephemeral context now (the warm run worker pays this once)."""
    _datasource()


def validate_frame(frame: pd.DataFrame, expectations: list[Expectation]) -> list[ExpectationOutcome]:
    """Run each expectation on ``frame``; an expectation that raises counts as failed."""
    asset = _datasource().add_dataframe_asset(name=f"frame_{uuid.uuid4().hex}")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    outcomes = []
    for expectation in expectations:
        result = batch.validate(_to_gx(expectation))
        details = result.result or {}
        error = _exception_message(result.exception_info or {})
        outcomes.append(ExpectationOutcome(
            expectation=expectation,
            success=bool(result.success) and error is None,
            element_count=int(details.get("element_count") or len(frame)),
            unexpected_count=int(details.get("unexpected_count") or 0),
            sample=list(details.get("partial_unexpected_list") or [])[:SAMPLE_SIZE],
            error=error,
        ))
    return outcomes
