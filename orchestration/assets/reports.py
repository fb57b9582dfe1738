"""The report assets: ``reports/daily``, ``reports/weekly``, ``reports/monthly``, downstream of the publish.

Materializing one renders that report from the current publish into data/reports/<kind>/ (in the
store's language and in every language a subscriber asked for), e-mails it to the active
subscribers (reports.delivery), and prunes the kind's folder to the newest ``JXC_KEEP_REPORTS``
(orchestration.retention). When the data cannot be trusted (reports.staleness) nothing is
rendered: the subscribers get the notice instead and the step fails, so the run shows red in the
Dagster UI with the reason. The schedules (orchestration.report_schedules) run them; they are not
part of the pipeline jobs.
"""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and config.

from datetime import UTC, date, datetime

import dagster as dg
from dagster import AssetExecutionContext

from operational.settings import get_settings
from orchestration import report_timing as timing
from orchestration.assets.publish import SERVING_KEY
from orchestration.retention import prune_reports
from orchestration.run_plan import pipeline_today

REPORTS_GROUP = "reports"
REPORT_KINDS = ("daily", "weekly", "monthly")
DESCRIPTIONS = {
    "daily": "Daily flash for yesterday, e-mailed to its subscribers (or the stale-data notice).",
    "weekly": "Weekly management report for the week Monday–Sunday just ended, e-mailed to its subscribers.",
    "monthly": "Month-end pack for the month just ended, e-mailed to its subscribers.",
}


class ReportConfig(dg.Config):
    """``as_of``: the last day of the period to report (YYYY-MM-DD); the schedules set it. Empty:
    the period that ended before today (the schedule's own rule)."""

    as_of: str = ""


def report_day(kind: str, as_of: str, now: datetime) -> date:
    """The period end a run reports on: ``as_of`` if given (not in the future, not before the
    store's earliest date), else the schedule's rule for today."""
    today = pipeline_today(now)
    if not as_of:
        return timing.period_end(kind, today)
    day = date.fromisoformat(as_of.strip())
    if not get_settings().earliest_date <= day <= today:
        raise dg.Failure(description=f"as_of {day} is outside {get_settings().earliest_date} .. {today}")
    return day


def _report_asset(kind: str) -> dg.AssetsDefinition:
    @dg.asset(key=dg.AssetKey(["reports", kind]), group_name=REPORTS_GROUP, deps=[SERVING_KEY],
              description=DESCRIPTIONS[kind], tags={"jxc/report": kind})
    def report(context: AssetExecutionContext, config: ReportConfig) -> dg.MaterializeResult:
        from reports.delivery import deliver_scheduled  # loads the renderer: only when a report runs

        now = datetime.now(UTC)
        day = report_day(kind, config.as_of, now)
        run = deliver_scheduled(kind, as_of=day, now=now)
        settings = get_settings()
        pruned = prune_reports(settings.reports_dir, settings.keep_reports)
        metadata = {
            "as_of": dg.MetadataValue.text(day.isoformat()),
            "freshness": dg.MetadataValue.text(run.freshness.reason),
            "smtp_configured": dg.MetadataValue.bool(run.smtp_configured),
            "reports_sent": dg.MetadataValue.int(run.count("sent", "report")),
            "notices_sent": dg.MetadataValue.int(run.count("sent", "notice")),
            "failed": dg.MetadataValue.int(run.count("failed")),
            "not_configured": dg.MetadataValue.int(run.count("not_configured")),
            "files": dg.MetadataValue.json({lang: [str(r.html_path), str(r.pdf_path)]
                                            for lang, r in run.reports.items()}),
            "pruned_files": dg.MetadataValue.int(len(pruned.deleted_paths)),
        }
        if not run.reports:
            reason = run.render_error or run.freshness.reason
            raise dg.Failure(description=f"{kind} report not rendered ({reason}); the subscribers got the notice",
                             metadata=metadata)
        context.log.info(f"{kind} report as of {day}: {run.count('sent', 'report')} sent, "
                         f"{run.count('failed')} failed, {run.count('not_configured')} not sent (no SMTP)")
        return dg.MaterializeResult(metadata=metadata)

    return report


REPORT_ASSETS = [_report_asset(kind) for kind in REPORT_KINDS]
REPORT_ASSET_BY_KIND = dict(zip(REPORT_KINDS, REPORT_ASSETS, strict=True))
