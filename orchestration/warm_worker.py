"""The warm run worker: pays the start-up of a pipeline run once, then forks one child per run.

A cold run worker (Dagster's default launcher: the code server spawns a fresh interpreter per run)
imports Dagster and dagster-dbt, builds the definitions (with the dbt manifest) and, when a GX
check runs, imports Great Expectations, for every run. ``jxc serve`` starts this process instead
(``python -m orchestration.warm_worker``): it does all of that once, then listens on
``DAGSTER_HOME/run_worker.sock`` (orchestration.warm_protocol). For each run the launcher hands
over (orchestration.warm_launcher) it forks a child, copy-on-write, which executes the run exactly
as ``dagster api execute_run`` does (``dagster._cli.api._execute_run_command_body``: the same
"Started process for run (pid: N)" engine event, run status, event log and failure handling) and
exits. A run that crashes or is killed takes only its child; the worker reaps it and records how it
ended, which the launcher's ``check_run_worker_health`` reports.

The worker keeps a single thread and opens no instance, database or DuckDB file before it forks,
so a child inherits nothing another process is using. It binds the socket before it warms up, so a
run launched meanwhile (the change sensor's first tick after ``jxc serve`` starts) waits for it
instead of starting cold.

Code changed after start-up is not seen by the warm worker (as by a running code server):
restart ``jxc serve`` after an upgrade.
"""

from __future__ import annotations

import argparse
import logging
import os
import selectors
import signal
import socket
import sys
import time
import traceback
from collections import OrderedDict
from pathlib import Path
from typing import Any

from orchestration.home import ensure_dagster_home, ensure_venv_on_path, quiet_telemetry
from orchestration.warm_protocol import (
    bind_listener,
    peer_is_owner,
    read_message,
    socket_path,
    valid_run_id,
    write_message,
)

log = logging.getLogger("orchestration.warm_worker")

CODE_MODULE = "orchestration.definitions"
# How a child ended when it could not even start the run (exit codes of our own).
EXIT_REFUSED = 2
EXIT_CRASHED = 70
_KEEP_EXITS = 200  # exit codes of finished children kept for check_run_worker_health
_STOP_GRACE_SECONDS = 30.0


