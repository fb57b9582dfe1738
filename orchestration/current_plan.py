"""The plan for an incremental run now, read without Dagster (``jxc pipeline run`` answers
"nothing to do" in about a second of CPU: no Dagster, dbt or Great Expectations import)."""

from __future__ import annotations

from datetime import date

from operational.settings import get_settings
from orchestration.run_plan import RunPlan, pipeline_today, plan_from_state
from orchestration.state import read_state


def plan_incremental(today: date | None = None) -> RunPlan:
    """What an incremental run would do now: the store's markers against the last publish's.
    Reads the store and pipeline_state.json only (no Dagster import: answers in a second or two)."""
    from operational.db import engine_for, session_factory
    from operational.services import monitoring

    settings = get_settings()
    with session_factory(engine_for(settings.database_url))() as session:
        markers = monitoring.table_markers(session)
        session.rollback()
    return plan_from_state(markers, read_state(settings.state_path), today or pipeline_today())
