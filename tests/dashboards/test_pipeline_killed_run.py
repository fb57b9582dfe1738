"""The pipeline page tells a killed run apart: the run whose process died is said to be cut short,
with when it started and when it was found dead, and the last publish is still shown apart."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.dead_runs import HOST_TAG, PID_TAG, fail_dead_runs
from orchestration.state import read_state


def _killed_process_pid() -> int:
    process = subprocess.Popen(["sleep", "60"])
    process.send_signal(signal.SIGKILL)
    process.wait()
    return process.pid


def test_pipeline_page_says_the_last_run_was_killed(app_for, published, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    state_path = data_dir / "pipeline_state.json"
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_run(DagsterRun(job_name="incremental_pipeline", run_id="deadbeef-1111",
                                    status=dg.DagsterRunStatus.STARTED,
                                    tags={PID_TAG: str(_killed_process_pid()), HOST_TAG: socket.gethostname()}))
        assert [d.run_id for d in fail_dead_runs(instance, state_path)] == ["deadbeef-1111"]
    run = read_state(state_path)["last_run"]
    started = run["started_at"][:19].replace("T", " ")
    found = run["finished_at"][:19].replace("T", " ")

    at = app_for("manager", page="views/pipeline.py")
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"最近一次运行（incremental_pipeline，开始于 {started}）中途终止：其进程未完成运行就已结束（被终止或崩溃），"
        f"于 {found} 被标记为失败。以下是最近一次发布的数据；下一次运行可以正常开始。"]
    assert not any("成功完成" in s.value for s in at.success)  # no "the last run succeeded"
    assert "最近发布时间" in [m.label for m in at.metric]  # the last publish, shown apart
