"""Create or upgrade the operational store with Alembic (``jxc init``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

from operational.audit import auditing_off
from operational.db import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine | None = None) -> str:
    """Bring the store to the newest schema; returns the revision it is at."""
    engine = engine or get_engine()
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    # A migration's data statements are schema work, not changes by a user (and run before the
    # audit table exists).
    with auditing_off(), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return current_revision(engine)


def reset(engine: Engine | None = None) -> str:
    """Drop every table of the store and migrate it again (``jxc demo --force``); the revision."""
    from operational.models import Base

    engine = engine or get_engine()
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    return upgrade(engine)


def current_revision(engine: Engine | None = None) -> str:
    engine = engine or get_engine()
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return ""
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return row[0] if row else ""
