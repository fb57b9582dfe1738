"""The `jxc` command line through typer's CliRunner: init, status, demo guard, one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from operational.db import unit_of_work
from operational.services import masterdata
from orchestration.cli import app
from orchestration.state import record_publish, update_state

runner = CliRunner()


def _one_line_error(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1
    output = result.output.strip()
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1, output
    return output


def _head_revision() -> str:
    """The newest migration's id, read from the migrations folder (each new migration moves it)."""
    from alembic.script import ScriptDirectory

    from operational.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_init_creates_the_store_and_prints_the_revision(data_dir: Path) -> None:
    head = _head_revision()
    assert head >= "0017"  # landed costs, cancellations (作废), cancelled order quantity
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert f"revision {head}" in result.output
    assert (data_dir / "jxc.sqlite").exists()
    again = runner.invoke(app, ["init"])  # idempotent
    assert again.exit_code == 0 and f"revision {head}" in again.output


def test_status_without_a_store_is_one_clear_line(data_dir: Path) -> None:
    output = _one_line_error(runner.invoke(app, ["status"]))
    assert output.startswith("error: no store at") and "jxc init" in output
    assert not (data_dir / "jxc.sqlite").exists()  # status must not create an empty store


def test_pipeline_run_without_a_store_is_one_clear_line(data_dir: Path) -> None:
    output = _one_line_error(runner.invoke(app, ["pipeline", "run"]))
    assert "jxc init" in output


def test_unreachable_database_is_one_clear_line(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JXC_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    output = _one_line_error(runner.invoke(app, ["init"]))
    assert output.startswith("error: cannot use the operational store")


def test_status_shows_counts_last_publish_and_failed_run(store_engine: Engine, data_dir: Path) -> None:
    with unit_of_work(store_engine) as s:
        masterdata.create_warehouse(s, "WH1", "主仓")
    fresh = runner.invoke(app, ["status"])
    assert fresh.exit_code == 0, fresh.output
    assert "nothing published yet" in fresh.output and "warehouses" in fresh.output

    state = data_dir / "pipeline_state.json"
    record_publish(state, run_id="aaaaaaaa-1", job_name="full_pipeline",
                   published_at=datetime.now(UTC).replace(tzinfo=None), row_counts={"dim_date": 1},
                   store_watermark="stale")
    update_state(state, last_run={
        "run_id": "bbbbbbbb-2", "job": "incremental_pipeline", "status": "FAILURE",
        "started_at": None, "finished_at": None,
        "failed_checks": ["marts/mart_stock_current:reconciles_with_store"],
        "checks": [{"check_name": "reconciles_with_store", "asset_key": "marts/mart_stock_current",
                    "passed": False, "severity": "ERROR", "description": "1 balances differ"}],
    })
    result = runner.invoke(app, ["status"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "aaaaaaaa" in result.output and "FAILURE" in result.output
    assert "reconciles_with_store" in result.output
    assert "changes not yet published" in result.output


def test_demo_refuses_a_store_with_data(store_engine: Engine) -> None:
    with unit_of_work(store_engine) as s:
        masterdata.create_warehouse(s, "WH1", "主仓")
    output = _one_line_error(runner.invoke(app, ["demo", "--scale", "0.01"]))
    assert "already has data" in output
    skipped = runner.invoke(app, ["demo", "--if-empty"])
    assert skipped.exit_code == 0 and "no demo generated" in skipped.output


def test_user_reset_lets_the_first_admin_into_a_new_store(store_engine: Engine) -> None:
    """A store made with `jxc init` has no users: the operator creates the first admin, who gets a
    temporary password that works once and must be changed at the first login."""
    from operational.services import auth
    from operational.services.errors import AuthError

    result = runner.invoke(app, ["user", "reset", "boss", "--role", "admin", "--display-name", "老板"])
    assert result.exit_code == 0, result.output
    temporary = result.output.split("temporary password for boss: ", 1)[1].split()[0]
    assert len(temporary) == 12
    user = auth.login("boss", temporary, engine=store_engine)
    assert user.role == "admin" and user.must_change_password

    again = runner.invoke(app, ["user", "reset", "boss"])  # a forgotten password: a new temporary one
    second = again.output.split("temporary password for boss: ", 1)[1].split()[0]
    with pytest.raises(AuthError):
        auth.login("boss", temporary, engine=store_engine)
    assert auth.login("boss", second, engine=store_engine).must_change_password

    output = _one_line_error(runner.invoke(app, ["user", "reset", "nobody"]))
    assert "nobody" in output
