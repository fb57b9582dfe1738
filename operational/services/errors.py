"""Typed domain errors. Each names the record and field it is about and renders in the user's language."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from operational.i18n import DEFAULT_LANGUAGE, translate


class DomainError(Exception):
    """An error the user can cause and fix. Nothing has been written when one is raised.

    ``code`` is a catalog key (``errors.<code>``); ``field`` names the form field (for example
    ``lines.2.quantity``) so a form can show the message next to it; ``record`` names the
    document or master record (a document number, a SKU).
    """

    def __init__(self, code: str, *, field: str | None = None, record: str | None = None, **params: Any):
        self.code = code
        self.field = field
        self.record = record
        self.params = params
        super().__init__(self.message())

    def message(self, language: str = DEFAULT_LANGUAGE) -> str:
        params = {k: _localize(v, language) for k, v in self.params.items()}
        text = translate(f"errors.{self.code}", language, **params)
        where = []
        if self.record:
            where.append(self.record)
        if self.params.get("line_no") is not None:
            where.append(translate("errors.line_prefix", language, line_no=self.params["line_no"]))
        if not where:
            return text
        return ("".join(where) + "：" + text) if language == "zh_CN" else (", ".join(where) + ": " + text)


_CATALOG_PREFIXES = ("field.", "entity.", "state.", "action.")


def _localize(value: Any, language: str) -> Any:
    """Parameters that are catalog keys (``field.quantity``) are shown translated."""
    if isinstance(value, str) and value.startswith(_CATALOG_PREFIXES):
        return translate(value, language)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


class ValidationError(DomainError):
    """Input that breaks a rule (missing, negative, unknown reference)."""


class NotFoundError(ValidationError):
    """A referenced record does not exist."""


class StateError(DomainError):
    """The document's state does not allow this action."""


class InsufficientStockError(DomainError):
    """Posting would take stock below zero for a product that does not allow it."""


class AuthError(DomainError):
    """Login failed or the user lacks the role."""
