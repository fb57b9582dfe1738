"""The asset-check results of one run, read back from the Dagster instance's event log.

Publishing uses them twice: to refuse when a check failed (a second line of defence behind the
blocking checks) and to write ``meta_checks`` and ``pipeline_state.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg


@dataclass(frozen=True)
class CheckOutcome:
    check_name: str
    asset_key: str
    passed: bool
    severity: str  # "ERROR" or "WARN"
    description: str
    metadata: dict[str, Any]
    checked_at: datetime

    @property
    def blocks_publish(self) -> bool:
        return not self.passed and self.severity == "ERROR"

    @property
    def label(self) -> str:
        return f"{self.asset_key}:{self.check_name}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["checked_at"] = self.checked_at.isoformat()
        return data


def _metadata_value(value: Any) -> Any:
    """Plain JSON-able value of a Dagster MetadataValue (or of a raw value)."""
    inner = getattr(value, "value", value)
    if isinstance(inner, (str, int, float, bool)) or inner is None:
        return inner
    if isinstance(inner, (list, dict)):
        return inner
    return str(inner)


def outcomes_for_run(instance: dg.DagsterInstance, run_id: str) -> list[CheckOutcome]:
    """One outcome per check evaluated in ``run_id``, the latest if a check ran twice."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records
    latest: dict[str, CheckOutcome] = {}
    for record in records:
        entry = record.event_log_entry
        evaluation = entry.dagster_event.asset_check_evaluation_data  # type: ignore[union-attr]
        outcome = CheckOutcome(
            check_name=evaluation.check_name,
            asset_key=evaluation.asset_key.to_user_string(),
            passed=evaluation.passed,
            severity=evaluation.severity.value,
            description=evaluation.description or "",
            metadata={k: _metadata_value(v) for k, v in evaluation.metadata.items()},
            checked_at=datetime.fromtimestamp(entry.timestamp, tz=UTC),
        )
        latest[outcome.label] = outcome
    return sorted(latest.values(), key=lambda o: o.label)


def blocking_failures(outcomes: list[CheckOutcome]) -> list[CheckOutcome]:
    return [o for o in outcomes if o.blocks_publish]
