"""`jxc pipeline run` refuses while another run holds the warehouse, but not because of a dead one."""

from __future__ import annotations

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun

from orchestration.errors import JxcError
from orchestration.runner import cli_run_config, ensure_no_active_run


def test_refuses_while_a_run_is_in_progress() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        ensure_no_active_run(instance)  # nothing running: fine
        instance.add_run(DagsterRun(job_name="incremental_pipeline", run_id="abcdef12-0000",
                                    status=dg.DagsterRunStatus.SUCCESS))
        ensure_no_active_run(instance)  # finished runs do not count
        instance.add_run(DagsterRun(job_name="incremental_pipeline", run_id="12345678-0000",
                                    status=dg.DagsterRunStatus.STARTED))
        with pytest.raises(JxcError, match="12345678 \\(incremental_pipeline\\) is still running"):
            ensure_no_active_run(instance)


def test_cli_run_config_sets_the_extract_mode() -> None:
    assert cli_run_config(True)["ops"] == {"raw_extract": {"config": {"full": True}}}
    assert cli_run_config(False)["ops"] == {"raw_extract": {"config": {"full": False}}}
