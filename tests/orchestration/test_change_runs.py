"""Runs that follow the change, for real (store, Dagster, dbt, serving.duckdb) on the tiny company:

- `jxc pipeline run` with nothing new starts no Dagster run and leaves serving.duckdb byte-identical;
- after one goods receipt the change sensor requests, and `jxc pipeline run` runs, only the changed
  raw tables and what is downstream of them: the stock marts are rebuilt, the HR marts are not, and
  the serving file then equals what a full run publishes on the same data;
- the first run of a new day builds everything.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from operational.db import unit_of_work
from operational.services import purchasing
from operational.services.orders import FulfilLineInput, OrderLineInput
from operational.settings import get_settings
from orchestration.cli import app
from orchestration.current_plan import plan_incremental
from orchestration.resources import StoreResource
from orchestration.run_plan import pipeline_today
from orchestration.sensors import store_change_sensor
from orchestration.state import read_state

pytestmark = pytest.mark.slow
runner = CliRunner()

STOCK_MARTS = {"mart_stock_current", "mart_inventory_daily", "fct_stock_movements"}
HR_MARTS = {"mart_leave_balances", "mart_attendance_monthly", "fct_leave_requests"}


def _marts(path: Path) -> dict[str, list[tuple]]:
    """Every published table but the meta tables, rows sorted."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = 'main' AND table_name NOT LIKE 'meta_%'").fetchall()]
        return {n: con.execute(f'SELECT * FROM main."{n}" ORDER BY ALL').fetchall() for n in names}
    finally:
        con.close()


def _receive_goods(engine: Engine, ids: dict[str, int]) -> None:
    """One purchase order for books, confirmed and received in full: one posted goods receipt."""
    with unit_of_work(engine) as s:
        po = purchasing.create_purchase_order(s, ids["supplier"], ids["main"], date(2026, 3, 7),
                                              [OrderLineInput(ids["book"], "40", "5.9")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_goods(s, po.id, date(2026, 3, 8), [FulfilLineInput(po.lines[0].id, "40")])


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"store": StoreResource()})
    return store_change_sensor(context), context.cursor


def _pipeline_run(*args: str) -> str:
    result = runner.invoke(app, ["pipeline", "run", *args], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def test_runs_follow_the_change(store_engine: Engine, tiny_store: dict[str, int], dagster_home: Path) -> None:
    settings = get_settings()
    _pipeline_run("--full")
    full_marts = _marts(settings.serving_path)
    assert STOCK_MARTS | HR_MARTS <= set(full_marts)
    with dg.DagsterInstance.get() as instance:
        runs_before = len(instance.get_runs())

        # Nothing new: no run, the serving file untouched, and the sensor skips.
        published = settings.serving_path.read_bytes()
        output = _pipeline_run()
        assert "nothing to do: nothing changed in the store since the last publish" in output
        assert len(instance.get_runs()) == runs_before
        assert settings.serving_path.read_bytes() == published
        skip, cursor = _tick(instance, None)
        assert isinstance(skip, dg.SkipReason) and "nothing changed" in (skip.skip_message or "")

        # One goods receipt: the sensor asks for the changed raw tables and what is downstream.
        _receive_goods(store_engine, tiny_store)
        request, cursor = _tick(instance, cursor)
        assert isinstance(request, dg.RunRequest) and request.asset_selection
        requested = {k.to_user_string() for k in request.asset_selection}
        assert {"raw/stock_ledger", "raw/goods_receipt", "serving"} <= requested
        assert {f"marts/{m}" for m in STOCK_MARTS} <= requested
        assert not {f"marts/{m}" for m in HR_MARTS} & requested
        assert "raw/employee" not in requested
        again, _ = _tick(instance, cursor)
        assert isinstance(again, dg.SkipReason)  # one change, one request

        output = _pipeline_run()
        assert "plan: " in output and "store tables changed" in output, output
        assert "assets rebuilt, the rest kept" in output, output
        run_id = read_state(settings.state_path)["last_run"]["run_id"]
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.job_name == "incremental_pipeline"
        assert {k.to_user_string() for k in run.asset_selection or ()} == requested
        materialized = {e.dagster_event.asset_key.to_user_string() for e in instance.all_logs(
            run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION) if e.dagster_event and e.dagster_event.asset_key}
        assert {f"marts/{m}" for m in STOCK_MARTS} <= materialized
        assert not {f"marts/{m}" for m in HR_MARTS} & materialized  # dbt built only the selection
        assert "raw/employee" not in materialized
        checks = {f"{e.asset_key.path[-1]}:{e.check_name}" for e in instance.all_logs(
            run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION) for e in [e.dagster_event.event_specific_data]}
        assert "mart_stock_current:reconciles_with_store" in checks  # the checks of the selected assets ran
        last_publish = read_state(settings.state_path)["last_publish"]
        assert last_publish["run_id"] == run_id
        assert STOCK_MARTS <= set(last_publish["published_tables"])
        assert not HR_MARTS & set(last_publish["published_tables"])
        incremental_marts = _marts(settings.serving_path)
        # books in the main warehouse: 20 opening + 40 received
        [book] = [r for r in incremental_marts["mart_stock_current"]
                  if r[:2] == (tiny_store["book"], tiny_store["main"])] or [None]
        assert book is not None

        # The same data through a full run publishes exactly the same marts.
        _pipeline_run("--full")
        assert _marts(settings.serving_path) == incremental_marts
        assert incremental_marts != full_marts

        # After that full run nothing is new; the first run of tomorrow builds everything.
        assert plan_incremental().nothing_to_do
        tomorrow = plan_incremental(today=pipeline_today() + timedelta(days=1))
        assert tomorrow.everything and "first run of" in tomorrow.reason
