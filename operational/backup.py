"""Backing up and restoring the operational store (``jxc backup`` / ``jxc restore``).

A backup is one ``.tar.gz`` file holding ``manifest.json`` (store kind, Alembic revision, rows per
table, when, which JXC) and the store itself: a SQLite copy made with SQLite's online backup API,
or a ``pg_dump`` custom-format archive. Both are consistent snapshots taken while the app keeps
writing. The file is written under a temporary name and renamed, so a backup that exists is whole.

Only the store is backed up: the warehouse, the serving file and Dagster's history are derived
from it, and the CLI rebuilds them with a full pipeline run after a restore (docs/operations.md).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from operational.migrate import alembic_config, current_revision, upgrade
from operational.services.errors import DomainError
from operational.settings import ensure_private_dir, get_settings

FORMAT = 1  # the layout of the archive; bumped if it ever changes
MANIFEST = "manifest.json"
PAYLOAD = {"sqlite": "store.sqlite", "postgresql": "store.pgdump"}
SUFFIX = ".tar.gz"
# SQLite's own bookkeeping (AUTOINCREMENT counters): copied with the file, not counted.
_SKIP_TABLES = {"sqlite_sequence"}


class BackupError(DomainError):
    """A backup or restore the user asked for cannot be done; nothing was changed."""


@dataclass(frozen=True)
class Manifest:
    format: int
    store_kind: str  # "sqlite" or "postgresql"
    schema_revision: str
    row_counts: dict[str, int]
    created_at: str  # ISO 8601, UTC
    jxc_version: str


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    safety_copy: Path | None  # the store as it was before the restore (None: there was none)
    revision: str  # the store's revision after the restore and upgrade


def backups_dir() -> Path:
    """Where backups go by default: ``data/backups/``."""
    return get_settings().data_dir / "backups"


def store_kind(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in PAYLOAD:
        raise BackupError("backup_store_kind", kind=name)
    return name


def code_revision() -> str:
    """The newest schema revision this code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def jxc_version() -> str:
    try:
        return metadata.version("jxc")
    except metadata.PackageNotFoundError:
        return "unknown"


# ---------------------------------------------------------------------------------------------
# backup


def create_backup(engine: Engine, target: Path | None = None, *, prefix: str = "jxc-backup",
                  now: datetime | None = None) -> tuple[Path, Manifest]:
    """Back up the store into ``target`` (a directory, or a new file ending in .tar.gz; default
    ``data/backups/``); returns the file written and its manifest."""
    kind = store_kind(engine)
    now = now or datetime.now(UTC)
    path = _target_path(target, f"{prefix}-{now:%Y%m%d-%H%M%S}Z{SUFFIX}")
    with tempfile.TemporaryDirectory(prefix="jxc-backup-", dir=path.parent) as work:
        payload = Path(work) / PAYLOAD[kind]
        if kind == "sqlite":
            _sqlite_snapshot(_sqlite_file(engine), payload)
            revision, counts = _sqlite_facts(payload)
        else:
            revision, counts = _pg_dump(engine, payload)
        if not revision:
            raise BackupError("backup_store_not_initialised")
        manifest = Manifest(format=FORMAT, store_kind=kind, schema_revision=revision, row_counts=counts,
                            created_at=now.isoformat(timespec="seconds"), jxc_version=jxc_version())
        partial = Path(work) / path.name
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(asdict(manifest), indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(payload, arcname=payload.name)
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        if path.exists():  # a second backup in the same second, or a file that appeared meanwhile
            raise BackupError("backup_target_exists", path=str(path))
        os.replace(partial, path)  # same folder: atomic
    return path, manifest


# The files JXC itself names in data/backups/: jxc-backup-YYYYmmdd-HHMMSSZ.tar.gz and the safety
# copies jxc-pre-restore-....tar.gz. Anything else in the folder is the user's and is never touched.
BACKUP_PREFIXES = ("jxc-backup", "jxc-pre-restore")


def prune_backups(keep: int, folder: Path | None = None) -> list[Path]:
    """Keep the newest ``keep`` backups of each kind in ``folder`` (default ``data/backups/``) and
    delete the older ones; the files deleted. ``keep`` 0 deletes nothing. Files are ordered by the
    time in their name (the time the backup was taken), not by the file's mtime (a copy back from
    another disk must not look new)."""
    folder = folder or backups_dir()
    if keep < 1 or not folder.is_dir():
        return []
    deleted = []
    for prefix in BACKUP_PREFIXES:
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d{{8}}-\d{{6}})Z{re.escape(SUFFIX)}$")
        found = sorted((m[1], path) for path in folder.iterdir()
                       if path.is_file() and (m := pattern.match(path.name)))
        for _, path in found[:-keep]:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


