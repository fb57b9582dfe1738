"""Download buttons for a shown table: CSV (utf-8-sig, so Excel on Chinese Windows opens it with
the right encoding) and Excel (.xlsx through pandas + openpyxl). The file carries the table as
shown: catalog column titles, translated codes. Both files are written by ``operational.spreadsheet``,
the one place that keeps typed text from running as a spreadsheet formula."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.i18n import t
from operational.spreadsheet import frame_to_csv as to_csv
from operational.spreadsheet import frame_to_xlsx as to_xlsx

__all__ = ["XLSX_MIME", "export_buttons", "to_csv", "to_xlsx"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_buttons(df: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel download buttons for ``df`` (file names ``<name>.csv`` / ``<name>.xlsx``);
    widget keys ``<key>.csv`` and ``<key>.xlsx``."""
    # A row sized to the buttons' text: fixed column shares inside a half-width column left each
    # button a sixth of it, and its label read "下." (cut off).
    with st.container(horizontal=True, gap="small"):
        st.download_button(t("ui.export.csv"), to_csv(df), file_name=f"{name}.csv", mime="text/csv",
                           key=f"{key}.csv", icon=":material/download:", width="content")
        st.download_button(t("ui.export.xlsx"), to_xlsx(df), file_name=f"{name}.xlsx", mime=XLSX_MIME,
                           key=f"{key}.xlsx", icon=":material/table_view:", width="content")
