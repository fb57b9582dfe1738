"""Spreadsheet files that are safe to open: the one place every CSV and Excel export of JXC goes
through (dashboard tables, customer statements, and any later export such as import error reports).

Partner, product and employee names, notes and codes are typed by clerks (or imported), and a
spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as
a formula (``=HYPERLINK("http://evil","click")``, ``=cmd|' /C calc'!A0``), in the finance user's
Excel with their rights. So, following OWASP's CSV injection guidance (docs/security.md):

- CSV: such a text cell is written with a leading ``'`` (Excel and WPS show it as text), and every
  text cell is quoted, so a ``;`` or tab inside it cannot start a new cell in a locale whose list
  separator is not a comma;
- xlsx: no cell is ever a formula. Such a text cell is a string cell with Excel's "quote prefix"
  flag (the text is shown exactly as typed, and editing the cell does not turn it into a formula);
- numbers, dates and booleans are written as they are: a negative amount stays a number.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas and openpyxl are only needed by the exporting callers
    import pandas as pd
    from openpyxl import Workbook

# A text starting with one of these is a formula to Excel, WPS, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would evaluate (numbers, even negative, are not text)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV cell: formula-like text prefixed by ``'``, anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def _csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    copy = df.copy()
    for position in range(copy.shape[1]):  # by position: two shown columns may share a title
        column = copy.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):  # numeric columns stay numeric
            copy.isetitem(position, column.map(csv_cell))
    # A pivot's column titles can be typed names too.
    copy.columns = [csv_cell(c) for c in copy.columns]
    return copy


def frame_to_csv(df: pd.DataFrame) -> bytes:
    """``df`` (without its index) as CSV in UTF-8 with a BOM, so that Excel on Chinese Windows
    reads the encoding right; text cells quoted and formula-like ones prefixed by ``'``."""
    return _csv_safe_frame(df).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


def inert_workbook(wb: Workbook) -> Workbook:
    """``wb`` with no formula left: every cell openpyxl would write as a formula, and every text
    that starts like one, becomes a string cell shown as typed (with Excel's quote-prefix flag)."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                # openpyxl makes any str starting with "=" a formula (data_type "f") on assignment.
                if cell.data_type == "f" or is_formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
    return wb


def workbook_to_xlsx(wb: Workbook) -> bytes:
    """The .xlsx bytes of ``wb`` after :func:`inert_workbook`: how every export saves a workbook."""
    buffer = io.BytesIO()
    inert_workbook(wb).save(buffer)
    return buffer.getvalue()


def frame_to_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """``df`` (without its index) as one worksheet of an .xlsx file, through :func:`inert_workbook`."""
    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name=sheet[:31] or "data")
        inert_workbook(writer.book)  # before the writer saves the book on leaving the block
    return buffer.getvalue()
