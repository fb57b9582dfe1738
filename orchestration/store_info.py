"""What ``jxc`` needs to know about the operational store before touching it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from operational.db import engine_for
from operational.migrate import current_revision
from operational.settings import Settings
from orchestration.errors import StoreMissingError


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def display_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def store_size(url: str) -> int | None:
    """Bytes on disk for a SQLite store (with its WAL); None for a server database."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return None
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def existing_store(settings: Settings) -> Engine:
    """The engine of a store that exists and is migrated; a one-line error otherwise.

    Opening a missing SQLite file would silently create an empty one, so the path is checked first.
    """
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        raise StoreMissingError(f"no store at {path}; create it with `jxc init`")
    engine = engine_for(settings.database_url)
    if not current_revision(engine):
        raise StoreMissingError(f"the store at {display_url(settings.database_url)} is not initialised; "
                                "run `jxc init`")
    return engine


def has_data(engine: Engine) -> bool:
    from operational.demo.summary import summarize

    summary = summarize(engine)
    return any((summary.products, summary.warehouses, summary.sales_orders, summary.ledger_rows))
