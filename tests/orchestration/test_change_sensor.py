"""The store-change sensor requests a run when the store changed since the last extraction, and
not otherwise: not on the first tick after `jxc serve` starts (empty cursor), nor after a
`jxc pipeline run` extracted the change already. Evaluated against a real persistent instance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine
from tiny_company import add_shipped_sale

from orchestration.assets.raw import extraction_fingerprint, raw_extract
from orchestration.resources import StoreResource, WarehouseResource
from orchestration.sensors import store_change_sensor


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as instance:
        yield instance


def _tick(instance: dg.DagsterInstance, cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"store": StoreResource()})
    result = store_change_sensor(context)
    return result, context.cursor


def _extract(instance: dg.DagsterInstance) -> None:
    """What every pipeline run does first (the daemon's or `jxc pipeline run`'s): the real raw extract."""
    result = dg.materialize([raw_extract], instance=instance,
                            resources={"store": StoreResource(), "warehouse": WarehouseResource()})
    assert result.success


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


def test_no_run_for_a_store_already_extracted(store_engine: Engine, tiny_store: dict[str, int],
                                              instance: dg.DagsterInstance) -> None:
    _extract(instance)  # e.g. `make run`'s `jxc pipeline run --full`
    fingerprint = extraction_fingerprint(instance)
    assert fingerprint

    # `jxc serve` starts: the sensor's first tick has no cursor, the store is unchanged.
    startup, cursor = _tick(instance, None)
    assert isinstance(startup, dg.SkipReason)
    assert startup.skip_message == "store unchanged since the last extraction"
    assert cursor == fingerprint

    # A change posted and extracted by `jxc pipeline run` before the sensor looked: nothing to do.
    add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 9), quantity="4")
    _extract(instance)
    after_cli, cursor_after_cli = _tick(instance, cursor)
    assert isinstance(after_cli, dg.SkipReason) and cursor_after_cli == extraction_fingerprint(instance)

    # A change not yet extracted: one run, keyed by the new fingerprint.
    add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 10), quantity="2")
    changed, new_cursor = _tick(instance, cursor_after_cli)
    assert isinstance(changed, dg.RunRequest) and changed.run_key == new_cursor != cursor_after_cli


def test_unreadable_store_is_skipped_not_crashed(data_dir: Path, instance: dg.DagsterInstance) -> None:
    context = dg.build_sensor_context(
        instance=instance, cursor=None,
        resources={"store": StoreResource(database_url=f"sqlite:///{data_dir}/missing/x.sqlite")},
    )
    result = store_change_sensor(context)
    assert isinstance(result, dg.SkipReason) and "not readable" in (result.skip_message or "")
