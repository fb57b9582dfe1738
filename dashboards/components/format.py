"""Number, date and table formatting shared by every page: one way to show money, quantities,
rates and times, so that a figure reads the same wherever it appears.

- money: ``¥1,234,567.50``; a negative amount is ``−¥184.64`` (U+2212 MINUS SIGN before the ¥,
  the way a Chinese ledger prints it); to the cent, half up.
- quantity: ``1,234.5`` (separators, up to 4 places, trailing zeros dropped).
- rate: a fraction shown as a percentage, ``0.123`` → ``12.3%``.
- empty means empty: ``None`` / NaN are shown as ``""`` everywhere, never "None" or "nan".

Tables go through :func:`show_table`, which shows the same strings in st.dataframe through a pandas
Styler while the cells keep their numbers, so a click on a column header still sorts by value
(st.column_config's printf formats cannot put the minus sign before the ¥).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from dashboards.i18n import t

MINUS = "\u2212"
CURRENCY = "¥"
_CENT = Decimal("0.01")
# A Styler renders every cell in Python (about 0.1 s per 10,000 cells on a quiet machine, and
# pandas refuses past 262,144); past this many cells the table is shown with column formats
# instead (numbers still sorted, separators and cents, but a negative amount reads ¥-184.64).
MAX_STYLED_CELLS = 60_000


def _number(value: Any) -> Decimal | None:
    """The value as a Decimal, or None for None / NaN / text that is not a number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return None if number.is_nan() or number.is_infinite() else number


def _signed(number: Decimal, text: str) -> str:
    return f"{MINUS}{text}" if number < 0 and text.strip("0.,") else text


def money(value: Any) -> str:
    """¥1,234.50 and −¥184.64 (to the cent, half up); "" for no value."""
    number = _number(value)
    if number is None:
        return ""
    cents = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    return _signed(cents, f"{CURRENCY}{abs(cents):,.2f}")


def quantity(value: Any) -> str:
    """1,234.5 — quantities have up to 4 places; trailing zeros are noise to a clerk. "" for no value."""
    number = _number(value)
    if number is None:
        return ""
    text = f"{abs(number):,.4f}".rstrip("0").rstrip(".") or "0"
    return _signed(number, text)


