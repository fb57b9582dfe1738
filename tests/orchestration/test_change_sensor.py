"""The store-change sensor requests a run after a new document, and not otherwise."""

from __future__ import annotations

from datetime import date

import dagster as dg
from sqlalchemy import Engine
from tiny_company import add_shipped_sale

from orchestration.resources import StoreResource
from orchestration.sensors import store_change_sensor


def _tick(cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
    context = dg.build_sensor_context(cursor=cursor, resources={"store": StoreResource()})
    result = store_change_sensor(context)
    return result, context.cursor


def test_requests_once_per_change(store_engine: Engine, tiny_store: dict[str, int]) -> None:
    first, cursor = _tick(None)  # never seen the store: bring the warehouse up to date
    assert isinstance(first, dg.RunRequest) and first.run_key == cursor

    unchanged, same_cursor = _tick(cursor)
    assert isinstance(unchanged, dg.SkipReason) and same_cursor == cursor

    add_shipped_sale(store_engine, tiny_store, on=date(2026, 3, 9), quantity="4")
    changed, new_cursor = _tick(cursor)
    assert isinstance(changed, dg.RunRequest)
    assert new_cursor != cursor and changed.run_key == new_cursor

    again, _ = _tick(new_cursor)
    assert isinstance(again, dg.SkipReason)


def test_unreadable_store_is_skipped_not_crashed(data_dir) -> None:  # type: ignore[no-untyped-def]
    context = dg.build_sensor_context(
        cursor=None, resources={"store": StoreResource(database_url=f"sqlite:///{data_dir}/missing/x.sqlite")}
    )
    result = store_change_sensor(context)
    assert isinstance(result, dg.SkipReason) and "not readable" in (result.skip_message or "")
