"""The neutral shape of a report: sections of key figures, tables, charts and notes, with catalog
keys for every word, so the HTML and the PDF are drawn from the same content and show the same
numbers (formatted once, the way the app formats them: dashboards.components.format)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from dashboards.components import format as fmt

CellKind = Literal["text", "money", "quantity", "rate", "percent", "int", "days"]


def cell_text(value: Any, kind: CellKind) -> str:
    """One cell as the app shows it: ¥1,234.50 / −¥184.64, 1,234.5, 12.3%; "" for no value."""
    if kind == "money":
        return fmt.money(value)
    if kind in ("quantity", "int"):
        return fmt.quantity(value)
    if kind == "rate":
        return fmt.rate(value)
    if kind == "percent":
        return fmt.percent(value)
    if kind == "days":
        return fmt.quantity(round(float(value), 1)) if fmt.text(value) else ""
    return fmt.text(value)


@dataclass(frozen=True)
class Column:
    key: str  # the row's key, also the HTML cell's data-col
    label: str  # catalog key of the header
    kind: CellKind = "text"


@dataclass(frozen=True)
class Table:
    id: str  # the HTML table's id (tests find tables by it)
    title: str  # catalog key
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    empty: str = "reports.empty"  # catalog key shown instead of an empty table


@dataclass(frozen=True)
class Figure:
    """A key figure: label (catalog key), value, kind; ``id`` marks it in the HTML."""

    id: str
    label: str
    value: Any
    kind: CellKind = "money"


@dataclass(frozen=True)
class Chart:
    title: str  # catalog key
    figure: Any  # a plotly figure (plotly.graph_objects.Figure)


@dataclass(frozen=True)
class Note:
    key: str  # catalog key
    params: dict[str, Any] = field(default_factory=dict)


Block = Table | Figure | Chart | Note


@dataclass(frozen=True)
class Section:
    id: str
    title: str  # catalog key
    blocks: list[Block]


@dataclass(frozen=True)
class PublishInfo:
    run_id: str
    published_at: datetime | None
    job_name: str


@dataclass(frozen=True)
class Document:
    kind: str
    as_of: date
    period_start: date
    period_end: date
    publish: PublishInfo
    sections: list[Section]
    generated_at: datetime
