"""Small input checks shared by every service; each raises a ValidationError naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from operational.services.errors import NotFoundError, ValidationError


def to_decimal(value: Any, field: str, *, record: str | None = None, line_no: int | None = None) -> Decimal:
    """Parse a user-typed number (str, int, float or Decimal) into Decimal."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError("required", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", line_no=line_no)
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError("invalid_number", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", value=value, line_no=line_no) from None
    if not result.is_finite():
        raise ValidationError("invalid_number", field=_path(field, line_no), record=record,
                              field_label=f"field.{field}", value=value, line_no=line_no)
    return result


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