def _target_path(target: Path | None, default_name: str) -> Path:
    if target is None:
        return ensure_private_dir(backups_dir()) / default_name
    target = target.expanduser()
    if target.is_dir():
        return target.resolve() / default_name
    if target.exists():
        raise BackupError("backup_target_exists", path=str(target))
    if not target.name.endswith(SUFFIX):
        raise BackupError("backup_target_suffix", path=str(target), suffix=SUFFIX)
    if not target.parent.is_dir():
        raise BackupError("backup_target_folder_missing", path=str(target.parent))
    return target.resolve()


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or not Path(database).exists():
        raise BackupError("backup_store_missing", path=str(database))
    return Path(database)


def _sqlite_snapshot(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while other connections keep writing (WAL)."""
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _table_names(names: list[str]) -> list[str]:
    return sorted(t for t in names if t not in _SKIP_TABLES)


def _sqlite_facts(path: Path) -> tuple[str, dict[str, int]]:
    """Revision and rows per table of a SQLite file (closed afterwards)."""
    with closing(sqlite3.connect(path)) as con:
        names = _table_names([r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")])
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in names}
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0] \
            if "alembic_version" in names else ""
    return revision, counts


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError("backup_tool_missing", tool=name)
    return found


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The libpq URL of the store (no password in it, so none shows in ``ps``) and the environment."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], stdin: bytes | None = None) -> bytes:
    """Run a PostgreSQL client tool; its stdout, or ``backup_tool_failed`` with its first error line."""
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError("backup_tool_failed", tool=Path(args[0]).name,
                          detail=lines[0] if lines else f"exit code {done.returncode}")
    return done.stdout


def _pg_dump(engine: Engine, target: Path) -> tuple[str, dict[str, int]]:
    """pg_dump of an exported snapshot, and the revision and counts read in that same snapshot."""
    pg_dump = _tool("pg_dump")
    url, env = _libpq(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        revision, counts = _counts(conn)
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              f"--file={target}", f"--dbname={url}"], env)
        conn.exec_driver_sql("COMMIT")
    return revision, counts


def _counts(conn) -> tuple[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    names = _table_names(inspect(conn).get_table_names())
    counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in names}
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
        if "alembic_version" in names else ""
    return revision or "", counts


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the store now."""
    with engine.connect() as conn:
        return _counts(conn)[1]


# ---------------------------------------------------------------------------------------------
# restore


def read_manifest(path: Path) -> Manifest:
    """The manifest of a backup file; ``backup_corrupt`` if it is not a whole JXC backup."""
    with _opened(path) as tar:
        return _manifest(path, tar)


@contextmanager
def _opened(path: Path) -> Iterator[tarfile.TarFile]:
    if not path.is_file():
        raise BackupError("backup_file_missing", path=str(path))
    try:
        with tarfile.open(path, "r:gz") as tar:
            yield tar
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError("backup_corrupt", path=str(path), detail=type(exc).__name__) from None


def _manifest(path: Path, tar: tarfile.TarFile) -> Manifest:
    try:
        member = tar.extractfile(MANIFEST)
        raw = json.loads(member.read()) if member else None
        manifest = Manifest(**raw)  # type: ignore[arg-type]
        if manifest.store_kind not in PAYLOAD or not isinstance(manifest.row_counts, dict):
            raise ValueError(manifest.store_kind)
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError("backup_corrupt", path=str(path), detail=f"{MANIFEST}: {exc}") from None
    if manifest.format != FORMAT:
        raise BackupError("backup_corrupt", path=str(path), detail=f"format {manifest.format}")
    return manifest


def _extract_payload(path: Path, tar: tarfile.TarFile, manifest: Manifest, folder: Path) -> Path:
    name = PAYLOAD[manifest.store_kind]
    try:
        member = tar.getmember(name)
        if not member.isfile():
            raise KeyError(name)
        source = tar.extractfile(member)
        target = folder / name
        with source as src, open(target, "wb") as dst:  # type: ignore[union-attr]
            shutil.copyfileobj(src, dst, 1 << 20)
    except (KeyError, tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError("backup_corrupt", path=str(path), detail=f"{name}: {type(exc).__name__}") from None
    return target


def _check_sqlite_payload(path: Path, payload: Path, manifest: Manifest) -> None:
    """The copy opens, passes SQLite's integrity check and holds the rows the manifest lists."""
    try:
        with closing(sqlite3.connect(payload)) as con:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise sqlite3.DatabaseError(ok)
        revision, counts = _sqlite_facts(payload)
    except sqlite3.DatabaseError as exc:
        raise BackupError("backup_corrupt", path=str(path), detail=str(exc)) from None
    if revision != manifest.schema_revision or counts != manifest.row_counts:
        raise BackupError("backup_corrupt", path=str(path), detail="rows differ from the manifest")


def check_restorable(engine: Engine, path: Path, manifest: Manifest) -> None:
    """Refuse a backup of another kind of store, or of a schema newer than (unknown to) this code."""
    kind = store_kind(engine)
    if manifest.store_kind != kind:
        raise BackupError("backup_kind_mismatch", backup_kind=manifest.store_kind, store_kind=kind)
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        known = script.get_revision(manifest.schema_revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown revision
        known = False
    if not known:
        raise BackupError("backup_newer_schema", revision=manifest.schema_revision, head=code_revision())


def _store_exists(engine: Engine) -> bool:
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or not Path(database).exists():
            return False
    return bool(current_revision(engine))


def restore_backup(engine: Engine, path: Path, *, confirmed: bool, safety_dir: Path | None = None) -> RestoreResult:
    """Replace the store with the backup at ``path``, then upgrade it to this code's schema.

    Everything is checked before anything is changed; the current store is first backed up into
    ``safety_dir`` (default ``data/backups/``) as ``jxc-pre-restore-<time>.tar.gz``. The warehouse
    is not touched: the caller rebuilds it (``jxc restore`` runs the full pipeline)."""
    path = path.expanduser()
    with tempfile.TemporaryDirectory(prefix="jxc-restore-") as work:
        # Only reading the archive is guarded by _opened: its OSError means a damaged file, while
        # an OSError of the restore itself (a full disk) must not be reported as one.
        with _opened(path) as tar:
            manifest = _manifest(path, tar)
            check_restorable(engine, path, manifest)
            payload = _extract_payload(path, tar, manifest, Path(work))
        if manifest.store_kind == "sqlite":
            _check_sqlite_payload(path, payload, manifest)
        else:
            _run([_tool("pg_restore"), "--list", str(payload)], dict(os.environ))
            _tool("psql")
        if not confirmed:
            raise BackupError("backup_needs_yes")
        safety = None
        if _store_exists(engine):
            safety, _ = create_backup(engine, safety_dir, prefix="jxc-pre-restore")
        engine.dispose()
        if manifest.store_kind == "sqlite":
            _sqlite_restore(engine, payload)
        else:
            _pg_restore(engine, payload)
    engine.dispose()
    restored = row_counts(engine)
    if restored != manifest.row_counts:
        wrong = sorted(t for t in set(restored) | set(manifest.row_counts)
                       if restored.get(t) != manifest.row_counts.get(t))
        raise BackupError("backup_restore_mismatch", tables=", ".join(wrong), safety=str(safety))
    revision = upgrade(engine)
    return RestoreResult(manifest=manifest, safety_copy=safety, revision=revision)


def _sqlite_restore(engine: Engine, payload: Path) -> None:
    """The backup API in reverse: the store file is overwritten in one transaction, so the app's
    open connections see either the old store or the restored one."""
    store = Path(engine.url.database or "")
    ensure_private_dir(store.parent)
    with closing(sqlite3.connect(payload)) as src, closing(sqlite3.connect(store, timeout=30)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")  # as operational.db opens it


def _pg_restore(engine: Engine, payload: Path) -> None:
    """Empty the public schema and load the archive in ONE psql transaction: either the whole
    backup is in the store or the store is as it was."""
    url, env = _libpq(engine)
    script = _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(payload)], env)
    prologue = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    _run([_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1",
          f"--dbname={url}"], env, stdin=prologue + script)
