"""The audit log's capture: who is acting, and the hooks that write an ``audit_log`` row for every
change to the store in the transaction of that change.

Who: ``acting_as(user_id, username, channel)`` (a context variable) set by the CLI and tests, or,
when none is set, a resolver registered by the front end (the Streamlit app registers one that
reads the logged-in user from the page session, so form callbacks are covered too). Failing both,
an inserted row's ``created_by`` names the user; otherwise the row says ``system``.

What is captured (docs/operations.md, "Audit log", lists it with what is not):

- **ORM unit of work** (``session.add`` / attribute changes / ``session.delete``): every
  ``StoreSession`` flush, in ``after_flush`` (the new rows have their ids by then and the attribute
  history still holds the old values): one row per inserted, updated or deleted object with the
  changed columns' old and new values.
- **Core statements** (``session.execute(insert/update/delete(...))``, ``session.connection()
  .execute(...)``, bulk inserts, ``insert_if_absent``): an engine-wide ``after_execute`` hook,
  one row per parameter set, with the statement's parameters as new values and the primary key
  when the WHERE clause names it; no old values (the statement did not read them). Statements
  the ORM emits inside a flush are skipped there (the flush hook has them, with old values).
- **Logins**: ``operational.services.auth`` writes one ``login_<outcome>`` row beside each
  ``login_event`` (``record_login``).

Not captured: the audit table itself, pure caches and counters derived from ledgers
(``EXCLUDED_TABLES``), migrations (``jxc init``) and the demo generator, which runs with
auditing off and leaves one ``auditing_off`` row saying so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event, insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.sql.schema import Column
from sqlalchemy.sql.visitors import iterate

from operational.models import AuditLog, Base, utcnow

AUDIT_TABLE = AuditLog.__tablename__
# Not audited: the log itself; login_event has its own login_* rows; login_session holds token
# hashes (its opening and ending are the login/logout rows); the rest are caches and counters
# kept in step with an audited ledger or document (stock, batch and bin balances follow the stock
# ledger, doc_sequence the document numbers, form_submission is a double-submit guard).
EXCLUDED_TABLES = frozenset({AUDIT_TABLE, "login_event", "login_session", "stock_balance", "stock_batch_balance",
                             "stock_bin_balance", "doc_sequence", "form_submission"})
# Never copied into the log (a copy of a hash is still something to guess against).
REDACTED_COLUMNS = frozenset({"password_hash", "token_hash"})
REDACTED = "***"
_DETAIL_MAX = 500


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str | None
    channel: str  # web / cli / api / system


SYSTEM = Actor(None, None, "system")
_ACTOR: ContextVar[Actor | None] = ContextVar("jxc_audit_actor", default=None)
_ENABLED: ContextVar[bool] = ContextVar("jxc_audit_enabled", default=True)
_IN_FLUSH: ContextVar[bool] = ContextVar("jxc_audit_in_flush", default=False)
_RESOLVERS: list[Callable[[], Actor | None]] = []


@contextmanager
def acting_as(user_id: int | None, username: str | None, channel: str = "cli") -> Iterator[Actor]:
    """Every change made inside the block is recorded as made by this user."""
    actor = Actor(user_id, username, channel)
    token = _ACTOR.set(actor)
    try:
        yield actor
    finally:
        _ACTOR.reset(token)


def set_process_actor(actor: Actor) -> Token[Actor | None]:
    """The acting user from now on (the ``jxc`` command line: one command, one user); undo with
    ``reset_actor``."""
    return _ACTOR.set(actor)


def reset_actor(token: Token[Actor | None]) -> None:
    _ACTOR.reset(token)


def register_actor_resolver(resolver: Callable[[], Actor | None]) -> None:
    """A front end's way to say who is acting when no ``acting_as`` block is open (idempotent)."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def current_actor() -> Actor:
    actor = _ACTOR.get()
    if actor is not None:
        return actor
    for resolver in _RESOLVERS:
        found = resolver()
        if found is not None:
            return found
    return SYSTEM


