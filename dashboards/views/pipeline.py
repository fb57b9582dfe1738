"""Pipeline (数据管道): how the last run ended, the last publish of serving.duckdb, its check
results and how fresh the data is."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import serving
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.format import age, local_time, show_table, with_headers, zone_label
from dashboards.i18n import t
from dashboards.run_state import last_run
from dashboards.session import require_page
from operational.db import read_only
from operational.services import queries

CHECK_COLUMNS = ("status", "check_name", "asset_key", "severity", "description", "checked_at")

require_page("pipeline")
st.title(t("ui.page.pipeline"))
st.caption(t("ui.pipeline.auto_refresh_hint"))
st.button(t("ui.refresh"), key="pipeline.refresh", icon=":material/refresh:")

run = last_run()
if run is not None:
    when = local_time(run.finished_at) if run.finished_at else "—"
    if run.succeeded:
        st.success(t("ui.pipeline.last_run_ok", when=when, job=run.job), icon=":material/check_circle:")
    elif run.killed:
        started = run.started_at.strftime("%Y-%m-%d %H:%M:%S") if run.started_at else "—"
        st.error(t("ui.pipeline.last_run_killed", job=run.job, started=started, when=when),
                 icon=":material/error:")
    else:
        st.error(t("ui.pipeline.last_run_failed", when=when, job=run.job, status=run.status,
                   checks="、".join(run.failed_checks) or "—"), icon=":material/error:")

status = serving.pipeline_status()
publish = status.publish
if publish is None:
    no_data_message()
    st.stop()

with read_only() as session:
    store_latest = queries.latest_document_date(session)
published_latest = max((d for d in status.last_dates.values() if d is not None), default=None)

# Two rows of two: a date and time in the metric font needs half the width (four in a row cut it off).
cols = [*st.columns(2), *st.columns(2)]
cols[0].metric(t("ui.pipeline.published_at"), local_time(publish.published_at),
               help=t("ui.format.time_zone", zone=zone_label()))
cols[1].metric(t("ui.pipeline.age"), age(publish.published_at))
cols[2].metric(t("ui.pipeline.last_document_published"), str(published_latest or "—"))
cols[3].metric(t("ui.pipeline.last_document_store"), str(store_latest or "—"))
if store_latest and (published_latest is None or store_latest > published_latest):
    st.info(t("ui.pipeline.store_ahead"), icon=":material/schedule:")

st.caption(t("ui.pipeline.run", run_id=publish.run_id, job=publish.job_name, watermark=publish.store_watermark))

st.subheader(t("ui.pipeline.checks"))
results = status.checks
if results.empty:
    st.caption(t("ui.pipeline.no_checks"))
else:
    passed = int(results["passed"].sum())
    if passed == len(results):
        st.success(t("ui.pipeline.checks_passed", passed=passed, total=len(results)))
    else:
        st.warning(t("ui.pipeline.checks_failed", failed=len(results) - passed, total=len(results)))
    # The severity says what a failure does; beside a passing check it is empty, not "ERROR".
    shown = results.assign(
        status=results["passed"].map(lambda ok: t("ui.pipeline.pass" if ok else "ui.pipeline.fail")),
        severity=[None if ok else t(f"ui.pipeline.severity.{str(level).lower()}") if level else None
                  for ok, level in zip(results["passed"], results["severity"], strict=True)])
    checks_shown = with_headers(shown, CHECK_COLUMNS)
    passed_text = t("ui.pipeline.pass")
    show_table(checks_shown, key="pipeline.checks_table",
               colors={"status": lambda v: "green" if v == passed_text else "red"})
    export_buttons(checks_shown, "pipeline_checks", "pipeline.checks_export")

st.subheader(t("ui.pipeline.tables"))
counts = pd.DataFrame(sorted(publish.table_row_counts.items()), columns=["table_name", "row_count"])
counts_shown = with_headers(counts, ("table_name", "row_count"))
show_table(counts_shown, key="pipeline.tables_table")
export_buttons(counts_shown, "published_tables", "pipeline.tables_export")
