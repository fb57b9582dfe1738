"""Every run logs at the level `jxc serve` says (warning), whichever job and however launched.

Runs of ``jxc pipeline run`` set their console logger in the run configuration. A run launched
without one — the Dagster UI's "Materialize" (job ``__ASSET_JOB``), a sensor's or the schedule's
run — got Dagster's default console logger at DEBUG, which printed every event of every run to
the `jxc serve` console. Here such runs are made in-process through the persistent instance, and
launched through `dagster dev` (the command `jxc serve` starts) over its GraphQL API as the UI
does; neither may print a DEBUG or INFO line, and the run's events are still stored.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from test_run_config_locked import _free_port, _graphql, dagster_server

from orchestration.assets.raw import raw_asset_key
from orchestration.serve import LOG_LEVEL, dagster_service

# Dagster's console format: "<date> <time> +0000 - dagster - DEBUG - <job> - <run id> - ..."
_BELOW_WARNING = re.compile(r" - (DEBUG|INFO) - ")
LEDGER = raw_asset_key("stock_ledger")


def _chatter(text: str) -> list[str]:
    return [line for line in text.splitlines() if _BELOW_WARNING.search(line)]


def test_the_instance_tells_runs_without_logger_config_to_log_at_the_serve_level(dagster_home: Path) -> None:
    assert LOG_LEVEL == "warning"
    with dg.DagsterInstance.get() as instance:
        assert instance.python_log_level == "WARNING"


@pytest.mark.slow
def test_an_asset_job_run_without_logger_config_prints_no_debug_lines(dagster_home: Path, tiny_store: dict[str, int],
                                                                     capfd: pytest.CaptureFixture[str]) -> None:
    from orchestration.definitions import defs

    job = defs.resolve_implicit_global_asset_job_def()
    assert job.name == "__ASSET_JOB"
    capfd.readouterr()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, asset_selection=[LEDGER])  # no run config at all
        assert result.success
        printed = capfd.readouterr()
        assert _chatter(printed.out + printed.err) == []
        # The events are stored whatever the console prints: the UI still shows the run.
        assert instance.get_latest_materialization_event(LEDGER).run_id == result.run_id


# --- the UI's own path: `dagster dev` as `jxc serve` starts it, a GraphQL launch over HTTP ------

LAUNCH = """
mutation($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message }
  }
}"""
RUN = """
query($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run { status } } }"""


@pytest.fixture
def dagster_dev(dagster_home: Path, data_dir: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """`dagster dev` with the arguments `jxc serve` gives it; yields its URL, the repository and its log."""
    port = _free_port()
    service = dagster_service(port)
    log_path = data_dir / "dagster_dev.log"
    with dagster_server(list(service.argv), port, {**os.environ, **dict(service.env)}, log_path) as (url, repo):
        yield url, repo, log_path


@pytest.mark.slow
def test_materialize_launched_from_the_ui_prints_no_debug_lines(dagster_home: Path, tiny_store: dict[str, int],
                                                               request: pytest.FixtureRequest) -> None:
    from orchestration.definitions import defs

    # Extract once first, so the change sensor of the daemon finds the warehouse up to date and
    # starts no pipeline run of its own during the test.
    with dg.DagsterInstance.get() as instance:
        defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[LEDGER], run_config={"loggers": {"console": {"config": {
                "log_level": "CRITICAL"}}}})
    url, repository, log_path = request.getfixturevalue("dagster_dev")
    start = log_path.stat().st_size  # what the start printed is not what a run prints: count from here

    # The asset graph's "Materialize" button: __ASSET_JOB, an asset selection, no run config.
    params = {"selector": {**repository, "pipelineName": "__ASSET_JOB",
                           "assetSelection": [{"path": list(LEDGER.path)}]},
              "runConfigData": {}, "mode": "default"}
    launched = _graphql(url, LAUNCH, {"executionParams": params})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline, status = time.monotonic() + 300, None
    while status not in ("SUCCESS", "FAILURE", "CANCELED"):
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(2)
        status = _graphql(url, RUN, {"runId": run_id})["runOrError"]["status"]
    assert status == "SUCCESS"
    time.sleep(2)  # the worker's last lines
    with log_path.open() as log:
        log.seek(start)
        printed = log.read()
    assert _chatter(printed) == []
    with dg.DagsterInstance.get() as instance:
        assert instance.get_latest_materialization_event(LEDGER).run_id == run_id
