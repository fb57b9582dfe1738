"""The dbt project as assets: ``dbt build`` runs models and their tests (tests become asset checks)."""

# No `from __future__ import annotations` here: Dagster inspects the real annotations of
# decorated functions to inject the context and resources.

import contextlib
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets, get_asset_key_for_model

from operational.settings import get_settings
from orchestration.assets.raw import raw_asset_key
from orchestration.dbt_project import (
    dbt_project,
    ensure_manifest,
    export_warehouse_path,
    load_manifest,
    mart_nodes,
)
from orchestration.dbt_results import build_errors
from orchestration.dbt_test_scope import begin_test_scope, end_test_scope
from orchestration.resources import WarehouseResource

MANIFEST_PATH = ensure_manifest()


class JxcDbtTranslator(DagsterDbtTranslator):
    """Groups models by layer folder (staging / intermediate / marts) in the Dagster UI, and makes
    every dbt source the raw asset that extracts its table."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # The sources are declared under several source names (raw, jxc_receivables, jxc_cash, ...),
        # all tables of the raw schema. The default key ([source name, table]) left those not named
        # "raw" as unconnected assets, so a run planned from the changed tables (receipts, payments,
        # cash entries) selected none of the models that read them.
        if dbt_resource_props["resource_type"] == "source":
            return raw_asset_key(dbt_resource_props.get("identifier") or dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return fqn[1]
        return super().get_group_name(dbt_resource_props)


@contextlib.contextmanager
def _dbt_output_to_run_log(run_id: str) -> Iterator[None]:
    """dagster-dbt writes every dbt event line (two per node, ~1,300 a run) to stdout.

    `jxc pipeline run` already sends stdout to DAGSTER_HOME/logs/<run id>.log. A run the daemon
    launches (sensor, schedule, Dagster UI) would print them into the `jxc serve` terminal, so
    they go to the same per-run file instead.
    """
    if sys.stdout is not sys.__stdout__:  # already redirected (the CLI's run, a test's capture)
        yield
        return
    log_path = get_settings().dagster_home / "logs" / f"{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        yield


@dbt_assets(manifest=MANIFEST_PATH, project=dbt_project, dagster_dbt_translator=JxcDbtTranslator(),
            name="jxc_dbt")
def jxc_dbt_assets(context: AssetExecutionContext, dbt: dg.ResourceParam[DbtCliResource],
                   warehouse: dg.ResourceParam[WarehouseResource]) -> Iterator[Any]:
    # The profile reads the DuckDB path from the environment; point it at this run's warehouse.
    export_warehouse_path(warehouse.path)
    # Failing tests are not a step failure: they arrive as failed asset checks, the remaining
    # checks still run (so a run reports every problem at once) and `serving` refuses to publish.
    # A model or test that cannot run at all (an SQL error) does fail the step.
    # Incremental runs test the run's rows of the big models (orchestration/dbt_test_scope.py).
    test_scope = begin_test_scope(warehouse.path, context.run.run_id, context.run.tags)
    with _dbt_output_to_run_log(context.run_id):
        invocation = dbt.cli(["build"], context=context, raise_on_error=False)
        yield from invocation.stream()
    end_test_scope(warehouse.path, test_scope, invocation.get_artifact("run_results.json"))
    errors = build_errors(invocation.get_artifact("run_results.json"))
    if errors:
        raise dg.Failure(description="dbt build failed: " + "; ".join(errors))


def model_key(model_name: str) -> dg.AssetKey:
    return get_asset_key_for_model([jxc_dbt_assets], model_name)


def model_names() -> set[str]:
    return {node["name"] for node in load_manifest(MANIFEST_PATH)["nodes"].values()
            if node["resource_type"] == "model"}


def mart_keys() -> list[dg.AssetKey]:
    """Every model under models/marts: the serving file is downstream of all of them."""
    return [model_key(node["name"]) for node in mart_nodes(load_manifest(MANIFEST_PATH))]
