"""The raw layer derived from the SQLAlchemy models: one raw table per store table.

Everything the extractor needs to know about a table (DuckDB column types, primary key, how it is
watermarked) is decided here once.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, String, Table

from ingestion.spec import RawColumn, RawTable, Strategy
from operational.models import Base
from operational.types import ScaledDecimal

# Append-only tables: rows are never updated, so the highest id read is a complete watermark.
APPEND_ONLY = frozenset({"stock_ledger", "cash_ledger", "expense_approval_step", "budget_revision", "ap_allocation",
                         "ar_allocation"})
# Store bookkeeping that is not business data. The login tables stay in the store: session token
# hashes and the login audit do not belong in the warehouse, and a login must not look like new
# business data to the change sensor. Form-submission tokens only guard against saving twice. The print
# log (document_print) records who printed what: printing a document changes no business figure.
# The import log (import_batch) only guards against importing a file twice: the documents an import
# wrote are extracted as themselves. The audit log (audit_log) is the store's own record of its changes,
# not business data, and grows with every login. API token hashes (api_token) are credentials,
# like session tokens.
SKIPPED = frozenset({"alembic_version", "login_event", "login_session", "store_setting", "form_submission",
                     "document_print", "import_batch", "api_token",
                     "audit_log"})


def duck_type(sa_type: object) -> tuple[str, int | None]:
    """DuckDB type (and decimal scale) for a SQLAlchemy column type."""
    if isinstance(sa_type, ScaledDecimal):
        return f"DECIMAL(18,{sa_type.scale})", sa_type.scale
    # Order matters: BigInteger is an Integer subclass.
    for sa_cls, name in ((DateTime, "TIMESTAMP"), (Date, "DATE"), (Boolean, "BOOLEAN"),
                         (BigInteger, "BIGINT"), (Integer, "INTEGER"), (String, "VARCHAR")):
        if isinstance(sa_type, sa_cls):
            return name, None
    raise TypeError(f"no raw mapping for column type {sa_type!r}")


def _strategy(table: Table) -> Strategy:
    if table.name in APPEND_ONLY:
        return Strategy.ID
    if "updated_at" in table.c:
        return Strategy.UPDATED_AT
    return Strategy.FULL


# Credentials stay in the store even where their table is business data (who entered a document).
SECRET_COLUMNS = frozenset({("app_user", "password_hash")})


def describe(table: Table) -> RawTable:
    columns = tuple(RawColumn(col.name, *duck_type(col.type)) for col in table.columns
                    if (table.name, col.name) not in SECRET_COLUMNS)
    return RawTable(table.name, columns, tuple(c.name for c in table.primary_key), _strategy(table))


def raw_table_specs() -> dict[str, RawTable]:
    """Every operational table, in dependency order, keyed by name."""
    return {t.name: describe(t) for t in Base.metadata.sorted_tables if t.name not in SKIPPED}
