"""Reports (管理报表): the daily flash, weekly management report and month-end pack generated so
far (data/reports/), with download links, and a form that generates any of them now for a chosen
date range from the current publish. The page only calls ``reports`` (no SQL here)."""

from __future__ import annotations

import streamlit as st

from dashboards import serving
from dashboards.components.filters import no_data_message
from dashboards.components.format import local_time
from dashboards.i18n import current_language, t
from dashboards.session import require_page
from operational.i18n import LANGUAGES
from operational.services.errors import DomainError
from reports import KINDS, list_reports, render_report
from reports.content import period_for

LISTED = 30  # newest reports listed with download buttons

require_page("reports")
st.title(t("ui.page.reports"))
st.caption(t("reports.ui.caption"))

options = serving.filter_options()
if options.first_day is None or options.last_day is None:
    no_data_message()
    st.stop()
first, last = options.first_day, options.last_day

st.subheader(t("reports.ui.generate"))
left, middle, right = st.columns([1, 2, 1])
with left:
    kind = st.selectbox(t("reports.ui.kind"), KINDS, key="reports.kind", format_func=lambda k: t(f"reports.title.{k}"))
default_start, default_end = period_for(kind, last)
with middle:
    picked = st.date_input(t("reports.ui.period"), value=(max(first, default_start), default_end), min_value=first,
                           max_value=last, key=f"reports.period.{kind}")
with right:
    language = st.selectbox(t("reports.ui.language"), LANGUAGES, key="reports.lang",
                            index=LANGUAGES.index(current_language()) if current_language() in LANGUAGES else 0,
                            format_func=lambda code: t(f"reports.ui.lang.{code}"))
# While the user is picking, the widget holds only the start date.
start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (default_start, default_end)
st.caption(t("reports.ui.period_hint", days=(end - start).days + 1))

if st.button(t("reports.ui.generate_now"), key="reports.generate", type="primary", icon=":material/description:"):
    try:
        with st.spinner(t("reports.ui.rendering")):
            rendered = render_report(kind, period=(start, end), lang=language)
    except DomainError as exc:
        st.error(exc.message(current_language()))
    else:
        st.success(t("reports.ui.done", html=rendered.html_path.name, pdf=rendered.pdf_path.name,
                     publish=rendered.publish_id or "—"))

st.subheader(t("reports.ui.generated"))
files = list_reports()
if not files:
    st.info(t("reports.ui.none_yet"))
for report in files[:LISTED]:
    cols = st.columns([3, 2, 1, 1])
    cols[0].write(f"**{t(f'reports.title.{report.kind}')}** · {report.name}")
    cols[1].write(local_time(report.modified, seconds=False))
    for col, path, mime, label in ((cols[2], report.html_path, "text/html", "HTML"),
                                   (cols[3], report.pdf_path, "application/pdf", "PDF")):
        if path is not None and path.exists():
            col.download_button(label, data=path.read_bytes(), file_name=path.name, mime=mime,
                                key=f"reports.dl.{report.kind}.{path.name}", icon=":material/download:")
if len(files) > LISTED:
    st.caption(t("reports.ui.more", count=len(files) - LISTED))
