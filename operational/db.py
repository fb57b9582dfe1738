"""Engine and session handling for the operational store.

SQLite (default) runs in WAL mode with foreign keys on and a busy timeout, and every
transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, so two clerks
posting at once queue up instead of one failing half-way with "database is locked".
PostgreSQL is used when ``JXC_DATABASE_URL`` names one.

Every session is a ``StoreSession``: before each flush it checks every object being written
against its columns (text length, numeric capacity; ``validation.check_column_limits``), so a
too-long note is a field error on either backend, never a silent over-long value on SQLite or a
database error on PostgreSQL.

Every change a store session makes is written to the audit log in the same transaction
(``operational.audit``): the ORM unit of work after each flush, with old and new values, and
Core statements (counter UPDATEs, bulk INSERTs) by an engine-wide hook.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from operational import audit
from operational.services.validation import check_column_limits
from operational.settings import ensure_private_dir, get_settings, private_files

READ_ONLY = "jxc_read_only"


class StoreSession(Session):
    """The session class of every store session (see the module docstring)."""

    def flush(self, objects: Any = None) -> None:
        # The statements of a flush are audited by the after_flush hook (with old values), not
        # again by the Core hook; autoflush and commit flush through here too.
        with audit.in_flush():
            super().flush(objects)


@event.listens_for(StoreSession, "before_flush")
def _check_limits(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        check_column_limits(obj)


@event.listens_for(StoreSession, "after_flush")
def _audit_flush(session: Session, _context: Any) -> None:
    audit.capture_flush(session)


audit.install()


def make_engine(url: str) -> Engine:
    """Create an engine with the store's connection rules for either backend."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            ensure_private_dir(Path(path).parent)  # the store file and its WAL: owner only
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # type: ignore[no-untyped-def]
            # Readers (lists, form options) must not queue behind a long writer such as the demo.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    private_files()  # the warehouse and serving files this process may write next
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    """The engine for the configured store (one per URL per process)."""
    return engine_for(get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False, class_=StoreSession)


def insert_if_absent(session: Session, model: type, values: dict[str, Any], keys: list[str],
                     index_where: Any = None) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on either backend: safe when two transactions race
    to create the same row (the loser waits for the winner's row instead of failing).
    ``index_where`` names the predicate of a partial unique index on ``keys``."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=keys,
                                                                          index_where=index_where))


@contextmanager
def read_only(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reading: on SQLite a deferred transaction that takes no write lock.
    Anything written in it is rolled back."""
    session = session_factory((engine or get_engine()).execution_options(**{READ_ONLY: True}))()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit when the block ends, roll everything back if it raises."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
