"""With the store on PostgreSQL, Dagster keeps its runs and event logs in PostgreSQL too (the
``<store database>_dagster`` database, orchestration.home): a real pipeline run of a small store
is recorded there, a second DAGSTER_HOME (another machine) sees it, and the dagster.yaml names no
server, user or password."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from tiny_company import build_tiny_company
from typer.testing import CliRunner

from orchestration.home import (
    DAGSTER_DB_SUFFIX,
    DAGSTER_PG_ENV,
    dagster_storage_url,
    dagster_yaml,
    ensure_dagster_home,
)


@pytest.fixture
def pg_store(data_dir: Path, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The PostgreSQL store as the configured one (set after data_dir, which clears the variable, and
    before dagster_home writes dagster.yaml); its Dagster database is dropped afterwards."""
    url = pg_engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("JXC_DATABASE_URL", url)
    monkeypatch.delenv(DAGSTER_PG_ENV, raising=False)
    yield pg_engine
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{pg_engine.url.database}{DAGSTER_DB_SUFFIX}"
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def test_sqlite_store_keeps_dagster_storage_in_its_home() -> None:
    assert dagster_storage_url("sqlite:////tmp/jxc.sqlite") is None
    assert "storage:" not in dagster_yaml("sqlite:////tmp/jxc.sqlite")
    url = dagster_storage_url("postgresql+psycopg://jxc:secret@db.example:5433/books")
    assert url is not None and url.render_as_string(hide_password=False) == \
        "postgresql+psycopg2://jxc:secret@db.example:5433/books_dagster"


def test_a_pipeline_run_is_recorded_in_postgresql(pg_store: Engine, dagster_home: Path, tmp_path: Path) -> None:
    from orchestration.cli import app

    build_tiny_company(pg_store)
    home = dagster_home
    config = (home / "dagster.yaml").read_text()
    assert f"postgres_url:\n      env: {DAGSTER_PG_ENV}" in config
    store_url = pg_store.url
    for secret in filter(None, (store_url.host, store_url.password, store_url.database)):
        assert secret not in config  # the server, user and password come from the environment only
    dagster_url = os.environ[DAGSTER_PG_ENV]
    assert make_url(dagster_url).database == f"{store_url.database}{DAGSTER_DB_SUFFIX}"

    result = CliRunner().invoke(app, ["pipeline", "run", "--full"], terminal_width=200)
    assert result.exit_code == 0, result.output

    storage = create_engine(make_url(dagster_url).set(drivername="postgresql+psycopg"))
    try:
        with storage.connect() as conn:
            runs = conn.execute(text("SELECT run_id, pipeline_name, status FROM runs")).all()
            assert [(r.pipeline_name, r.status) for r in runs] == [("full_pipeline", "SUCCESS")]
            run_id = runs[0].run_id
            events = conn.execute(text("SELECT count(*) FROM event_logs WHERE run_id = :r"), {"r": run_id}).scalar_one()
            materialized = conn.execute(text(
                "SELECT count(*) FROM event_logs WHERE run_id = :r AND dagster_event_type = 'ASSET_MATERIALIZATION'"),
                {"r": run_id}).scalar_one()
    finally:
        storage.dispose()
    assert events > 50 and materialized > 10
    assert not (home / "history").exists()  # no SQLite run storage in DAGSTER_HOME

    # Another machine: its own DAGSTER_HOME, the same store URL: the same runs.
    other = ensure_dagster_home(tmp_path / "other_home")
    try:
        with dg.DagsterInstance.get() as instance:
            assert [r.run_id for r in instance.get_runs()] == [run_id]
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
    finally:
        ensure_dagster_home(home)
    assert other != home
