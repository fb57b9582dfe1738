"""Cold vs warm run start-up, measured on the store of JXC_DATA_DIR (docs/orchestration.md, "Warm run worker").

    .venv/bin/python scripts/warm_start_timing.py [--rounds 2]

Loads the code location in a code server (as `dagster dev` does), starts the warm run worker, runs
one full_pipeline to build the warehouse, then `--rounds` times an incremental_pipeline launched
cold (the worker's socket moved aside, so the launcher falls back to the default launcher) and one
launched warm, each through ``instance.launch_run`` as the daemon's run queue does. Prints, per
run, the seconds from the launch (the run's STARTING event) to the run's process reporting itself,
to the first STEP_START, and to the end of the run, and the time taken to create the run before.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))


def _first(instance, run_id: str, event_type, message: str = "") -> float | None:  # noqa: ANN001
    for record in instance.get_records_for_run(run_id, of_type=event_type).records:
        if message in (record.event_log_entry.message or ""):
            return record.event_log_entry.timestamp
    return None


def launch(workspace, job_name: str) -> str:  # noqa: ANN001
    """Create a run from the code server's job and launch it, as the daemon's run queue does."""
    from dagster._cli.job import _create_run

    context = workspace.create_request_context()
    location = context.get_code_location("jxc")
    repository = next(iter(location.get_repositories().values()))
    run = _create_run(instance=context.instance, code_location=location, remote_repo=repository,
                      remote_job=repository.get_full_job(job_name), run_config={}, tags={}, op_selection=None,
                      run_id=None)
    context.instance.launch_run(run.run_id, context)
    return run.run_id


def measure(workspace, job_name: str) -> dict[str, float]:  # noqa: ANN001
    import dagster as dg

    instance = workspace.instance
    launched = time.time()
    run_id = launch(workspace, job_name)
    while not instance.get_run_by_id(run_id).is_finished:
        time.sleep(0.2)
    record = instance.get_run_record_by_id(run_id)
    # From the launch proper (the run's STARTING event); creating the run before it is reported apart.
    starting = _first(instance, run_id, dg.DagsterEventType.PIPELINE_STARTING) or launched
    process = _first(instance, run_id, dg.DagsterEventType.ENGINE_EVENT, "Started process for run")
    step = _first(instance, run_id, dg.DagsterEventType.STEP_START)
    return {"status": record.dagster_run.status.value, "create": starting - launched,
            "process": (process or starting) - starting, "first_step": (step or starting) - starting,
            "total": (record.end_time or time.time()) - starting,
            "worker": record.dagster_run.tags.get("jxc/run_worker", "?")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from orchestration.home import ensure_dagster_home

    home = ensure_dagster_home()
    import dagster as dg
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import ModuleTarget

    from orchestration.warm_protocol import request, socket_path

    sock = socket_path(home)
    aside = sock.with_name(sock.name + ".aside")
    worker = subprocess.Popen([sys.executable, "-m", "orchestration.warm_worker"], cwd=PROJECT_ROOT,
                              start_new_session=True)
    rows = []
    try:
        with dg.DagsterInstance.get() as instance, WorkspaceProcessContext(
            instance, ModuleTarget(module_name="orchestration.definitions", attribute=None,
                                   working_directory=str(PROJECT_ROOT), location_name="jxc"),
        ) as workspace:
            ping = request(sock, {"op": "ping"}, timeout=900)
            print("worker warm-up:", {k: round(v, 1) for k, v in ping["warm_seconds"].items()}, flush=True)
            rows.append(("full (warm)", measure(workspace, "full_pipeline")))
            for _ in range(args.rounds):
                os.rename(sock, aside)  # the launcher finds no worker: a cold start
                try:
                    rows.append(("incremental cold", measure(workspace, "incremental_pipeline")))
                finally:
                    os.rename(aside, sock)
                rows.append(("incremental warm", measure(workspace, "incremental_pipeline")))
                print(rows[-2], rows[-1], flush=True)
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        worker.wait(timeout=120)
    print("seconds from the launch (STARTING event); 'create' = creating the run before it")
    print(f"{'run':<18} {'worker':<6} {'status':<8} {'create':>7} {'to process':>10} {'to 1st step':>11} {'total':>8}")
    for name, row in rows:
        print(f"{name:<18} {row['worker']:<6} {row['status']:<8} {row['create']:>7.1f} {row['process']:>10.1f} "
              f"{row['first_step']:>11.1f} {row['total']:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
