"""End to end on the tiny company: a full run publishes marts that reconcile with the store; a store
broken behind the services fails the reconciliation and nothing is published."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.models import StockLedger
from operational.settings import get_settings
from orchestration.assets.dbt import MANIFEST_PATH
from orchestration.dbt_project import load_manifest, mart_nodes
from orchestration.definitions import defs
from orchestration.sensors import record_failed_run
from orchestration.state import read_state

pytestmark = pytest.mark.slow



def _run(job_name: str, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job_name).execute_in_process(instance=instance, raise_on_error=False)


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {f"{e.asset_key.path[-1]}:{e.check_name}": e for e in result.get_asset_check_evaluations()}


def _serving(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _break_store(engine: Engine, ids: dict[str, int]) -> None:
    """A ledger row written around the services: the balance table does not know about it."""
    with unit_of_work(engine) as s:
        s.add(StockLedger(movement_date=date(2026, 3, 7), product_id=ids["pen"], warehouse_id=ids["main"],
                          movement_type="receipt", quantity=Decimal("7"), unit_cost=Decimal("1.1"),
                          doc_type="manual", doc_id=0, doc_no="HAND-EDIT"))


def test_publish_then_refuse_on_broken_reconciliation(store_engine: Engine, tiny_store: dict[str, int],
                                                      dagster_home: Path) -> None:
    settings = get_settings()
    with dg.DagsterInstance.get() as instance:
        good = _run("full_pipeline", instance)
        assert good.success
        checks = _checks(good)
        assert checks and all(e.passed for e in checks.values()), [k for k, e in checks.items() if not e.passed]
        assert {"mart_stock_current:reconciles_with_store", "mart_inventory_daily:last_day_reconciles_with_store",
                "stock_ledger:ledger_rows_valid"} <= set(checks)
        extract = good.asset_materializations_for_node("raw_extract")
        assert all(m.metadata["full"].value is True for m in extract)

        marts = {node["name"] for node in mart_nodes(load_manifest(MANIFEST_PATH))}
        published = {r[0] for r in _serving(settings.serving_path, "SELECT table_name FROM information_schema.tables")}
        assert marts | {"meta_publish", "meta_checks"} <= published
        # pen in the main warehouse: 100 opening + 50 received − 30 shipped
        [(on_hand,)] = _serving(settings.serving_path, "SELECT on_hand_quantity FROM mart_stock_current "
                                f"WHERE product_id = {tiny_store['pen']} AND warehouse_id = {tiny_store['main']}")
        assert on_hand == Decimal("120")
        assert _serving(settings.serving_path, "SELECT run_id FROM meta_publish") == [(good.run_id,)]
        [(failed_meta_checks,)] = _serving(settings.serving_path, "SELECT count(*) FROM meta_checks WHERE NOT passed")
        assert failed_meta_checks == 0
        assert read_state(settings.state_path)["last_publish"]["run_id"] == good.run_id
        published_bytes = settings.serving_path.read_bytes()

        _break_store(store_engine, tiny_store)
        bad = _run("incremental_pipeline", instance)
        assert not bad.success
        # the warehouse follows the store's ledger (127) but the store's balance table says 120: dbt's
        # tie-out of the current stock against the raw balances is a blocking check, so the dbt step
        # fails there and nothing downstream (the Python reconciliation, publish) runs
        checks = _checks(bad)
        assert not checks["mart_stock_current:assert_stock_current_matches_stock_balance"].passed
        assert not checks["mart_inventory_daily:assert_inventory_daily_ends_at_stock_balance"].passed
        assert "mart_stock_current:reconciles_with_store" not in checks
        assert dg.AssetKey("serving") not in {m.asset_key for m in bad.get_asset_materialization_events()
                                              if m.asset_key is not None}
        assert settings.serving_path.read_bytes() == published_bytes  # dashboards keep the last good data

        # the run-failure sensor records the failed run; the last publish stays the good one
        failure = next(e for e in instance.all_logs(bad.run_id, of_type=dg.DagsterEventType.RUN_FAILURE))
        context = dg.build_run_status_sensor_context(
            sensor_name="record_failed_run", dagster_event=failure.dagster_event, dagster_instance=instance,
            dagster_run=instance.get_run_by_id(bad.run_id),
        ).for_run_failure()
        record_failed_run(context)
        state = read_state(settings.state_path)
        assert state["last_run"]["run_id"] == bad.run_id and state["last_run"]["status"] == "FAILURE"
        assert state["last_run"]["failed_checks"] == [
            "marts/mart_inventory_daily:assert_inventory_daily_ends_at_stock_balance",
            "marts/mart_stock_current:assert_stock_current_matches_stock_balance"]
        assert state["last_publish"]["run_id"] == good.run_id


def test_a_return_without_its_source_blocks_the_publish(store_engine: Engine, tiny_store: dict[str, int],
                                                        dagster_home: Path) -> None:
    """The dbt test that every return references its source runs as a blocking Dagster check."""
    from sqlalchemy import update

    from operational.models import StockBalance

    settings = get_settings()
    with dg.DagsterInstance.get() as instance:
        assert _run("full_pipeline", instance).success
        published = settings.serving_path.read_bytes()
        with unit_of_work(store_engine) as s:  # a customer return written around the services
            s.add(StockLedger(movement_date=date(2026, 3, 7), product_id=tiny_store["pen"],
                              warehouse_id=tiny_store["main"], movement_type="sales_return", quantity=Decimal("1"),
                              doc_type="sales_return", doc_id=0, doc_no="HAND-RETURN"))
            s.execute(update(StockBalance).where(StockBalance.product_id == tiny_store["pen"],
                                                 StockBalance.warehouse_id == tiny_store["main"])
                      .values(quantity=StockBalance.quantity + 1))
        bad = _run("incremental_pipeline", instance)
        assert not bad.success
        failed = {name for name, e in _checks(bad).items() if not e.passed}
        assert "stg_jxc__stock_ledger:assert_returns_reference_their_source" in failed
        assert settings.serving_path.read_bytes() == published
