"""Data import (数据导入): template downloads, upload, validation with every error at once, then
all or nothing; a downloadable error report; the import log. The work is ``importing.run_import``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboards.components.error_report import report
from dashboards.i18n import current_language, t
from dashboards.session import require_page
from importing.engine import run_import
from importing.report import error_csv
from importing.templates import allowed_kinds, template_csv, template_xlsx
from operational.db import get_engine, read_only
from operational.services import import_batches
from operational.settings import ensure_private_dir, get_settings

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_MB = 50  # larger files go through `jxc import`, which streams from disk

user = require_page("data_import")
language = current_language()
st.title(t("ui.page.data_import"))
st.caption(t("ui.import.intro"))
kinds = allowed_kinds(user.role)

st.subheader(t("ui.import.templates"))
kind = st.selectbox(t("ui.import.kind"), kinds, format_func=lambda k: t(f"importing.kind.{k}"), key="import_kind")
left, right = st.columns(2)
left.download_button(t("ui.import.download_csv"), template_csv(kind), file_name=f"{kind}.csv", mime="text/csv",
                     key="import_tpl_csv")
right.download_button(t("ui.import.download_xlsx"), template_xlsx(kind, language), file_name=f"{kind}.xlsx",
                      mime=XLSX_MIME, key="import_tpl_xlsx")

upload = st.file_uploader(t("ui.import.upload"), type=["csv", "xlsx"], key="import_upload")
if upload is not None and st.button(t("ui.import.start"), type="primary", key="import_start"):
    if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
        st.error(t("ui.import.too_large", limit=MAX_UPLOAD_MB))
    else:
        bar = st.progress(0.0, text=t("ui.import.validating"))

        def on_progress(phase: str, done: int, total: int) -> None:
            text = t("ui.import.validating" if phase == "validate" else "ui.import.writing")
            bar.progress(min(1.0, done / total) if total else 0.0, text=text)

        try:
            folder = ensure_private_dir(get_settings().data_dir / "imports")
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                path = Path(tmp) / ("upload" + Path(upload.name).suffix.lower())
                path.write_bytes(upload.getvalue())
                result = run_import(get_engine(), path, kind=kind, user_id=user.id, progress=on_progress,
                                    display_name=upload.name)
            st.session_state["import_result"] = result
        except Exception as exc:  # noqa: BLE001 - a bug must not show a traceback: an id for the log
            st.error(t("ui.safety.page_error", error_id=report(exc, "data_import")))

result = st.session_state.get("import_result")
if result is not None:
    if result.ok:
        st.success(t("ui.import.done", rows=f"{result.rows:,}", records=f"{result.records:,}"))
    else:
        st.error(t("ui.import.failed", count=f"{result.error_count:,}"))
        st.dataframe(pd.DataFrame(result.error_table(language)), hide_index=True, width="stretch")
        st.download_button(t("ui.import.error_report"), error_csv(result, language),
                           file_name="import_errors.csv", mime="text/csv", key="import_errors")

st.subheader(t("ui.import.history"))
with read_only() as session:
    rows = [{t("field.file_name"): b.file_name, t("ui.import.kind"): b.kind, t("field.row_count"): b.row_count,
             t("field.record_count"): b.record_count, t("field.imported_at"): b.imported_at}
            for b in import_batches.recent_imports(session)]
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
