"""The store and the data files are readable by their owner only (issue 10): `jxc init`, an
extract, a publish, the pipeline state and Dagster's home, each in a fresh process started with
the usual umask 022, leave a 0700 data dir and 0600 files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

JXC = str(Path(sys.executable).parent / "jxc")

PUBLISH = textwrap.dedent("""
    from datetime import datetime
    from operational.settings import get_settings
    from ingestion.extract import extract_to_raw
    from orchestration.home import ensure_dagster_home
    from orchestration.serving_file import PublishInfo, build_serving_file
    from orchestration.state import write_state

    s = get_settings()
    extract_to_raw(s.database_url, s.warehouse_path, full=True)
    build_serving_file(s.warehouse_path, s.serving_path, "raw",
                       PublishInfo(datetime(2026, 12, 7), "run-1", "job", "w"), [])
    write_state(s.state_path, {"last_publish": "run-1"})
    ensure_dagster_home()
""")


def _run(args: list[str], data_dir: Path) -> None:
    env = {**os.environ, "JXC_DATA_DIR": str(data_dir)}
    env.pop("JXC_DATABASE_URL", None)
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: os.umask(0o022))  # what a login shell usually has
    assert done.returncode == 0, done.stdout + done.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_init_and_a_publish_leave_owner_only_files(tmp_path: Path) -> None:
    data = tmp_path / "data"  # does not exist yet: jxc init creates it
    _run([JXC, "init"], data)
    assert _mode(data) == 0o700
    assert _mode(data / "jxc.sqlite") == 0o600
    _run([sys.executable, "-c", PUBLISH], data)
    for name in ("warehouse.duckdb", "serving.duckdb", "pipeline_state.json", "dagster_home/dagster.yaml"):
        assert _mode(data / name) == 0o600, name
    assert _mode(data / "dagster_home") == 0o700
    others = [str(p.relative_to(data)) for p in data.rglob("*") if _mode(p) & 0o077]
    assert others == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_an_existing_open_data_dir_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    _run([JXC, "init"], data)
    assert _mode(data) == 0o700
