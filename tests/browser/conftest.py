"""Browser-test fixtures: the water company's store, `streamlit run` on a free port against it,
and a headless Debian Chromium page. Without Chromium or Playwright a test skips with the reason
(CI sets JXC_STRICT_SKIPS=1, which turns that skip into a failure). A test file that needs another
company overrides ``seeded_store``."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_steps import PASSWORD
from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.services import auth
from operational.services import masterdata as md

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout}s")


@pytest.fixture
def seeded_store(store_engine: Engine) -> Engine:
    with unit_of_work(store_engine) as s:
        md.create_warehouse(s, "WH1", "上海主仓")
        md.create_supplier(s, "S001", "杭州清泉饮品有限公司")
        md.create_product(s, "P001", "矿泉水550ml", barcode="6901234567892", list_price="2.50", standard_cost="1.20")
        auth.create_user(s, "buyer", PASSWORD, "purchasing", display_name="采购员小王", iterations=1000)
    return store_engine


@pytest.fixture
def server(seeded_store: Engine, tmp_path: Path) -> Iterator[str]:
    """`streamlit run dashboards/app.py` on a free port against the test's store; stopped afterwards."""
    port = _free_port()
    streamlit = Path(sys.executable).with_name("streamlit")
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [str(streamlit), "run", "dashboards/app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture
def browser_page() -> Iterator[object]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()
