"""`jxc api` serves the REST API on 127.0.0.1 unless opened on purpose (like `jxc serve`), and
`jxc user token` issues the token a program calls it with. Real processes, real sockets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_jxc_serve import _free_port, listeners
from typer.testing import CliRunner

from operational.db import unit_of_work
from operational.services import auth
from operational.settings import PROJECT_ROOT
from orchestration.cli import app
from orchestration.serve import LOOPBACK, api_service

JXC = str(Path(sys.executable).parent / "jxc")


def test_the_api_service_binds_loopback_unless_opened() -> None:
    service = api_service(8000)
    assert service.host == LOOPBACK and service.argv[service.argv.index("--host") + 1] == "127.0.0.1"
    assert api_service(8000, "0.0.0.0").argv[service.argv.index("--host") + 1] == "0.0.0.0"
    assert "warning" == service.argv[service.argv.index("--log-level") + 1]


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _serve(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([JXC, "api", *args], cwd=PROJECT_ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while not listeners(port):
        assert process.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.3)


@pytest.mark.parametrize("opened", [False, True], ids=["loopback", "opened"])
def test_jxc_api_serves_with_a_token_from_jxc_user_token(store_engine, data_dir: Path, opened: bool) -> None:
    with unit_of_work(store_engine) as s:
        auth.create_user(s, "cangku", "secret-pw-1", "warehouse", iterations=1000)
    issued = CliRunner().invoke(app, ["user", "token", "cangku", "--name", "scanner"], terminal_width=300)
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip().rsplit(" ", 1)[-1]
    assert token.startswith("jxc_")
    env = {k: v for k, v in os.environ.items() if k != "JXC_SERVE_HOST"}
    port = _free_port()
    log = data_dir / "api.log"
    process = _serve(["--port", str(port)] + (["--host", "0.0.0.0"] if opened else []), log, env)
    try:
        _wait(process, port, log)
        assert listeners(port) == ({"0.0.0.0"} if opened else {"127.0.0.1"})
        status, me = _get(f"http://127.0.0.1:{port}/api/v1/me", token)
        assert (status, me["username"], me["role"]) == (200, "cangku", "warehouse")
        status, error = _get(f"http://127.0.0.1:{port}/api/v1/stock")
        assert status == 401 and error["error"]["code"] == "api_token_missing"
        status, spec = _get(f"http://127.0.0.1:{port}/openapi.json")
        assert status == 200 and spec["info"]["title"] == "JXC 进销存 API"
    finally:
        _stop(process)
    output = log.read_text(errors="replace")
    assert "/api/v1" in output
    assert ("warning: listening on 0.0.0.0" in output) is opened


def test_jxc_api_refuses_a_store_that_does_not_exist(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JXC_DATABASE_URL", f"sqlite:///{data_dir / 'missing.sqlite'}")
    result = CliRunner().invoke(app, ["api", "--port", str(_free_port())], terminal_width=300)
    assert result.exit_code == 1 and "jxc init" in result.output