@contextmanager
def auditing_off() -> Iterator[None]:
    """Write no audit rows inside the block (migrations, the demo generator): say so in the log
    with ``note_auditing_off`` where it matters."""
    token = _ENABLED.set(False)
    try:
        yield
    finally:
        _ENABLED.reset(token)


def is_enabled() -> bool:
    return _ENABLED.get()


@contextmanager
def in_flush() -> Iterator[None]:
    """Marks the statements of an ORM flush (``StoreSession.flush``): the flush hook records them."""
    token = _IN_FLUSH.set(True)
    try:
        yield
    finally:
        _IN_FLUSH.reset(token)


# ---------------------------------------------------------------------------------------------
# Rows


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (Decimal, date, datetime)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return str(value)


def _json(values: dict[str, Any] | None) -> str | None:
    if not values:
        return None
    return json.dumps({k: (REDACTED if k in REDACTED_COLUMNS and v is not None else _plain(v))
                       for k, v in values.items()}, ensure_ascii=False, sort_keys=True)


def _row(actor: Actor, now: datetime, action: str, source: str, table: str, record_id: Any,
         old: dict[str, Any] | None, new: dict[str, Any] | None, detail: str | None = None,
         user_id: int | None = None) -> dict[str, Any]:
    return {"occurred_at": now, "user_id": actor.user_id if actor.user_id is not None else user_id,
            "username": actor.username, "channel": actor.channel, "action": action, "source": source,
            "table_name": table, "record_id": None if record_id is None else str(record_id)[:100],
            "old_values": _json(old), "new_values": _json(new),
            "detail": detail[:_DETAIL_MAX] if detail else None}


@cache
def audited_tables() -> frozenset[str]:
    return frozenset(Base.metadata.tables) - EXCLUDED_TABLES


def record_login(session: Session, outcome: str, username: str, user_id: int | None, client: str,
                 detail: str | None, now: datetime) -> None:
    """The audit row of one login event, in the login's own transaction (``auth._record``)."""
    if not is_enabled():
        return
    actor = Actor(user_id, username or None, current_actor().channel if _ACTOR.get() else "web")
    row = _row(actor, now, f"login_{outcome}", "login", "app_user", user_id, None,
               {"client": client, "outcome": outcome}, detail)
    session.connection().execute(insert(AuditLog.__table__), [row])


def note_auditing_off(session: Session, what: str) -> None:
    """One row saying that a process wrote to the store without an audit trail (the demo)."""
    row = _row(current_actor(), utcnow(), "auditing_off", "system", "*", None, None, None, what)
    with _enabled():
        session.connection().execute(insert(AuditLog.__table__), [row])


@contextmanager
def _enabled() -> Iterator[None]:
    token = _ENABLED.set(True)
    try:
        yield
    finally:
        _ENABLED.reset(token)


# ---------------------------------------------------------------------------------------------
# The ORM unit of work


@cache
def _columns(mapper: Any) -> tuple[tuple[str, str], ...]:
    return tuple((prop.key, prop.columns[0].name) for prop in mapper.column_attrs)


@cache
def _pk_keys(mapper: Any) -> tuple[str, ...]:
    return tuple(mapper.get_property_by_column(col).key for col in mapper.primary_key)


def _identity(state: Any) -> str | None:
    # From the loaded values, not state.identity: a new object gets its identity key only after
    # after_flush, though its primary key is set by then.
    values = state.dict
    parts = [values.get(key) for key in _pk_keys(state.mapper)]
    if all(part is None for part in parts):
        return None
    return ",".join(str(part) for part in parts)


