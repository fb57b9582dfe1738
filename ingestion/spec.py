"""Plain descriptions of raw tables (no SQLAlchemy here: the SQLite reader process imports this).

``ingestion.schema`` derives them from the models; the reader and the loader only look at these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Strategy(Enum):
    UPDATED_AT = "updated_at"  # re-read rows changed since the watermark (minus an overlap)
    ID = "id"  # append-only: re-read rows above the watermark id (minus an overlap)
    FULL = "full"  # small tables without a change column: read completely every run


@dataclass(frozen=True)
class RawColumn:
    name: str
    duck_type: str  # e.g. DECIMAL(18,4), DATE, VARCHAR
    scale: int | None = None  # set for ScaledDecimal columns (stored ×10^scale on SQLite)

    @property
    def kind(self) -> str:
        """decimal / date / timestamp / boolean / integer / text: how a backend transports it."""
        if self.scale is not None:
            return "decimal"
        return {"DATE": "date", "TIMESTAMP": "timestamp", "BOOLEAN": "boolean",
                "INTEGER": "integer", "BIGINT": "integer"}.get(self.duck_type, "text")


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[RawColumn, ...]
    primary_key: tuple[str, ...]
    strategy: Strategy

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def watermark_column(self) -> str | None:
        return {Strategy.UPDATED_AT: "updated_at", Strategy.ID: "id"}.get(self.strategy)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "primary_key": list(self.primary_key), "strategy": self.strategy.value,
                "columns": [[c.name, c.duck_type, c.scale] for c in self.columns]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RawTable:
        return cls(data["name"], tuple(RawColumn(*c) for c in data["columns"]), tuple(data["primary_key"]),
                   Strategy(data["strategy"]))
