"""Checks follow the change on incremental runs and stay complete on full runs.

Real store, real dbt, real Dagster runs on the tiny company: a full run values every product; an
incremental run after one shipped sale values the one product that moved (the check's metadata
says so) and still fails when that product's value or quantity in the warehouse is wrong; a full
run catches a wrong value of a product nobody touched. The dbt data tests of an incremental run
read the run's rows of the big models: a bad ledger row of the run fails them, an old bad row only
fails the full run's tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from sqlalchemy import Engine
from tiny_company import add_shipped_sale

from operational.settings import get_settings
from orchestration.assets.dbt import model_key
from orchestration.checks.coverage import PIPELINE_TAG
from orchestration.dbt_project import dbt_project
from orchestration.dbt_test_scope import begin_test_scope
from orchestration.definitions import defs
from orchestration.resources import dbt_executable

pytestmark = pytest.mark.slow

CHECK = "reconciles_with_store"


def _check_key() -> dg.AssetCheckKey:
    return dg.AssetCheckKey(model_key("mart_stock_current"), CHECK)


def _evaluation(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    return next(e for e in result.get_asset_check_evaluations()
                if e.asset_key == _check_key().asset_key and e.check_name == CHECK)


def _meta(evaluation: dg.AssetCheckEvaluation) -> dict[str, object]:
    return {k: v.value for k, v in evaluation.metadata.items()}


def _check_only(pipeline: str, instance: dg.DagsterInstance) -> dg.AssetCheckEvaluation:
    """Run just the reconciliation check, tagged as the jobs tag a ``pipeline`` (full/incremental) run."""
    job = defs.resolve_implicit_global_asset_job_def().get_subset(
        asset_selection=set(), asset_check_selection={_check_key()})
    result = job.execute_in_process(instance=instance, raise_on_error=False, tags={PIPELINE_TAG: pipeline})
    return _evaluation(result)


def _warehouse(sql: str, params: list | None = None, *, write: bool = False) -> list[tuple]:
    con = duckdb.connect(str(get_settings().warehouse_path), read_only=not write)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_checks_follow_the_change_and_full_runs_check_everything(
        store_engine: Engine, tiny_store: dict[str, int], dagster_home: Path, tmp_path: Path) -> None:
    pen, book, ink = tiny_store["pen"], tiny_store["book"], tiny_store["ink"]
    with dg.DagsterInstance.get() as instance:
        full = defs.resolve_job_def("full_pipeline").execute_in_process(instance=instance, raise_on_error=False)
        assert full.success
        meta = _meta(_evaluation(full))
        assert meta["value_scope"] == "full" and meta["value_products_compared"] == 3
        first_ledger_id = meta["ledger_id_covered"]
        [(covered_id, covered_valued_at)] = _warehouse(
            "SELECT ledger_id, valued_at FROM meta.reconciliation_coverage")
        assert covered_id == first_ledger_id > 0

        add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 9), quantity="4")  # moves pens only
        inc = defs.resolve_job_def("incremental_pipeline").execute_in_process(instance=instance,
                                                                             raise_on_error=False)
        assert inc.success
        evaluation = _evaluation(inc)
        meta = _meta(evaluation)
        assert evaluation.passed
        assert meta["value_scope"] == "changed products"
        assert meta["value_products_compared"] == 1  # the pen; book and ink did not change
        assert meta["previous_ledger_id_covered"] == first_ledger_id
        assert meta["ledger_id_covered"] > first_ledger_id
        assert meta["balances_compared"] == 3  # quantities: every product × warehouse, always

        # The warehouse gets a pen value and a book value wrong after dbt built it; the coverage is
        # put back to what it was before this run's check (the state the check saw in that run).
        _warehouse("UPDATE marts.mart_stock_current SET stock_value = stock_value + 0.01 WHERE product_id IN (?, ?)",
                   [pen, book], write=True)
        _warehouse("UPDATE meta.reconciliation_coverage SET ledger_id = ?, valued_at = ?",
                   [first_ledger_id, covered_valued_at], write=True)
        scoped = _check_only("incremental", instance)
        meta = _meta(scoped)
        assert not scoped.passed
        assert meta["value_scope"] == "changed products" and meta["value_products_compared"] == 1
        assert [m["product_id"] for m in meta["value_mismatches"]] == [pen]  # book is out of scope
        assert meta["value_mismatches"][0]["difference"] == "0.01"
        # a failing check does not move the coverage: the next incremental run compares the pen again
        assert _warehouse("SELECT ledger_id FROM meta.reconciliation_coverage") == [(first_ledger_id,)]

        everything = _check_only("full", instance)
        meta = _meta(everything)
        assert not everything.passed
        assert meta["value_scope"] == "full" and meta["value_products_compared"] == 3
        assert sorted(m["product_id"] for m in meta["value_mismatches"]) == sorted([pen, book])

        # a wrong quantity of the changed product fails the scoped check too
        _warehouse("UPDATE marts.mart_stock_current SET stock_value = stock_value - 0.01, "
                   "on_hand_quantity = on_hand_quantity + 1 WHERE product_id IN (?, ?)", [pen, book], write=True)
        _warehouse("UPDATE marts.mart_stock_current SET on_hand_quantity = on_hand_quantity - 1 "
                   "WHERE product_id = ?", [book], write=True)
        scoped = _check_only("incremental", instance)
        meta = _meta(scoped)
        assert not scoped.passed and meta["value_mismatch_count"] == 0
        assert [m["product_id"] for m in meta["mismatches"]] == [pen]

        # the quantity put right, the scoped check passes and records the new coverage; ink's
        # value, never touched, is still compared by a full run
        _warehouse("UPDATE marts.mart_stock_current SET on_hand_quantity = on_hand_quantity - 1 "
                   "WHERE product_id = ?", [pen], write=True)
        assert _check_only("incremental", instance).passed
        assert _warehouse("SELECT ledger_id FROM meta.reconciliation_coverage")[0][0] > first_ledger_id
        _warehouse("UPDATE marts.mart_stock_current SET stock_value = stock_value + 1 WHERE product_id = ?",
                   [ink], write=True)
        assert _check_only("incremental", instance).passed  # ink did not change: not compared
        everything = _check_only("full", instance)
        assert not everything.passed
        assert [m["product_id"] for m in _meta(everything)["value_mismatches"]] == [ink]

        # --- dbt data tests: both runs passed their tests, so the next incremental build tests only
        # ledger rows above the incremental run's last id; the scope row is gone after each build.
        [(passed_through, scoped_build)] = _warehouse("SELECT ledger_id, scoped FROM meta.tests_passed_through")
        assert passed_through == _meta(_evaluation(inc))["ledger_id_covered"] and scoped_build is True
        assert _warehouse("SELECT count(*) FROM meta.run_scope") == [(0,)]
        new_id = passed_through + 1
        _warehouse("INSERT INTO raw.stock_ledger SELECT * REPLACE (? AS id, 'bogus_new' AS movement_type) "
                   "FROM raw.stock_ledger WHERE id = ?", [new_id, passed_through], write=True)
        _warehouse("UPDATE raw.stock_ledger SET movement_type = 'bogus_old' WHERE id = "
                   "(SELECT min(id) FROM raw.stock_ledger)", write=True)
        begin_test_scope(get_settings().warehouse_path, "test-run", {PIPELINE_TAG: "incremental"})
        assert _warehouse("SELECT since_ledger_id FROM meta.run_scope") == [(passed_through,)]
        scoped_failures = _accepted_movement_types_failures(tmp_path)  # the on-run-end hook empties the scope
        assert scoped_failures == 1  # the run's bad row; the old one is out of scope
        assert _warehouse("SELECT count(*) FROM meta.run_scope") == [(0,)]
        assert _accepted_movement_types_failures(tmp_path) == 2  # no scope (full / bare dbt): both


def _accepted_movement_types_failures(work: Path) -> int:
    """Run stg_jxc__stock_ledger's generic tests with the real dbt; the accepted_values test's failures."""
    env = dict(os.environ, JXC_WAREHOUSE_PATH=str(get_settings().warehouse_path))
    # this process's parse of the project for this warehouse path (tests/conftest.py): a partial parse
    (work / "target").mkdir(exist_ok=True)
    shutil.copy(Path(os.environ["DBT_TARGET_PATH"]) / "partial_parse.msgpack", work / "target")
    done = subprocess.run(
        [dbt_executable(), "test", "-s", "stg_jxc__stock_ledger,test_type:generic",
         "--project-dir", str(dbt_project.project_dir), "--profiles-dir", str(dbt_project.profiles_dir),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env=env, capture_output=True, text=True, check=False)
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    [accepted] = [r for r in results if r["unique_id"].startswith("test.jxc.accepted_values_stg_jxc__stock")]
    assert accepted["status"] in {"pass", "fail"}, done.stdout[-3000:]
    return int(accepted["failures"] or 0)