def capture_flush(session: Session) -> None:
    """``after_flush`` of every StoreSession: one row per inserted / changed / deleted object."""
    if not is_enabled():
        return
    tables = audited_tables()
    actor = current_actor()
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        table = obj.__table__.name
        if table not in tables:
            continue
        state = inspect(obj)
        values = state.dict
        new = {col: values[key] for key, col in _columns(state.mapper) if key in values}
        rows.append(_row(actor, now, "insert", "orm", table, _identity(state), None, new,
                         user_id=values.get("created_by")))
    for obj in session.dirty:
        table = obj.__table__.name
        if table not in tables:
            continue
        state = inspect(obj)
        old: dict[str, Any] = {}
        new = {}
        for key, col in _columns(state.mapper):
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            # An attribute changed without being loaded first has no old value in the history.
            old[col] = history.deleted[0] if history.deleted else None
            new[col] = history.added[0] if history.added else None
        if new:
            rows.append(_row(actor, now, "update", "orm", table, _identity(state), old, new))
    for obj in session.deleted:
        table = obj.__table__.name
        if table not in tables:
            continue
        state = inspect(obj)
        values = state.dict
        old = {col: values[key] for key, col in _columns(state.mapper) if key in values}
        rows.append(_row(actor, now, "delete", "orm", table, _identity(state), old, None))
    if rows:
        session.connection().execute(insert(AuditLog.__table__), rows)


# ---------------------------------------------------------------------------------------------
# Core statements


# Per statement object: the services keep most of theirs as module constants; a statement built
# per call is dropped from the cache with the statement (weak keys: no growth).
_WHERE: WeakKeyDictionary[Any, tuple[tuple[str, ...], str | None]] = WeakKeyDictionary()


def _where(statement: UpdateBase) -> tuple[tuple[str, ...], str | None]:
    """(the bind names compared with the primary key in the WHERE clause, the WHERE clause as SQL)."""
    try:
        return _WHERE[statement]
    except (KeyError, TypeError):
        pass
    where = getattr(statement, "whereclause", None)
    found = (_where_keys(where), str(where)[:_DETAIL_MAX]) if where is not None else ((), None)
    try:
        _WHERE[statement] = found
    except TypeError:  # not weakly referenceable: computed each time
        pass
    return found


def _where_keys(where: Any) -> tuple[str, ...]:
    """The bind names compared with the primary key in an UPDATE/DELETE's WHERE clause (so the
    log can say which record)."""
    keys = []
    for node in iterate(where):
        if isinstance(node, BinaryExpression) and node.operator.__name__ == "eq":
            left, right = node.left, node.right
            if isinstance(right, Column):
                left, right = right, left
            if isinstance(left, Column) and left.primary_key and isinstance(right, BindParameter):
                keys.append(right.key)
    return tuple(keys)


def _core_statement(conn: Any, clauseelement: Any, _multiparams: Any, _params: Any, _options: Any,
                    result: Any) -> None:
    if _IN_FLUSH.get() or not _ENABLED.get() or not isinstance(clauseelement, UpdateBase):
        return
    table = getattr(clauseelement, "table", None)
    name = getattr(table, "name", None)
    if name not in audited_tables():
        return
    try:
        if result.rowcount == 0:
            return  # a guarded UPDATE that matched nothing changed nothing
    except Exception:  # noqa: BLE001 - some results carry no row count; record them
        pass
    action = "insert" if isinstance(clauseelement, Insert) else clauseelement.__visit_name__
    context = result.context
    parameters = context.compiled_parameters or [{}]
    keys, detail = ((), None) if action == "insert" else _where(clauseelement)
    inserted: list[Any] = []
    if action == "insert" and len(parameters) == 1:
        try:
            inserted = [",".join(str(v) for v in result.inserted_primary_key)]
        except Exception:  # noqa: BLE001 - executemany / RETURNING: the ids are the caller's to read
            inserted = []
    actor = current_actor()
    now = utcnow()
    rows = []
    for n, params in enumerate(parameters):
        if keys:
            record = ",".join(str(params.get(k)) for k in keys)
        elif inserted and n == 0 and "None" not in inserted[0]:
            record = inserted[0]
        else:
            record = params.get("id")
        rows.append(_row(actor, now, action, "core", name, record, None, dict(params), detail))
    conn.execute(insert(AuditLog.__table__), rows)


def install() -> None:
    """Register the Core hook once for every engine of the process (``operational.db`` calls it)."""
    if not event.contains(Engine, "after_execute", _core_statement):
        event.listen(Engine, "after_execute", _core_statement)
