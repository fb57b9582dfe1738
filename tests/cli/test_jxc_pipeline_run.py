"""`jxc pipeline run` end to end: a run in the persistent DAGSTER_HOME that publishes; a failing
check makes it exit 1 naming the check, and nothing is published."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from operational.db import unit_of_work
from operational.migrate import upgrade
from operational.models import StockLedger
from operational.services import inventory, masterdata
from orchestration.cli import app
from orchestration.state import read_state

pytestmark = pytest.mark.slow
runner = CliRunner()


# dagster_home: the pipeline tests' data folder and dbt parse (tests/conftest.py data_dir)
@pytest.mark.usefixtures("dagster_home")
def test_pipeline_run_publishes_then_names_the_failed_check(store_engine: Engine, data_dir: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(data_dir / "dagster_home"))
    upgrade(store_engine)
    with unit_of_work(store_engine) as s:
        wh = masterdata.create_warehouse(s, "WH1", "主仓")
        pen = masterdata.create_product(s, "P001", "中性笔", standard_cost="1.2")
        inventory.post_opening_balance(s, pen.id, wh.id, Decimal("10"), Decimal("1.2"), date(2026, 3, 2))

    ok = runner.invoke(app, ["pipeline", "run", "--full"], terminal_width=200)
    assert ok.exit_code == 0, ok.output
    assert "published" in ok.output and "✓ serving" in ok.output
    state = read_state(data_dir / "pipeline_state.json")
    run_id = state["last_run"]["run_id"]
    assert state["last_run"]["status"] == "SUCCESS" and state["last_publish"]["run_id"] == run_id
    with dg.DagsterInstance.get() as instance:  # the run is in the persistent instance (Dagster UI)
        assert instance.get_run_by_id(run_id).job_name == "full_pipeline"
    published = (data_dir / "serving.duckdb").read_bytes()

    with unit_of_work(store_engine) as s:  # a ledger row written around the services
        s.add(StockLedger(movement_date=date(2026, 3, 3), product_id=pen.id, warehouse_id=wh.id,
                          movement_type="receipt", quantity=Decimal("1"), unit_cost=Decimal("1"),
                          doc_type="manual", doc_id=0, doc_no="HAND-EDIT"))
    bad = runner.invoke(app, ["pipeline", "run"], terminal_width=200)
    assert bad.exit_code == 1
    # dbt's tie-out of the current stock against the store's balances is a blocking check: it names
    # the failure before the Python reconciliation runs; the terminal gets the summary, no stack trace.
    assert "check failed: marts/mart_stock_current:assert_stock_current_matches_stock_balance" in bad.output
    assert "Stack Trace" not in bad.output and "Traceback" not in bad.output
    assert "nothing was published" in bad.output
    assert (data_dir / "serving.duckdb").read_bytes() == published
    state = read_state(data_dir / "pipeline_state.json")
    assert state["last_run"]["status"] == "FAILURE" and state["last_publish"]["run_id"] == run_id
