"""The run launcher of this instance (dagster.yaml): hands runs to the warm run worker.

Every run the daemon (change sensor, hourly schedule, the queue) or the Dagster UI launches comes
here. When the warm worker of this DAGSTER_HOME answers (orchestration.warm_worker, started by
``jxc serve``), it forks a child that executes the run with everything already imported; otherwise
the run goes to Dagster's default launcher (a new process spawned by the code server) with a
warning in the log and in the run's event log, so a run is never lost for want of a worker.

``terminate`` interrupts the run's child (SIGINT, as the code server's cancellation does) and
``check_run_worker_health`` reports how the child is doing, so Dagster's run monitoring fails a run
whose worker died. For a run the worker no longer knows (worker restarted, or a cold run) health is
judged by the run's process id, as orchestration.dead_runs does.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

from dagster import DefaultRunLauncher
from dagster._core.code_pointer import ModuleCodePointer
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.dead_runs import process_alive, run_pid
from orchestration.warm_protocol import WorkerUnavailable, request, socket_path

log = logging.getLogger("orchestration.warm_launcher")

WORKER_TAG = "jxc/run_worker"  # "warm": executed by a child of the warm worker; "cold": the default launcher
CODE_MODULE = "orchestration.definitions"


class WarmRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher that first offers each run to the warm run worker (no configuration)."""

    @property
    def worker_socket(self) -> Path:
        return socket_path(self._instance.root_directory)

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        reason = self._not_warm_because(run)
        if reason is None:
            try:
                answer = request(self.worker_socket, {"op": "launch", "run_id": run.run_id})
            except WorkerUnavailable as exc:
                reason = f"the warm run worker is not running ({exc})"
            else:
                self._instance.add_run_tags(run.run_id, {WORKER_TAG: "warm"})
                self._instance.report_engine_event(
                    f"Handed to the warm run worker (child pid: {answer['pid']}).", run, cls=self.__class__)
                return
        message = f"{reason}: run {run.run_id} starts a new process (cold start)"
        log.warning(message)
        self._instance.report_engine_event(message, run, cls=self.__class__)
        self._instance.add_run_tags(run.run_id, {WORKER_TAG: "cold"})
        super().launch_run(context)

    def _not_warm_because(self, run: DagsterRun) -> str | None:
        origin = run.job_code_origin
        pointer = origin.repository_origin.code_pointer if origin else None
        if not (isinstance(pointer, ModuleCodePointer) and pointer.module == CODE_MODULE):
            return f"the run's code is not {CODE_MODULE}"
        return None

    def _worker_status(self, run_id: str) -> dict[str, object] | None:
        try:
            return request(self.worker_socket, {"op": "status", "run_id": run_id})
        except WorkerUnavailable:
            return None

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            return False
        if run.tags.get(WORKER_TAG) != "warm":
            return super().terminate(run_id)
        self._instance.report_run_canceling(run)
        try:
            answer = request(self.worker_socket, {"op": "terminate", "run_id": run_id})
            if answer.get("signalled"):
                return True
        except WorkerUnavailable:
            pass
        # The worker is gone (or restarted) but its child may still run: interrupt it by its pid.
        pid = self._live_pid(run)
        if pid is None:
            self._instance.report_engine_event("The run's process was not found; nothing to interrupt.",
                                               run, cls=self.__class__)
            return False
        os.kill(pid, signal.SIGINT)
        return True

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        if run.tags.get(WORKER_TAG) == "warm":
            status = self._worker_status(run.run_id)
            if status is not None and status["state"] == "running":
                return CheckRunHealthResult(WorkerStatus.RUNNING, run_worker_id=str(status["pid"]))
            if status is not None and status["state"] == "exited":
                code = int(status["exit_code"])  # type: ignore[call-overload]
                if code == 0:
                    return CheckRunHealthResult(WorkerStatus.SUCCESS, run_worker_id=str(status["pid"]))
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                return CheckRunHealthResult(WorkerStatus.FAILED, f"the run's process (pid {status['pid']}) ended "
                                            f"with {how}", run_worker_id=str(status["pid"]))
        # A cold run, or a warm one the worker no longer knows: judge by the run's process.
        pid = run_pid(self._instance, run)
        if pid is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "the run's process is not known yet")
        if self._live_pid(run) is None:
            return CheckRunHealthResult(WorkerStatus.FAILED, f"the run's process (pid {pid}) is gone",
                                        run_worker_id=str(pid))
        return CheckRunHealthResult(WorkerStatus.RUNNING, run_worker_id=str(pid))

    def _live_pid(self, run: DagsterRun) -> int | None:
        pid = run_pid(self._instance, run)
        if pid is None:
            return None
        record = self._instance.get_run_record_by_id(run.run_id)
        started = (record.start_time or record.create_timestamp.timestamp()) if record else None
        return pid if process_alive(pid, started_by=started) else None
