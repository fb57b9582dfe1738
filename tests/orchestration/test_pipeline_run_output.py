"""A real `jxc pipeline run` prints nothing a newcomer would read as failure.

Before, every run printed two "Logging an `AssetObservation` instead of an `AssetCheckResult`"
paragraphs (twice each: Dagster's console and Python's root handler), plus `INFO:dagster.builtin:`
and `INFO:great_expectations...` lines. The command runs as its own process, so everything any
library writes to the terminal (both streams) is in the captured output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tiny_company import build_tiny_company

from operational.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow
JXC = str(Path(sys.executable).parent / "jxc")
# Anything that looks like trouble or log noise on the terminal.
NOISE = re.compile(r"warn|deprecat|error|traceback|AssetObservation|^(DEBUG|INFO):| - (DEBUG|INFO) - ", re.IGNORECASE)


# dagster_home: the pipeline tests' data folder and dbt parse (tests/conftest.py data_dir)
@pytest.mark.usefixtures("dagster_home")
def test_a_full_run_prints_only_progress_and_the_result(store_engine: Engine, data_dir: Path) -> None:
    build_tiny_company(store_engine)
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # the data dir's own home
    done = subprocess.run([JXC, "pipeline", "run", "--full"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=1500)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert re.search(r"published \(run \w{8}, full_pipeline\); (\d+)/\1 checks passed", output), output
    noise = [line for line in output.splitlines() if NOISE.search(line)]
    assert noise == []
    # The two singular dbt tests with several parents are asset checks now, not observations.
    log = next((data_dir / "dagster_home" / "logs").glob("*.log")).read_text()
    assert "AssetObservation" not in log
