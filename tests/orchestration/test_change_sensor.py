"""The store-change sensor requests a run when the store changed since the last publish, and not
otherwise: not on the first tick after `jxc serve` starts (empty cursor), nor after a
`jxc pipeline run` published the change already; the run it requests covers only the changed raw
tables and their downstream. Evaluated against a real persistent instance and store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine
from tiny_company import add_shipped_sale

from operational.services.monitoring import fingerprint_of
from operational.settings import get_settings
from orchestration.resources import StoreResource
from orchestration.sensors import store_change_sensor
from orchestration.state import record_publish


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as instance:
        yield instance


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"store": StoreResource()})
    result = store_change_sensor(context)
    return result, context.cursor


def _publish() -> str:
    """What a successful publish of the current store leaves for the next plan (the serving asset
    records it; tests/orchestration/test_change_runs.py does it with real runs). Returns the
    fingerprint of the published markers."""
    markers = StoreResource().markers()
    record_publish(get_settings().state_path, run_id="r", job_name="full_pipeline",
                   published_at=datetime.now(UTC).replace(tzinfo=None), row_counts={},
                   store_watermark=fingerprint_of(markers), store_markers=markers)
    return fingerprint_of(markers)


def test_requests_once_per_change(store_engine: Engine, tiny_store: dict[str, int],
                                  instance: dg.DagsterInstance) -> None:
    first, cursor = _tick(instance, None)  # never extracted: bring the warehouse up to date
    assert isinstance(first, dg.RunRequest) and first.run_key == cursor

    unchanged, same_cursor = _tick(instance, cursor)  # the requested run has not extracted yet
    assert isinstance(unchanged, dg.SkipReason) and same_cursor == cursor

    add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 9), quantity="4")
    changed, new_cursor = _tick(instance, cursor)
    assert isinstance(changed, dg.RunRequest)
    assert new_cursor != cursor and changed.run_key == new_cursor

    again, _ = _tick(instance, new_cursor)
    assert isinstance(again, dg.SkipReason)


def test_no_run_for_a_store_already_published(store_engine: Engine, tiny_store: dict[str, int],
                                              instance: dg.DagsterInstance) -> None:
    fingerprint = _publish()  # e.g. `make run`'s `jxc pipeline run --full`

    # `jxc serve` starts: the sensor's first tick has no cursor, the store is unchanged.
    startup, cursor = _tick(instance, None)
    assert isinstance(startup, dg.SkipReason)
    assert startup.skip_message == "nothing changed in the store since the last publish"
    assert cursor == fingerprint

    # A change posted and published by `jxc pipeline run` before the sensor looked: nothing to do.
    add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 9), quantity="4")
    published = _publish()
    after_cli, cursor_after_cli = _tick(instance, cursor)
    assert isinstance(after_cli, dg.SkipReason) and cursor_after_cli == published != fingerprint

    # A change not yet published: one run of the changed raw tables and their downstream only.
    add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 10), quantity="2")
    changed, new_cursor = _tick(instance, cursor_after_cli)
    assert isinstance(changed, dg.RunRequest) and changed.run_key == new_cursor != cursor_after_cli
    selected = {key.to_user_string() for key in changed.asset_selection or ()}
    assert {"raw/stock_ledger", "raw/shipment", "marts/mart_stock_current", "serving"} <= selected
    assert not {"raw/employee", "raw/leave_ledger", "marts/mart_leave_balances"} & selected
    assert "2026-03-10" not in changed.run_key  # the key of a partial run is the store's fingerprint alone


def test_a_new_day_requests_everything(store_engine: Engine, tiny_store: dict[str, int],
                                       instance: dg.DagsterInstance) -> None:
    markers = StoreResource().markers()
    record_publish(get_settings().state_path, run_id="r", job_name="full_pipeline",
                   published_at=datetime(2020, 1, 1, 3, 0), row_counts={}, store_watermark="", store_markers=markers)
    request, cursor = _tick(instance, None)
    assert isinstance(request, dg.RunRequest) and request.asset_selection is None  # the whole job
    assert request.run_key == cursor and request.run_key.startswith(fingerprint_of(markers) + "@")


def test_unreadable_store_is_skipped_not_crashed(data_dir: Path, instance: dg.DagsterInstance) -> None:
    context = dg.build_sensor_context(
        instance=instance, cursor=None,
        resources={"store": StoreResource(database_url=f"sqlite:///{data_dir}/missing/x.sqlite")},
    )
    result = store_change_sensor(context)
    assert isinstance(result, dg.SkipReason) and "not readable" in (result.skip_message or "")


def test_the_hourly_schedule_plans_like_the_sensor(store_engine: Engine, tiny_store: dict[str, int],
                                                   instance: dg.DagsterInstance, data_dir: Path) -> None:
    from orchestration.schedules import hourly_incremental

    def tick(store: StoreResource) -> dg.RunRequest | dg.SkipReason:
        # As a context manager: its resources and instance reference are released after the tick.
        with dg.build_schedule_context(instance=instance, resources={"store": store},
                                       scheduled_execution_time=datetime(2026, 3, 10, 9, 0, tzinfo=UTC)) as context:
            return hourly_incremental(context)

    _publish()
    idle = tick(StoreResource())
    assert isinstance(idle, dg.SkipReason) and "nothing changed" in (idle.skip_message or "")
    add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 9), quantity="4")
    request = tick(StoreResource())
    assert isinstance(request, dg.RunRequest) and request.asset_selection
    assert request.run_key.endswith("@2026-03-10T09:00:00+00:00")  # a failed run is retried next hour
    missing = tick(StoreResource(database_url=f"sqlite:///{data_dir}/missing/x.sqlite"))
    assert isinstance(missing, dg.SkipReason) and "not readable" in (missing.skip_message or "")
