"""Download buttons for a shown table: CSV (utf-8-sig, so Excel on Chinese Windows opens it with
the right encoding) and Excel (.xlsx through pandas + openpyxl). The file carries the table as
shown: catalog column titles, translated codes."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from dashboards.i18n import t

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A cell starting with one of these is a formula to Excel and WPS (=HYPERLINK(...), +cmd|...).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text_cells(df: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell that a spreadsheet would run as a formula prefixed by ``'``
    (shown as typed, never evaluated). Numbers stay numbers, so a negative amount is untouched."""
    def neutral(value: object) -> object:
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

    copy = df.copy()
    for position in range(copy.shape[1]):  # by position: two shown columns may share a title
        column = copy.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            copy.isetitem(position, column.map(neutral))
    return copy


def to_csv(df: pd.DataFrame) -> bytes:
    return as_text_cells(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        as_text_cells(df).to_excel(writer, index=False, sheet_name=sheet[:31] or "data")
    return buffer.getvalue()


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
