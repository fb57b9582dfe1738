"""`jxc backup` / `jxc restore` (operational.backup): round trips on SQLite and PostgreSQL in which
every table's rows are equal before and after, the refusals (newer schema, no --yes, a damaged
file, a missing pg_dump), and the published figures equal after a restore and rebuild."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, MetaData, select
from tiny_company import build_tiny_company
from typer.testing import CliRunner

from operational.backup import (
    BackupError,
    code_revision,
    create_backup,
    read_manifest,
    restore_backup,
    row_counts,
)
from operational.db import unit_of_work
from operational.services import inventory, masterdata
from orchestration.cli import app

runner = CliRunner()


def _all_rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table of the store (reflected, so tables outside the models count too)."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                for name, table in meta.tables.items()}


def _change_store(engine: Engine, ids: dict[str, int]) -> None:
    """What happens after a backup: a new warehouse and a stock movement."""
    with unit_of_work(engine) as s:
        extra = masterdata.create_warehouse(s, "WH9", "新仓")
        inventory.post_opening_balance(s, ids["pen"], extra.id, Decimal("4"), Decimal("1.2"), date(2026, 3, 9))


def _round_trip(engine: Engine, ids: dict[str, int], tmp_path: Path) -> None:
    before = _all_rows(engine)
    path, manifest = create_backup(engine, tmp_path)
    assert path.parent == tmp_path and path.name.startswith("jxc-backup-") and path.name.endswith(".tar.gz")
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert manifest.store_kind == engine.dialect.name and manifest.schema_revision == code_revision()
    assert manifest.row_counts == {t: len(rows) for t, rows in before.items()}
    assert manifest.row_counts["stock_ledger"] > 0 and manifest.row_counts["alembic_version"] == 1
    assert read_manifest(path) == manifest
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind

    _change_store(engine, ids)
    changed = row_counts(engine)
    result = restore_backup(engine, path, confirmed=True, safety_dir=tmp_path)
    assert _all_rows(engine) == before
    assert result.revision == code_revision()
    assert result.safety_copy is not None and read_manifest(result.safety_copy).row_counts == changed
    with unit_of_work(engine) as s:  # ids (sequences) continue after the restored rows
        assert masterdata.create_warehouse(s, "WH8", "又一仓").id > max(r[0] for r in before["warehouse"])


def test_sqlite_round_trip_and_backup_while_a_writer_holds_the_lock(store_engine: Engine, tmp_path: Path) -> None:
    ids = build_tiny_company(store_engine)
    before = row_counts(store_engine)
    writer = sqlite3.connect(store_engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a clerk posting right now: the write lock is taken
    writer.execute("UPDATE warehouse SET name = '写入中' WHERE code = 'WH1'")
    path, manifest = create_backup(store_engine, tmp_path / "while_writing.tar.gz")
    writer.execute("COMMIT")
    writer.close()
    assert manifest.row_counts == before
    with tarfile.open(path, "r:gz") as tar:  # the snapshot holds committed data only
        tar.extract("store.sqlite", tmp_path, filter="data")
    with closing(sqlite3.connect(tmp_path / "store.sqlite")) as copy:
        assert copy.execute("SELECT name FROM warehouse WHERE code = 'WH1'").fetchone() == ("主仓",)
    path.unlink()
    folder = tmp_path / "backups"
    folder.mkdir()
    _round_trip(store_engine, ids, folder)


def test_postgresql_round_trip(pg_engine: Engine, data_dir: Path, tmp_path: Path) -> None:
    ids = build_tiny_company(pg_engine)
    folder = tmp_path / "pg"
    folder.mkdir()
    _round_trip(pg_engine, ids, folder)


def test_missing_pg_dump_is_named(pg_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError) as err:
        create_backup(pg_engine, tmp_path)
    assert err.value.code == "backup_tool_missing" and "pg_dump" in err.value.message("en")
    assert list(tmp_path.iterdir()) == []


def _rewrite_manifest(source: Path, target: Path, **changes: object) -> Path:
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return target


def test_refusals_change_nothing(store_engine: Engine, data_dir: Path, tmp_path: Path) -> None:
    build_tiny_company(store_engine)
    good, _ = create_backup(store_engine)  # default folder: data/backups
    assert good.parent == data_dir / "backups"
    before = _all_rows(store_engine)

    def refused(path: Path, confirmed: bool = True) -> BackupError:
        with pytest.raises(BackupError) as err:
            restore_backup(store_engine, path, confirmed=confirmed)
        assert _all_rows(store_engine) == before
        assert [p.name for p in (data_dir / "backups").iterdir()] == [good.name]  # no safety copy either
        return err.value

    error = refused(good, confirmed=False)
    assert error.code == "backup_needs_yes" and "--yes" in error.message("en") and "--yes" in error.message()

    newer = _rewrite_manifest(good, tmp_path / "newer.tar.gz", schema_revision="9999_from_the_future")
    error = refused(newer)
    assert error.code == "backup_newer_schema" and "9999_from_the_future" in error.message("en")

    other_kind = _rewrite_manifest(good, tmp_path / "pg.tar.gz", store_kind="postgresql")
    assert refused(other_kind).code == "backup_kind_mismatch"

    lying = _rewrite_manifest(good, tmp_path / "lying.tar.gz", row_counts={"warehouse": 999})
    assert refused(lying).code == "backup_corrupt"

    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a backup at all" * 100)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    for damaged in (garbage, truncated):
        error = refused(damaged)
        assert error.code == "backup_corrupt" and damaged.name in error.message("en")

    with pytest.raises(BackupError) as err:  # a given target is validated, never overwritten
        create_backup(store_engine, good)
    assert err.value.code == "backup_target_exists"
    with pytest.raises(BackupError) as err:
        create_backup(store_engine, tmp_path / "no_such_folder" / "b.tar.gz")
    assert err.value.code == "backup_target_folder_missing"


def _published(serving: Path) -> dict[str, list[tuple]]:
    """Every published table but the publish bookkeeping, row by row."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_name NOT LIKE 'meta_%' ORDER BY 1").fetchall()]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        con.close()


def _publish_run(serving: Path) -> str:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute("SELECT run_id FROM meta_publish ORDER BY published_at DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow
def test_cli_restore_rebuilds_the_same_published_figures(store_engine: Engine, data_dir: Path,
                                                         dagster_home: Path) -> None:
    ids = build_tiny_company(store_engine)
    built = runner.invoke(app, ["pipeline", "run", "--full"], terminal_width=200)
    assert built.exit_code == 0, built.output
    serving = data_dir / "serving.duckdb"
    figures, first_run = _published(serving), _publish_run(serving)
    assert {"mart_stock_current", "mart_inventory_valuation"} <= set(figures)
    assert figures["mart_stock_current"]

    made = runner.invoke(app, ["backup"], terminal_width=200)
    assert made.exit_code == 0, made.output
    [path] = (data_dir / "backups").iterdir()
    assert f"backup written: {path}" in made.output

    _change_store(store_engine, ids)
    refused = runner.invoke(app, ["restore", str(path)], terminal_width=200)
    assert refused.exit_code == 1 and "--yes" in refused.output

    restored = runner.invoke(app, ["restore", str(path), "--yes"], terminal_width=200)
    assert restored.exit_code == 0, restored.output
    assert "restored" in restored.output and "published" in restored.output
    assert len(list((data_dir / "backups").glob("jxc-pre-restore-*.tar.gz"))) == 1
    assert _publish_run(serving) != first_run  # rebuilt, not the old file
    assert _published(serving) == figures
