"""Pruning keeps the last JXC_KEEP_RUNS runs: Dagster's run history (records, event logs, compute
logs), the CLI's run logs and dagster-dbt's per-invocation target folders; a run in progress and the
run of the last publish are never pruned."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from operational.settings import get_settings
from orchestration.dead_runs import this_process_tags
from orchestration.retention import prune
from orchestration.state import update_state

KEEP, EXTRA = 3, 4


@dg.op
def noop() -> int:
    return 1


@dg.job
def tiny_job() -> None:
    noop()


def _dbt_folder(target: Path, run_id: str, age: int) -> Path:
    """A folder like dagster-dbt makes for one invocation, ``age`` minutes old."""
    folder = target / f"jxc_dbt-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    (folder / "compiled").mkdir(parents=True)
    (folder / "run_results.json").write_text("{}" * 1000)
    (folder / "dbt.log").write_text("log line\n" * 1000)
    stamp = time.time() - 3600 - age * 60  # older than the minutes a folder may still be in use
    for path in (folder / "dbt.log", folder):
        os.utime(path, (stamp, stamp))
    return folder


def test_prune_keeps_the_last_runs_and_their_files(dagster_home: Path, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("JXC_KEEP_RUNS", str(KEEP))
    settings = get_settings()
    assert settings.keep_runs == KEEP
    target = tmp_path / "target"
    (target).mkdir()
    (target / "manifest.json").write_text("{}")  # the project's own parse: never pruned
    logs = settings.dagster_home / "logs"
    logs.mkdir()
    with dg.DagsterInstance.get() as instance:
        run_ids = []
        for age in range(KEEP + EXTRA, 0, -1):  # oldest first
            run_id = tiny_job.execute_in_process(instance=instance).run_id
            run_ids.append(run_id)
            _dbt_folder(target, run_id, age)
            (logs / f"{run_id}.log").write_text("x")
            os.utime(logs / f"{run_id}.log", (time.time() - age * 60,) * 2)
        shard = Path(instance.event_log_storage.path_for_shard(run_ids[0]))
        assert shard.exists()
        # The oldest run made the last publish; one run is in progress in this (live) process.
        update_state(settings.state_path, last_publish={"run_id": run_ids[0]})
        running = DagsterRun(job_name="incremental_pipeline", run_id=str(uuid.uuid4()),
                             status=dg.DagsterRunStatus.STARTED, tags=this_process_tags())
        instance.add_run(running)
        running_folder = _dbt_folder(target, running.run_id, KEEP + EXTRA + 5)  # old, but in use

        report = prune(instance, settings, target=target)

        kept = {r.run_id for r in instance.get_runs()}
        assert kept == {*run_ids[-KEEP:], run_ids[0], running.run_id}
        assert sorted(report.deleted_runs) == sorted(run_ids[1:EXTRA])
        assert not Path(instance.event_log_storage.path_for_shard(run_ids[1])).exists()
        assert shard.exists()  # the published run's events stay (the status and checks read them)
        assert instance.get_run_by_id(run_ids[1]) is None

    folders = sorted(p.name for p in target.iterdir() if p.is_dir())
    assert len(folders) == KEEP + 1 and running_folder.name in folders
    assert {name.split("-")[1] for name in folders} == {r[:7] for r in [*run_ids[-KEEP:], running.run_id]}
    assert (target / "manifest.json").exists()
    assert sorted(p.stem for p in logs.iterdir()) == sorted(run_ids[-KEEP:])
    assert report.freed_bytes > EXTRA * 4000


def test_a_second_prune_removes_nothing(dagster_home: Path, tmp_path: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        for _ in range(2):
            tiny_job.execute_in_process(instance=instance)
        report = prune(instance, get_settings(), keep=5, target=tmp_path / "none")
        assert report.deleted_runs == [] and report.deleted_paths == []
        assert len(instance.get_runs()) == 2


def test_jxc_prune_command(dagster_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from orchestration.cli import app

    with dg.DagsterInstance.get() as instance:
        newest = [tiny_job.execute_in_process(instance=instance).run_id for _ in range(3)][-1]
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))  # as dagster-dbt reads it
    old, fresh = _dbt_folder(tmp_path / "target", "0000000", 10), _dbt_folder(tmp_path / "target", "1111111", 5)
    busy = tmp_path / "target" / "jxc_dbt-2222222-3333333"  # being written by a run of another instance
    busy.mkdir()
    result = CliRunner().invoke(app, ["prune", "--keep", "1"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "deleted 2 runs" in result.output and "kept the last 1 runs" in result.output
    with dg.DagsterInstance.get() as instance:
        assert [r.run_id for r in instance.get_runs()] == [newest]
    assert not old.exists() and fresh.exists() and busy.exists()
