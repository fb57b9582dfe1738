"""The stale-data rule (reports.staleness.assess) on hand-written pipeline states.

Times: the pipeline's day is Asia/Shanghai (UTC+8), so 2026-12-07 00:30 UTC is 08:30 on Monday
2026-12-07 there, and a publish at 2026-12-06 15:59 UTC was made on Sunday 2026-12-06 23:59.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from reports.staleness import assess, required_day

NOW = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # Monday 08:30 in Shanghai


def _publish(at: str, run_id: str = "good") -> dict:
    return {"run_id": run_id, "published_at": at}


def _run(run_id: str, status: str, started: str, checks: list[dict] | None = None,
         failed: list[str] | None = None) -> dict:
    run = {"run_id": run_id, "status": status, "started_at": started, "failed_checks": failed or []}
    if checks is not None:
        run["checks"] = checks
    return run


def test_a_publish_made_today_after_a_successful_run_is_fresh():
    state = {"last_publish": _publish("2026-12-06T16:05:00"),  # Monday 00:05 in Shanghai
             "last_run": _run("good", "SUCCESS", "2026-12-06T16:00:00+00:00")}
    verdict = assess(state, now=NOW)
    assert verdict.fresh and verdict.reason == "ok"
    assert verdict.publish_id == "good" and verdict.published_at == datetime(2026, 12, 6, 16, 5)
    assert verdict.required_day == date(2026, 12, 7)


def test_nothing_published_is_stale():
    verdict = assess({}, now=NOW)
    assert verdict.reason == "no_publish" and not verdict.fresh and verdict.published_at is None


def test_a_publish_from_before_the_period_closed_is_too_old():
    # Sunday 23:59 in Shanghai: the weekly report of Mon 30 Nov – Sun 6 Dec would miss nothing only
    # if the publish was made after Sunday ended.
    state = {"last_publish": _publish("2026-12-06T15:59:00"),
             "last_run": _run("good", "SUCCESS", "2026-12-06T15:50:00+00:00")}
    verdict = assess(state, now=NOW)
    assert verdict.reason == "too_old" and verdict.required_day == date(2026, 12, 7)
    # ... but it covers a chosen period that ended on Saturday 5 December.
    assert assess(state, now=NOW, period_end=date(2026, 12, 5)).fresh


def test_a_run_that_failed_its_checks_after_the_publish_makes_the_data_stale():
    state = {"last_publish": _publish("2026-12-06T16:05:00"),
             "last_run": _run("bad", "FAILURE", "2026-12-06T17:00:00+00:00", checks=[
                 {"asset_key": "mart_stock_current", "check_name": "reconciles_with_store",
                  "passed": False, "severity": "ERROR"},
                 {"asset_key": "fct_sales_lines", "check_name": "prices_plausible", "passed": False,
                  "severity": "WARN"},
                 {"asset_key": "dim_product", "check_name": "sku_unique", "passed": True, "severity": "ERROR"},
             ])}
    verdict = assess(state, now=NOW)
    assert verdict.reason == "checks_failed"
    assert verdict.failed_checks == ("mart_stock_current:reconciles_with_store",)
    # The notice names the last good data: the publish before the failed run.
    assert verdict.publish_id == "good" and verdict.last_run_id == "bad"


def test_a_run_that_failed_without_checks_is_stale_and_a_warning_alone_is_not():
    failed = {"last_publish": _publish("2026-12-06T16:05:00"),
              "last_run": _run("killed", "FAILURE", "2026-12-06T17:00:00+00:00", checks=[])}
    assert assess(failed, now=NOW).reason == "run_failed"
    warned = {"last_publish": _publish("2026-12-06T16:05:00", run_id="warned"),
              "last_run": _run("warned", "SUCCESS", "2026-12-06T16:00:00+00:00", failed=["x:y"], checks=[
                  {"asset_key": "x", "check_name": "y", "passed": False, "severity": "WARN"}])}
    assert assess(warned, now=NOW).fresh


def test_an_older_failed_run_does_not_hide_a_newer_publish():
    # The state's last_run is older than the publish (a publish written by a later partial run).
    state = {"last_publish": _publish("2026-12-06T18:00:00", run_id="later"),
             "last_run": _run("bad", "FAILURE", "2026-12-06T17:00:00+00:00", failed=["a:b"])}
    assert assess(state, now=NOW).fresh


@pytest.mark.parametrize(("now", "period_end", "expected"), [
    (NOW, None, date(2026, 12, 7)),
    (NOW, date(2026, 12, 6), date(2026, 12, 7)),
    (NOW, date(2026, 11, 30), date(2026, 12, 1)),
    (NOW, date(2026, 12, 31), date(2026, 12, 7)),  # a period still running: today's publish
    (datetime(2026, 12, 6, 15, 59, tzinfo=UTC), None, date(2026, 12, 6)),
])
def test_required_day(now, period_end, expected):
    assert required_day(now, period_end) == expected
