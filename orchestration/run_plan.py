"""What a pipeline run has to do, decided from what changed in the store (pure, no I/O).

Every incremental run (the change sensor, the hourly schedule, ``jxc pipeline run``) first compares
the store's per-table markers (``operational.services.monitoring.table_markers``) with the markers
recorded by the last successful publish (``pipeline_state.json``, ``last_publish.store_markers``):

- no table changed and the day is the same as the last publish's → nothing to do, no run;
- some tables changed → extract those raw tables and build only what is downstream of them (dbt
  models and their tests, the checks of those assets, and ``serving``, which then replaces only the
  marts this run rebuilt);
- no previous publish (or one without markers), or the day changed since the last publish →
  everything: a full dbt build once a day, which also rebuilds anything that depends on the date.

Markers are compared against the last *publish*, not the last extraction: a run that extracted a
table and then failed a check published nothing, so the next run must build that table's
downstream again even though the raw copy is already current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # Dagster takes seconds to import: `jxc pipeline run` with nothing to do never needs it
    import dagster as dg

# The business day the pipeline lives by: the hourly schedule runs in it, and a publish on an
# earlier day of it means the next run rebuilds everything.
PIPELINE_TIMEZONE = "Asia/Shanghai"
# Metadata / state keys: each raw asset records its table's marker (taken before the extract);
# serving records the markers of everything it has published.
RAW_MARKER_KEY = "store_marker"
PUBLISHED_MARKERS_KEY = "store_markers"


@dataclass(frozen=True)
class RunPlan:
    """``everything``: the whole job; otherwise extract ``tables`` and build what is downstream."""

    everything: bool
    tables: tuple[str, ...]
    reason: str

    @property
    def nothing_to_do(self) -> bool:
        return not self.everything and not self.tables


# A run that rebuilds everything (the day's first) also checks everything: the reconciliation and the
# big models' dbt tests are otherwise scoped to what changed (orchestration.checks.coverage).
CHECKS_TAG = "jxc/checks"


def plan_tags(plan: RunPlan | None) -> dict[str, str]:
    """Run tags that follow from the plan."""
    return {CHECKS_TAG: "complete"} if plan is not None and plan.everything else {}


def pipeline_today(now: datetime | None = None) -> date:
    """Today in the pipeline's time zone."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(PIPELINE_TIMEZONE)).date()


def publish_day(published_at: str | datetime | None) -> date | None:
    """The pipeline-time-zone day of a publish time (naive values are UTC, as the state file keeps them)."""
    if published_at is None or published_at == "":
        return None
    moment = datetime.fromisoformat(published_at) if isinstance(published_at, str) else published_at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return pipeline_today(moment)


def changed_tables(current: Mapping[str, str], published: Mapping[str, str]) -> tuple[str, ...]:
    """Tables whose marker differs from the published one (a table new to the store counts as changed),
    in the order of ``current`` (the extract's dependency order)."""
    return tuple(name for name, marker in current.items() if published.get(name) != marker)


def plan_run(current: Mapping[str, str], published: Mapping[str, str] | None,
             last_publish_day: date | None, today: date) -> RunPlan:
    """The plan for a run now. ``published`` is None when nothing was published with markers yet."""
    everything = tuple(current)
    if published is None or last_publish_day is None:
        return RunPlan(True, everything, "no previous publish: building everything")
    if last_publish_day != today:
        return RunPlan(True, everything, f"first run of {today.isoformat()} (last publish "
                                         f"{last_publish_day.isoformat()}): building everything")
    changed = changed_tables(current, published)
    if not changed:
        return RunPlan(False, (), "nothing changed in the store since the last publish")
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    return RunPlan(False, changed, f"{len(changed)} store tables changed: {shown}")


def plan_from_state(current: Mapping[str, str], state: Mapping[str, Any], today: date) -> RunPlan:
    """``plan_run`` with the last publish read from the contents of ``pipeline_state.json``."""
    last = state.get("last_publish") or {}
    published = last.get(PUBLISHED_MARKERS_KEY)
    return plan_run(current, published if isinstance(published, dict) else None,
                    publish_day(last.get("published_at")), today)


def selected_keys(plan: RunPlan, assets: Iterable[dg.AssetsDefinition] | Any) -> list[dg.AssetKey] | None:  # noqa: ANN401
    """The assets a run of ``plan`` materializes: None for everything (the job's own selection),
    else the changed raw assets and everything downstream of them, resolved on ``assets`` (the
    job's assets definitions or its asset graph). The checks of those assets come with them: a run
    requested with an asset selection runs the checks of the selected assets."""
    import dagster as dg

    if plan.everything:
        return None
    if not plan.tables:
        return []
    from orchestration.assets.raw import raw_asset_key

    selection = dg.AssetSelection.assets(*(raw_asset_key(t) for t in plan.tables)).downstream()
    return sorted(selection.resolve(assets), key=lambda k: k.to_user_string())


def updated_markers(published: Mapping[str, str] | None, extracted: Mapping[str, str],
                    all_tables: Iterable[str]) -> dict[str, str]:
    """What a publish records: the markers of the tables this run extracted over the previously
    published ones. A run that extracted every table records only its own."""
    if published is None or set(all_tables) <= set(extracted):
        return dict(extracted)
    return {**published, **extracted}
