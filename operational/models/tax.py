"""The VAT columns (增值税) shared by every priced document line and header.

``amount`` stays the net amount (不含税金额) on every line, as before VAT was kept, so every figure
that read it is still net; the VAT columns add the rate, the tax and the gross (价税合计). The rules
that fill them are in ``operational.services.tax``. A row written without them (an older writer,
the bulk demo) gets rate 0, tax 0 and gross = net, which is what such a row means.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, String, false
from sqlalchemy.orm import Mapped, mapped_column

from operational.types import Money, Rate


def _sum_default(*names: str, minus: str | None = None) -> Any:
    """A column default computed from the row's other values (Core inserts included)."""

    def default(context: Any) -> Decimal:
        params = context.get_current_parameters()
        value = sum((Decimal(params.get(n) or 0) for n in names), Decimal(0))
        return value - Decimal(params.get(minus) or 0) if minus else value

    return default


class TaxedLine:
    """A document line's VAT: how its price was stated, the rate code and rate in force on the
    document date, the tax and the gross, with net (``amount``) + tax = gross."""

    price_includes_tax: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tax_rate_code: Mapped[str | None] = mapped_column(String(20))
    tax_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0), server_default="0")
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    gross_amount: Mapped[Decimal] = mapped_column(Money(), default=_sum_default("amount", "tax_amount"),
                                                  server_default="0")


class TaxedOrderTotals:
    """An order's totals: ``total_amount`` (net, as before), its VAT and the gross."""

    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    gross_amount: Mapped[Decimal] = mapped_column(Money(), default=_sum_default("total_amount", "tax_amount"),
                                                  server_default="0")


class TaxedDocumentTotals:
    """An invoice's or bill's totals: ``total_amount`` is what is owed (gross, 价税合计), split into
    net and VAT."""

    net_amount: Mapped[Decimal] = mapped_column(Money(), default=_sum_default("total_amount", minus="tax_amount"),
                                                server_default="0")
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
