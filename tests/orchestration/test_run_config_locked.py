"""A run's configuration cannot name an executable, a path or a database.

Before, every resource was a ``ConfigurableResource`` whose fields were run config: one GraphQL
call launched a run with ``resources.dbt.config.dbt_executable: /bin/bash`` and
``global_config_flags: [-c, <command>]`` and ran the command as the server's user; ``database_url``,
``warehouse_path`` and ``serving_path`` pointed a run at another database or serving file. Here
such runs are launched through the persistent instance (as ``jxc pipeline run`` does) and through
a real ``dagster-webserver``'s GraphQL API (as the Dagster UI does), and must be refused with a
config error before any run exists or any step starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._config import ConfigTypeKind

from operational.settings import PROJECT_ROOT
from orchestration.definitions import defs

JOBS = ("full_pipeline", "incremental_pipeline")


def attacks(marker: Path, elsewhere: Path) -> dict[str, dict[str, Any]]:
    """Run configurations that would run a shell command, or read or write other files."""
    return {
        "dbt_executable": {"resources": {"dbt": {"config": {
            "project_dir": str(PROJECT_ROOT / "transforms"),
            "dbt_executable": "/bin/bash", "global_config_flags": ["-c", f"touch {marker}"]}}}},
        "dbt_project_dir": {"resources": {"dbt": {"config": {"project_dir": str(elsewhere)}}}},
        "database_url": {"resources": {"store": {"config": {"database_url": f"sqlite:///{elsewhere}/other.sqlite"}}}},
        "warehouse_path": {"resources": {"warehouse": {"config": {"warehouse_path": str(elsewhere / "w.duckdb")}}}},
        "serving_path": {"resources": {"warehouse": {"config": {"serving_path": str(elsewhere / "s.duckdb")}}}},
        "io_manager_base_dir": {"resources": {"io_manager": {"config": {"base_dir": str(elsewhere)}}}},
    }


def _leaves(config_type: Any, path: str) -> Iterator[tuple[str, str]]:
    kind = config_type.kind
    if kind in (ConfigTypeKind.STRICT_SHAPE, ConfigTypeKind.PERMISSIVE_SHAPE, ConfigTypeKind.SELECTOR):
        for name, field in config_type.fields.items():
            yield from _leaves(field.config_type, f"{path}.{name}")
    elif kind in (ConfigTypeKind.ARRAY, ConfigTypeKind.NONEABLE, ConfigTypeKind.MAP):
        yield from _leaves(config_type.inner_type, f"{path}[]")
    else:
        yield path, kind.name


def _allowed(path: str, kind: str, op_names: set[str]) -> bool:
    if path.startswith("resources."):
        return False  # every resource's config schema is empty: no leaf at all
    if path in {"ops.raw_extract.config.full[]", "loggers.console.config.log_level", "loggers.console.config.name",
                "execution.config.step_dependency_config.require_upstream_step_success"}:
        return True
    # The report assets take the last day of their period, a date checked against the store's
    # earliest date and today (orchestration/assets/reports.py): no path, no command.
    if path in {f"ops.reports__{kind}.config.as_of[]" for kind in ("daily", "weekly", "monthly")}:
        return True
    # Deprecated in Dagster 1.13: the in-process executor stores it and never reads it.
    if path == "execution.config.marker_to_close":
        return True
    # An op without config of its own takes "Any" and never sees it.
    parts = path.split(".")
    return kind == "ANY" and len(parts) == 3 and parts[0] == "ops" and parts[1] in op_names and parts[2] == "config"


@pytest.mark.parametrize("job_name", [*JOBS, "__ASSET_JOB"])
def test_no_run_config_field_names_an_executable_a_path_or_a_database(job_name: str) -> None:
    job = defs.resolve_job_def(job_name)
    op_names = {node.name for node in job.graph.nodes if node.name != "raw_extract"}
    schema = job.run_config_schema.config_type
    leaves = [(p.removeprefix("root."), k) for p, k in _leaves(schema, "root")]
    assert ("ops.raw_extract.config.full[]", "SCALAR_UNION") in leaves  # the walk does reach the leaves
    unexpected = [(p, k) for p, k in leaves if not _allowed(p, k, op_names)]
    assert unexpected == []
    resources = schema.fields["resources"].config_type.fields
    assert {"store", "warehouse", "dbt", "io_manager"} <= set(resources)
    for name in ("store", "warehouse", "dbt", "io_manager"):
        assert resources[name].config_type.fields["config"].config_type.fields == {}, name


@pytest.mark.parametrize("attack", sorted(attacks(Path("/m"), Path("/e"))))
def test_a_run_launched_on_the_instance_with_such_config_is_refused(
        attack: str, dagster_home: Path, data_dir: Path) -> None:
    marker, elsewhere = data_dir / "pwned", data_dir / "elsewhere"
    job = defs.resolve_job_def("full_pipeline")
    run_config = {"ops": {"raw_extract": {"config": {"full": True}}}, **attacks(marker, elsewhere)[attack]}
    with dg.DagsterInstance.get() as instance:
        with pytest.raises(dg.DagsterInvalidConfigError, match="unexpected config entr") as refused:
            job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=True)
        resource = next(iter(run_config["resources"]))
        assert f"root:resources:{resource}:config" in str(refused.value)
        assert instance.get_runs() == []
    assert not marker.exists() and not elsewhere.exists()
    assert not (data_dir / "warehouse.duckdb").exists()  # no step ran


# --- the Dagster UI's own path: a real webserver, a GraphQL mutation over HTTP ------------------

LAUNCH = """
mutation($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on RunConfigValidationInvalid { errors { message reason } }
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}"""
VALID = """
query($selector: PipelineSelector!, $runConfigData: RunConfigData) {
  isPipelineConfigValid(pipeline: $selector, runConfigData: $runConfigData, mode: "default") { __typename }
}"""
LOCATIONS = """
{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on RepositoryLocation { repositories { name } }
                          ... on PythonError { message } } } } } }"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{url}/graphql", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer
    return answer["data"]


