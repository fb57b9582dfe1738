"""Number, date and table formatting shared by the pages (CNY amounts, decimal quantities)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd
import streamlit as st

from dashboards.i18n import t


def money(value: Any) -> str:
    """¥1,234.50 (amounts are shown to the cent)."""
    return f"¥{_decimal(value):,.2f}"


def quantity(value: Any) -> str:
    """1,234.5 — quantities have up to 4 places; trailing zeros are noise to a clerk."""
    number = _decimal(value)
    text = f"{number:,.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _decimal(value: Any) -> Decimal:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def age(moment: datetime, now: datetime | None = None) -> str:
    """'5 分钟前' / '5 minutes ago'. Naive timestamps are UTC (the store's and the pipeline's convention)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    if seconds < 60:
        return t("ui.age.just_now")
    if seconds < 3600:
        return t("ui.age.minutes", n=seconds // 60)
    if seconds < 86400:
        return t("ui.age.hours", n=seconds // 3600)
    return t("ui.age.days", n=seconds // 86400)


def translate_values(series: pd.Series, prefix: str) -> pd.Series:
    """Codes such as 'below_min' or 'draft' shown through the catalog (``<prefix>.<code>``)."""
    return series.map(lambda code: t(f"{prefix}.{code}") if isinstance(code, str) and code else code)


def money_columns(*names: str) -> dict[str, Any]:
    """st.dataframe column_config showing ``names`` (before renaming) as ¥ amounts to the cent."""
    return {t(f"ui.col.{name}"): st.column_config.NumberColumn(format="¥%.2f") for name in names}


def with_headers(df: pd.DataFrame, columns: Iterable[str], catalog: str = "ui.col") -> pd.DataFrame:
    """Keep ``columns`` in order and title them from the catalog (``<catalog>.<name>``). Date columns
    (DuckDB DATE arrives as a timestamp at midnight) are shown as dates, and Decimals (from the
    store) as floats so that the table sorts them as numbers."""
    wanted = [c for c in columns if c in df.columns]
    shown = df[wanted].copy()
    for c in wanted:
        if shown[c].dtype == object and shown[c].map(lambda v: isinstance(v, Decimal)).any():
            shown[c] = shown[c].astype(float)
        elif pd.api.types.is_datetime64_any_dtype(shown[c]) and (shown[c].dropna().dt.normalize() == shown[c].dropna()).all():
            shown[c] = shown[c].dt.date
    return shown.rename(columns={c: t(f"{catalog}.{c}") for c in wanted})
