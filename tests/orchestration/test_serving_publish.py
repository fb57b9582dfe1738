"""build_serving_file: copies the marts schema, adds meta tables, swaps atomically, keeps the old
file when anything fails."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.serving_file import (
    CheckRow,
    PublishInfo,
    build_serving_file,
    temp_path_for,
    update_serving_file,
)


def make_warehouse(path: Path, quantity: int = 5) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE marts.mart_stock_current (product_id INT, warehouse_id INT, "
                "on_hand_quantity DECIMAL(18, 4))")
    con.execute(f"INSERT INTO marts.mart_stock_current VALUES (1, 1, {quantity}), (2, 1, 0.5)")
    con.execute("CREATE TABLE marts.dim_warehouse AS SELECT 1 AS warehouse_id, '主仓' AS warehouse_name")
    con.execute("CREATE VIEW marts.v_positive AS SELECT * FROM marts.mart_stock_current WHERE on_hand_quantity > 1")
    con.execute("CREATE TABLE raw.secret AS SELECT 1 AS x")  # not a mart: must not be published
    con.close()


def info(run_id: str) -> PublishInfo:
    return PublishInfo(published_at=datetime(2026, 3, 6, 10, 0), run_id=run_id, job_name="full_pipeline",
                       store_watermark="5|x")


CHECK = CheckRow(check_name="reconciles_with_store", asset_key="marts/mart_stock_current", passed=True,
                 severity="ERROR", description="3 balances equal", metadata={"mismatch_count": 0},
                 checked_at=datetime(2026, 3, 6, 9, 59))


def tables(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
        return {n: con.execute(f'SELECT * FROM main."{n}" ORDER BY ALL').fetchall() for n in names}
    finally:
        con.close()


def test_publishes_marts_and_meta_tables(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse)
    counts = build_serving_file(warehouse, serving, "marts", info("run-1"), [CHECK])
    assert counts == {"dim_warehouse": 1, "mart_stock_current": 2, "v_positive": 1}
    published = tables(serving)
    assert set(published) == {"dim_warehouse", "mart_stock_current", "v_positive", "meta_publish", "meta_checks"}
    assert published["mart_stock_current"] == [(1, 1, Decimal("5")), (2, 1, Decimal("0.5"))]
    [(published_at, run_id, job, watermark, row_counts)] = published["meta_publish"]
    assert (run_id, job, watermark) == ("run-1", "full_pipeline", "5|x")
    assert json.loads(row_counts) == counts
    [(name, key, passed, severity, _, metadata_json, _)] = published["meta_checks"]
    assert (name, key, passed, severity) == ("reconciles_with_store", "marts/mart_stock_current", True, "ERROR")
    assert json.loads(metadata_json) == {"mismatch_count": 0}
    assert not temp_path_for(serving).exists()


def test_second_publish_replaces_data_and_keeps_publish_history(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse, quantity=5)
    build_serving_file(warehouse, serving, "marts", info("run-1"), [CHECK])
    reader = duckdb.connect(str(serving), read_only=True)  # a dashboard holding the old file open
    warehouse.unlink()
    make_warehouse(warehouse, quantity=9)
    build_serving_file(warehouse, serving, "marts", info("run-2"), [])
    # the open reader still sees the old, complete file (os.replace swapped the name, not the data)
    assert reader.execute("SELECT max(on_hand_quantity) FROM mart_stock_current").fetchone()[0] == 5
    reader.close()
    published = tables(serving)
    assert max(r[2] for r in published["mart_stock_current"]) == 9
    assert [r[1] for r in published["meta_publish"]] == ["run-1", "run-2"]
    assert published["meta_checks"] == []


def test_failure_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse)
    build_serving_file(warehouse, serving, "marts", info("run-1"), [CHECK])
    before = serving.read_bytes()
    with pytest.raises(ValueError, match="no tables"):
        build_serving_file(warehouse, serving, "no_such_schema", info("run-2"), [])
    assert serving.read_bytes() == before
    assert list(tmp_path.glob("serving.duckdb.tmp-*")) == []


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="warehouse not found"):
        build_serving_file(tmp_path / "nope.duckdb", tmp_path / "serving.duckdb", "marts", info("r"), [])


def test_update_replaces_only_the_named_tables_and_keeps_the_rest(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse, quantity=5)
    build_serving_file(warehouse, serving, "marts", info("run-1"), [CHECK])
    reader = duckdb.connect(str(serving), read_only=True)  # a dashboard holding the file open
    con = duckdb.connect(str(warehouse))
    con.execute("UPDATE marts.mart_stock_current SET on_hand_quantity = 9 WHERE product_id = 1")
    con.execute("UPDATE marts.dim_warehouse SET warehouse_name = '新仓'")  # changed, but not named
    con.close()
    counts = update_serving_file(warehouse, serving, "marts", ["mart_stock_current"], info("run-2"), [])
    assert reader.execute("SELECT max(on_hand_quantity) FROM mart_stock_current").fetchone()[0] == 5
    reader.close()
    published = tables(serving)
    assert published["mart_stock_current"] == [(1, 1, Decimal("9")), (2, 1, Decimal("0.5"))]
    assert published["dim_warehouse"] == [(1, "主仓")]  # kept from the previous publish
    assert counts == {"dim_warehouse": 1, "mart_stock_current": 2, "v_positive": 1}
    assert [r[1] for r in published["meta_publish"]] == ["run-1", "run-2"]
    assert json.loads(published["meta_publish"][1][4]) == counts
    assert published["meta_checks"] == []
    assert list(tmp_path.glob("serving.duckdb.tmp-*")) == []


def test_a_failed_update_keeps_the_previous_file(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse)
    build_serving_file(warehouse, serving, "marts", info("run-1"), [CHECK])
    before = serving.read_bytes()
    with pytest.raises(duckdb.CatalogException):
        update_serving_file(warehouse, serving, "marts", ["no_such_mart"], info("run-2"), [])
    assert serving.read_bytes() == before
    assert list(tmp_path.glob("serving.duckdb.tmp-*")) == []


def test_update_without_a_serving_file_builds_it(tmp_path: Path) -> None:
    warehouse, serving = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    make_warehouse(warehouse)
    counts = update_serving_file(warehouse, serving, "marts", ["mart_stock_current"], info("run-1"), [])
    assert set(counts) == {"dim_warehouse", "mart_stock_current", "v_positive"}