def stop_process_group(process: subprocess.Popen, grace: float = 60) -> None:
    """SIGTERM the server's process group; on a busy machine `dagster dev` may take longer than
    ``grace`` to shut its code server and daemon down, so then SIGKILL it (a test's teardown must
    not fail because the machine is slow)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    except ProcessLookupError:
        pass


@contextlib.contextmanager
def dagster_server(argv: list[str], port: int, env: dict[str, str],
                   log_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """Start a Dagster server (``argv``, listening on ``port``) in its own process group, wait until
    it has loaded the code location, yield its URL and the repository selector; stop it afterwards."""
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            deadline = time.monotonic() + 420  # the code server parses the dbt project; slow on a busy machine
            selector = None
            while selector is None:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"{argv[0]} did not load the code location in time"
                time.sleep(2)
                try:
                    entries = _graphql(url, LOCATIONS)["workspaceOrError"]["locationEntries"]
                except (urllib.error.URLError, ConnectionError):
                    continue
                for entry in entries:
                    loaded = entry["locationOrLoadError"]
                    if entry["loadStatus"] == "LOADED" and loaded:
                        assert loaded["__typename"] == "RepositoryLocation", loaded
                        selector = {"repositoryLocationName": entry["name"],
                                    "repositoryName": loaded["repositories"][0]["name"]}
            yield url, selector
        finally:
            stop_process_group(process)


@pytest.fixture
def webserver(dagster_home: Path, data_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`dagster-webserver -m orchestration.definitions` on 127.0.0.1; yields its URL and the repository."""
    port = _free_port()
    argv = [str(Path(sys.executable).parent / "dagster-webserver"), "-m", "orchestration.definitions",
            "-h", "127.0.0.1", "-p", str(port)]
    with dagster_server(argv, port, dict(os.environ), data_dir / "webserver.log") as server:
        yield server


@pytest.mark.slow
def test_the_webserver_refuses_a_graphql_launch_with_such_config(webserver: tuple[str, dict[str, str]],
                                                                   data_dir: Path) -> None:
    url, repository = webserver
    marker, elsewhere = data_dir / "pwned", data_dir / "elsewhere"
    selector = {**repository, "pipelineName": "full_pipeline"}
    own = {"ops": {"raw_extract": {"config": {"full": True}}}}
    # The selector and the job's own configuration are fine: what is refused is the resource part.
    valid = _graphql(url, VALID, {"selector": selector, "runConfigData": own})
    assert valid["isPipelineConfigValid"]["__typename"] == "PipelineConfigValidationValid"

    for name, attack in attacks(marker, elsewhere).items():
        params = {"selector": selector, "runConfigData": {**own, **attack}, "mode": "default"}
        result = _graphql(url, LAUNCH, {"executionParams": params})["launchPipelineExecution"]
        assert result["__typename"] == "RunConfigValidationInvalid", (name, result)
        messages = " ".join(e["message"] for e in result["errors"])
        assert "unexpected config entr" in messages, (name, messages)
    time.sleep(3)  # a launched run would have started its worker by now
    with dg.DagsterInstance.get() as instance:
        assert instance.get_runs() == []
    assert not marker.exists() and not elsewhere.exists()
    assert not (data_dir / "warehouse.duckdb").exists()
