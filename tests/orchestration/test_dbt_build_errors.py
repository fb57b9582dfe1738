"""build_errors: a dbt node that cannot run fails the step; a test that finds bad rows does not."""

from __future__ import annotations

from orchestration.dbt_results import build_errors


def test_only_errors_fail_the_step() -> None:
    run_results = {"results": [
        {"unique_id": "model.jxc.mart_stock_current", "status": "success", "message": "OK"},
        {"unique_id": "test.jxc.assert_stock_current_matches_stock_balance", "status": "fail",
         "message": "Got 1 result, configured to fail if != 0"},
        {"unique_id": "model.jxc.mart_stock_alerts", "status": "skipped", "message": None},
        {"unique_id": "model.jxc.dim_date", "status": "error",
         "message": "Binder Error: column x not found\n  LINE 3"},
    ]}
    assert build_errors(run_results) == ["model.jxc.dim_date: Binder Error: column x not found"]
    assert build_errors({"results": []}) == []
