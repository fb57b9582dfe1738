"""Small input checks shared by every service; each raises a ValidationError naming the field.

The rules every service shares live here once (docs/input_rules.md lists them):

- numbers are finite decimals within a bound per kind of field (``bound_for``): quantities up to
  1e9, unit prices and costs up to 1e10, every other number (amounts) up to 1e12. The columns
  are NUMERIC(18, 4) for quantities and prices (capacity 1e14) and NUMERIC(18, 2) for money
  (capacity 1e16), so a bounded value always fits, with room for totals and balances;
- text fits its column: ``check_column_limits`` runs before every flush (registered in
  ``operational.db``) on every object written, so no String(n) column can be forgotten;
- document dates lie between the company's opening date and a configurable number of days
  after today (``document_date``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from sqlalchemy import String, func, inspect, select
from sqlalchemy.orm import Session

from operational.models import CashAccount, CashLedger, StockLedger
from operational.services.errors import NotFoundError, ValidationError
from operational.settings import document_date_bounds
from operational.types import ScaledDecimal

QUANTITY_MAX = Decimal(10) ** 9
UNIT_PRICE_MAX = Decimal(10) ** 10
AMOUNT_MAX = Decimal(10) ** 12
_QUANTITY_FIELDS = frozenset({"quantity", "order_multiple", "hours"})
_PRICE_FIELDS = frozenset({"unit_price", "unit_cost", "list_price", "standard_cost", "price"})


def bound_for(field: str) -> Decimal:
    """The largest absolute value a number typed into ``field`` may have."""
    if field in _QUANTITY_FIELDS or field.endswith("_qty"):
        return QUANTITY_MAX
    if field in _PRICE_FIELDS:
        return UNIT_PRICE_MAX
    return AMOUNT_MAX


def to_decimal(value: Any, field: str, *, record: str | None = None, line_no: int | None = None,
               limit: Decimal | None = None) -> Decimal:
    """Parse a user-typed number (str, int, float or Decimal) into Decimal, within the field's
    bound (``bound_for(field)`` unless ``limit`` is given). NaN, infinities and values too large
    for the field are field errors, never an overflow further down."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("required", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", line_no=line_no)
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError("invalid_number", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", value=_shown(value), line_no=line_no) from None
    if not result.is_finite():
        raise ValidationError("invalid_number", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", value=_shown(value), line_no=line_no)
    return within_bound(result, field, record=record, line_no=line_no, limit=limit, typed=value)


def within_bound(value: Decimal, field: str, *, record: str | None = None, line_no: int | None = None,
                 limit: Decimal | None = None, typed: Any = None) -> Decimal:
    """``value`` unchanged if its absolute value is at most the field's bound; else a field error.
    Also for computed amounts (a line's quantity × price)."""
    bound = bound_for(field) if limit is None else limit
    if abs(value) > bound:
        raise ValidationError("too_large", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", limit=f"{bound:,f}",
                              value=_shown(value if typed is None else typed), line_no=line_no)
    return value


def _shown(value: Any) -> str:
    """A typed value as the message quotes it: a 5,000-digit entry is cut, not repeated."""
    text = f"{value:f}" if isinstance(value, Decimal) and value.is_finite() and abs(value.adjusted()) < 40 \
        else str(value)
    return text if len(text) <= 32 else text[:30] + "…"


def positive(value: Any, field: str, *, record: str | None = None, line_no: int | None = None) -> Decimal:
    result = to_decimal(value, field, record=record, line_no=line_no)
    if result <= 0:
        raise ValidationError("must_be_positive", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", line_no=line_no)
    return result


def non_negative(value: Any, field: str, *, record: str | None = None, line_no: int | None = None) -> Decimal:
    result = to_decimal(value, field, record=record, line_no=line_no)
    if result < 0:
        raise ValidationError("must_not_be_negative", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", line_no=line_no)
    return result


def rate(value: Any, field: str, *, record: str | None = None, line_no: int | None = None) -> Decimal:
    result = to_decimal(0 if value in (None, "") else value, field, record=record, line_no=line_no)
    if not Decimal(0) <= result < Decimal(1):
        raise ValidationError("invalid_rate", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", line_no=line_no)
    return result


def required_text(value: Any, field: str, *, record: str | None = None) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError("required", field=field, record=record, field_label=f"field.{field}")
    return text


def required_date(value: Any, field: str, *, record: str | None = None) -> date:
    if value is None or value == "":
        raise ValidationError("required", field=field, record=record, field_label=f"field.{field}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError("invalid_choice", field=field, record=record,
                              field_label=f"field.{field}", value=value) from None


def choice(value: Any, allowed: tuple[str, ...], field: str, *, record: str | None = None) -> str:
    if value not in allowed:
        raise ValidationError("invalid_choice", field=field, record=record,
                              field_label=f"field.{field}", value=value)
    return str(value)


def get_or_fail(session: Session, model: type, key: Any, entity: str, *, field: str | None = None,
                line_no: int | None = None, record: str | None = None) -> Any:
    """Load a row by primary key or raise NotFoundError naming the entity and key."""
    where = _path(field, line_no) if field else None
    if key is None or key == "":
        raise ValidationError("required", field=where, record=record, field_label=f"field.{entity}",
                              line_no=line_no)
    obj = session.get(model, key)
    if obj is None:
        raise NotFoundError("not_found", field=where, record=record,
                            entity=f"entity.{entity}", key=key, line_no=line_no)
    return obj


def _path(field: str, line_no: int | None) -> str:
    return f"lines.{line_no}.{field}" if line_no is not None else field


# --- what every flush checks --------------------------------------------------------------------

@cache
def _limited_columns(cls: type) -> tuple[tuple[str, str, str, int, int], ...]:
    """(attribute, column, kind, limit, scale) for each String(n) and exact-decimal column of a mapped class."""
    found = []
    for prop in inspect(cls).column_attrs:
        column = prop.columns[0]
        kind = column.type
        if isinstance(kind, ScaledDecimal):
            found.append((prop.key, column.name, "number", kind.precision - kind.scale, kind.scale))
        elif isinstance(kind, String) and kind.length:
            found.append((prop.key, column.name, "text", kind.length, 0))
    return tuple(found)


def check_column_limits(obj: Any) -> None:
    """Refuse an object whose text is longer than its column or whose number does not fit its
    NUMERIC column. Runs before every flush (see ``operational.db``), so it covers every field of
    every service, including ones a service forgot to check; SQLite would otherwise store 10,000
    characters in a 500-character column and PostgreSQL would fail with a database error."""
    state = inspect(obj)
    values = state.dict  # loaded values only: never triggers a load inside a flush
    table = obj.__table__.name
    for attr, column, kind, limit, scale in _limited_columns(type(obj)):
        value = values.get(attr)
        if value is None:
            continue
        if state.persistent and not state.attrs[attr].history.has_changes():
            continue  # an edit is judged by what it changes, not by a value stored long ago
        if kind == "text" and isinstance(value, str) and len(value) > limit:
            raise ValidationError("too_long", field=_path(column, values.get("line_no")), record=_record_name(values),
                                  entity=f"entity.{table}", field_label=f"field.{column}",
                                  max_length=limit, length=len(value), line_no=values.get("line_no"))
        if kind == "number" and isinstance(value, (Decimal, int, float)):
            number = Decimal(str(value))
            # What the column stores after rounding to its scale must have fewer integer digits
            # than precision - scale.
            if not number.is_finite() or abs(number) >= Decimal(10) ** limit - Decimal(1).scaleb(-scale) / 2:
                raise ValidationError("stored_value_too_large", field=_path(column, values.get("line_no")),
                                      record=_record_name(values),
                                      entity=f"entity.{table}", field_label=f"field.{column}",
                                      limit=f"{Decimal(10) ** limit:,f}", value=_shown(number),
                                      line_no=values.get("line_no"))


def _record_name(values: dict[str, Any]) -> str | None:
    """The record's own name for a message (document number, code, SKU), if it has a short one."""
    for key in ("doc_no", "sku", "code", "username"):
        value = values.get(key)
        if isinstance(value, str) and 0 < len(value) <= 40:
            return value
    return None


# --- document dates -------------------------------------------------------------------------------

_TODAY: ContextVar[date | None] = ContextVar("jxc_today", default=None)


def current_day() -> date:
    """The day the future-date rule counts from: the real date, or a simulation's (``simulated_today``)."""
    return _TODAY.get() or date.today()


@contextmanager
def simulated_today(day: date) -> Iterator[None]:
    """Within the block, ``current_day()`` is ``day``: the demo simulator carries a company forward to
    an end date that may lie after the real today, and its documents are dated by its own clock."""
    token = _TODAY.set(day)
    try:
        yield
    finally:
        _TODAY.reset(token)


_KNOWN_OPENING: ContextVar[tuple[date | None] | None] = ContextVar("jxc_known_opening", default=None)


@contextmanager
def known_opening_date(opening: date | None) -> Iterator[None]:
    """Within the block, ``document_date`` checks against ``opening`` (read once by the caller
    with ``opening_date``) instead of reading it for every document. For a batch process that
    posts thousands of documents and no opening balance dated earlier than the company's (the
    demo's back-office passes): the rule is the same, only the look-up is shared."""
    token = _KNOWN_OPENING.set((opening,))
    try:
        yield
    finally:
        _KNOWN_OPENING.reset(token)


def opening_date(session: Session) -> date | None:
    """The company's opening date (启用日期): the date of its earliest opening balance, stock or
    cash. A company starts using JXC by entering what it holds on that day; nothing it does in JXC
    can happen earlier. None while no opening balance has been entered."""
    # Asked for every document date, so it must not read the whole ledger: the first opening row
    # in date order walks the date index (openings come first, so it stops at once), and per cash
    # account the (account, date) index; a plain min() over the kind scanned every row.
    stock = session.execute(select(StockLedger.movement_date).where(StockLedger.movement_type == "opening")
                            .order_by(StockLedger.movement_date).limit(1)).scalar_one_or_none()
    first_cash = (select(CashLedger.entry_date)
                  .where(CashLedger.account_id == CashAccount.id, CashLedger.kind == "opening")
                  .order_by(CashLedger.entry_date).limit(1).correlate(CashAccount).scalar_subquery())
    cash = session.execute(select(func.min(first_cash)).select_from(CashAccount)).scalar_one_or_none()
    dates = [d for d in (stock, cash) if d is not None]
    return min(dates) if dates else None


def document_date(value: Any, field: str, *, session: Session | None, record: str | None = None,
                  today: date | None = None, line_no: int | None = None) -> date:
    """A document date the user typed, checked, never replaced: required, not more than
    ``JXC_MAX_FUTURE_DAYS`` (default 31) days after ``today``, not before the company's opening
    date (``opening_date``; skipped when ``session`` is None, for an opening balance itself) and
    never before ``JXC_EARLIEST_DATE`` (default 2000-01-01), which holds even before any opening
    balance exists."""
    try:
        when = required_date(value, field, record=record)
    except ValidationError as exc:
        exc.field = _path(field, line_no)
        raise
    day = when.date() if isinstance(when, datetime) else when
    max_future_days, earliest_date = document_date_bounds()
    latest = (today or current_day()) + timedelta(days=max_future_days)
    where = {"field": _path(field, line_no), "record": record, "field_label": f"field.{field}",
             "value": day.isoformat(), "line_no": line_no}
    if day > latest:
        raise ValidationError("date_in_future", days=max_future_days, latest=latest.isoformat(), **where)
    if day < earliest_date:
        raise ValidationError("date_too_early", earliest=earliest_date.isoformat(), **where)
    known = _KNOWN_OPENING.get()
    opening = None if session is None else known[0] if known is not None else opening_date(session)
    if opening is not None and day < opening:
        raise ValidationError("date_before_opening", opening=opening.isoformat(), **where)
    return when

