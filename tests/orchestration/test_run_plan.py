"""The run plan (orchestration.run_plan): nothing / the changed tables and their downstream / everything."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg

from orchestration.run_plan import (
    RunPlan,
    pipeline_today,
    plan_from_state,
    plan_run,
    publish_day,
    selected_keys,
    updated_markers,
)

TODAY = date(2026, 3, 9)
MARKERS = {"product": "3|3|2026-03-02 10:00:00", "stock_ledger": "7|7|", "employee": "2|2|2026-03-01 08:00:00"}


def test_nothing_changed_same_day_is_nothing_to_do() -> None:
    plan = plan_run(MARKERS, dict(MARKERS), TODAY, TODAY)
    assert plan.nothing_to_do and not plan.everything and plan.tables == ()


def test_changed_and_new_tables_are_extracted_in_store_order() -> None:
    current = {**MARKERS, "stock_ledger": "9|9|", "goods_receipt": "1|1|2026-03-09 09:00:00"}
    plan = plan_run(current, MARKERS, TODAY, TODAY)
    assert not plan.everything and plan.tables == ("stock_ledger", "goods_receipt")
    assert "2 store tables changed: stock_ledger, goods_receipt" == plan.reason


def test_a_deletion_changes_the_count_part_of_the_marker() -> None:
    plan = plan_run({**MARKERS, "employee": "1|2|2026-03-01 08:00:00"}, MARKERS, TODAY, TODAY)
    assert plan.tables == ("employee",)


def test_a_new_day_or_no_publish_is_everything() -> None:
    rolled = plan_run(dict(MARKERS), MARKERS, date(2026, 3, 8), TODAY)
    assert rolled.everything and rolled.tables == tuple(MARKERS) and "first run of 2026-03-09" in rolled.reason
    assert plan_run(MARKERS, None, None, TODAY).everything
    assert plan_run(MARKERS, MARKERS, None, TODAY).everything


def test_plan_from_state_reads_the_last_publish() -> None:
    state = {"last_publish": {"published_at": "2026-03-09T01:30:00", "store_markers": MARKERS}}
    assert plan_from_state(MARKERS, state, TODAY).nothing_to_do
    # 2026-03-08 17:30 UTC is already 2026-03-09 01:30 in Shanghai: the same pipeline day
    assert plan_from_state(MARKERS, {"last_publish": {**state["last_publish"],
                                                      "published_at": "2026-03-08T17:30:00"}}, TODAY).nothing_to_do
    assert plan_from_state(MARKERS, {"last_publish": {**state["last_publish"],
                                                      "published_at": "2026-03-08T15:30:00"}}, TODAY).everything
    # a publish recorded before markers existed, or no state at all: everything
    assert plan_from_state(MARKERS, {"last_publish": {"published_at": "2026-03-09T01:30:00"}}, TODAY).everything
    assert plan_from_state(MARKERS, {}, TODAY).everything


def test_days_are_pipeline_days() -> None:
    assert publish_day("2026-03-08T16:00:00") == date(2026, 3, 9)
    assert publish_day(None) is None
    assert pipeline_today(datetime(2026, 3, 8, 15, 59, tzinfo=UTC)) == date(2026, 3, 8)


def test_updated_markers_keep_what_was_not_extracted() -> None:
    assert updated_markers(MARKERS, {"stock_ledger": "9|9|"}, MARKERS) == {**MARKERS, "stock_ledger": "9|9|"}
    assert updated_markers(MARKERS, {"stock_ledger": "9|9|"}, ["stock_ledger"]) == {"stock_ledger": "9|9|"}
    assert updated_markers(None, {"product": "x"}, MARKERS) == {"product": "x"}


def test_selected_keys_are_the_changed_raw_assets_and_their_downstream() -> None:
    @dg.multi_asset(specs=[dg.AssetSpec(["raw", t]) for t in ("product", "stock_ledger", "employee")],
                    can_subset=True)
    def raw():  # noqa: ANN202
        return None

    @dg.asset(key=["marts", "stock"], deps=[["raw", "product"], ["raw", "stock_ledger"]])
    def stock() -> None: ...

    @dg.asset(key=["marts", "hr"], deps=[["raw", "employee"]])
    def hr() -> None: ...

    @dg.asset(key="serving", deps=[stock, hr])
    def serving() -> None: ...

    assets = [raw, stock, hr, serving]
    keys = selected_keys(RunPlan(False, ("stock_ledger",), "r"), assets)
    assert keys == [dg.AssetKey(["marts", "stock"]), dg.AssetKey(["raw", "stock_ledger"]), dg.AssetKey("serving")]
    assert selected_keys(RunPlan(True, ("product",), "r"), assets) is None
    assert selected_keys(RunPlan(False, (), "r"), assets) == []


def test_the_days_first_run_checks_everything_and_a_change_run_is_scoped() -> None:
    from orchestration.checks.coverage import is_incremental
    from orchestration.run_plan import plan_tags

    everything = plan_run(MARKERS, dict(MARKERS), date(2026, 3, 8), TODAY)
    changed = plan_run({**MARKERS, "stock_ledger": "9|9|"}, MARKERS, TODAY, TODAY)
    incremental = {"jxc/pipeline": "incremental"}
    assert not is_incremental({**incremental, **plan_tags(everything)})
    assert is_incremental({**incremental, **plan_tags(changed)})
    assert not is_incremental({"jxc/pipeline": "full", **plan_tags(changed)})
    assert not is_incremental({})  # a direct materialization compares everything


def test_every_model_reading_a_changed_table_is_in_the_run() -> None:
    """Each dbt source is the raw asset of its table, whatever source name the yml declares it
    under (raw, jxc_receivables, jxc_cash, ...): a run planned from one changed table selects every
    model that reads it. The sources not named "raw" used to be assets of their own, so a day's
    receipts and payments rebuilt no receivables model and the aging check failed at scale 20."""
    from orchestration.assets.dbt import MANIFEST_PATH, model_key
    from orchestration.dbt_project import load_manifest
    from orchestration.jobs import PIPELINE_ASSETS

    manifest = load_manifest(MANIFEST_PATH)
    readers: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("source."):
                source = manifest["sources"][parent]
                readers.setdefault(source.get("identifier") or source["name"], set()).add(node["name"])
    assert {"ar_allocation", "customer_receipt", "cash_ledger", "supplier_payment"} <= set(readers)
    for table, models in readers.items():
        keys = set(selected_keys(RunPlan(False, (table,), "r"), PIPELINE_ASSETS) or [])
        missing = {m for m in models if model_key(m) not in keys}
        assert not missing, (table, missing)
    receipts = set(selected_keys(RunPlan(False, ("customer_receipt",), "r"), PIPELINE_ASSETS) or [])
    assert {model_key("fct_receivable_unapplied_periods"), model_key("mart_ar_aging")} <= receipts