def warm_up() -> dict[str, float]:
    """Import and build everything a run needs; returns seconds per part."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    quiet_telemetry()
    import dagster as dg
    import dagster_dbt  # noqa: F401
    from dagster._cli import api  # noqa: F401  (the run execution path)
    seconds["import dagster, dagster-dbt"] = time.perf_counter() - started

    mark = time.perf_counter()
    from orchestration.definitions import defs
    for job in defs.resolve_all_job_defs():  # builds every job (asset job, subsets) once
        job.get_job_snapshot()
    seconds["definitions (dbt manifest)"] = time.perf_counter() - mark

    mark = time.perf_counter()
    from orchestration.checks.expectations import warm_up as warm_up_gx
    warm_up_gx()
    seconds["great_expectations"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with dg.DagsterInstance.get():  # imports the storage classes of this DAGSTER_HOME; closed before any fork
        pass
    seconds["instance"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    return seconds


def execute_run_in_child(run_id: str) -> int:
    """What ``dagster api execute_run`` does for ``run_id``, in this (forked) process; an exit code."""
    import dagster as dg
    from dagster._cli.api import _execute_run_command_body
    from dagster._core.code_pointer import ModuleCodePointer
    from dagster._utils.interrupts import capture_interrupts

    with capture_interrupts(), dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(run_id)
        if run is None:
            return EXIT_REFUSED
        origin = run.job_code_origin
        pointer = origin.repository_origin.code_pointer if origin else None
        if not (isinstance(pointer, ModuleCodePointer) and pointer.module == CODE_MODULE):
            # The worker holds this code location only; never import another module for a run.
            instance.report_run_failed(run, f"the warm run worker executes only {CODE_MODULE} runs")
            return EXIT_REFUSED
        return _execute_run_command_body(run_id, instance, lambda _event: None, set_exit_code_on_failure=True)


class Worker:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.listener: socket.socket | None = None
        self.running: dict[str, int] = {}  # run id -> child pid
        self.exits: OrderedDict[str, tuple[int, int]] = OrderedDict()  # run id -> (pid, exit code)
        self.warm_seconds: dict[str, float] = {}

    def bind(self) -> None:
        self.listener = bind_listener(self.path)

    def serve(self) -> None:
        assert self.listener is not None
        selector = selectors.DefaultSelector()
        selector.register(self.listener, selectors.EVENT_READ)
        try:
            while True:
                for _key, _events in selector.select(timeout=1.0):
                    conn, _ = self.listener.accept()
                    with conn:
                        self._handle(conn)
                self.reap()
        finally:
            selector.close()
            self.close()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
            self.path.unlink(missing_ok=True)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5.0)
        try:
            if not peer_is_owner(conn):
                write_message(conn, {"ok": False, "error": "not the owner of this run worker"})
                return
            answer = self.answer(read_message(conn), conn)
        except (OSError, ValueError) as exc:
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        if answer is not None:
            try:
                write_message(conn, answer)
            except OSError:
                pass  # the launcher gave up waiting; it will ask for the run's status

    def answer(self, message: dict[str, Any], conn: socket.socket) -> dict[str, Any] | None:
        op = message.get("op")
        if op == "ping":
            return {"ok": True, "pid": os.getpid(), "warm_seconds": self.warm_seconds, "running": dict(self.running)}
        run_id = message.get("run_id")
        if not valid_run_id(run_id):
            return {"ok": False, "error": "a run id is a UUID"}
        if op == "launch":
            if run_id in self.running or run_id in self.exits:
                return {"ok": False, "error": f"run {run_id} was already handed to this worker"}
            return {"ok": True, "pid": self.fork_run(run_id, conn)}
        if op == "status":
            self.reap()
            if run_id in self.running:
                return {"ok": True, "state": "running", "pid": self.running[run_id]}
            if run_id in self.exits:
                pid, code = self.exits[run_id]
                return {"ok": True, "state": "exited", "pid": pid, "exit_code": code}
            return {"ok": True, "state": "unknown"}
        if op == "terminate":
            pid = self.running.get(run_id)
            if pid is None:
                return {"ok": True, "signalled": False}
            os.kill(pid, signal.SIGINT)  # Dagster turns it into an interrupted (cancelled) run
            return {"ok": True, "signalled": True, "pid": pid}
        return {"ok": False, "error": f"unknown operation {op!r}"}

    def fork_run(self, run_id: str, conn: socket.socket) -> int:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the worker's loop
            code = EXIT_CRASHED
            try:
                conn.close()
                if self.listener is not None:
                    self.listener.close()
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                code = execute_run_in_child(run_id)
            except BaseException:  # noqa: BLE001 - the child must exit, never unwind into the worker
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.running[run_id] = pid
        log.info("run %s started in child process %s", run_id, pid)
        return pid

    def reap(self) -> None:
        while self.running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            run_id = next((r for r, p in self.running.items() if p == pid), None)
            if run_id is None:
                continue
            del self.running[run_id]
            code = os.waitstatus_to_exitcode(status)
            self.exits[run_id] = (pid, code)
            while len(self.exits) > _KEEP_EXITS:
                self.exits.popitem(last=False)
            # 0 and 1: the run reported its success or failure itself (the Dagster UI shows it);
            # a signal or another code means the run may not have, so say so on the console.
            level = logging.INFO if code in (0, 1) else logging.WARNING
            log.log(level, "run %s: child process %s ended with %s", run_id, pid,
                    f"signal {-code}" if code < 0 else f"exit code {code}")

    def stop_children(self, grace: float = _STOP_GRACE_SECONDS) -> None:
        """Interrupt the runs still executing (they report it) and wait for them a while."""
        for pid in self.running.values():
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while self.running and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.2)


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    # SIGTERM (a service manager, `kill`) stops the worker like Ctrl-C.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.warm_worker", description=__doc__.split("\n")[0])
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    home = ensure_dagster_home()
    ensure_venv_on_path()
    # Ctrl-C (the supervisor's SIGINT) and SIGTERM stop the worker, even when it was started in the
    # background, which inherits SIGINT as ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    worker = Worker(socket_path(home))
    try:
        # Bound first: a launch made while warming up waits in the socket's backlog for the answer.
        worker.bind()
        try:
            worker.warm_seconds = warm_up()
        except Exception:  # noqa: BLE001 - broken code must not stop the dashboards of `jxc serve`
            # The code location fails to load (the Dagster UI shows why): stay up without a
            # socket, so launches start cold and report the same error, and `jxc serve` goes on.
            log.exception("the run worker could not load the code location; runs start cold")
            worker.close()
            while True:
                signal.pause()
        print(f"run worker ready (pid {os.getpid()}, warmed up in {worker.warm_seconds['total']:.1f} s)",
              file=sys.stderr, flush=True)
        worker.serve()
    except KeyboardInterrupt:
        pass
    finally:
        worker.close()
        worker.stop_children()
    return 0


if __name__ == "__main__":
    exit_code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Nothing is left to close (no instance or file is open here); tearing down the interpreter with
    # Dagster, dbt and GX loaded took tens of seconds on a busy machine, past `jxc serve`'s grace.
    os._exit(exit_code)
