"""The error report of a failed import, as a formula-safe CSV (``operational.spreadsheet``): the
rows quote what the user typed, which must never run as a formula when the report is opened."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from importing.engine import ImportResult
from operational.spreadsheet import frame_to_csv


def error_csv(result: ImportResult, language: str) -> bytes:
    """file, row, column, message (in ``language``) for every error kept (at most ``MAX_ERRORS``)."""
    return frame_to_csv(pd.DataFrame(result.error_table(language)))


def write_error_csv(result: ImportResult, path: Path, language: str) -> None:
    path.write_bytes(error_csv(result, language))
