"""One clear line for every error a user of ``jxc`` can run into (no tracebacks)."""

from __future__ import annotations

import duckdb
from sqlalchemy.exc import SQLAlchemyError

from operational.services.errors import DomainError
from orchestration.duck import WarehouseLockedError


class JxcError(Exception):
    """An error whose message is already what the user should read."""


class StoreMissingError(JxcError):
    pass


def explain(exc: BaseException, language: str = "zh_CN") -> str:
    """The line to print for ``exc``."""
    if isinstance(exc, DomainError):
        return exc.message(language)
    if isinstance(exc, (JxcError, WarehouseLockedError)):
        return str(exc)
    if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
        return "a DuckDB file is locked by another process (a pipeline run?); try again when it has finished"
    if isinstance(exc, SQLAlchemyError):
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return f"cannot use the operational store: {detail}"
    if isinstance(exc, FileNotFoundError):
        return f"file not found: {exc.filename or exc}"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
