"""Reading dbt's run_results.json: which nodes could not run at all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_ERROR_STATUSES = ("error", "runtime error")


def build_errors(run_results: Mapping[str, Any]) -> list[str]:
    """Nodes that errored (not: tests that ran and found bad rows), with the first line of the message."""
    errors = []
    for result in run_results.get("results", []):
        if result.get("status") in _ERROR_STATUSES:
            message = (result.get("message") or "error").strip().splitlines() or ["error"]
            errors.append(f"{result['unique_id']}: {message[0]}")
    return errors