def rate(value: Any, places: int = 1) -> str:
    """A fraction as a percentage: 0.123 → 12.3%; "" for no value."""
    number = _number(value)
    if number is None:
        return ""
    shown = (abs(number) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return _signed(number, f"{shown:,.{places}f}%")


def percent(value: Any, places: int = 1) -> str:
    """A value already in percent units: 12.34 → 12.3%; "" for no value."""
    number = _number(value)
    return "" if number is None else rate(number / 100, places)


def text(value: Any) -> str:
    """Any cell as text: "" for None / NaN (never "None" or "nan")."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def local_zone() -> tzinfo:
    """The user's time zone: the browser's (st.context.timezone), else the server's local zone."""
    name = None
    try:
        name = st.context.timezone
    except Exception:  # noqa: BLE001 - outside a script run (tests, reports) there is no browser
        name = None
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return datetime.now().astimezone().tzinfo or UTC


def local_time(moment: datetime | None, seconds: bool = True) -> str:
    """A moment in the user's time zone, '2026-03-07 16:30:00'. Naive times are UTC (the store's
    and the pipeline's convention). "" for no moment."""
    if moment is None or moment is pd.NaT:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def zone_label() -> str:
    """The short name of the zone times are shown in (e.g. 'CST', '+08'), for headers and captions."""
    return datetime.now(local_zone()).tzname() or ""


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


def _column(df: pd.DataFrame, name: str, catalog: str) -> str | None:
    """The shown column for ``name``: its catalog title, or the name itself if already shown so."""
    label = t(f"{catalog}.{name}")
    if label in df.columns:
        return label
    return name if name in df.columns else None


def _is_time_column(series: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    values = series.dropna()
    return series.dtype == object and not values.empty and values.map(lambda v: isinstance(v, date)).all()


def _has_time(value: Any) -> bool:
    return isinstance(value, datetime) and (value.tzinfo is not None or value.time() != datetime.min.time())


def _time_text(value: Any) -> str:
    """A date as 2026-03-06, a moment (with a time of day) in the user's zone; "" for none."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == datetime.min.time():
            return value.date().isoformat()
        return local_time(value)
    return value.isoformat() if isinstance(value, date) else text(value)


def formatted(df: pd.DataFrame, *, money: Iterable[str] = (), quantities: Iterable[str] = (),
              rates: Iterable[str] = (), percents: Iterable[str] = (), catalog: str = "ui.col",
              colors: Mapping[str, Callable[[Any], str | None]] | None = None) -> pd.DataFrame | Styler:
    """``df`` ready for st.dataframe: money / quantity / rate columns (names before the catalog
    titles, or the titles themselves) shown by :func:`money`, :func:`quantity`, :func:`rate`
    (fractions) and :func:`percent` (values already in percent); other decimal columns as
    quantities; empty cells empty; dates as dates and moments in the user's time zone.
    The cells keep their values, so sorting stays numeric. ``colors`` maps a column to a function
    giving a cell's text colour (a CSS colour or None): a status reads at a glance without an emoji,
    which a browser without an emoji font shows as a box."""
    shown = df.copy()
    formats: dict[str, Callable[[Any], str]] = {}
    for names, formatter in ((money, _money), (quantities, quantity), (rates, rate), (percents, percent)):
        for name in names:
            column = _column(shown, name, catalog)
            if column is not None:
                formats[column] = formatter
    for column in shown.columns:
        series = shown[column]
        if column in formats:
            if series.dtype == object or pd.api.types.is_string_dtype(series):
                shown[column] = pd.to_numeric(series.map(lambda v: None if _number(v) is None else float(v)))
            continue
        if _is_time_column(series):
            # Moments (with a time of day) and dates with empty cells as text (ISO text sorts in
            # order): an empty date cell would otherwise read "None", a moment would be in UTC.
            if series.isna().any() or series.dropna().map(_has_time).any():
                shown[column] = series.map(_time_text)
        elif pd.api.types.is_float_dtype(series):
            formats[column] = quantity
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            # Text cells: an empty one must hold "" itself, the grid draws a missing value as "None".
            shown[column] = series.map(text)
    if not (formats or colors) or shown.size > MAX_STYLED_CELLS:
        return shown
    styler = shown.style.format(formatter=formats, na_rep="")
    for name, color in (colors or {}).items():
        column = _column(shown, name, catalog)
        if column is not None:
            styler = styler.map(lambda v, f=color: f"color: {c}" if (c := f(v)) else "", subset=[column])
    return styler


_money = money


def show_table(df: pd.DataFrame, *, money: Iterable[str] = (), quantities: Iterable[str] = (),
               rates: Iterable[str] = (), percents: Iterable[str] = (), catalog: str = "ui.col",
               colors: Mapping[str, Callable[[Any], str | None]] | None = None, **kwargs: Any) -> Any:
    """st.dataframe of :func:`formatted` ``df`` (index hidden unless ``hide_index=False``)."""
    money = tuple(money)
    kwargs.setdefault("hide_index", True)
    shown = formatted(df, money=money, quantities=quantities, rates=rates, percents=percents, catalog=catalog,
                      colors=colors)
    if isinstance(shown, pd.DataFrame):  # too large to style: column formats, still sorted by value
        config = {c: st.column_config.NumberColumn(format="¥%,.2f") for c in
                  (_column(shown, n, catalog) for n in money) if c is not None}
        kwargs["column_config"] = {**config, **(kwargs.get("column_config") or {})}
    return st.dataframe(shown, **kwargs)
