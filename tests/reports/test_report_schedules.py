"""The report schedules: they load in the code location's definitions, stay out of the pipeline jobs,
and each tick asks for the right run (or skips): daily for yesterday, weekly on Mondays for the
week Monday–Sunday just ended, monthly on the first working day for the month just ended. Ticks
are evaluated through Dagster's own schedule evaluation at given times in Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration import report_timing as timing
from orchestration.definitions import defs

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _tick(kind: str, when: datetime) -> dg.RunRequest | None:
    schedule = defs.resolve_schedule_def(f"{kind}_report_schedule")
    with dg.build_schedule_context(scheduled_execution_time=when) as context:
        data = schedule.evaluate_tick(context)
    assert len(data.run_requests or []) <= 1
    return data.run_requests[0] if data.run_requests else None


def _as_of(kind: str, request: dg.RunRequest) -> str:
    return request.run_config["ops"][f"reports__{kind}"]["config"]["as_of"]


def test_the_schedules_load_with_their_jobs_and_times():
    expected = {"daily": "0 7 * * *", "weekly": "30 7 * * 1", "monthly": "0 8 1-3 * *"}
    for kind, cron in expected.items():
        schedule = defs.resolve_schedule_def(f"{kind}_report_schedule")
        assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == (
            cron, "Asia/Shanghai", f"{kind}_report")
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
        job = defs.resolve_job_def(f"{kind}_report")
        assert job.executor_def.name == "in_process"
        assert set(job.asset_layer.selected_asset_keys) == {dg.AssetKey(["reports", kind])}
    graph = defs.resolve_asset_graph()
    for kind in expected:  # downstream of the publish
        assert graph.get(dg.AssetKey(["reports", kind])).parent_keys == {dg.AssetKey("serving")}
    # ... and not part of the pipeline: a pipeline run never sends mail.
    for name in ("full_pipeline", "incremental_pipeline"):
        keys = defs.resolve_job_def(name).asset_layer.selected_asset_keys
        assert dg.AssetKey("serving") in keys and not any(k.path[0] == "reports" for k in keys)


def test_daily_asks_every_morning_for_yesterday():
    request = _tick("daily", datetime(2026, 12, 7, 7, 0, tzinfo=SHANGHAI))
    assert request.run_key == "daily@2026-12-07" and _as_of("daily", request) == "2026-12-06"
    assert request.tags["jxc/report"] == "daily"
    # 23:30 UTC on 6 December is already 7 December in Shanghai.
    request = _tick("daily", datetime(2026, 12, 6, 23, 0, tzinfo=ZoneInfo("UTC")))
    assert request.run_key == "daily@2026-12-07"


def test_weekly_asks_on_monday_for_monday_to_sunday():
    request = _tick("weekly", datetime(2026, 12, 7, 7, 30, tzinfo=SHANGHAI))  # a Monday
    assert request.run_key == "weekly@2026-12-07" and _as_of("weekly", request) == "2026-12-06"
    # The renderer's week is the seven days ending on as_of: Monday 30 November – Sunday 6 December.
    from reports.content import period_for

    assert period_for("weekly", date(2026, 12, 6)) == (date(2026, 11, 30), date(2026, 12, 6))


def test_monthly_asks_once_a_month_on_the_first_working_day_for_the_month_before():
    runs = {}
    for month in range(1, 13):
        for day in (1, 2, 3):  # the cron's days
            request = _tick("monthly", datetime(2026, month, day, 8, 0, tzinfo=SHANGHAI))
            if request is not None:
                runs[month] = (day, _as_of("monthly", request), request.run_key)
    assert set(runs) == set(range(1, 13))  # exactly one per month (several would fail the len check)
    # Hand-checked: 1 Aug 2026 is a Saturday (→ Monday 3rd), 1 Nov a Sunday (→ Monday 2nd),
    # 1 Feb a Sunday (→ 2nd), 1 Mar a Sunday (→ 2nd); 1 Dec a Tuesday.
    assert runs[8] == (3, "2026-07-31", "monthly@2026-08-03")
    assert runs[11] == (2, "2026-10-31", "monthly@2026-11-02")
    assert runs[2] == (2, "2026-01-31", "monthly@2026-02-02")
    assert runs[3] == (2, "2026-02-28", "monthly@2026-03-02")
    assert runs[12] == (1, "2026-11-30", "monthly@2026-12-01")
    assert runs[1] == (1, "2025-12-31", "monthly@2026-01-01")


@pytest.mark.parametrize(("kind", "today", "end"), [
    ("daily", date(2026, 3, 1), date(2026, 2, 28)),
    ("weekly", date(2026, 12, 7), date(2026, 12, 6)),
    ("weekly", date(2026, 12, 9), date(2026, 12, 6)),  # mid-week: the last full week
    ("monthly", date(2026, 3, 2), date(2026, 2, 28)),
    ("monthly", date(2024, 3, 1), date(2024, 2, 29)),
])
def test_period_end(kind, today, end):  # noqa: ANN001
    assert timing.period_end(kind, today) == end
    assert today - end <= timedelta(days=31)
