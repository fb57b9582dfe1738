"""When each report goes out and which period it covers (pure date rules, no I/O).

- daily flash: every day at 07:00, for yesterday;
- weekly management report: Mondays at 07:30, for the seven days Monday–Sunday that just ended;
- month-end pack: on the first working day of the month at 08:00, for the month that just ended.

Times are in the pipeline's time zone (Asia/Shanghai, orchestration.run_plan.PIPELINE_TIMEZONE),
after the first run of the day has rebuilt everything (it starts at midnight). A working day is
Monday to Friday, the rule the HR attendance and the marts use (operational.services.hr).
The period itself (the seven or the month's days ending on a date) is the renderer's rule
(reports.render); here only its last day is chosen. It lives in orchestration, not in the
``reports`` package, because importing that package loads the renderer (plotly, Streamlit's
readers), which the Dagster code location must not pay for at every load.
"""

from __future__ import annotations

from datetime import date, timedelta

from operational.services.hr import is_working_day

# kind -> cron in the pipeline's time zone. The monthly cron fires on the first three days of the
# month (the first working day is always one of them); the schedule skips the others.
CRON = {"daily": "0 7 * * *", "weekly": "30 7 * * 1", "monthly": "0 8 1-3 * *"}


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def is_delivery_day(kind: str, today: date) -> bool:
    """Whether ``kind`` goes out on ``today``."""
    if kind == "daily":
        return True
    if kind == "weekly":
        return today.weekday() == 0
    if kind == "monthly":
        return today == first_working_day(today.year, today.month)
    raise ValueError(f"unknown report kind {kind!r}")


def period_end(kind: str, today: date) -> date:
    """The last day of the period a report sent on ``today`` covers: yesterday (daily), the last
    Sunday before today (weekly), the last day of the previous month (monthly)."""
    if kind == "daily":
        return today - timedelta(days=1)
    if kind == "weekly":
        return today - timedelta(days=today.weekday() + 1)
    if kind == "monthly":
        return today.replace(day=1) - timedelta(days=1)
    raise ValueError(f"unknown report kind {kind!r}")
